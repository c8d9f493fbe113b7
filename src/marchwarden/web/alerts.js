// The Alerts board and the map's "Alert areas" layer: public alerts (CAP 1.2) with their
// state and delivery status, evacuation zones and shelters with their occupancy; compose
// (preview of the settlements and people inside), approve, publish, cancel.
//
// The server decides every step (a Severe or Extreme alert must be approved by someone
// other than its drafter); the board shows what it says. Stream events about alerts,
// evacuation orders and shelters reload the board and the layer.
//
// window.marchwarden.alerts is for the browser tests.

import { api, ApiError } from './api.js';
import { el, num, pageReady, showLoadFailure, words } from './dom.js';
import { t } from './i18n.js';
import { onEvent } from './events.js';
import { session } from './session.js';
import { registerTab, selectedTab, setAttention, setBadge, whenShownOrPictured } from './tabs.js';
import { regionName } from './regions.js';

const RELOAD_ON = new Set([
  'AlertDrafted', 'AlertApproved', 'AlertPublished', 'AlertCancelled', 'AlertImported',
  'EvacuationOrdered', 'EvacuationProgressed', 'ShelterOccupancyChanged', 'ShelterRegistered',
]);
const STATE_WORDS = { draft: 'Draft', approved: 'Approved', published: 'Published', cancelled: 'Cancelled' };
const stateWord = (s) => t(`alerts.state.${s}`, STATE_WORDS[s] ?? s);
const AREA_STYLE = {
  live: { color: '#b3261e', weight: 2, fillColor: '#e46962', fillOpacity: 0.25 },
  draft: { color: '#b26a00', weight: 2, dashArray: '6 4', fillColor: '#f6b26b', fillOpacity: 0.12 },
  external: { color: '#6a1b9a', weight: 2, dashArray: '2 4', fillColor: '#ba68c8', fillOpacity: 0.15 },
  evacuation: { color: '#0d47a1', weight: 2, dashArray: '10 4', fillColor: '#64b5f6', fillOpacity: 0.15 },
};

const ui = {};
const state = { alerts: [], orders: [], shelters: [], templates: {}, settlements: null, loaded: false };
let reloadTimer = null;
let unseen = 0;

function can(action) {
  return session.can(action);
}

function say(text, { error = false } = {}) {
  ui.message.textContent = text;
  ui.message.className = error ? 'form-error' : 'board-note';
  ui.message.hidden = !text;
}

// ------------------------------------------------------------------ the board

function deliveriesText(d) {
  const parts = ['delivered', 'pending', 'failed'].filter((k) => d[k]).map((k) => t(`alerts.delivery.${k}`, `{n} ${k}`, { n: d[k] }));
  return parts.length ? t('alerts.webhooks', 'Webhooks: {list}', { list: parts.join(', ') }) : t('alerts.webhooksNone', 'Webhooks: none');
}

function actionButton(alert, step, label) {
  const button = el('button', { type: 'button', class: 'button-quiet', text: label, dataset: { alertId: alert.id, step } });
  button.id = `alert-${alert.id}-${step}`;
  return button;
}

