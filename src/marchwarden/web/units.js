// The "Units" board and the units on the map.
//
// Loading follows docs/ui.md: app.js reads the stream position before the boards are
// installed; install() loads the units and agencies; events that arrive before the
// snapshot is in are kept and applied on top of it, in order (each sets absolute values,
// so replaying one the snapshot already holds changes nothing).
//
// The map layer (unitlayer.js, one canvas for every unit) is attached once the page has
// made the map; without a map (no Leaflet, or a role without geo.read) the board works alone.
//
// window.marchwarden.units is for the browser tests and bench/bench_ui.py: the records,
// the layer, and the time from each live change's commit to the frame that drew it.

import { api } from './api.js';
import { el, pageReady, showLoadFailure } from './dom.js';
import { emit, onEvent } from './events.js';
import { session } from './session.js';
import { registerTab, selectTab, selectedTab } from './tabs.js';
import { timeElement } from './time.js';
import { AGENCY_KINDS, AVAILABILITY, availabilityOf, kindOf, symbolSvg } from './unitsymbols.js';

const PAGE_SIZE = 50;
const LIST_REFRESH_MS = 300;
const STRENGTH_REFRESH_MS = 1500;
const TIMINGS_KEPT = 50000;
const MAX_PENDING = 50000;

/** core/forces/status.py: each status's availability and the changes allowed from it. */
export const STATUS_AVAILABILITY = {
  available: 'available',
  assigned: 'committed',
  en_route: 'committed',
  on_scene: 'committed',
  returning: 'available',
  out_of_service: 'unavailable',
  off_duty: 'unavailable',
};

export const ALLOWED_NEXT = {
  available: ['assigned', 'en_route', 'out_of_service', 'off_duty'],
  assigned: ['en_route', 'on_scene', 'available', 'out_of_service'],
  en_route: ['on_scene', 'assigned', 'available', 'out_of_service'],
  on_scene: ['returning', 'available', 'out_of_service'],
  returning: ['available', 'assigned', 'en_route', 'out_of_service'],
  out_of_service: ['available', 'off_duty'],
  off_duty: ['available', 'out_of_service'],
};

const READINESS = { 1: 'not ready', 2: 'limited', 3: 'ready', 4: 'fully ready' };

const SHORT_KIND = {
  army: 'Army',
  border_service: 'Border svc',
  national_guard: 'Nat. guard',
  police: 'Police',
  emergency_service: 'Emergency',
  volunteer_self_defence: 'Volunteer',
  other: 'Other',
};

const statusWords = (status) => String(status).replace(/_/g, ' ');

/** Short names of the demo's powers for the table; any other power shows its code. */
const POWER_SHORT = {
  observe_report: 'Obs',
  patrol_unarmed: 'Patrol',
  checkpoint: 'Chkpt',
  evacuation_assist: 'Evac',
  first_aid: 'Aid',
  detain: 'Detain',
  carry_weapons: 'Arms',
  armed_response: 'ArmResp',
};

/** "on scene (committed)"; "available" alone where the two say the same. */
function statusPhrase(u) {
  return u.status_label === u.availability ? u.status_label : `${u.status_label} (${u.availability})`;
}

// ------------------------------------------------------------------ state

const units = new Map();
const agencies = new Map();
let loaded = false;
let pending = [];
let layer = null;
let mapApi = null;
let selectedId = null;
const view = { region: '', agency: '', availability: '', power: '', text: '', sort: 'name', dir: 1, page: 0 };
/** Powers each unit holds under the law in force (GET /unit-powers), and their labels. */
const held = { byUnit: new Map(), labels: new Map(), at: null, loaded: false };
let powersTimer = null;
const ui = {};
let listTimer = null;
let strengthTimer = null;
let detailSeq = 0;

// the commit-to-frame lag of live changes (for the benchmark and the tests)
const awaiting = [];
const timings = [];
const stats = { loadedAt: null, firstDrawAt: null, firstFrameMs: null, frames: 0, partialFrames: 0, drawMs: 0, lastFrameMs: 0, maxFrameMs: 0, drawn: 0 };

const now = () => performance.timeOrigin + performance.now();

function record(u) {
  const at = u.position ?? u.home;
  return { ...u, lon: at.lon, lat: at.lat };
}

// ------------------------------------------------------------------ public

/** The units as loaded and kept live (id -> record). */
export function allUnits() {
  return units;
}

let pendingFocus = null;

/** Centre the map on a unit; if the map is not there yet, as soon as it is. */
function focusOnMap(u) {
  // the map may be there before this board has attached its layer to it
  const api = mapApi ?? window.marchwarden?.map;
  const map = api?.getMap?.();
  if (!map) {
    pendingFocus = u;
    return;
  }
  pendingFocus = null;
  centreOn(map, u);
}

