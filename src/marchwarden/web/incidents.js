// The "Incidents" board, the incidents on the map and the incident page.
//
// Loading follows docs/ui.md: app.js reads the stream position before the boards are
// installed; install() loads the taxonomy and the incidents; stream events that arrive
// before the snapshot is in are kept and applied on top of it, in order.
//
// The map layer (incidentlayer.js, one canvas) is attached once the page has made the map.
// The incident page (incidentpage.js) opens in this board's panel; the situation report
// (sitrep.js) in a printable view over the page. Other boards open an incident with
//   window.dispatchEvent(new CustomEvent('marchwarden:open-incident', {detail: {id}}))
//
// window.marchwarden.incidents is for the browser tests and bench/bench_ui.py.

import { api, ApiError } from './api.js';
import { el, num, pageReady, showLoadFailure, words } from './dom.js';
import { DrawTimings } from './canvaslayer.js';
import { afterSnapshot } from './events.js';
import { CATEGORIES, STATES, STATE_ORDER, categoryOf, incidentImage, incidentKeyParts } from './incidentsymbols.js';
import * as page from './incidentpage.js';
import { session } from './session.js';
import { BORDER_REGIONS, openBorderSitrep, openRegionSitrep } from './sitrep.js';
import { registerTab, selectTab, selectedTab, setBadge } from './tabs.js';
import { t } from './i18n.js';
import { relativeElement, timeElement } from './time.js';
import { regionName, regionWithCode } from './regions.js';

const PAGE_LIMIT = 1000;
const LIST_REFRESH_MS = 250;
const GROUP_SHOWN = 40;
const TIMINGS_KEPT = 20000;
const MAX_PENDING = 20000;

const incidents = new Map();
const types = new Map();
let loaded = false;
/** Hands over the events held while the incidents load (events.js: afterSnapshot). */
let goLive = () => {};
let layer = null;
let mapApi = null;
let selectedId = null;
let pendingOpen = null;
const view = { region: '', text: '', showEnded: false, expanded: new Set() };
const ui = {};
let listTimer = null;
let unseen = 0;

// the commit-to-frame lag of live changes (for the benchmark and the tests)
const drawing = new DrawTimings({
  noun: 'incidents',
  keep: TIMINGS_KEPT,
  complete: (frame) => loaded && frame.total === visible().length,
});

const isEnded = (i) => i.state === 'closed' || i.state === 'rejected';

const capitalFirst = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function typeLabel(code) {
  return t(`incidentType.${code}`, types.get(code)?.label ?? words(code));
}

function categoryOfIncident(i) {
  return categoryOf(types.get(i.incident_type));
}

/** The polygon's rings of a GeoJSON place, or null for a point. */
function polygonOf(place) {
  return place && place.type === 'Polygon' ? place.coordinates : null;
}

/** The list's summary (or a detail) as the record the board and the map use: both
 * carry the place (GeoJSON), so no incident is read for its polygon. */
