// The "Units" board and the units on the map.
//
// The board is split as the incidents' is: this module loads the units and agencies,
// applies the stream's events, keeps the map layer and wires the parts; unitrecords.js
// holds the records and their words, unitlist.js the table, unitdetail.js a unit's detail,
// unitlayer.js draws the units on the map.
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
import { DrawTimings } from './canvaslayer.js';
import { pageReady, showLoadFailure } from './dom.js';
import { t } from './i18n.js';
import { afterSnapshot, emit } from './events.js';
import { session } from './session.js';
import { registerTab, selectTab, whenShownOrPictured } from './tabs.js';
import * as detail from './unitdetail.js';
import * as list from './unitlist.js';
import { symbolStyle, warmSymbols } from './milsymbols.js';
import { READINESS, STATUS_AVAILABILITY, agencies, board, held, record, statusPhrase, statusWords, units } from './unitrecords.js';
import { kindOf } from './unitsymbols.js';

export { ALLOWED_NEXT, STATUS_AVAILABILITY } from './unitrecords.js';

const STRENGTH_REFRESH_MS = 1500;
/** The longest the powers wait for the map's first picture of the units. */
const POWERS_AFTER_MS = 3000;
const TIMINGS_KEPT = 50000;
const MAX_PENDING = 50000;

let layer = null;
let mapApi = null;
let powersTimer = null;
let strengthTimer = null;
/** Hands over the events held while the units load (events.js: afterSnapshot). */
let goLive = () => {};

// the commit-to-frame lag of live changes (for the benchmark and the tests)
const drawing = new DrawTimings({
  noun: 'units',
  keep: TIMINGS_KEPT,
  complete: (frame) => board.loaded && frame.total === units.size,
});

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
  board.selectedId = u.id;
  if (layer) layer.redraw();
  // the panel first: opening it may resize the map, which is centred after that
  detail.openDetail(u);
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
        list.offerFiltersFor(u);
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
      list.agenciesChanged();
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
      detail.lawChanged(event);
      break;
    default:
      break;
  }
}

/** A unit changed: redraw it (`only` it, for a status or a position) and the board. */
function changed(u, event, only) {
  if (layer?.shown()) {
    drawing.changed(event, { unit: u.id });
    if (only) layer.markDirty(u);
    else layer.redraw();
  }
  list.scheduleList();
  if (detail.openId() === u.id) detail.refreshDetailFacts(u);
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
    list.offerFiltersFor(u);
    if (statusSince) Object.assign(u, { status: live.status, status_label: live.status_label, availability: live.availability, status_since: live.status_since });
    if (positionSince) Object.assign(u, { position: live.position, position_at: live.position_at, lon: live.lon, lat: live.lat });
    if (layer) layer.redraw();
    list.scheduleList();
  } catch (err) {
    console.warn(`unit ${id} could not be read`, err);
  }
}

function refreshStrengthsSoon() {
  if (!board.loaded || strengthTimer) return;
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
      list.scheduleList();
      if (detail.openId() != null) detail.refreshDetailFacts(units.get(detail.openId()));
    } catch (err) {
      console.warn('strengths could not be refreshed', err);
    }
  }, STRENGTH_REFRESH_MS);
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
      list.scheduleList();
    } catch (err) {
      console.warn('the powers of the units could not be read', err);
    }
  }, delay);
}

// ------------------------------------------------------------------ loading

async function load() {
  try {
    const [list, agencyList] = await Promise.all([api('/units'), api('/agencies').catch(() => [])]);
    for (const a of agencyList) agencies.set(a.id, a);
    for (const u of list) units.set(u.id, record(u));
  } catch (err) {
    showLoadFailure(list.messageBox(), 'units', err, load);
    return;
  }
  board.loaded = true;
  window.dispatchEvent(new CustomEvent('marchwarden:units-loaded'));
  drawing.loaded();
  goLive();
  list.unitsLoaded();
  if (layer) layer.redraw();
  // the powers (the law evaluated for every unit, the heaviest read of the start) once the
  // map has drawn the units, not while the server still answers what that picture needs
  const map = window.marchwarden?.map?.getMap?.();
  if (map) Promise.race([drawing.drawn, new Promise((r) => setTimeout(r, POWERS_AFTER_MS))]).then(() => refreshPowersSoon(0));
  else refreshPowersSoon(0);
}