/**
 * Centre `map` on a unit. The map first measures its container: opening the detail panel
 * can have changed the map's size a moment ago, and Leaflet centres on the size it last
 * measured (its ResizeObserver has not run yet), which would leave the unit off centre.
 */
function centreOn(map, u) {
  map.invalidateSize({ pan: false });
  map.setView([u.lat, u.lon], Math.max(map.getZoom(), 9), { animate: false });
}

/** Show a unit: the Units tab, its detail, and the map centred on it. */
export function showUnit(id, { focusMap = true } = {}) {
  const u = units.get(Number(id));
  if (!u) return;
  selectTab('units');
  selectedId = u.id;
  if (layer) layer.redraw();
  // the panel first: opening it may resize the map, which is centred after that
  openDetail(u);
  if (focusMap) focusOnMap(u);
}

// ------------------------------------------------------------------ live changes

function applyEvent(event) {
  const d = event.data || {};
  switch (event.type) {
    case 'UnitStatusChanged': {
      const u = units.get(d.unit_id);
      if (!u) return;
      u.status = d.status;
      u.status_label = statusWords(d.status);
      u.availability = d.availability || STATUS_AVAILABILITY[d.status] || 'unavailable';
      u.status_since = event.at;
      u._statusEvent = event.id;
      changed(u, event, true);
      break;
    }
    case 'UnitPositionUpdated': {
      const u = units.get(d.unit_id);
      if (!u) return;
      u.position = { lon: d.lon, lat: d.lat };
      u.position_at = d.at;
      u.lon = d.lon;
      u.lat = d.lat;
      u._positionEvent = event.id;
      changed(u, event, true);
      break;
    }
    case 'UnitCreated':
      if (!units.has(d.unit_id)) {
        const agency = agencies.get(d.agency_id);
        const u = record({
          id: d.unit_id, code: d.code, name: d.name, agency_id: d.agency_id,
          agency_kind: agency ? agency.kind : 'other', parent_id: d.parent_id, path: d.path,
          category: d.category, region: d.region, home: { lon: d.home[0], lat: d.home[1] },
          capabilities: [], readiness: null, readiness_label: '', status: d.status,
          status_label: statusWords(d.status), availability: STATUS_AVAILABILITY[d.status] || 'unavailable',
          status_since: event.at, strength: null, position: null, position_at: null,
        });
        units.set(u.id, u);
        changed(u, event, false);
        if (!ui.region || ![...ui.region.options].some((o) => o.value === u.region)) fillFilterOptions();
        completeUnit(u.id, event.id);
      }
      break;
    case 'UnitUpdated': {
      const u = units.get(d.unit_id);
      if (!u) return;
      const c = d.changes || {};
      for (const key of ['name', 'category', 'capabilities', 'readiness', 'declared_strength']) {
        if (key in c) u[key] = c[key];
      }
      if ('readiness' in c) u.readiness_label = READINESS[c.readiness] ?? String(c.readiness);
      if ('home_lon' in c || 'home_lat' in c) {
        u.home = { lon: c.home_lon ?? u.home.lon, lat: c.home_lat ?? u.home.lat };
        if (!u.position) {
          u.lon = u.home.lon;
          u.lat = u.home.lat;
        }
      }
      changed(u, event, false);
      break;
    }
    case 'AgencyCreated':
      agencies.set(d.agency_id, { id: d.agency_id, code: d.code, name: d.name, kind: d.kind, region: d.region });
      fillFilterOptions();
      break;
    case 'MemberRegistered':
    case 'MemberChanged':
    case 'RosterImported':
      refreshStrengthsSoon();
      refreshPowersSoon();
      break;
    case 'ActivationOrderIssued':
    case 'LegalActStatusChanged':
    case 'LegalActRecorded':
      refreshPowersSoon();
      if (ui.detailUnit != null) {
        const u = units.get(ui.detailUnit);
        const concerns = event.type !== 'ActivationOrderIssued' || (u && u.path.startsWith(d.path));
        if (concerns) loadPowers(ui.detailUnit);
      }
      break;
    default:
      break;
  }
}

/** A unit changed: redraw it (`only` it, for a status or a position) and the board. */
function changed(u, event, only) {
  if (layerShown()) {
    awaiting.push({ event: event.id, type: event.type, unit: u.id, at: Date.parse(event.at), received: now() });
    if (only) layer.markDirty(u);
    else layer.redraw();
  }
  scheduleList();
  if (ui.detailUnit === u.id) refreshDetailFacts(u);
}