function alertCard(a) {
  const live = a.current ? t('alerts.inFeed', 'in the public feed') : a.live ? t('alerts.liveExpired', 'live (expired)') : t('alerts.notInFeed', 'not in the feed');
  const buttons = [];
  if (!a.external) {
    if (a.state === 'draft' && can('alert.approve')) buttons.push(actionButton(a, 'approve', t('alerts.approve', 'Approve')));
    if (a.state === 'approved' && can('alert.publish')) buttons.push(actionButton(a, 'publish', t('alerts.publish', 'Publish')));
    if (a.live && can('alert.publish')) buttons.push(actionButton(a, 'cancel', t('alerts.cancel', 'Cancel alert')));
  }
  const messages = a.messages.map((m) => el('li', {},
    el('a', { href: new URL(m.url).pathname, target: '_blank', rel: 'noopener', text: `${m.msg_type} ${m.identifier}` })));
  return el('article', { class: 'alert-card', id: `alert-${a.id}`, dataset: { state: a.state, severity: a.severity } },
    el('h3', {}, `${a.event} — ${a.severity}`),
    el('p', { class: 'alert-state' },
      el('strong', { class: 'alert-state-word', text: a.external ? t('alerts.external', 'External ({sender})', { sender: a.sender }) : stateWord(a.state) }),
      ` · ${words(a.instruction)} · ${live}`),
    el('p', {}, t('alerts.area', '{area}: {n} settlements, {people} people ({regions})', { area: a.area_description, n: num(a.settlements.length), people: num(a.population), regions: a.regions.map(regionName).join(', ') || t('incidents.noRegion', 'no region') })),
    el('p', { class: 'alert-who' }, t('alerts.draftedBy', 'Drafted by {who}', { who: a.created_by }) + (a.approved_by ? t('alerts.approvedBy', ', approved by {who}', { who: a.approved_by }) : '')
      + (a.needs_second_person && a.state === 'draft' ? t('alerts.needsSecond', ' · needs a second person to approve') : '')),
    el('p', { class: 'alert-deliveries', text: deliveriesText(a.deliveries) }),
    messages.length ? el('ul', { class: 'alert-messages' }, messages) : null,
    buttons.length ? el('div', { class: 'alert-actions' }, buttons) : null);
}

function renderList() {
  const items = state.alerts.filter((a) => a.state !== 'cancelled' || ui.showCancelled.checked);
  ui.count.textContent = t('alerts.current', '{n} current', { n: num(state.alerts.filter((a) => a.current).length) });
  ui.list.replaceChildren(...(items.length ? items.map(alertCard) : [el('p', { class: 'board-empty', text: t('alerts.none', 'No alerts.') })]));
  const shelterRows = state.shelters.map((s) => el('tr', { id: `shelter-${s.id}` },
    el('td', { text: s.name }), el('td', { text: `${num(s.occupancy)} / ${num(s.capacity)}` }),
    el('td', { text: words(s.status) })));
  ui.shelters.replaceChildren(...shelterRows);
  const orderRows = state.orders.map((o) => el('li', { id: `evacuation-${o.id}` },
    t('alerts.order', '{area}: {kind}, {state} — {moved} of {toMove} moved', { area: o.description, kind: words(o.kind), state: words(o.state), moved: num(o.moved), toMove: num(o.to_move) })));
  ui.orders.replaceChildren(...(orderRows.length ? orderRows : [el('li', { text: t('sitrep.none', 'None.') })]));
}

async function step(id, what) {
  say('');
  try {
    await api(`/alerts/${id}/${what}`, { method: 'POST' });
    say(t(`alerts.done.${what}`, `Alert #{id}: ${what === 'cancel' ? 'cancelled' : `${what === 'approve' ? 'approved' : 'published'}`}.`, { id }));
  } catch (err) {
    say(err instanceof ApiError ? err.message : String(err), { error: true });
  }
  await load();
}

// ------------------------------------------------------------------ compose

function field(id, label, input) {
  input.id = id;
  return el('div', { class: 'compose-field' }, el('label', { for: id, text: label }), input);
}

function select(options, value) {
  const s = el('select');
  for (const [v, text] of options) s.append(el('option', { value: v, text }));
  s.value = value;
  return s;
}

async function settlementIds(names) {
  if (!state.settlements) {
    const fc = await api('/geo/settlements');
    state.settlements = fc.features.map((f) => ({
      id: f.properties.geonameid, name: f.properties.name.toLowerCase(), population: f.properties.population,
    }));
  }
  const wanted = names.split(',').map((n) => n.trim()).filter(Boolean);
  const ids = [];
  for (const name of wanted) {
    // a name several places share: the largest of them
    const found = state.settlements.filter((s) => s.name === name.toLowerCase())
      .sort((a, b) => b.population - a.population)[0];
    if (!found) throw new Error(t('alerts.noSettlement', 'No settlement called "{name}" in the bundled geodata.', { name }));
    ids.push(found.id);
  }
  return ids;
}

