// The field page (docs/field.md): my unit's tasks, unit status and position, reports
// with photos; everything made here goes through the outbox (outbox.js), so it works the
// same with or without a connection.

import * as outbox from '/field/outbox.js';
import { EventStream } from '/ui/stream.js';
import { chooseLanguage, locale, said, setLanguage, t, translateStatic, words } from '/ui/i18n.js';

const BASE = '/api/v1';
const TOKEN = 'marchwarden.field.token';
const SEEN = 'marchwarden.field.seenTasks';
const SOUND = 'marchwarden.field.sound';
const SHARE = 'marchwarden.field.sharePosition';
const STEP_LABEL = {
  'task.accept': 'Accept',
  'task.decline': 'Decline',
  'task.en_route': 'En route',
  'task.on_scene': 'On scene',
  'task.done': 'Done',
};

const stepLabel = (step) => t(`field.step.${step.slice(5)}`, STEP_LABEL[step] ?? step);
const statusLabel = (s) => (s === 'assigned' ? t('field.toAccept', 'assigned — to accept') : words(s));

/** The page in the account's language (else the browser's); the HTML's own words too. */
async function speak(user) {
  await setLanguage(chooseLanguage(user));
  translateStatic();
}

const $ = (id) => document.getElementById(id);
const state = {
  me: null,
  config: null,
  tasks: [],
  units: [],
  unitId: null,
  pending: new Map(), // task id -> label of the step waiting in the outbox
  place: null, // the report's place {lon, lat, uncertainty_m}
  positionTimer: null,
  lastPosition: null,
  online: navigator.onLine,
  map: null,
  marker: null,
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// --------------------------------------------------------------------------- the API

function token() {
  return localStorage.getItem(TOKEN);
}

async function call(path, { method = 'GET', body, headers = {}, raw } = {}) {
  const h = { Accept: 'application/json, application/problem+json', ...headers };
  if (token()) h.Authorization = `Bearer ${token()}`;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + path, { method, headers: h, body: payload, cache: 'no-store', credentials: 'omit' });
  } catch {
    return { ok: false, status: 0, reason: 'no connection' };
  }
  let data = null;
  if ((response.headers.get('content-type') || '').includes('json')) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) {
    // a coded problem in the reader's language (the catalogue's error.<code>), else its detail
    const reason = (data && (said(data.code, data.params, data.detail) || data.title)) || `HTTP ${response.status}`;
    return { ok: false, status: response.status, body: data, reason };
  }
  return { ok: true, status: response.status, body: data };
}

/** The outbox's sender: the item's request with its idempotency key. */
function send(item) {
  return call(item.path, {
    method: 'POST',
    body: item.kind === 'photo' ? undefined : item.body,
    raw: item.kind === 'photo' ? item.blob : undefined,
    headers: {
      'Idempotency-Key': item.key,
      ...(item.kind === 'photo' ? { 'Content-Type': item.blob.type || 'application/octet-stream' } : {}),
    },
  });
}

// --------------------------------------------------------------------------- connection

function setNet(online) {
  state.online = online;
  const net = $('net');
  net.dataset.state = online ? 'online' : 'offline';
  net.textContent = online ? t('field.online', 'Online') : t('field.offline', 'Offline — saved on this phone');
}

let flushTimer = null;
async function flushSoon(delay = 0) {
  clearTimeout(flushTimer);
  flushTimer = setTimeout(async () => {
    if (!navigator.onLine) {
      // the device says it has no network: wait for its 'online' event (or the next round)
      setNet(false);
      await renderQueue();
      return;
    }
    const result = await outbox.flush(send, scheduleQueueRender);
    await renderQueue();
    if (result === 'unauthenticated') showSignIn(t('field.sessionEndedSend', 'Your session has ended: sign in again to send what waits.'));
    if (result === 'offline') {
      setNet(false);
      flushSoon(5000);
    } else {
      setNet(true);
      refresh();
    }
  }, delay);
}

// --------------------------------------------------------------------------- sign-in