/** A unit made after the snapshot: read it whole (readiness, strength, agency kind). */
async function completeUnit(id, sinceEvent) {
  try {
    const full = await api(`/units/${id}`);
    const u = units.get(id);
    if (!u) return;
    const live = {
      status: u.status, status_label: u.status_label, availability: u.availability, status_since: u.status_since,
      position: u.position, position_at: u.position_at, lon: u.lon, lat: u.lat,
    };
    const statusSince = (u._statusEvent ?? 0) > sinceEvent;
    const positionSince = (u._positionEvent ?? 0) > sinceEvent;
    Object.assign(u, record(full));
    if (!ui.agency || ![...ui.agency.options].some((o) => o.value === String(u.agency_id))) fillFilterOptions();
    if (statusSince) Object.assign(u, { status: live.status, status_label: live.status_label, availability: live.availability, status_since: live.status_since });
    if (positionSince) Object.assign(u, { position: live.position, position_at: live.position_at, lon: live.lon, lat: live.lat });
    if (layer) layer.redraw();
    scheduleList();
  } catch (err) {
    console.warn(`unit ${id} could not be read`, err);
  }
}

function refreshStrengthsSoon() {
  if (!loaded || strengthTimer) return;
  strengthTimer = setTimeout(async () => {
    strengthTimer = null;
    try {
      for (const fresh of await api('/units')) {
        const u = units.get(fresh.id);
        if (!u) continue;
        u.strength = fresh.strength;
        u.registered_members = fresh.registered_members;
        u.declared_strength = fresh.declared_strength;
      }
      scheduleList();
      if (ui.detailUnit != null) refreshDetailFacts(units.get(ui.detailUnit));
    } catch (err) {
      console.warn('strengths could not be refreshed', err);
    }
  }, STRENGTH_REFRESH_MS);
}

function layerShown() {
  return Boolean(layer && mapApi && mapApi.getMap().hasLayer(layer));
}

function afterDraw(frame) {
  stats.frames += 1;
  stats.drawMs += frame.ms;
  if (frame.partial) stats.partialFrames += 1;
  stats.lastFrameMs = frame.ms;
  stats.maxFrameMs = Math.max(stats.maxFrameMs, frame.ms);
  stats.drawn = frame.drawn;
  const at = now();
  if (loaded && !frame.partial && stats.firstDrawAt === null && frame.total === units.size) {
    stats.firstDrawAt = at;
    stats.firstFrameMs = frame.ms;
    performance.mark('marchwarden:units-drawn', { detail: { units: frame.total, drawn: frame.drawn } });
    document.getElementById('map')?.setAttribute('data-units-drawn', String(frame.total));
  }
  for (const item of awaiting) {
    item.drawn = at;
    timings.push(item);
  }
  awaiting.length = 0;
  if (timings.length > TIMINGS_KEPT) timings.splice(0, timings.length - TIMINGS_KEPT);
}

// ------------------------------------------------------------------ loading

async function load() {
  try {
    const [list, agencyList] = await Promise.all([api('/units'), api('/agencies').catch(() => [])]);
    for (const a of agencyList) agencies.set(a.id, a);
    for (const u of list) units.set(u.id, record(u));
  } catch (err) {
    showLoadFailure(ui.message, 'units', err, load);
    return;
  }
  ui.message.hidden = true;
  loaded = true;
  stats.loadedAt = now();
  const held = pending;
  pending = [];
  for (const event of held) applyEvent(event);
  fillFilterOptions();
  renderList();
  if (layer) layer.redraw();
  refreshPowersSoon(0);
}

async function attachMap() {
  await pageReady();
  const app = window.marchwarden;
  if (!app || !app.map || !app.map.getMap()) return;
  mapApi = app.map;
  const { UnitsCanvasLayer } = await import('./unitlayer.js');
  layer = new UnitsCanvasLayer(
    { units: () => (loaded ? units.values() : []), selected: () => selectedId },
    { describe, onSelect: (u) => showUnit(u.id, { focusMap: false }), afterDraw },
  );
  mapApi.getLayer('Units').addLayer(layer);
  mapApi.registerSteppable('u', 'unit', 'units', layer);
  if (pendingFocus) focusOnMap(pendingFocus);
}

function describe(found) {
  const [u, ...others] = found;
  const lines = [
    `${u.name}${u.code !== u.name ? ` (${u.code})` : ''}`,
    `${kindOf(u.agency_kind).label} · ${u.region}`,
    `Status: ${statusPhrase(u)}`,
    `Readiness: ${u.readiness_label || 'not known yet'}`,
  ];
  if (others.length) {
    const names = others.slice(0, 3).map((o) => o.name).join(', ');
    lines.push(`Also here: ${names}${others.length > 3 ? ` and ${others.length - 3} more` : ''}`);
  }
  lines.push('Click for details');
  return lines.join('\n');
}

// ------------------------------------------------------------------ the list

function matches(u) {
  if (view.region && u.region !== view.region) return false;
  if (view.agency && String(u.agency_id) !== view.agency) return false;
  if (view.availability && u.availability !== view.availability) return false;
  if (view.power && !(held.byUnit.get(u.id) ?? []).includes(view.power)) return false;
  if (view.text) {
    const t = view.text;
    if (!u.name.toLowerCase().includes(t) && !u.code.toLowerCase().includes(t)) return false;
  }
  return true;
}