function record(s, old = null) {
  return {
    ...(old ?? {}),
    id: s.id,
    name: s.name,
    incident_type: s.incident_type,
    severity: s.severity,
    state: s.state,
    region: s.region,
    lon: s.reference_point.lon,
    lat: s.reference_point.lat,
    polygon: polygonOf(s.place),
    lead_agency_id: s.lead_agency_id ?? s.command?.lead?.id ?? null,
    supporting_agency_ids: s.supporting_agency_ids ?? (s.command ? s.command.supporting.map((a) => a.id) : []),
    affected_population: s.affected_population ?? s.affected?.population ?? 0,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

// ------------------------------------------------------------------ public

/** The states of an incident still being worked (the list says how long since it opened). */
const OPEN_STATES = new Set(['reported', 'verified', 'active', 'contained']);

export function allIncidents() {
  return incidents;
}

/** Open an incident's page: the Incidents tab, the page, the map centred on it. */
export async function showIncident(id, { focusMap = true } = {}) {
  const key = Number(id);
  if (!loaded) {
    pendingOpen = key;
    return;
  }
  if (!incidents.has(key)) {
    // e.g. just opened from a report, before its event arrived: read it
    try {
      const full = await api(`/incidents/${key}`);
      incidents.set(key, record(full, incidents.get(key)));
      scheduleList();
      if (layer) layer.redraw();
    } catch (err) {
      selectTab('incidents');
      ui.message.textContent = err instanceof ApiError ? err.message : String(err);
      ui.message.hidden = false;
      return;
    }
  }
  const i = incidents.get(key);
  selectTab('incidents');
  selectedId = key;
  if (layer) layer.redraw();
  if (focusMap) centreOn(i);
  ui.list.hidden = true;
  page.open(key);
}

function centreOn(i) {
  const map = (mapApi ?? window.marchwarden?.map)?.getMap?.();
  if (!map) return;
  map.setView([i.lat, i.lon], Math.max(map.getZoom(), 9), { animate: false });
}

function closePage() {
  const id = selectedId;
  selectedId = null;
  page.close();
  ui.list.hidden = false;
  if (layer) layer.redraw();
  renderList();
  const back = ui.groups.querySelector(`button.incident-link[data-incident-id="${id}"]`);
  (back ?? ui.search).focus();
}

// ------------------------------------------------------------------ live changes

function applyEvent(event) {
  const d = event.data || {};
  const id = d.incident_id;
  switch (event.type) {
    case 'IncidentOpened': {
      const old = incidents.get(id);
      incidents.set(id, {
        ...(old ?? {}),
        id, name: d.name, incident_type: d.incident_type, severity: d.severity, state: d.state,
        region: d.region, lon: d.lon, lat: d.lat, polygon: polygonOf(d.place),
        lead_agency_id: d.lead_agency_id, supporting_agency_ids: d.supporting_agency_ids ?? [],
        affected_population: d.affected_population ?? old?.affected_population ?? 0,
        created_at: event.at, updated_at: event.at,
      });
      changed(id, event);
      if (selectedTab() !== 'incidents') setBadge('incidents', (unseen += 1));
      break;
    }
    case 'IncidentUpdated': {
      const i = incidents.get(id);
      if (!i) {
        complete(id);
        break;
      }
      const c = d.changes || {};
      // each change is [before, after] (the place: the new GeoJSON)
      const after = (v) => (Array.isArray(v) && v.length === 2 ? v[1] : v);
      for (const key of ['name', 'severity', 'incident_type', 'region', 'affected_population']) {
        if (key in c) i[key] = after(c[key]);
      }
      // a moved place: the event carries the new place and its reference point
      if (d.place) {
        i.polygon = polygonOf(d.place);
        if (d.lon != null && d.lat != null) {
          i.lon = d.lon;
          i.lat = d.lat;
        }
      }
      i.updated_at = event.at;
      changed(id, event);
      break;
    }
    case 'IncidentStateChanged': {
      const i = incidents.get(id);
      if (!i) {
        complete(id);
        break;
      }
      i.state = d.state;
      i.updated_at = event.at;
      changed(id, event);
      break;
    }
    case 'UnifiedCommandChanged': {
      const i = incidents.get(id);
      if (!i) {
        complete(id);
        break;
      }
      i.lead_agency_id = d.lead_agency_id;
      i.supporting_agency_ids = d.supporting_agency_ids ?? [];
      changed(id, event);
      break;
    }
    default:
      break;
  }
  page.onEvent(event);
}

function changed(id, event) {
  if (layer?.shown()) {
    drawing.changed(event, { incident: id });
    layer.redraw();
  }
  scheduleList();
}

/** Read an incident not known here yet (one that came into view through a change the
 * page had not seen opened, e.g. its unified command now naming the reader's agency). */
async function complete(id) {
  try {
    const full = await api(`/incidents/${id}`);
    const old = incidents.get(id);
    const fresh = record(full, old);
    if (old) {
      // the stream may have moved on while this was read: keep the newer state
      if (old.updated_at && Date.parse(old.updated_at) > Date.parse(full.updated_at)) {
        Object.assign(fresh, { state: old.state, severity: old.severity, name: old.name });
      }
    }
    incidents.set(id, fresh);
    if (layer) layer.redraw();
    scheduleList();
  } catch (err) {
    if (!(err instanceof ApiError && (err.status === 404 || err.status === 403))) console.warn(`incident ${id} could not be read`, err);
  }
}

// ------------------------------------------------------------------ loading

async function load() {
  try {
    // the types and the first page at once
    const page = (after) => api(`/incidents?limit=${PAGE_LIMIT}${after != null ? `&after_id=${after}` : ''}`);
    const [typeList, first] = await Promise.all([api('/incident-types').catch(() => []), page(null)]);
    for (const t of typeList) types.set(t.code, t);
    let after = null;
    for (;;) {
      const pageOf = after == null ? first : await page(after);
      for (const s of pageOf.items) incidents.set(s.id, record(s, incidents.get(s.id)));
      if (pageOf.next_after_id == null) break;
      after = pageOf.next_after_id;
    }
  } catch (err) {
    showLoadFailure(ui.message, 'incidents', err, load);
    return;
  }
  ui.message.hidden = true;
  loaded = true;
  window.dispatchEvent(new CustomEvent('marchwarden:incidents-loaded'));
  drawing.loaded();
  goLive();
  fillRegions();
  // the board's list now if it is shown, else when its tab is: its symbols' pictures and
  // a thousand rows made behind another tab came before the map's first frame of them
  if (selectedTab() === 'incidents' && !ui.list.hidden) renderList();
  else ui.stale = true;
  if (layer) layer.redraw();
  if (pendingOpen != null) {
    const id = pendingOpen;
    pendingOpen = null;
    showIncident(id);
  }
}

function visible() {
  return [...incidents.values()].filter((i) => (view.showEnded || !isEnded(i)) && (!view.region || i.region === view.region));
}

async function attachMap() {
  await pageReady();
  const app = window.marchwarden;
  if (!app || !app.map || !app.map.getMap()) return;
  mapApi = app.map;
  const { IncidentsCanvasLayer } = await import('./incidentlayer.js');
  layer = new IncidentsCanvasLayer(
    { incidents: () => (loaded ? visible() : []), selected: () => selectedId, categoryOf: categoryOfIncident },
    { describe, onSelect: (i) => showIncident(i.id, { focusMap: false }), afterDraw: drawing.afterDraw },
  );
  mapApi.getLayer('Incidents').addLayer(layer);
  mapApi.registerSteppable('i', 'incident', 'incidents', layer);
  if (selectedId != null && incidents.has(selectedId)) centreOn(incidents.get(selectedId));
}

function describe(found) {
  const [i, ...others] = found;
  const lines = [
    i.name,
    `${typeLabel(i.incident_type)} · ${regionName(i.region) ?? t('incidents.noRegion', 'no region')}`,
    t('incidents.severityState', 'Severity: {severity} · State: {state}', { severity: words(i.severity), state: words(i.state) }),
  ];
  if (others.length) {
    const names = others.slice(0, 3).map((o) => o.name).join(', ');
    lines.push(t('incidents.alsoHere', 'Also here: {names}', { names }) + (others.length > 3 ? t('incidents.andMore', ' and {n} more', { n: others.length - 3 }) : ''));
  }
  lines.push(t('incidents.clickForPage', 'Click for the incident page'));
  return lines.join('\n');
}

// ------------------------------------------------------------------ the board

function scheduleList() {
  if (listTimer || !loaded) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    if (selectedTab() === 'incidents' && !ui.list.hidden) renderList();
    else ui.stale = true;
  }, LIST_REFRESH_MS);
}