function showSignIn(message = '') {
  for (const v of document.querySelectorAll('.view')) v.hidden = true;
  $('signin').hidden = false;
  $('tabbar').hidden = true;
  $('sign-out').hidden = true;
  $('signin-error').textContent = message;
}

async function signIn(event) {
  event.preventDefault();
  const reply = await call('/auth/login', {
    method: 'POST',
    body: { username: $('username').value.trim(), password: $('password').value },
  });
  if (!reply.ok) {
    $('signin-error').textContent = reply.status === 0 ? t('field.noConnection', 'No connection: signing in needs the server.') : reply.reason;
    return;
  }
  localStorage.setItem(TOKEN, reply.body.access_token);
  $('password').value = '';
  await start();
}

async function signOut() {
  await call('/auth/logout', { method: 'POST' });
  localStorage.removeItem(TOKEN);
  if (stream) {
    stream.stop();
    stream = null;
  }
  showSignIn();
}

// --------------------------------------------------------------------------- views

function show(view) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== view;
  for (const b of $('tabbar').querySelectorAll('button')) {
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  if (view === 'view-report') ensureMap();
}

async function load(path, cacheKey) {
  const reply = await call(path);
  if (reply.ok) {
    await outbox.cachePut(cacheKey, reply.body);
    return reply.body;
  }
  if (reply.status === 401) {
    showSignIn(t('field.sessionEnded', 'Your session has ended: sign in again.'));
    return null;
  }
  if (reply.status === 0) setNet(false);
  return (await outbox.cacheGet(cacheKey)) ?? null;
}

async function start() {
  if (!token()) {
    await speak(null);
    showSignIn();
    return;
  }
  const me = await load('/auth/me', 'me');
  await speak(me?.user ?? null);
  if (!me) {
    if ($('signin').hidden) showSignIn();
    return;
  }
  state.me = me;
  state.config = (await load('/field/config', 'config')) || { position_interval_seconds: 60, report_types: [] };
  $('who').textContent = me.user.username;
  $('signin').hidden = true;
  $('tabbar').hidden = false;
  $('sign-out').hidden = false;
  const inbox = me.actions.includes('field.inbox');
  $('tabbar').querySelector('[data-view="view-tasks"]').hidden = !inbox;
  $('tabbar').querySelector('[data-view="view-unit"]').hidden = !me.actions.includes('unit.status');
  $('tabbar').querySelector('[data-view="view-report"]').hidden = !me.actions.includes('report.submit');
  fillReportTypes();
  show(inbox ? 'view-tasks' : 'view-report');
  listen();
  await refresh();
  await renderQueue();
  flushSoon();
}

async function refresh() {
  if (!state.me) return;
  const actions = state.me.actions;
  if (actions.includes('field.inbox')) {
    state.tasks = (await load('/field/tasks', 'tasks')) || [];
    state.units = (await load('/field/units', 'units')) || [];
  }
  await renderTasks();
  renderUnit();
  trackPosition();
}

// --------------------------------------------------------------------------- live

// the live stream (the COP's own client): a task or unit event for what this person may
// see refreshes the inbox at once; without it the inbox is refreshed every 15 s
const LIVE_TYPES = new Set(['TaskAssigned', 'TaskStatusChanged', 'UnitStatusChanged']);
let stream = null;
let refreshTimer = null;

function listen() {
  if (stream || !state.me.actions.includes('stream.subscribe')) return;
  stream = new EventStream({
    token,
    storageKey: 'marchwarden.field.lastEventId',
    onEvent: (event) => {
      if (!LIVE_TYPES.has(event.type)) return;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, 150);
    },
  });
  stream.start();
}

// --------------------------------------------------------------------------- tasks

function nextSteps(task) {
  switch (task.status) {
    case 'assigned': return ['task.accept', 'task.decline'];
    case 'accepted': return ['task.en_route', 'task.on_scene'];
    case 'en_route': return ['task.on_scene'];
    case 'on_scene': return ['task.done'];
    default: return [];
  }
}