const SORTS = {
  name: (a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }),
  kind: (a, b) => kindOf(a.agency_kind).label.localeCompare(kindOf(b.agency_kind).label),
  region: (a, b) => a.region.localeCompare(b.region),
  status: (a, b) => a.status.localeCompare(b.status),
  readiness: (a, b) => (a.readiness ?? 0) - (b.readiness ?? 0),
  strength: (a, b) => (a.strength ?? -1) - (b.strength ?? -1),
  powers: (a, b) => (held.byUnit.get(a.id)?.length ?? -1) - (held.byUnit.get(b.id)?.length ?? -1),
};

function scheduleList() {
  if (listTimer || !loaded) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    if (selectedTab() === 'units' && !ui.list.hidden) renderList();
    else ui.stale = true;
    renderCounts();
  }, LIST_REFRESH_MS);
}

function renderCounts() {
  const by = { available: 0, committed: 0, unavailable: 0 };
  for (const u of units.values()) by[u.availability] = (by[u.availability] ?? 0) + 1;
  const n = units.size;
  ui.count.textContent = `${n.toLocaleString('en-GB')} unit${n === 1 ? '' : 's'} · ${by.available} available · ${by.committed} committed · ${by.unavailable} unavailable`;
}

function fillFilterOptions() {
  if (!ui.region) return;
  const regions = [...new Set([...units.values()].map((u) => u.region))].sort();
  const keep = (select, options) => {
    const current = select.value;
    select.replaceChildren(el('option', { value: '', text: 'All' }), ...options);
    select.value = [...select.options].some((o) => o.value === current) ? current : '';
  };
  keep(ui.region, regions.map((r) => el('option', { value: r, text: r })));
  const used = new Set([...units.values()].map((u) => u.agency_id));
  const list = [...agencies.values()].filter((a) => used.has(a.id)).sort((a, b) => a.name.localeCompare(b.name));
  keep(ui.agency, list.map((a) => el('option', { value: String(a.id), text: a.name })));
}