function fillRegions() {
  const regions = [...new Set([...incidents.values()].map((i) => i.region).filter(Boolean))].sort();
  for (const select of [ui.region, ui.sitrepRegion]) {
    if (!select) continue;
    const keep = select.value;
    const first = select === ui.region ? [el('option', { value: '', text: t('incidents.allRegions', 'All regions') })] : [];
    const last = select === ui.sitrepRegion ? [el('option', { value: BORDER_REGIONS, text: t('incidents.allBorderRegions', 'All border regions') })] : [];
    select.replaceChildren(...first, ...regions.map((r) => el('option', { value: r, text: regionWithCode(r) })), ...last);
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }
  if (ui.sitrepButton) ui.sitrepButton.disabled = regions.length === 0;
}

function matches(i) {
  if (view.region && i.region !== view.region) return false;
  if (view.text && !i.name.toLowerCase().includes(view.text)) return false;
  return true;
}

const SEVERITY_RANK = { extreme: 0, severe: 1, moderate: 2, minor: 3, unknown: 4 };

function renderList() {
  if (!loaded) return;
  ui.stale = false;
  if (ui.region && [...incidents.values()].some((i) => i.region && ![...ui.region.options].some((o) => o.value === i.region))) fillRegions();
  const byState = new Map(STATE_ORDER.map((s) => [s, []]));
  for (const i of incidents.values()) if (matches(i)) byState.get(i.state)?.push(i);
  const open = STATE_ORDER.filter((s) => STATES[s].open).reduce((n, s) => n + byState.get(s).length, 0);
  ui.count.textContent = incidents.size === 1
    ? t('incidents.countOne', '1 incident · {open} open', { open: num(open) })
    : t('incidents.count', '{n} incidents · {open} open', { n: num(incidents.size), open: num(open) });
  const sections = [];
  for (const state of STATE_ORDER) {
    const list = byState.get(state);
    list.sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || String(b.updated_at).localeCompare(String(a.updated_at)));
    const ended = !STATES[state].open;
    const heading = el('h3', { class: 'incident-group-title' },
      incidentImage(CATEGORIES.Battles, 'moderate', state, 16), ` ${capitalFirst(words(state))} `,
      el('span', { class: 'incident-count', text: `(${list.length})` }));
    const section = el('section', { class: 'incident-group', dataset: { stateGroup: state, count: String(list.length) } }, heading);
    if (ended && !view.showEnded) {
      section.append(el('p', { class: 'board-empty', text: list.length ? t('incidents.hiddenEnded', 'Hidden: tick "Show closed and rejected".') : t('sitrep.none', 'None.') }));
      sections.push(section);
      continue;
    }
    if (!list.length) {
      section.append(el('p', { class: 'board-empty', text: t('sitrep.none', 'None.') }));
      sections.push(section);
      continue;
    }
    const shown = view.expanded.has(state) ? list : list.slice(0, GROUP_SHOWN);
    const items = el('ul', { class: 'incident-list' });
    for (const i of shown) {
      const category = categoryOfIncident(i);
      const link = el('button', { type: 'button', class: 'incident-link', dataset: { incidentId: String(i.id) } },
        incidentImage(category, i.severity, i.state, 20),
        el('span', { class: 'incident-name', text: i.name }),
        el('span', { class: 'incident-meta', text: `${typeLabel(i.incident_type)} · ${words(i.severity)} · ${regionName(i.region) ?? '—'}` }),
        i.created_at && OPEN_STATES.has(i.state) ? el('span', { class: 'incident-elapsed' }, relativeElement(i.created_at, { prefix: t('incidents.opened', 'opened ') })) : null);
      const when = i.updated_at ? timeElement(i.updated_at, { short: true }) : null;
      items.append(el('li', { dataset: { incidentId: String(i.id), severity: i.severity } }, link, when));
    }
    section.append(items);
    if (shown.length < list.length) {
      const more = el('button', { type: 'button', class: 'button-quiet', text: t('incidents.showAll', 'Show all {n}', { n: num(list.length) }) });
      more.addEventListener('click', () => {
        view.expanded.add(state);
        renderList();
      });
      section.append(more);
    }
    sections.push(section);
  }
  // a row that had the focus keeps it when the list is drawn again
  const focused = ui.groups.contains(document.activeElement) ? document.activeElement.dataset?.incidentId : null;
  ui.groups.replaceChildren(...sections);
  if (focused) ui.groups.querySelector(`button.incident-link[data-incident-id="${focused}"]`)?.focus();
}