async function attachMap() {
  await pageReady();
  const app = window.marchwarden;
  if (!app || !app.map || !app.map.getMap()) return;
  mapApi = app.map;
  const { UnitsCanvasLayer } = await import('./unitlayer.js');
  layer = new UnitsCanvasLayer(
    { units: () => (board.loaded ? units.values() : []), selected: () => board.selectedId },
    { describe, onSelect: (u) => showUnit(u.id, { focusMap: false }), afterDraw: drawing.afterDraw },
  );
  mapApi.getLayer('Units').addLayer(layer);
  mapApi.registerSteppable('u', 'unit', 'units', layer);
  // the symbols' icon parts while the units are still on their way, not in their first frame
  if (!board.loaded && symbolStyle() === 'app6') (window.requestIdleCallback ?? setTimeout)(warmSymbols);
  window.addEventListener('marchwarden:unit-symbols', () => layer.redraw());
  if (pendingFocus) focusOnMap(pendingFocus);
}

function describe(found) {
  const [u, ...others] = found;
  const lines = [
    `${u.name}${u.code !== u.name ? ` (${u.code})` : ''}`,
    `${t(`agencyKind.${u.agency_kind}`, kindOf(u.agency_kind).label)} · ${u.region}`,
    t('units.hover.status', 'Status: {status}', { status: statusPhrase(u) }),
    t('units.hover.readiness', 'Readiness: {readiness}', {
      readiness: u.readiness ? t(`readiness.${u.readiness}`, u.readiness_label) : t('units.hover.notKnown', 'not known yet'),
    }),
  ];
  if (others.length) {
    const names = others.slice(0, 3).map((o) => o.name).join(', ');
    const more = others.length > 3 ? t('incidents.andMore', ' and {n} more', { n: others.length - 3 }) : '';
    lines.push(t('incidents.alsoHere', 'Also here: {names}', { names: `${names}${more}` }));
  }
  lines.push(t('units.hover.click', 'Click for details'));
  return lines.join('\n');
}

export function install() {
  const panel = registerTab('units', 'Units', { order: 10 });
  panel.append(
    list.install({ open: (id) => showUnit(id) }),
    detail.install({
      closed: () => {
        board.selectedId = null;
        if (layer) layer.redraw();
      },
      statusChanged: (u) => {
        if (layer) layer.markDirty(u);
        detail.refreshDetailFacts(u);
        list.scheduleList();
      },
    }),
  );
  panel.addEventListener('tab-shown', list.onTabShown);
  goLive = afterSnapshot(applyEvent, { keep: MAX_PENDING });

  window.marchwarden.units = {
    powersOf: (id) => held.byUnit.get(Number(id)) ?? null,
    units,
    stats: drawing.stats,
    /** Resolves at the first frame that drew every unit. */
    drawn: drawing.drawn,
    timings: drawing.timings,
    layer: () => layer,
    selected: () => board.selectedId,
    show: showUnit,
    /** Feed a made-up stream event through the page's dispatcher (the benchmark's page-only rate). */
    inject: (event) => emit(event),
    /** Where a unit was drawn in the last frame, in page pixels, with its drawn look. */
    drawnAt(id) {
      const u = units.get(Number(id));
      const p = layer && u?._drawn ? layer.pagePointOf(u.id) : null;
      return p && { ...p, availability: u._drawn, kind: u.agency_kind };
    },
    /** The groups of units drawn in the last frame (count, page point), none above the zoom. */
    groups() {
      if (!layer?._hits) return [];
      return layer._hits.items.slice(0, layer._hits.n).filter((i) => i.cluster)
        .map((c) => ({ id: c.id, count: c.count, counts: c.counts, ...layer.pagePointOf(c.id) }));
    },
    /** Whether the last full frame wrote callsigns, and in which symbol style. */
    look: () => ({ labelled: Boolean(layer?.labelled), clustered: Boolean(layer?.clustered), style: symbolStyle() }),
  };

  load();
  whenShownOrPictured('units').then(() => {
    detail.fillProposed();
    if (session.can('authority.evaluate')) list.loadPowerLabels();
  });
  attachMap();
}