function renderList() {
  ui.stale = false;
  const rows = [...units.values()].filter(matches);
  const compare = SORTS[view.sort] ?? SORTS.name;
  rows.sort((a, b) => view.dir * compare(a, b) || a.id - b.id);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  view.page = Math.min(view.page, pages - 1);
  const start = view.page * PAGE_SIZE;
  const shown = rows.slice(start, start + PAGE_SIZE);

  const focused = document.activeElement?.closest?.('tr[data-unit-id]')?.dataset.unitId;
  const body = el('tbody');
  for (const u of shown) body.append(row(u));
  ui.body.replaceWith(body);
  ui.body = body;
  if (focused) body.querySelector(`tr[data-unit-id="${focused}"] .unit-link`)?.focus();

  ui.empty.hidden = rows.length > 0;
  ui.empty.textContent = units.size ? 'No unit matches these filters.' : 'No units are registered yet.';
  ui.table.hidden = rows.length === 0;
  ui.pageInfo.textContent = rows.length
    ? `${start + 1}–${start + shown.length} of ${rows.length.toLocaleString('en-GB')}`
    : '';
  ui.prev.disabled = view.page === 0;
  ui.next.disabled = view.page >= pages - 1;
  ui.pager.hidden = rows.length <= PAGE_SIZE;
  for (const th of ui.table.querySelectorAll('th[data-sort]')) {
    th.setAttribute('aria-sort', th.dataset.sort === view.sort ? (view.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  renderCounts();
}

function row(u) {
  const kind = kindOf(u.agency_kind);
  const link = el('button', { type: 'button', class: 'unit-link', title: `${u.name} (${u.code}): show on the map and open` },
    symbolSvg(u.agency_kind, u.availability, 16), el('span', { text: u.name }));
  const status = el('td', { class: 'unit-status', text: u.status_label, title: `${u.status_label} — ${u.availability}` });
  status.dataset.availability = u.availability;
  const powers = powersOf(u);
  return el('tr', { dataset: { unitId: String(u.id), availability: u.availability } },
    el('td', { class: 'unit-name' }, link, u.code !== u.name ? el('span', { class: 'unit-code', text: u.code }) : null, powers.chips),
    el('td', { text: SHORT_KIND[u.agency_kind] ?? kind.label, title: kind.label }),
    el('td', { text: u.region }),
    status,
    el('td', { class: 'num', title: u.readiness ? `readiness ${u.readiness} of 4: ${u.readiness_label}` : '' },
      u.readiness ? `${u.readiness}/4` : '—',
      u.readiness ? el('span', { class: 'visually-hidden', text: ` ${u.readiness_label}` }) : null),
    el('td', { class: 'num', text: u.strength == null ? '—' : String(u.strength) }),
    powers.cell,
  );
}

/** The powers a unit holds as small chips (under its name) and their count (a column). */
function powersOf(u) {
  const codes = held.byUnit.get(u.id);
  if (!codes) return { chips: null, cell: el('td', { class: 'num unit-powers-count', text: held.loaded ? '—' : '…' }) };
  const words = codes.map((c) => held.labels.get(c) ?? c);
  const title = codes.length ? `Holds under the law in force: ${words.join('; ')}` : 'Holds no power under the law in force';
  const chips = codes.length
    ? el('div', { class: 'unit-power-chips', title },
      ...codes.map((c) => el('span', { class: 'power-chip', dataset: { power: c }, text: POWER_SHORT[c] ?? c })),
      el('span', { class: 'visually-hidden', text: ` holds ${words.join(', ')}` }))
    : null;
  const total = held.labels.size || codes.length;
  return { chips, cell: el('td', { class: 'num unit-powers-count', title, text: `${codes.length}/${total}` }) };
}

/** The powers of every unit, read again a moment after the law or the members change. */
function refreshPowersSoon(delay = STRENGTH_REFRESH_MS) {
  if (!session.can('authority.evaluate') || powersTimer) return;
  powersTimer = setTimeout(async () => {
    powersTimer = null;
    try {
      const reply = await api('/unit-powers');
      held.byUnit = new Map(Object.entries(reply.units).map(([id, codes]) => [Number(id), codes]));
      held.at = reply.at;
      held.loaded = true;
      scheduleList();
    } catch (err) {
      console.warn('the powers of the units could not be read', err);
    }
  }, delay);
}

async function loadPowerLabels() {
  try {
    for (const p of await api('/powers')) held.labels.set(p.power, p.label);
  } catch (err) {
    console.warn('the power catalogue could not be read', err);
  }
  if (ui.power) {
    ui.power.append(...[...held.labels].map(([code, label]) => el('option', { value: code, text: label })));
  }
}

// ------------------------------------------------------------------ the detail

function fact(term, ...value) {
  return [el('dt', { text: term }), el('dd', {}, ...value)];
}

function refreshDetailFacts(u) {
  if (!u || ui.detailUnit !== u.id) return;
  const agency = agencies.get(u.agency_id);
  const title = ui.detailTitle;
  title.replaceChildren(symbolSvg(u.agency_kind, u.availability, 22), el('span', { text: u.name }));
  const facts = [
    ...fact('Code', u.code),
    ...fact('Agency', `${agency ? agency.name : `agency ${u.agency_id}`} (${kindOf(u.agency_kind).label})`),
    ...fact('Region', u.region),
    ...fact('Category', u.category),
    ...fact('Status', el('span', { class: 'unit-detail-status', text: statusPhrase(u) }),
      u.status_since ? el('span', { class: 'since', text: ' since ' }) : null,
      u.status_since ? timeElement(u.status_since) : null),
    ...fact('Readiness', u.readiness ? `${u.readiness_label} (${u.readiness} of 4)` : '—'),
    ...fact('Strength', u.strength == null ? 'not known' : `${u.strength}${u.registered_members ? ` (${u.registered_members} registered)` : ''}`),
    ...fact('Position', u.position
      ? `${u.position.lat.toFixed(4)}, ${u.position.lon.toFixed(4)}`
      : `home base ${u.home.lat.toFixed(4)}, ${u.home.lon.toFixed(4)}`,
    u.position_at ? el('span', { class: 'since', text: ' at ' }) : null, u.position_at ? timeElement(u.position_at) : null),
  ];
  if (u.capabilities && u.capabilities.length) facts.push(...fact('Capabilities', u.capabilities.join(', ').replace(/_/g, ' ')));
  ui.facts.replaceChildren(...facts);
  ui.detail.dataset.status = u.status;
  if (ui.statusSelect && ui.statusFor !== `${u.id}:${u.status}`) {
    ui.statusFor = `${u.id}:${u.status}`;
    ui.statusSelect.replaceChildren(
      ...(ALLOWED_NEXT[u.status] ?? []).map((s) => el('option', { value: s, text: statusPhrase({ status_label: statusWords(s), availability: STATUS_AVAILABILITY[s] }) })),
    );
  }
}

function openDetail(u) {
  ui.detailUnit = u.id;
  ui.statusFor = null;
  ui.list.hidden = true;
  ui.detail.hidden = false;
  ui.detail.dataset.unitId = String(u.id);
  if (ui.statusMessage) ui.statusMessage.textContent = '';
  if (ui.statusNote) ui.statusNote.value = '';
  refreshDetailFacts(u);
  ui.detailTitle.focus();
  loadPowers(u.id);
  loadMembers(u.id);
}

function closeDetail() {
  const id = ui.detailUnit;
  ui.detailUnit = null;
  ui.detail.hidden = true;
  ui.list.hidden = false;
  selectedId = null;
  if (layer) layer.redraw();
  renderList();
  const back = ui.body.querySelector(`tr[data-unit-id="${id}"] .unit-link`);
  (back ?? ui.search).focus();
}

function proposedChosen() {
  return [...ui.detail.querySelectorAll('.powers-with input:checked')].map((i) => i.value);
}

function powerList(result) {
  const list = el('ul', { class: 'power-list' });
  for (const p of result.powers) {
    const reasons = el('ul', { class: 'power-reasons' }, ...(p.held ? p.basis : p.missing).map((t) => el('li', { text: t })));
    const item = el('li', { class: `power ${p.held ? 'power-held' : 'power-missing'}`, dataset: { power: p.power } },
      el('span', { class: 'power-mark', text: p.held ? '✓ held' : '✗ not held' }), ' ',
      el('span', { class: 'power-label', text: p.label }), ' ',
      el('code', { class: 'power-code', text: p.power }),
      reasons);
    list.append(item);
  }
  return list;
}

async function loadPowers(id) {
  if (!session.can('authority.evaluate')) {
    ui.powers.replaceChildren(el('p', { class: 'board-empty', text: 'Your role does not include the powers of units.' }));
    return;
  }
  const seq = ++detailSeq;
  const chosen = proposedChosen();
  const query = chosen.map((r) => `with=${encodeURIComponent(r)}`).join('&');
  ui.powers.setAttribute('aria-busy', 'true');
  try {
    const result = await api(`/units/${id}/authority${query ? `?${query}` : ''}`);
    if (seq !== detailSeq || ui.detailUnit !== id) return;
    const held = result.powers.filter((p) => p.held).length;
    const lawWords = result.acts.length ? `under ${result.acts.join(', ')}` : 'under no act';
    ui.powers.replaceChildren(
      el('p', { class: 'power-summary' },
        `${held} of ${result.powers.length} powers held ${lawWords}${result.with_proposed.length ? ` (with proposed ${result.with_proposed.join(', ')})` : ''}, at `,
        timeElement(result.at), '.'),
      powerList(result),
    );
  } catch (err) {
    if (seq === detailSeq) ui.powers.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: err.message }));
  } finally {
    if (seq === detailSeq) ui.powers.removeAttribute('aria-busy');
  }
}