/** The key, its pictures drawn when it is first opened (a canvas each: no part of the first screen). */
function buildKey() {
  const key = el('details', { class: 'incidents-key' }, el('summary', { text: t('incidents.key', 'Key to the incident symbols') }));
  key.addEventListener('toggle', () => {
    if (key.open && key.childElementCount === 1) key.append(...incidentKeyParts(22));
  });
  return key;
}

// ------------------------------------------------------------------ install

export function install() {
  const panel = registerTab('incidents', t('tab.incidents', 'Incidents'), { order: 5 });
  ui.panel = panel;
  ui.count = el('span', { class: 'board-count', id: 'incidents-count', text: t('common.loading', 'loading…') });
  ui.region = el('select', { id: 'incidents-region' });
  ui.region.addEventListener('change', () => {
    view.region = ui.region.value;
    renderList();
    if (layer) layer.redraw();
  });
  ui.search = el('input', { id: 'incidents-search', type: 'search', placeholder: t('incidents.findPlaceholder', 'name'), autocomplete: 'off' });
  ui.search.addEventListener('input', () => {
    view.text = ui.search.value.trim().toLowerCase();
    renderList();
  });
  ui.showEnded = el('input', { id: 'incidents-show-ended', type: 'checkbox' });
  ui.showEnded.addEventListener('change', () => {
    view.showEnded = ui.showEnded.checked;
    renderList();
    if (layer) layer.redraw();
  });
  const filters = el('div', { class: 'unit-filters incident-filters', role: 'search', 'aria-label': t('incidents.filter', 'Filter the incidents') },
    el('div', {}, el('label', { for: 'incidents-region', text: t('sitrep.col.region', 'Region') }), ui.region),
    el('div', {}, el('label', { for: 'incidents-search', text: t('events.find', 'Find') }), ui.search),
    el('div', { class: 'check' }, ui.showEnded, el('label', { for: 'incidents-show-ended', text: t('incidents.showEnded', 'Show closed and rejected (map and list)') })));
  ui.message = el('p', { class: 'form-error', role: 'alert' });
  ui.message.hidden = true;
  ui.groups = el('div', { class: 'incident-groups', id: 'incidents-groups', 'aria-live': 'off' },
    el('p', { class: 'board-empty', text: t('incidents.loading', 'Loading the incidents…') }));
  ui.groups.addEventListener('click', (event) => {
    const link = event.target.closest('button.incident-link');
    if (link) showIncident(Number(link.dataset.incidentId));
  });
  const parts = [el('div', { class: 'board-head' }, el('h2', { text: t('tab.incidents', 'Incidents') }), ui.count), filters];
  if (session.can('sitrep.read')) {
    ui.sitrepRegion = el('select', { id: 'incidents-sitrep-region' });
    ui.sitrepButton = el('button', { type: 'button', id: 'incidents-sitrep', text: t('sitrep.view.title', 'Situation report'), disabled: true });
    ui.sitrepButton.addEventListener('click', () => {
      const region = ui.sitrepRegion.value;
      if (region === BORDER_REGIONS) openBorderSitrep(ui.sitrepButton);
      else if (region) openRegionSitrep(region, ui.sitrepButton);
    });
    parts.push(el('div', { class: 'incident-region-sitrep' },
      el('label', { for: 'incidents-sitrep-region', text: t('incidents.regionReport', 'Region report') }), ui.sitrepRegion, ui.sitrepButton));
  }
  ui.list = el('div', { class: 'incidents-list', id: 'incidents-board' }, ...parts, ui.message, ui.groups, buildKey());

  const pageElement = page.install({
    types,
    incident: (id) => incidents.get(id),
    onLoaded: (full) => {
      incidents.set(full.id, record(full, incidents.get(full.id)));
      if (layer) layer.redraw();
      scheduleList();
    },
    onClose: closePage,
  });
  panel.append(ui.list, pageElement);
  panel.addEventListener('tab-shown', () => {
    unseen = 0;
    if (ui.stale && !ui.list.hidden) renderList();
  });

  goLive = afterSnapshot(applyEvent, { keep: MAX_PENDING });
  window.addEventListener('marchwarden:open-incident', (event) => {
    const id = event.detail?.id;
    if (id != null) showIncident(id);
  });

  window.marchwarden.incidents = {
    incidents,
    stats: drawing.stats,
    /** Resolves at the first frame that drew every shown incident. */
    drawn: drawing.drawn,
    timings: drawing.timings,
    layer: () => layer,
    selected: () => selectedId,
    show: showIncident,
    /** Where an incident was drawn in the last frame, in page pixels, with its drawn look. */
    drawnAt(id) {
      const i = incidents.get(Number(id));
      const p = layer && i?._drawn ? layer.pagePointOf(i.id) : null;
      return p && { ...p, r: i._r ?? p.r, look: i._drawn, polygon: Boolean(i.polygon) };
    },
  };

  load();
  attachMap();
}