async function areaBody() {
  const kind = ui.areaKind.value;
  if (kind === 'settlements') return { kind, settlement_ids: await settlementIds(ui.areaNames.value) };
  if (kind === 'region') return { kind, region: ui.areaRegion.value.trim() };
  return { kind: 'circle', center: [Number(ui.lon.value), Number(ui.lat.value)], radius_km: Number(ui.radius.value) };
}

function fillInstruction() {
  const texts = state.templates[ui.instruction.value] ?? {};
  ui.instructionRu.value = texts.ru ?? '';
  ui.instructionEn.value = texts.en ?? '';
}

function showArea() {
  const kind = ui.areaKind.value;
  ui.namesBox.hidden = kind !== 'settlements';
  ui.regionBox.hidden = kind !== 'region';
  ui.circleBox.hidden = kind !== 'circle';
}

async function preview() {
  ui.preview.textContent = t('alerts.computing', 'Computing…');
  try {
    const p = await api('/alerts/preview', { method: 'POST', body: await areaBody() });
    const names = p.settlements.slice(0, 8).map((s) => s.name).join(', ');
    ui.preview.textContent = t('alerts.previewCount', '{area}: {settlements} settlements, {people} people', { area: p.description, settlements: num(p.settlement_count), people: num(p.population) })
      + (names ? ` (${names}${p.settlement_count > 8 ? ', …' : ''})` : '');
    ui.preview.dataset.population = String(p.population);
  } catch (err) {
    ui.preview.textContent = err.message;
    delete ui.preview.dataset.population;
  }
}

async function draft(event) {
  event.preventDefault();
  say('');
  try {
    const area = await areaBody();
    const hours = Math.max(1, Number(ui.hours.value) || 12);
    const body = {
      event: ui.event.value.trim(),
      severity: ui.severity.value,
      instruction: ui.instruction.value,
      infos: [
        { language: 'ru', headline: ui.headlineRu.value.trim() || ui.event.value.trim(), description: '', instruction: ui.instructionRu.value },
        { language: 'en', headline: ui.headlineEn.value.trim() || ui.event.value.trim(), description: '', instruction: ui.instructionEn.value },
      ],
      area,
      expires: new Date(Date.now() + hours * 3600_000).toISOString(),
    };
    const made = await api('/alerts', { method: 'POST', body });
    say(t('alerts.drafted', 'Alert #{id} drafted: {people} people in the area.', { id: made.id, people: num(made.population) }));
    await load();
  } catch (err) {
    say(err.message, { error: true });
  }
}