async function fillProposed() {
  if (!session.can('law.read')) return;
  try {
    const acts = await api('/acts');
    const proposed = acts.filter((a) => a.status === 'proposed');
    const box = ui.detail.querySelector('.powers-with');
    const chosen = new Set(proposedChosen());
    box.replaceChildren(...(proposed.length ? [el('span', { class: 'powers-with-label', text: 'Add proposed acts:' })] : []),
      ...proposed.map((a) => {
        const input = el('input', { type: 'checkbox', value: a.reference, checked: chosen.has(a.reference) });
        input.addEventListener('change', () => ui.detailUnit != null && loadPowers(ui.detailUnit));
        return el('label', { title: a.title }, input, ` ${a.reference}`);
      }));
  } catch (err) {
    console.warn('acts could not be read', err);
  }
}

async function loadMembers(id) {
  ui.members.replaceChildren();
  if (!session.can('member.read')) return;
  const unit = units.get(id);
  try {
    const members = await api(`/units/${id}/members?limit=100`);
    if (ui.detailUnit !== id) return;
    if (!members.length) {
      ui.members.append(el('p', { class: 'board-empty', text: 'No members registered (strength is declared, if at all).' }));
      return;
    }
    const list = el('ul', { class: 'member-list' });
    for (const m of members) {
      const name = m.personal ? `${m.personal.given_name} ${m.personal.family_name}` : '';
      const button = el('button', { type: 'button', class: 'member-link', 'aria-expanded': 'false' },
        el('strong', { text: m.callsign }), ` ${m.external_id}`, name ? ` · ${name}` : '', m.unit_code !== unit?.code ? ` · ${m.unit_code}` : '');
      const powers = el('div', { class: 'member-powers' });
      powers.hidden = true;
      button.addEventListener('click', () => toggleMember(m.id, button, powers));
      list.append(el('li', { dataset: { memberId: String(m.id) } }, button, powers));
    }
    ui.members.append(
      el('p', { class: 'board-count', text: `${members.length === 100 ? 'The first 100' : members.length} member${members.length === 1 ? '' : 's'}, sub-units included. Choose one for their powers.` }),
      list,
    );
  } catch (err) {
    ui.members.append(el('p', { class: 'form-error', text: err.message }));
  }
}

async function toggleMember(memberId, button, box) {
  const open = button.getAttribute('aria-expanded') === 'true';
  button.setAttribute('aria-expanded', String(!open));
  box.hidden = open;
  if (open) return;
  box.replaceChildren(el('p', { class: 'board-empty', text: 'Reading the law…' }));
  const chosen = proposedChosen();
  const query = chosen.map((r) => `with=${encodeURIComponent(r)}`).join('&');
  try {
    const result = await api(`/members/${memberId}/authority${query ? `?${query}` : ''}`);
    box.replaceChildren(powerList(result));
  } catch (err) {
    box.replaceChildren(el('p', { class: 'form-error', text: err.message }));
  }
}