const STEP_STATUS = {
  'task.accept': 'accepted',
  'task.decline': 'open',
  'task.en_route': 'en_route',
  'task.on_scene': 'on_scene',
  'task.done': 'completed',
};

/** Task id -> the steps made here and not yet answered, in order. */
async function pendingSteps() {
  const waiting = new Map();
  for (const item of await outbox.items()) {
    if (item.kind === 'action' && item.body.task_id && (item.state === 'waiting' || item.state === 'sending')) {
      const list = waiting.get(item.body.task_id) || [];
      list.push(item.body.kind);
      waiting.set(item.body.task_id, list);
    }
  }
  return waiting;
}

async function renderTasks() {
  const list = $('tasks');
  state.pending = await pendingSteps();
  list.replaceChildren(...state.tasks.map(taskCard));
  const waiting = state.tasks.filter((t) => t.waiting);
  $('tasks-note').textContent = state.tasks.length
    ? t('field.tasksNote', '{waiting} waiting for your answer, {going} under way.', { waiting: waiting.length, going: state.tasks.length - waiting.length })
    : t('field.noTasks', 'No task for your units just now.');
  notice(waiting);
}

function taskCard(task) {
  const pending = state.pending.get(task.id) || [];
  // what the task will be once the steps made here arrive: the next step can be made now
  const projected = pending.length ? STEP_STATUS[pending[pending.length - 1]] : task.status;
  const powers = task.required_powers.map((p) => p.label).join(', ') || 'none';
  const where = `${task.position.lat.toFixed(4)}, ${task.position.lon.toFixed(4)}`;
  const steps = nextSteps({ status: projected });
  const waiting = task.waiting && !pending.length;
  const card = el('li', { class: `card${waiting ? ' waiting' : ''}`, 'data-task': task.id, 'data-status': projected },
    el('h3', {}, task.title),
    el('span', { class: 'prio', 'data-p': task.priority }, words(task.priority)),
    ' ', el('span', { class: 'status' }, statusLabel(projected)),
    pending.length ? el('p', { class: 'pending' }, t('field.pending', '{steps}: waiting to be sent', { steps: pending.map(stepLabel).join(', ') })) : null,
    el('dl', {},
      el('dt', {}, t('field.what', 'What')), el('dd', {}, task.description || task.incident_name),
      el('dt', {}, t('sitrep.col.incident', 'Incident')), el('dd', {}, `${task.incident_name} (${t(`incidentType.${task.incident_type}`, task.incident_type.replaceAll('_', ' '))}, ${words(task.incident_severity)})`),
      el('dt', {}, t('field.where', 'Where')), el('dd', {}, where),
      el('dt', {}, t('field.powers', 'Powers')), el('dd', {}, powers),
      el('dt', {}, t('sitrep.col.unit', 'Unit')), el('dd', {}, task.unit ? task.unit.name : '—'),
      el('dt', {}, t('field.taskedBy', 'Tasked by')), el('dd', {}, task.tasked_by || task.created_by),
    ),
  );
  const buttons = el('div', { class: 'buttons' });
  for (const step of steps) {
    const cls = step === 'task.decline' ? 'stop' : 'go';
    buttons.append(el('button', { type: 'button', class: cls, 'data-step': step, onclick: () => step === 'task.decline' ? askDecline(card, task) : taskStep(task, step) }, stepLabel(step)));
  }
  card.append(buttons);
  return card;
}