function composeForm() {
  ui.event = el('input', { value: 'Cross-border incursion', maxlength: '200' });
  ui.severity = select([['Extreme', t('code.extreme', 'extreme')], ['Severe', t('code.severe', 'severe')], ['Moderate', t('code.moderate', 'moderate')], ['Minor', t('code.minor', 'minor')]], 'Severe');
  ui.instruction = select([['shelter_in_place', t('alerts.i.shelter', 'Shelter in place')], ['evacuate', t('alerts.i.evacuate', 'Evacuate')], ['avoid_area', t('alerts.i.avoid', 'Avoid the area')], ['all_clear', t('alerts.i.allClear', 'All clear')]], 'shelter_in_place');
  ui.instruction.addEventListener('change', fillInstruction);
  ui.areaKind = select([['settlements', t('alerts.a.settlements', 'Settlements')], ['circle', t('alerts.a.circle', 'Circle')], ['region', t('alerts.a.region', 'Whole region')]], 'settlements');
  ui.areaKind.addEventListener('change', showArea);
  ui.areaNames = el('input', { value: 'Grayvoron, Kozinka' });
  ui.areaRegion = el('input', { value: 'RU-BEL', maxlength: '16' });
  ui.lon = el('input', { type: 'number', step: 'any', value: '35.66' });
  ui.lat = el('input', { type: 'number', step: 'any', value: '50.48' });
  ui.radius = el('input', { type: 'number', step: 'any', value: '10', min: '0.1' });
  ui.headlineRu = el('input', { maxlength: '160' });
  ui.headlineEn = el('input', { maxlength: '160' });
  ui.instructionRu = el('textarea', { rows: '3' });
  ui.instructionEn = el('textarea', { rows: '3' });
  ui.hours = el('input', { type: 'number', value: '12', min: '1', max: '168' });
  ui.namesBox = field('alert-area-names', t('alerts.f.names', 'Settlements (comma-separated)'), ui.areaNames);
  ui.regionBox = field('alert-area-region', t('alerts.f.region', 'Region code'), ui.areaRegion);
  ui.circleBox = el('div', { class: 'compose-circle' },
    field('alert-area-lon', t('alerts.f.lon', 'Centre longitude'), ui.lon), field('alert-area-lat', t('alerts.f.lat', 'Centre latitude'), ui.lat),
    field('alert-area-radius', t('alerts.f.radius', 'Radius (km)'), ui.radius));
  ui.preview = el('p', { id: 'alert-preview', class: 'board-note', 'aria-live': 'polite' });
  const previewButton = el('button', { type: 'button', id: 'alert-preview-button', class: 'button-quiet', text: t('alerts.preview', 'Preview the area') });
  previewButton.addEventListener('click', preview);
  const form = el('form', { id: 'alert-compose', class: 'alert-compose' },
    el('h3', { text: t('alerts.compose', 'Compose an alert') }),
    field('alert-event', t('alerts.f.event', 'Event'), ui.event),
    field('alert-severity', t('sitrep.view.severity', 'Severity'), ui.severity),
    field('alert-instruction', t('alerts.f.instruction', 'Instruction'), ui.instruction),
    field('alert-area-kind', t('alerts.f.area', 'Area'), ui.areaKind),
    ui.namesBox, ui.regionBox, ui.circleBox,
    el('div', {}, previewButton), ui.preview,
    field('alert-headline-ru', t('alerts.f.headlineRu', 'Headline (ru)'), ui.headlineRu),
    field('alert-instruction-ru', t('alerts.f.instructionRu', 'Instruction (ru)'), ui.instructionRu),
    field('alert-headline-en', t('alerts.f.headlineEn', 'Headline (en)'), ui.headlineEn),
    field('alert-instruction-en', t('alerts.f.instructionEn', 'Instruction (en)'), ui.instructionEn),
    field('alert-hours', t('alerts.f.hours', 'Expires in (hours)'), ui.hours),
    el('button', { type: 'submit', id: 'alert-draft', text: t('alerts.draft', 'Draft the alert') }));
  form.addEventListener('submit', draft);
  showArea();
  return form;
}

// ------------------------------------------------------------------ the map layer

async function drawLayer() {
  await pageReady();
  const mapApi = window.marchwarden?.map;
  const group = mapApi?.getLayer?.('Alert areas');
  if (!group) return;
  const { L } = mapApi;
  group.clearLayers();
  for (const a of state.alerts) {
    if (!a.live && a.state !== 'draft' && a.state !== 'approved') continue;
    if (a.state === 'cancelled') continue;
    const look = a.external ? AREA_STYLE.external : a.live ? AREA_STYLE.live : AREA_STYLE.draft;
    const shape = L.geoJSON(a.geometry, { style: () => ({ ...look, className: `alert-area alert-area-${a.id}` }) });
    shape.bindTooltip(`${a.event} (${a.severity}) — ${STATE_WORDS[a.state] ?? a.state}: ${a.area_description}, ${num(a.population)} people`);
    group.addLayer(shape);
  }
  for (const o of state.orders) {
    if (o.state === 'lifted' || o.state === 'complete' || !o.geometry) continue;
    const zone = L.geoJSON(o.geometry, { style: () => ({ ...AREA_STYLE.evacuation, className: 'evacuation-zone' }) });
    zone.bindTooltip(t('alerts.zoneLabel', 'Evacuation ({kind}): {area} — {n} remaining', { kind: words(o.kind), area: o.description, n: num(o.remaining) }));
    group.addLayer(zone);
  }
  for (const s of state.shelters) {
    const full = s.capacity ? s.occupancy / s.capacity : 1;
    const marker = L.circleMarker([s.lat, s.lon], {
      radius: 7, color: '#1b5e20', weight: 2, fillColor: full >= 1 ? '#c62828' : full > 0.75 ? '#f9a825' : '#66bb6a',
      fillOpacity: 0.9, className: 'shelter-marker',
    });
    marker.bindTooltip(t('alerts.shelterLabel', 'Shelter {name}: {occupancy} / {capacity} ({status})', { name: s.name, occupancy: num(s.occupancy), capacity: num(s.capacity), status: words(s.status) }));
    group.addLayer(marker);
  }
}