async function submitStatus(event) {
  event.preventDefault();
  const id = ui.detailUnit;
  if (id == null) return;
  const status = ui.statusSelect.value;
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page
  if (ui.statusButton.getAttribute('aria-disabled') === 'true') return;
  ui.statusButton.setAttribute('aria-disabled', 'true');
  ui.statusMessage.textContent = '';
  try {
    const fresh = await api(`/units/${id}/status`, { method: 'POST', body: { status, note: ui.statusNote.value.trim() } });
    const u = units.get(id);
    if (u && fresh) {
      Object.assign(u, { status: fresh.status, status_label: fresh.status_label, availability: fresh.availability, status_since: fresh.status_since });
      if (layer) layer.markDirty(u);
      refreshDetailFacts(u);
      scheduleList();
    }
    ui.statusNote.value = '';
    ui.statusMessage.textContent = `Status changed to ${statusWords(status)}.`;
  } catch (err) {
    ui.statusMessage.textContent = err.message;
  } finally {
    ui.statusButton.removeAttribute('aria-disabled');
  }
}

// ------------------------------------------------------------------ install

function buildKey() {
  const key = el('details', { class: 'units-key' }, el('summary', { text: 'Key to the unit symbols' }));
  const kinds = el('dl', { class: 'legend' });
  for (const [code, k] of Object.entries(AGENCY_KINDS)) {
    kinds.append(el('dt', {}, symbolSvg(code, 'available', 20), k.label), el('dd', { text: k.words }));
  }
  const colours = el('dl', { class: 'legend' });
  for (const [code, a] of Object.entries(AVAILABILITY)) {
    colours.append(el('dt', {}, symbolSvg('police', code, 20), a.label), el('dd', { text: a.words }));
  }
  key.append(el('p', { class: 'legend-note', text: 'Shape and letter: the agency.' }), kinds,
    el('p', { class: 'legend-note', text: 'Colour and fill: availability.' }), colours,
    el('p', { class: 'legend-note', text: 'A unit is drawn where it last reported its position, or else at its home base. The chosen unit has a dark dashed ring.' }));
  return key;
}

function select(label, id) {
  const s = el('select', { id });
  return [s, el('label', { for: id, text: label }), s];
}