function askDecline(card, task) {
  if (card.querySelector('form')) return;
  const reason = el('textarea', { rows: 2, required: true, 'aria-label': t('field.whyDecline', 'Why decline'), placeholder: t('field.whyRequired', 'Why (required)') });
  const form = el('form', { class: 'decline' }, el('label', {}, t('field.whyDecline', 'Why decline'), reason),
    el('div', { class: 'buttons' },
      el('button', { type: 'submit', class: 'stop' }, stepLabel('task.decline')),
      el('button', { type: 'button', onclick: () => form.remove() }, t('field.keepIt', 'Keep it'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!reason.value.trim()) return;
    taskStep(task, 'task.decline', reason.value.trim());
  });
  card.append(form);
  reason.focus();
}

async function taskStep(task, step, note = '') {
  await outbox.enqueue({
    kind: 'action',
    label: t('field.stepLabel', '{step} — task {id} ({title})', { step: stepLabel(step), id: task.id, title: task.title }),
    path: '/field/actions',
    body: { kind: step, task_id: task.id, note },
  });
  await renderTasks();
  await renderQueue();
  flushSoon();
}

// a new task makes itself noticed: badge, title, vibration, an optional sound
function notice(waiting) {
  const seen = new Set(JSON.parse(localStorage.getItem(SEEN) || '[]'));
  const fresh = waiting.filter((t) => !seen.has(t.id));
  const badge = $('badge-tasks');
  badge.hidden = waiting.length === 0;
  badge.textContent = String(waiting.length);
  document.title = (waiting.length ? `(${waiting.length}) ` : '') + t('field.pageTitle', 'Marchwarden field');
  if (fresh.length) {
    if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
    if (localStorage.getItem(SOUND) === '1') beep();
    localStorage.setItem(SEEN, JSON.stringify([...seen, ...fresh.map((t) => t.id)].slice(-200)));
  }
}

function beep() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 880;
    osc.connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.25);
  } catch { /* no audio: the badge and the title remain */ }
}

// --------------------------------------------------------------------------- unit

function currentUnit() {
  return state.units.find((u) => u.unit.id === state.unitId) || state.units[0] || null;
}

function renderUnit() {
  const pick = $('unit-pick');
  $('unit-pick-label').hidden = state.units.length < 2;
  if (state.units.length > 1 && pick.options.length !== state.units.length) {
    pick.replaceChildren(...state.units.map((u) => el('option', { value: u.unit.id }, `${u.unit.name} (${u.unit.code})`)));
  }
  const f = currentUnit();
  if (!f) {
    $('unit-now').textContent = t('field.noUnit', 'No unit to act for.');
    $('unit-buttons').replaceChildren();
    return;
  }
  state.unitId = f.unit.id;
  pick.value = String(f.unit.id);
  $('unit-now').textContent = `${f.unit.name}: ${words(f.unit.status)}` +
    (f.active_task_id ? t('field.onTask', ' — on task {id}', { id: f.active_task_id }) : '');
  $('unit-buttons').replaceChildren(...f.allowed_next.map((s) => el('button', {
    type: 'button', 'data-status': s,
    onclick: () => unitStatus(f, s),
  }, words(s))));
}

async function unitStatus(f, status) {
  await outbox.enqueue({
    kind: 'action',
    label: `${f.unit.name}: ${words(status)}`,
    path: '/field/actions',
    body: { kind: 'unit.status', unit_id: f.unit.id, status },
  });
  await renderQueue();
  flushSoon();
}

// with consent, the phone's position while a task is active, every configured interval
function trackPosition() {
  const f = currentUnit();
  const consent = localStorage.getItem(SHARE) === '1';
  $('share-position').checked = consent;
  const active = f && f.active_task_id;
  if (!consent || !active || !navigator.geolocation) {
    clearInterval(state.positionTimer);
    state.positionTimer = null;
    $('position-note').textContent = !consent ? t('field.notShared', 'Not shared.')
      : !active ? t('field.sharedWhileActive', 'Shared only while a task is active.') : t('field.noGeolocation', 'This device cannot tell its position.');
    return;
  }
  if (state.positionTimer) return;
  const every = (state.config.position_interval_seconds || 60) * 1000;
  const once = () => navigator.geolocation.getCurrentPosition(async (pos) => {
    const unit = currentUnit();
    if (!unit || !unit.active_task_id) return;
    await outbox.enqueue({
      kind: 'action',
      label: `${unit.unit.name}: position ±${Math.round(pos.coords.accuracy)} m`,
      path: '/field/actions',
      body: {
        kind: 'unit.position', unit_id: unit.unit.id, lon: pos.coords.longitude, lat: pos.coords.latitude,
        accuracy_m: pos.coords.accuracy, at: new Date(pos.timestamp).toISOString(),
      },
    });
    $('position-note').textContent = t('field.positionShared', 'Position shared at {time} (±{m} m).', { time: new Date().toLocaleTimeString(locale()), m: Math.round(pos.coords.accuracy) });
    flushSoon();
  }, (err) => {
    $('position-note').textContent = err.code === 1
      ? t('field.positionDenied', 'Position not allowed on this phone: allow it in the browser settings, or leave sharing off.')
      : t('field.noPositionNow', 'No position just now ({why}).', { why: err.message });
  }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 });
  once();
  state.positionTimer = setInterval(once, every);
}