// ------------------------------------------------------------------ loading

async function load() {
  try {
    const [alerts, orders, shelters] = await Promise.all([
      api('/alerts'),
      can('incident.read') ? api('/evacuation-orders') : Promise.resolve([]),
      can('shelter.read') ? api('/shelters') : Promise.resolve([]),
    ]);
    state.alerts = alerts.items;
    state.orders = orders;
    state.shelters = shelters;
    state.loaded = true;
    ui.failure.hidden = true;
    renderList();
    // the drafts waiting on my approval (the server's may_approve: the policy and the
    // second-person rule); it stays on the tab while they wait (notify.js: the title)
    setAttention('alerts', state.alerts.filter((a) => a.may_approve).length);
    await drawLayer();
  } catch (err) {
    showLoadFailure(ui.failure, 'alerts', err, load);
  }
}

function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 150);
}

export function install() {
  const panel = registerTab('alerts', t('tab.alerts', 'Alerts'), { order: 7 });
  ui.count = el('span', { class: 'board-count', id: 'alerts-count', text: t('common.loading', 'loading…') });
  ui.message = el('p', { id: 'alerts-message', role: 'alert' });
  ui.message.hidden = true;
  ui.failure = el('p', { class: 'form-error', role: 'alert' });
  ui.failure.hidden = true;
  ui.showCancelled = el('input', { type: 'checkbox', id: 'alerts-show-cancelled' });
  ui.showCancelled.addEventListener('change', renderList);
  ui.list = el('div', { id: 'alerts-list', class: 'alerts-list' });
  ui.list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-step]');
    if (button) step(Number(button.dataset.alertId), button.dataset.step);
  });
  ui.shelters = el('tbody');
  ui.orders = el('ul', { id: 'evacuation-orders' });
  const feed = el('a', { href: '/cap/feed.atom', target: '_blank', rel: 'noopener', text: t('alerts.feed', 'public feed (Atom)') });
  panel.append(
    el('div', { class: 'board-head' }, el('h2', { text: t('tab.alerts', 'Alerts') }), ui.count),
    el('p', { class: 'board-note' }, t('alerts.feedBefore', 'Current public alerts are in the '), feed, t('alerts.feedAfter', '.')),
    ui.message, ui.failure,
    el('div', { class: 'check' }, ui.showCancelled, el('label', { for: 'alerts-show-cancelled', text: t('alerts.showCancelled', 'Show cancelled alerts') })),
    ui.list,
    el('h3', { text: t('alerts.orders', 'Evacuation orders') }), ui.orders,
    el('h3', { text: t('alerts.shelters', 'Shelters') }),
    el('table', { id: 'shelters-table', class: 'shelters-table' },
      el('thead', {}, el('tr', {}, el('th', { text: t('alerts.shelter', 'Shelter') }), el('th', { text: t('alerts.occupancy', 'Occupancy') }), el('th', { text: t('sitrep.col.status', 'Status') }))),
      ui.shelters),
  );
  if (can('alert.draft')) {
    panel.append(composeForm());
    whenShownOrPictured('alerts').then(() => api('/alerts/templates')).then((templates) => {
      state.templates = templates;
      fillInstruction();
    }).catch(() => {});
  }
  onEvent('*', (event) => {
    if (!RELOAD_ON.has(event.type)) return;
    // who may approve is told what waits on them (above), not of every change
    if (selectedTab() !== 'alerts' && !can('alert.approve')) setBadge('alerts', ++unseen);
    scheduleReload();
  });
  panel.addEventListener('tab-shown', () => { unseen = 0; });
  window.marchwarden.alerts = { state, reload: load, layer: () => window.marchwarden?.map?.getLayer?.('Alert areas') };
  load();
}