export function install() {
  const panel = registerTab('units', 'Units', { order: 10 });
  ui.panel = panel;

  // the list
  ui.count = el('span', { class: 'board-count', id: 'units-count', text: 'loading…' });
  const [region, regionLabel] = select('Region', 'units-region');
  const [agency, agencyLabel] = select('Agency', 'units-agency');
  const [availability, availabilityLabel] = select('Availability', 'units-availability');
  availability.append(el('option', { value: '', text: 'All' }),
    ...Object.keys(AVAILABILITY).map((a) => el('option', { value: a, text: a })));
  const [power, powerLabel] = select('Holds power', 'units-power');
  power.append(el('option', { value: '', text: 'Any' }));
  const search = el('input', { id: 'units-search', type: 'search', placeholder: 'name or code', autocomplete: 'off' });
  Object.assign(ui, { region, agency, availability, power, search });
  const filters = el('div', { class: 'unit-filters', role: 'search', 'aria-label': 'Filter the units' },
    el('div', {}, regionLabel, region), el('div', {}, agencyLabel, agency),
    el('div', {}, availabilityLabel, availability),
    ...(session.can('authority.evaluate') ? [el('div', {}, powerLabel, power)] : []),
    el('div', {}, el('label', { for: 'units-search', text: 'Find' }), search));
  for (const [control, key] of [[region, 'region'], [agency, 'agency'], [availability, 'availability'], [power, 'power']]) {
    control.addEventListener('change', () => { view[key] = control.value; view.page = 0; renderList(); });
  }
  search.addEventListener('input', () => { view.text = search.value.trim().toLowerCase(); view.page = 0; renderList(); });

  const head = el('tr');
  for (const [key, label, cls] of [['name', 'Unit'], ['kind', 'Agency'], ['region', 'Region'], ['status', 'Status'], ['readiness', 'Ready', 'num'], ['strength', 'Str.', 'num'], ['powers', 'Pow.', 'num']]) {
    const button = el('button', { type: 'button', class: 'sort', text: label, title: `Sort by ${key}` });
    button.addEventListener('click', () => {
      view.dir = view.sort === key ? -view.dir : 1;
      view.sort = key;
      renderList();
    });
    head.append(el('th', { scope: 'col', class: cls ?? '', dataset: { sort: key }, 'aria-sort': 'none' }, button));
  }
  ui.body = el('tbody');
  ui.table = el('table', { class: 'units-table', id: 'units-table' },
    el('caption', { class: 'visually-hidden', text: 'Units: choose one to see it on the map and its details' }),
    el('thead', {}, head), ui.body);
  ui.table.addEventListener('click', (event) => {
    const tr = event.target.closest('tr[data-unit-id]');
    if (tr && !event.target.closest('th')) showUnit(Number(tr.dataset.unitId));
  });
  ui.empty = el('p', { class: 'board-empty', text: 'Loading the units…' });
  ui.prev = el('button', { type: 'button', class: 'button-quiet', text: '‹ Previous' });
  ui.next = el('button', { type: 'button', class: 'button-quiet', text: 'Next ›' });
  ui.pageInfo = el('span', { class: 'page-info', 'aria-live': 'polite' });
  ui.pager = el('div', { class: 'pager' }, ui.prev, ui.pageInfo, ui.next);
  ui.prev.addEventListener('click', () => { view.page -= 1; renderList(); });
  ui.next.addEventListener('click', () => { view.page += 1; renderList(); });
  ui.message = el('p', { class: 'form-error', role: 'alert' });
  ui.message.hidden = true;
  ui.list = el('div', { class: 'units-list' },
    el('div', { class: 'board-head' }, el('h2', { text: 'Units' }), ui.count),
    filters, ui.message, ui.empty, el('div', { class: 'table-scroll' }, ui.table), ui.pager, buildKey());

  // the detail
  const back = el('button', { type: 'button', class: 'button-quiet back', text: '‹ All units' });
  back.addEventListener('click', closeDetail);
  ui.detailTitle = el('h2', { id: 'unit-detail-title', tabindex: '-1', class: 'unit-detail-title' });
  ui.facts = el('dl', { class: 'unit-facts' });
  ui.powers = el('div', { class: 'unit-powers', 'aria-live': 'polite' });
  ui.members = el('div', { class: 'unit-members' });
  ui.detail = el('section', { class: 'unit-detail', id: 'unit-detail', 'aria-labelledby': 'unit-detail-title' },
    back, ui.detailTitle, ui.facts);
  if (session.can('unit.status')) {
    ui.statusSelect = el('select', { id: 'unit-status-next' });
    ui.statusNote = el('input', { id: 'unit-status-note', type: 'text', maxlength: '500', autocomplete: 'off' });
    ui.statusButton = el('button', { type: 'submit', id: 'unit-status-submit', text: 'Change status' });
    ui.statusMessage = el('p', { class: 'status-message', role: 'status', id: 'unit-status-message' });
    const form = el('form', { class: 'status-form', id: 'unit-status-form' },
      el('h3', { text: 'Change status' }),
      el('div', {}, el('label', { for: 'unit-status-next', text: 'New status' }), ui.statusSelect),
      el('div', {}, el('label', { for: 'unit-status-note', text: 'Note (optional)' }), ui.statusNote),
      ui.statusButton, ui.statusMessage);
    form.addEventListener('submit', submitStatus);
    ui.detail.append(form);
  }
  ui.detail.append(
    el('h3', { text: 'Powers' }),
    el('div', { class: 'powers-with' }),
    ui.powers,
    el('h3', { text: 'Members' }),
    ui.members,
  );
  ui.detail.hidden = true;
  ui.detail.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeDetail();
  });
  panel.append(ui.list, ui.detail);
  panel.addEventListener('tab-shown', () => {
    if (ui.stale && !ui.list.hidden) renderList();
  });

  onEvent('*', (event) => {
    if (loaded) {
      applyEvent(event);
      return;
    }
    // kept until the snapshot is in; should loading fail for long, the oldest go (a
    // snapshot read later holds their effect anyway)
    pending.push(event);
    if (pending.length > MAX_PENDING) pending.splice(0, pending.length - MAX_PENDING);
  });
  onEvent('LegalActStatusChanged', () => fillProposed());
  onEvent('LegalActRecorded', () => fillProposed());

  window.marchwarden.units = {
    powersOf: (id) => held.byUnit.get(Number(id)) ?? null,
    units,
    stats,
    timings,
    layer: () => layer,
    selected: () => selectedId,
    show: showUnit,
    /** Feed a made-up stream event through the page's dispatcher (the benchmark's page-only rate). */
    inject: (event) => emit(event),
    /** Where a unit was drawn in the last frame, in page pixels, with its drawn look. */
    drawnAt(id) {
      const u = units.get(Number(id));
      if (!layer || !u || !u._drawn) return null;
      const p = layer.containerPointOf(u.id);
      if (!p) return null;
      const box = mapApi.getMap().getContainer().getBoundingClientRect();
      return { x: p.x + box.left, y: p.y + box.top, r: layer.radius(), availability: u._drawn, kind: u.agency_kind };
    },
  };

  load();
  fillProposed();
  if (session.can('authority.evaluate')) loadPowerLabels();
  attachMap();
}