// --------------------------------------------------------------------------- report

function fillReportTypes() {
  const select = $('r-type');
  if (select.options.length) return;
  select.replaceChildren(...(state.config.report_types || []).map((t) => el('option', { value: t.value }, t.label)));
  resetWhen();
}

function resetWhen() {
  const now = new Date();
  now.setSeconds(0, 0);
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  $('r-when').value = local;
}

function setPlace(lon, lat, uncertainty, how) {
  state.place = { lon, lat, uncertainty_m: uncertainty };
  $('r-where').textContent = `${how}: ${lat.toFixed(5)}, ${lon.toFixed(5)}${uncertainty ? t('field.plusMinus', ' (±{m} m)', { m: Math.round(uncertainty) }) : ''}`;
  if (state.map) {
    if (state.marker) state.marker.setLatLng([lat, lon]);
    else state.marker = state.L.circleMarker([lat, lon], { radius: 10, color: '#000', weight: 3, fillColor: '#ffd400', fillOpacity: 1 }).addTo(state.map);
  }
}

function useHere() {
  if (!navigator.geolocation) {
    $('r-where').textContent = t('field.noGeolocationTap', 'This device cannot tell its position: tap the map.');
    return;
  }
  $('r-where').textContent = t('field.finding', 'Finding your position…');
  navigator.geolocation.getCurrentPosition(
    (pos) => setPlace(pos.coords.longitude, pos.coords.latitude, pos.coords.accuracy, t('field.yourPosition', 'Your position')),
    (err) => {
      $('r-where').textContent = err.code === 1
        ? t('field.deniedTap', 'Position not allowed on this phone: tap the map to pick the place.')
        : t('field.noPositionTap', 'No position just now: tap the map to pick the place.');
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
  );
}

async function ensureMap() {
  if (state.map) return;
  let L;
  try {
    L = await import('/vendor/leaflet/leaflet-src.esm.js');
  } catch {
    return; // no map: the device's position still works
  }
  state.L = L;
  state.map = L.map('r-map', { zoomControl: true, attributionControl: false }).setView([50.6, 36.2], 8);
  const border = await load('/geo/border', 'geo.border');
  if (border) L.geoJSON(border, { style: { color: '#a40000', weight: 3 } }).addTo(state.map);
  const regions = await load('/geo/regions', 'geo.regions');
  if (regions) L.geoJSON(regions, { style: { color: '#000', weight: 1, fill: false } }).addTo(state.map);
  state.map.on('click', (e) => setPlace(e.latlng.lng, e.latlng.lat, 250, t('field.picked', 'Picked on the map')));
  if (state.place) setPlace(state.place.lon, state.place.lat, state.place.uncertainty_m, 'Place');
}

async function submitReport(event) {
  event.preventDefault();
  const msg = $('report-msg');
  if (!state.place) {
    msg.textContent = t('field.sayWhere', 'Say where: use your position or tap the map.');
    return;
  }
  const observed = new Date($('r-when').value);
  if (Number.isNaN(observed.getTime())) {
    msg.textContent = t('field.sayWhen', 'Say when it was seen.');
    return;
  }
  const body = {
    source_kind: 'volunteer',
    observed_at: observed.toISOString(),
    position: { lon: state.place.lon, lat: state.place.lat },
    uncertainty_m: Math.min(100000, Math.round(state.place.uncertainty_m || 0)),
    incident_type: $('r-type').value,
    text: $('r-text').value.trim(),
    rating: `F${$('r-sure').value}`,
    reporter: state.me.user.username,
  };
  const typeLabel = $('r-type').selectedOptions[0]?.textContent || body.incident_type;
  const report = await outbox.enqueue({ kind: 'report', label: t('field.reportLabel', 'Report: {type}', { type: typeLabel }), path: '/reports', body });
  const keep = $('r-keep-gps').checked ? '?keep_position=true' : '';
  for (const file of $('r-photos').files) {
    await outbox.enqueue({
      kind: 'photo', label: t('field.photoLabel', 'Photo {name} for the report', { name: file.name }), reportSeq: report.seq,
      blob: file, query: keep, path: null,
    });
  }
  $('report-form').reset();
  resetWhen();
  state.place = null;
  $('r-where').textContent = t('field.noPlace', 'No place chosen yet: use your position or tap the map.');
  msg.textContent = state.online ? t('field.sending', 'Report sending…') : t('field.savedOffline', 'Saved on this phone: it is sent when the connection returns.');
  await renderQueue();
  flushSoon();
}

// --------------------------------------------------------------------------- queue

// while a long queue drains, redraw the list at most every 200 ms (not once per item)
let queueRenderTimer = null;
function scheduleQueueRender() {
  if (queueRenderTimer) return;
  queueRenderTimer = setTimeout(() => {
    queueRenderTimer = null;
    renderQueue();
  }, 200);
}

const STATE_TEXT = { waiting: 'waiting', sending: 'sending', accepted: 'accepted', refused: 'refused' };

async function renderQueue() {
  const all = await outbox.items();
  const list = $('queue');
  list.replaceChildren(...all.map((item) => el('li', { 'data-state': item.state, 'data-seq': item.seq },
    el('span', { class: 'state' }, t(`field.queue.${item.state}`, STATE_TEXT[item.state] || item.state)), ' — ', item.label,
    item.state === 'refused' ? el('span', { class: 'reason' }, t('field.refused', 'Refused by the server: {why}', { why: item.reason })) : null,
    item.state === 'accepted' && item.kind === 'report' && item.result ? el('span', {}, t('field.reportN', ' (report {id})', { id: item.result.id })) : null,
  )));
  const waiting = all.filter((i) => i.state === 'waiting' || i.state === 'sending').length;
  const badge = $('badge-queue');
  badge.hidden = waiting === 0;
  badge.textContent = String(waiting);
}

// --------------------------------------------------------------------------- start

function wire() {
  $('signin-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('report-form').addEventListener('submit', submitReport);
  $('r-here').addEventListener('click', useHere);
  $('queue-clear').addEventListener('click', async () => { await outbox.clearFinished(); renderQueue(); });
  $('sound').checked = localStorage.getItem(SOUND) === '1';
  $('sound').addEventListener('change', (e) => localStorage.setItem(SOUND, e.target.checked ? '1' : '0'));
  $('share-position').addEventListener('change', (e) => {
    localStorage.setItem(SHARE, e.target.checked ? '1' : '0');
    trackPosition();
  });
  $('unit-pick').addEventListener('change', (e) => {
    state.unitId = Number(e.target.value);
    renderUnit();
    clearInterval(state.positionTimer);
    state.positionTimer = null;
    trackPosition();
  });
  for (const b of $('tabbar').querySelectorAll('button')) b.addEventListener('click', () => show(b.dataset.view));
  window.addEventListener('online', () => { setNet(true); flushSoon(); });
  window.addEventListener('offline', () => setNet(false));
  setInterval(() => { if (state.me) flushSoon(); }, 15000);
  document.addEventListener('visibilitychange', () => { if (!document.hidden && state.me) flushSoon(); });
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' }).catch(() => {
    /* without a service worker the page still works online */
  });
}
setNet(navigator.onLine);
wire();
start();
