// The "Reports" board: the verification queue of field reports, and the reports on the map.
//
// The queue holds the pending (unverified) reports the role may read, newest observed
// first by default (the board can also put the most reliable first, or those waiting
// longest). A duty officer with report.triage claims a report, reads the correlation
// suggestions with their reasons (open incidents it may belong to, likely duplicates),
// then attaches it to an incident, opens a new incident from it, rejects it with a reason,
// or releases it. Two officers never work one report: the server refuses the second claim
// (409) and the board says who holds it.
//
// Loading follows docs/ui.md: app.js reads the stream position before the boards are
// installed; install() loads the queue; events that arrive before it is in are kept and
// applied on top of it. Report events carry no text (docs/api.md), so a new report is
// drawn from its event at once and its text read with GET /reports/{id}.
//
// After a report is verified into an incident the board dispatches
//   window.dispatchEvent(new CustomEvent('marchwarden:open-incident', {detail: {id}}))
// (incidents.js opens the incident's page).
//
// window.marchwarden.reports is for the browser tests.

import { api, ApiError } from './api.js';
import { capital, el, pageReady, showLoadFailure, words } from './dom.js';
import { onEvent } from './events.js';
import { session } from './session.js';
import { registerTab, selectTab, selectedTab, setBadge } from './tabs.js';
import { REPORT_AREA, reportSymbolElement as symbolElement, reportSymbolMarkup as symbolMarkup } from './reportsymbol.js';
import { formatHqShort, timeElement } from './time.js';

const PAGE_LIMIT = 1000;
const LIST_REFRESH_MS = 150;
const CLAIM_TICK_MS = 5000;
const MAX_PENDING = 20000;
const SUGGESTIONS_REFRESH_MS = 400;

/** The Admiralty code in words (core/incidents/model.py). */
export const RELIABILITY = {
  A: 'completely reliable',
  B: 'usually reliable',
  C: 'fairly reliable',
  D: 'not usually reliable',
  E: 'unreliable',
  F: 'reliability cannot be judged',
};

export const CREDIBILITY = {
  1: 'confirmed',
  2: 'probably true',
  3: 'possibly true',
  4: 'doubtful',
  5: 'improbable',
  6: 'truth cannot be judged',
};

export const SOURCE_KINDS = {
  volunteer: 'Volunteer',
  police: 'Police',
  public: 'Public',
  sensor: 'Sensor',
  open_source: 'Open source',
  tak: 'TAK',
};

/** "B2 — usually reliable, probably true". */
export function ratingWords(code) {
  const c = String(code ?? '').toUpperCase();
  const rel = RELIABILITY[c.charAt(0)];
  const cred = CREDIBILITY[c.charAt(1)];
  if (!rel || !cred) return c;
  return `${c} — ${rel}, ${cred}`;
}

const SORTS = {
  newest: {
    label: 'Newest observed first',
    compare: (a, b) => Date.parse(b.observed_at) - Date.parse(a.observed_at) || b.id - a.id,
  },
  reliable: {
    label: 'Most reliable first',
    // the source's reliability (A best), then the information's credibility (1 best)
    compare: (a, b) => a.rating.charCodeAt(0) - b.rating.charCodeAt(0)
      || Number(a.rating.charAt(1)) - Number(b.rating.charAt(1))
      || Date.parse(b.observed_at) - Date.parse(a.observed_at) || b.id - a.id,
  },
  waiting: {
    label: 'Waiting longest first',
    compare: (a, b) => Date.parse(a.received_at) - Date.parse(b.received_at) || a.id - b.id,
  },
};

/** A severity to start from when opening an incident, by the type's ACLED category. */
const SEVERITY_BY_CATEGORY = {
  'Battles': 'moderate',
  'Explosions/Remote violence': 'moderate',
  'Violence against civilians': 'severe',
  'Protests': 'minor',
  'Riots': 'moderate',
  'Strategic developments': 'minor',
};
const SEVERITIES = ['unknown', 'minor', 'moderate', 'severe', 'extreme'];

// ------------------------------------------------------------------ state

const reports = new Map();
/** Reports decided (attached or rejected) since the page loaded: never shown again. */
const decided = new Map();
const types = new Map();
let loaded = false;
let pending = [];
let selectedId = null;
const view = { sort: 'newest', claim: '', source: '' };
const ui = {};
let listTimer = null;
let detailSeq = 0;
let suggestionsTimer = null;
let map = null;
let mapLayer = null;
const markers = new Map();

const me = () => session.user?.username ?? '';
const canTriage = () => session.can('report.triage');
const canDecide = () => canTriage() && session.can('incident.write');

function typeLabel(r) {
  return r.incident_type_label || types.get(r.incident_type)?.label || capital(words(r.incident_type));
}

function sourceLabel(kind) {
  return SOURCE_KINDS[kind] ?? capital(words(kind));
}

/** Note when a claim from the server runs out on this browser's clock: now plus the
 * server's `seconds_left`, so that a skewed local clock still shows the right time left. */
function stampClaim(c) {
  if (c && typeof c.seconds_left === 'number' && c._ends == null) c._ends = Date.now() + c.seconds_left * 1000;
  return c;
}

/** When the claim runs out (ms on this browser's clock); `until` for claims from events. */
function claimEnds(c) {
  return c._ends ?? Date.parse(c.until);
}

/** The claim as it stands now: null when there is none or it ran out. */
function liveClaim(r) {
  const c = r.claim;
  if (!c || !c.until) return null;
  return claimEnds(c) > Date.now() ? c : null;
}

function minutesLeft(ends) {
  const ms = ends - Date.now();
  if (ms < 60000) return 'less than a minute left';
  const n = Math.round(ms / 60000);
  return `${n} min left`;
}

/** "Claimed by you, 4 min left", "Claimed by duty-2, 7 min left", "Not claimed". */
export function claimWords(r) {
  const c = liveClaim(r);
  if (!c) return r.claim && r.claim.by ? `Not claimed (${r.claim.by === me() ? 'your' : `${r.claim.by}'s`} claim ran out)` : 'Not claimed';
  return `Claimed by ${c.by === me() ? 'you' : c.by}, ${minutesLeft(claimEnds(c))}`;
}

function claimState(r) {
  const c = liveClaim(r);
  if (!c) return 'none';
  return c.by === me() ? 'mine' : 'other';
}

// ------------------------------------------------------------------ the symbol

// reportsymbol.js draws it (the Key uses the same drawing)

// ------------------------------------------------------------------ records

function fromEvent(event) {
  const d = event.data;
  return {
    id: d.report_id,
    status: 'pending',
    source_kind: d.source_kind,
    observed_at: d.observed_at,
    received_at: event.at,
    position: { lon: d.lon, lat: d.lat },
    uncertainty_m: d.uncertainty_m,
    incident_type: d.incident_type,
    incident_type_label: '',
    text: '',
    rating: d.rating,
    reporter: '',
    region: d.region,
    claim: null,
    likely_duplicate: (d.likely_duplicate_of ?? []).length > 0,
    suggestions: {
      matches: (d.suggested_incidents ?? []).map((id) => ({ incident_id: id, incident_name: `incident ${id}`, reasons: [] })),
      duplicates: (d.likely_duplicate_of ?? []).map((id) => ({ report_id: id, reasons: [] })),
      misses: [],
    },
    _partial: true,
    _claimSeq: 0,
  };
}

function store(r, old = null) {
  const rec = { ...r, _claimSeq: old?._claimSeq ?? 0, _partial: false };
  stampClaim(rec.claim);
  if (old && old._claimSeq !== (r._readAtSeq ?? old._claimSeq)) rec.claim = old.claim;
  delete rec._readAtSeq;
  delete rec.current_suggestions;
  reports.set(rec.id, rec);
  return rec;
}

/** A report came in after the snapshot: read it whole (its text, its reporter). */
async function complete(id) {
  const r = reports.get(id);
  const seq = r ? r._claimSeq : 0;
  try {
    const full = await api(`/reports/${id}`);
    const now = reports.get(id);
    if (!now || decided.has(id)) return;
    if (full.status !== 'pending') {
      remove(id, { status: full.status, by: full.decided_by, incident_id: full.incident_id });
      return;
    }
    store({ ...full, _readAtSeq: seq }, now);
    changed(id);
  } catch (err) {
    console.warn(`report ${id} could not be read`, err);
  }
}

function remove(id, outcome) {
  decided.set(id, outcome);
  reports.delete(id);
  dropMarker(id);
  if (selectedId === id) selectedId = null;
  scheduleList();
  if (ui.detailId === id) showDecided(outcome);
}

function applyEvent(event) {
  const d = event.data || {};
  const id = d.report_id;
  switch (event.type) {
    case 'ReportSubmitted':
      if (reports.has(id) || decided.has(id)) return;
      reports.set(id, fromEvent(event));
      changed(id);
      complete(id);
      break;
    case 'ReportClaimed': {
      const r = reports.get(id);
      if (!r) return;
      r.claim = { by: d.by, until: d.until, active: true };
      r._claimSeq += 1;
      changed(id);
      break;
    }
    case 'ReportReleased': {
      const r = reports.get(id);
      if (!r) return;
      r.claim = null;
      r._claimSeq += 1;
      changed(id);
      break;
    }
    case 'ReportAttached':
      remove(id, { status: 'attached', by: d.by, incident_id: d.incident_id, opened: d.opened_incident });
      break;
    case 'ReportRejected':
      remove(id, { status: 'rejected', by: d.by });
      break;
    case 'IncidentOpened':
    case 'IncidentUpdated':
    case 'IncidentStateChanged':
      // the correlation of the report being worked on may have changed
      if (ui.detailId != null) refreshSuggestionsSoon();
      break;
    default:
      break;
  }
}

function changed(id) {
  const r = reports.get(id);
  if (r) drawMarker(r);
  scheduleList();
  if (ui.detailId === id && r) renderDetail(r);
}

// ------------------------------------------------------------------ loading

async function load() {
  const items = [];
  try {
    let after = null;
    for (;;) {
      const page = await api(`/reports?status=pending&limit=${PAGE_LIMIT}${after != null ? `&after_id=${after}` : ''}`);
      for (const r of page.items) stampClaim(r.claim);
      items.push(...page.items);
      if (page.next_after_id == null) break;
      after = page.next_after_id;
    }
  } catch (err) {
    showLoadFailure(ui.message, 'reports', err, load);
    return;
  }
  for (const r of items) store(r);
  loaded = true;
  const held = pending;
  pending = [];
  for (const event of held) applyEvent(event);
  ui.empty.textContent = 'No reports are waiting.';
  renderList();
  for (const r of reports.values()) drawMarker(r);
}

async function loadTypes() {
  try {
    for (const t of await api('/incident-types')) types.set(t.code, t);
  } catch (err) {
    console.warn('the incident types could not be read', err);
  }
}

// ------------------------------------------------------------------ the map

async function attachMap() {
  await pageReady();
  const mapApi = window.marchwarden?.map;
  if (!mapApi || !mapApi.getMap()) return;
  map = mapApi;
  const leaflet = mapApi.L;
  const m = mapApi.getMap();
  if (!m.getPane('reportAreas')) m.createPane('reportAreas').style.zIndex = '380';
  mapLayer = leaflet.featureGroup();
  mapApi.registerLayer('Reports', mapLayer);
  mapApi.labelOnHover(mapLayer, (layer) => {
    const r = reports.get(layer.reportId);
    if (!r) return '';
    const lines = [
      `Report #${r.id}: ${typeLabel(r)} (unverified)`,
      `${sourceLabel(r.source_kind)} · ${ratingWords(r.rating)}`,
      `Observed ${formatHqShort(r.observed_at)} · ± ${Math.round(r.uncertainty_m)} m`,
      claimWords(r),
      'Click to choose it in the queue',
    ];
    // an element, not markup: names and texts come from users
    return el('div', { class: 'report-label-lines' }, ...lines.map((t) => el('div', { text: t })));
  }, { className: 'hover-label report-label', offset: [0, -10] });
  for (const r of reports.values()) drawMarker(r);
}

function drawMarker(r) {
  if (!mapLayer) return;
  const L = map.L;
  const at = [r.position.lat, r.position.lon];
  let entry = markers.get(r.id);
  if (!entry) {
    const area = L.circle(at, {
      pane: 'reportAreas',
      radius: Math.max(0, r.uncertainty_m),
      interactive: false,
      className: 'report-area',
      ...REPORT_AREA,
    });
    const marker = L.marker(at, {
      icon: L.divIcon({ className: 'report-marker', html: symbolMarkup(22), iconSize: [22, 22], iconAnchor: [11, 20] }),
      keyboard: false,
      riseOnHover: true,
    });
    marker.reportId = r.id;
    marker.on('click', () => chooseFromMap(r.id));
    entry = { area, marker };
    markers.set(r.id, entry);
    mapLayer.addLayer(area);
    mapLayer.addLayer(marker);
  } else {
    entry.area.setLatLng(at);
    entry.area.setRadius(Math.max(0, r.uncertainty_m));
    entry.marker.setLatLng(at);
  }
  styleMarker(r.id);
}

function styleMarker(id) {
  const entry = markers.get(id);
  const r = reports.get(id);
  if (!entry || !r) return;
  const icon = entry.marker.getElement();
  if (icon) {
    icon.dataset.reportId = String(id);
    icon.dataset.claim = claimState(r);
    icon.classList.toggle('is-selected', selectedId === id);
    icon.setAttribute('aria-hidden', 'true');
  }
  entry.marker.setZIndexOffset(selectedId === id ? 1000 : 0);
  entry.area.setStyle({ weight: selectedId === id ? 2.5 : 1.5, dashArray: selectedId === id ? null : '4 3' });
}

function dropMarker(id) {
  const entry = markers.get(id);
  if (!entry) return;
  mapLayer.removeLayer(entry.area);
  mapLayer.removeLayer(entry.marker);
  markers.delete(id);
}

function select(id) {
  const before = selectedId;
  selectedId = id;
  if (before != null) styleMarker(before);
  if (id != null) styleMarker(id);
  for (const li of ui.listBox.querySelectorAll('.report-card')) {
    const on = Number(li.dataset.reportId) === id;
    li.classList.toggle('is-selected', on);
    if (on) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  }
}

function centreOn(r) {
  const m = map?.getMap?.();
  if (!m) return;
  const at = [r.position.lat, r.position.lon];
  if (!m.getBounds().pad(-0.1).contains(at) || m.getZoom() < 8) {
    m.setView(at, Math.max(m.getZoom(), 9), { animate: false });
  }
}

/** A report clicked on the map: the Reports tab, its card chosen and in view. */
function chooseFromMap(id) {
  if (!reports.has(id)) return;
  selectTab('reports');
  if (ui.detailId != null && ui.detailId !== id) closeDetail({ focus: false });
  if (ui.detailId === id) {
    select(id);
    return;
  }
  renderList();
  select(id);
  const card = ui.listBox.querySelector(`.report-card[data-report-id="${id}"]`);
  if (card) {
    card.scrollIntoView({ block: 'nearest' });
    card.querySelector('.report-open')?.focus();
  }
}

// ------------------------------------------------------------------ the queue

function matches(r) {
  if (view.source && r.source_kind !== view.source) return false;
  if (view.claim) {
    const state = claimState(r);
    if (view.claim === 'free' && state !== 'none') return false;
    if (view.claim === 'mine' && state !== 'mine') return false;
  }
  return true;
}

function scheduleList() {
  renderCounts();
  if (listTimer || !loaded) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    if (selectedTab() === 'reports' && !ui.list.hidden) renderList();
    else ui.stale = true;
  }, LIST_REFRESH_MS);
}

function renderCounts() {
  const n = reports.size;
  let free = 0;
  let mine = 0;
  for (const r of reports.values()) {
    const s = claimState(r);
    if (s === 'none') free += 1;
    else if (s === 'mine') mine += 1;
  }
  ui.count.textContent = loaded
    ? `${n} waiting · ${free} not claimed${mine ? ` · ${mine} claimed by you` : ''}`
    : 'loading…';
  setBadge('reports', n);
  const badge = document.querySelector('#tab-reports .tab-badge');
  if (badge) badge.setAttribute('aria-label', `${n} waiting`);
}

function rowOf(r) {
  const li = el('li', { class: 'report-card', dataset: { reportId: String(r.id), claim: claimState(r) } });
  fillRow(li, r);
  return li;
}

function fillRow(li, r) {
  li.dataset.claim = claimState(r);
  li.dataset.partial = r._partial ? 'true' : 'false';
  const open = el('button', {
    type: 'button', class: 'report-open', dataset: { role: 'open' },
    'aria-label': `Report ${r.id}: ${typeLabel(r)}, ${sourceLabel(r.source_kind)}, rated ${ratingWords(r.rating)}. ${claimWords(r)}`,
  }, el('span', { class: 'report-type', text: typeLabel(r) }), el('span', { class: 'report-id', text: ` #${r.id}` }));
  const head = el('div', { class: 'report-head' },
    symbolElement(18), open,
    el('span', { class: 'report-rating', title: r.rating_meaning || ratingWords(r.rating), text: r.rating }));
  const meta = el('p', { class: 'report-meta' },
    el('span', { class: 'report-source', text: sourceLabel(r.source_kind) }), ' · observed ',
    timeElement(r.observed_at), r.region ? ` · ${r.region}` : '');
  const rating = el('p', { class: 'report-rating-words', text: ratingWords(r.rating) });
  const text = el('p', { class: 'report-text', text: r._partial ? 'Reading the report…' : r.text || '(no text)' });
  const claimLine = el('p', { class: 'report-claim', dataset: { claim: claimState(r) }, text: claimWords(r) });
  const hints = [];
  const s = r.suggestions ?? {};
  if ((s.matches ?? []).length) {
    const names = s.matches.slice(0, 2).map((m) => m.incident_name).join(', ');
    hints.push(`May belong to ${names}${s.matches.length > 2 ? ` and ${s.matches.length - 2} more` : ''}`);
  }
  if ((s.duplicates ?? []).length) hints.push(`Likely duplicate of report ${s.duplicates.map((d) => `#${d.report_id}`).join(', ')}`);
  const children = [head, meta, rating, text, claimLine];
  if (hints.length) children.push(el('p', { class: 'report-hints', text: hints.join(' · ') }));
  if (canTriage() && claimState(r) === 'none') {
    const claimButton = el('button', { type: 'button', class: 'button-quiet report-claim-button', dataset: { role: 'claim' }, text: 'Claim', 'aria-label': `Claim report ${r.id}` });
    claimButton.addEventListener('click', (event) => {
      event.stopPropagation();
      claim(r.id, { open: true });
    });
    children.push(el('div', { class: 'report-card-actions' }, claimButton));
  }
  li.replaceChildren(...children);
  li.classList.toggle('is-selected', selectedId === r.id);
  if (selectedId === r.id) li.setAttribute('aria-current', 'true');
  else li.removeAttribute('aria-current');
}

function renderList() {
  ui.stale = false;
  if (!loaded) return;
  const active = document.activeElement;
  const activeCard = active && ui.listBox.contains(active) ? active.closest('.report-card') : null;
  const focus = activeCard ? { id: activeCard.dataset.reportId, role: active.dataset.role } : null;
  const shown = [...reports.values()].filter(matches).sort(SORTS[view.sort].compare);
  const old = new Map([...ui.listBox.children].map((li) => [li.dataset.reportId, li]));
  const rows = shown.map((r) => {
    const li = old.get(String(r.id));
    if (li) {
      fillRow(li, r);
      return li;
    }
    return rowOf(r);
  });
  ui.listBox.replaceChildren(...rows);
  ui.empty.hidden = shown.length > 0;
  ui.empty.textContent = reports.size ? 'No waiting report matches the filter.' : 'No reports are waiting.';
  ui.sortNote.textContent = `${shown.length} shown, ${SORTS[view.sort].label.toLowerCase()}.`;
  if (focus && (document.activeElement === document.body || !document.activeElement)) {
    const card = ui.listBox.querySelector(`.report-card[data-report-id="${focus.id}"]`);
    const target = card?.querySelector(`[data-role="${focus.role}"]`) ?? card?.querySelector('.report-open');
    (target ?? ui.sort).focus();
  }
  renderCounts();
}

function onListKeydown(event) {
  const open = event.target.closest('.report-open, .report-claim-button');
  if (!open) return;
  const buttons = [...ui.listBox.querySelectorAll('.report-open')];
  const card = open.closest('.report-card');
  const index = buttons.indexOf(card.querySelector('.report-open'));
  let next = null;
  if (event.key === 'ArrowDown') next = buttons[Math.min(buttons.length - 1, index + 1)];
  else if (event.key === 'ArrowUp') next = buttons[Math.max(0, index - 1)];
  else if (event.key === 'Home') next = buttons[0];
  else if (event.key === 'End') next = buttons[buttons.length - 1];
  if (!next) return;
  event.preventDefault();
  next.focus();
  select(Number(next.closest('.report-card').dataset.reportId));
}

// ------------------------------------------------------------------ working a report

/** A refused claim or decision in words a duty officer can act on. */
export function refusalWords(err) {
  if (!(err instanceof ApiError)) return String(err);
  const p = err.problem ?? {};
  switch (err.code) {
    case 'report-claimed': {
      const until = p.claim_expires_at;
      // the time left by the server's clock (seconds_left), not this browser's
      const ends = typeof p.seconds_left === 'number' ? Date.now() + p.seconds_left * 1000 : Date.parse(until);
      const when = until ? ` until ${formatHqShort(until)} (${minutesLeft(ends)})` : '';
      return `${p.claimed_by ?? 'Another officer'} claimed this report first and holds it${when}. `
        + 'Only they can verify or reject it; you can claim it once they release it or their claim runs out.';
    }
    case 'report-claim-expired':
      return 'Your claim on this report ran out, so nothing was changed. Claim it again to go on.';
    case 'report-not-claimed':
      return 'Claim the report first: only the officer holding the claim can verify or reject it.';
    case 'report-already-decided': {
      const status = p.report_status === 'rejected' ? 'rejected' : 'verified into an incident';
      return `Someone else already ${status} this report, so nothing was changed. ${p.detail ?? ''}`.trim();
    }
    default:
      return err.message;
  }
}

async function claim(id, { open = false } = {}) {
  const r = reports.get(id);
  if (!r) return;
  if (open) openDetail(id);
  setDetailMessage('');
  try {
    const fresh = await api(`/reports/${id}/claim`, { method: 'POST' });
    stampClaim(fresh.claim);
    const now = reports.get(id);
    if (now) {
      now.claim = fresh.claim;
      now._claimSeq += 1;
      changed(id);
    }
    if (ui.detailId === id) {
      setDetailMessage(`You hold this report until ${formatHqShort(fresh.claim.until)}. Verify it into an incident, reject it, or release it.`, 'status');
      loadSuggestions(id);
      if (!ui.detail.contains(document.activeElement) || document.activeElement === document.body) ui.detailTitle.focus();
    }
  } catch (err) {
    if (err instanceof ApiError && err.code === 'report-claimed') {
      const now = reports.get(id);
      if (now && err.problem?.claimed_by) {
        now.claim = stampClaim({ by: err.problem.claimed_by, until: err.problem.claim_expires_at, active: true, seconds_left: err.problem.seconds_left });
        now._claimSeq += 1;
        changed(id);
      }
    }
    if (err instanceof ApiError && err.code === 'report-already-decided') {
      remove(id, { status: err.problem?.report_status ?? 'decided', by: '', incident_id: err.problem?.incident_id });
    }
    if (ui.detailId === id) setDetailMessage(refusalWords(err), 'alert');
    else showListMessage(refusalWords(err));
  }
}

async function release(id) {
  setDetailMessage('');
  try {
    const fresh = await api(`/reports/${id}/release`, { method: 'POST' });
    stampClaim(fresh.claim);
    const r = reports.get(id);
    if (r) {
      r.claim = fresh.claim;
      r._claimSeq += 1;
      changed(id);
    }
    setDetailMessage('Released: another officer can claim it now.', 'status');
    ui.detail.querySelector('[data-role="claim"]')?.focus();
  } catch (err) {
    setDetailMessage(refusalWords(err), 'alert');
  }
}

function afterDecision(id, err) {
  if (err instanceof ApiError && err.code === 'report-already-decided') {
    remove(id, { status: err.problem?.report_status ?? 'decided', by: '', incident_id: err.problem?.incident_id });
  } else if (err instanceof ApiError && ['report-claimed', 'report-not-claimed', 'report-claim-expired'].includes(err.code)) {
    const r = reports.get(id);
    if (r) {
      r.claim = err.problem?.claimed_by ? stampClaim({ by: err.problem.claimed_by, until: err.problem.claim_expires_at, active: true, seconds_left: err.problem.seconds_left }) : r.claim;
      if (err.code === 'report-claim-expired' && r.claim && r.claim.by === me()) r.claim = { ...r.claim, until: new Date(0).toISOString(), _ends: 0 };
      r._claimSeq += 1;
      changed(id);
    }
  }
  setDetailMessage(refusalWords(err), 'alert');
}

function verified(id, result, words) {
  const r = reports.get(id);
  remove(id, { status: 'attached', by: me(), incident_id: result.incident.id, mine: true });
  closeDetail({ focus: true });
  showListMessage(`${words} Report #${id}${r ? ` (${typeLabel(r)})` : ''} left the queue.`, 'status');
  window.dispatchEvent(new CustomEvent('marchwarden:open-incident', { detail: { id: result.incident.id } }));
}

async function attach(id, incidentId, name) {
  setDetailMessage('');
  try {
    const result = await api(`/reports/${id}/attach`, { method: 'POST', body: { incident_id: incidentId, note: ui.note?.value.trim() ?? '' } });
    verified(id, result, `Attached to incident '${result.incident.name}' (#${result.incident.id}).`);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'conflict') {
      setDetailMessage(`Incident '${name}' can no longer take reports: ${err.problem?.detail ?? err.message}`, 'alert');
      return;
    }
    afterDecision(id, err);
  }
}

async function openIncident(event) {
  event.preventDefault();
  const id = ui.detailId;
  const form = event.currentTarget;
  const name = form.querySelector('[name="name"]').value.trim();
  if (!name) {
    setFormError(form, 'Give the new incident a name.');
    form.querySelector('[name="name"]').focus();
    return;
  }
  setFormError(form, '');
  const body = {
    name,
    incident_type: form.querySelector('[name="incident_type"]').value,
    severity: form.querySelector('[name="severity"]').value,
    description: form.querySelector('[name="description"]').value,
    note: ui.note?.value.trim() ?? '',
  };
  try {
    const result = await api(`/reports/${id}/open-incident`, { method: 'POST', body });
    verified(id, result, `Incident '${result.incident.name}' (#${result.incident.id}) opened from the report.`);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'validation-error') {
      setFormError(form, err.message);
      return;
    }
    afterDecision(id, err);
  }
}

async function reject(event) {
  event.preventDefault();
  const id = ui.detailId;
  const form = event.currentTarget;
  const input = form.querySelector('[name="reason"]');
  const reason = input.value.trim();
  if (!reason) {
    setFormError(form, 'Say why the report is rejected: a reason is required.');
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  setFormError(form, '');
  try {
    await api(`/reports/${id}/reject`, { method: 'POST', body: { reason } });
    const r = reports.get(id);
    remove(id, { status: 'rejected', by: me(), mine: true });
    closeDetail({ focus: true });
    showListMessage(`Report #${id}${r ? ` (${typeLabel(r)})` : ''} rejected: ${reason}`, 'status');
  } catch (err) {
    afterDecision(id, err);
  }
}

function setFormError(form, text) {
  form.querySelector('.form-error').textContent = text;
}

function setDetailMessage(text, kind = 'status') {
  if (!ui.detailMessage) return;
  ui.detailMessage.textContent = text;
  ui.detailMessage.dataset.kind = kind;
}

function showListMessage(text, kind = 'alert') {
  ui.listMessage.textContent = text;
  ui.listMessage.dataset.kind = kind;
  ui.listMessage.hidden = !text;
}

// ------------------------------------------------------------------ the detail

function fact(name, ...value) {
  return [el('dt', { text: name }), el('dd', {}, ...value)];
}

function nearestPlace(r) {
  const group = map?.getLayer?.('Settlements');
  if (!group) return null;
  let best = null;
  group.eachLayer((layer) => {
    const f = layer.feature;
    if (!f) return;
    const [lon, lat] = f.geometry.coordinates;
    const dx = (lon - r.position.lon) * Math.cos((lat * Math.PI) / 180);
    const dy = lat - r.position.lat;
    const km = Math.sqrt(dx * dx + dy * dy) * 111.2;
    if (!best || km < best.km) best = { km, name: f.properties.name };
  });
  return best && best.km <= 15 ? best.name : null;
}

function suggestedSeverity(r) {
  const t = types.get(r.incident_type);
  if (!t) return 'unknown';
  if (t.border_specific) return 'moderate';
  return SEVERITY_BY_CATEGORY[t.acled?.event_type] ?? 'unknown';
}

function openIncidentForm(r) {
  const place = nearestPlace(r);
  const name = `${typeLabel(r)} ${place ? `near ${place}` : r.region ? `in ${r.region}` : `(report #${r.id})`}`;
  const typeSelect = el('select', { name: 'incident_type', id: 'report-new-type' });
  const known = types.size ? [...types.values()] : [{ code: r.incident_type, label: typeLabel(r) }];
  for (const t of known) typeSelect.append(el('option', { value: t.code, text: t.label, selected: t.code === r.incident_type }));
  const severity = el('select', { name: 'severity', id: 'report-new-severity' });
  const suggested = suggestedSeverity(r);
  for (const s of SEVERITIES) severity.append(el('option', { value: s, text: s, selected: s === suggested }));
  const description = el('textarea', { name: 'description', id: 'report-new-description', rows: '3', maxlength: '10000' });
  description.value = r.text;
  const form = el('form', { class: 'report-form', id: 'report-open-form', novalidate: true },
    el('div', {}, el('label', { for: 'report-new-name', text: 'Name' }),
      el('input', { type: 'text', name: 'name', id: 'report-new-name', value: name, maxlength: '200', required: true, autocomplete: 'off' })),
    el('div', {}, el('label', { for: 'report-new-type', text: 'Type (from the report)' }), typeSelect),
    el('div', {}, el('label', { for: 'report-new-severity', text: 'Severity (suggested from the type — check it)' }), severity),
    el('div', {}, el('label', { for: 'report-new-description', text: 'Description (the report\'s text)' }), description),
    el('p', { class: 'form-error', role: 'alert' }),
    el('button', { type: 'submit', id: 'report-open-submit', text: 'Open the incident' }));
  form.addEventListener('submit', openIncident);
  return el('details', { class: 'report-choice', id: 'report-open-incident' },
    el('summary', { text: 'Open a new incident from this report' }), form);
}

function rejectForm() {
  const reason = el('textarea', { name: 'reason', id: 'report-reject-reason', rows: '2', maxlength: '2000', required: true, 'aria-describedby': 'report-reject-hint' });
  const form = el('form', { class: 'report-form', id: 'report-reject-form', novalidate: true },
    el('div', {}, el('label', { for: 'report-reject-reason', text: 'Reason (required)' }), reason),
    el('p', { class: 'form-hint', id: 'report-reject-hint', text: 'Kept with the report and in the audit log.' }),
    el('p', { class: 'form-error', role: 'alert' }),
    el('button', { type: 'submit', id: 'report-reject-submit', class: 'button-reject', text: 'Reject the report' }));
  form.addEventListener('submit', reject);
  return el('details', { class: 'report-choice', id: 'report-reject' },
    el('summary', { text: 'Reject the report' }), form);
}

function gap(seconds) {
  const s = Math.abs(Number(seconds) || 0);
  if (s < 60) return 'within a minute';
  if (s < 3600) return `${Math.round(s / 60)} min apart`;
  return `${(s / 3600).toFixed(1)} h apart`;
}

/** Run `fn`, which rebuilds part of `container`; a control that had the focus gets it back. */
function keepFocus(container, fn) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? (active.id || active.dataset.key) : null;
  fn();
  if (!key || container.contains(active)) return;
  const again = container.querySelector(`#${CSS.escape(key)}`) ?? container.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again) again.focus();
}

function renderSuggestions(r, suggestions, options) {
  keepFocus(ui.suggestions, () => buildSuggestions(r, suggestions, options));
}

function buildSuggestions(r, suggestions, { live }) {
  const box = ui.suggestions;
  const missesOpen = Boolean(box.querySelector('.report-misses')?.open);
  const mine = claimState(r) === 'mine' && canDecide();
  const s = suggestions ?? { matches: [], duplicates: [], misses: [] };
  const parts = [el('h3', { text: 'Correlation' }),
    el('p', { class: 'board-count', text: live ? 'Against the open incidents and reports as they are now.' : 'As computed when the report came in.' })];
  const matchList = el('ul', { class: 'suggestion-list', id: 'report-matches' });
  const offered = new Set();
  for (const m of s.matches ?? []) {
    offered.add(m.incident_id);
    const facts = [
      m.distance_km != null ? `${Number(m.distance_km).toFixed(1)} km away` : null,
      m.time_gap_seconds != null ? gap(m.time_gap_seconds) : null,
      m.same_type != null ? (m.same_type ? 'same type' : 'compatible type') : null,
    ].filter(Boolean).join(' · ');
    const item = el('li', { class: 'suggestion', dataset: { incidentId: String(m.incident_id) } },
      el('p', { class: 'suggestion-title' }, el('strong', { text: m.incident_name }), ` (#${m.incident_id})`, facts ? ` — ${facts}` : ''),
      el('ul', { class: 'suggestion-reasons' }, ...(m.reasons ?? []).map((t) => el('li', { text: t }))));
    if (mine) {
      const b = el('button', { type: 'button', class: 'suggestion-attach', dataset: { key: `attach-${m.incident_id}` }, text: `Attach to incident '${m.incident_name}'` });
      b.addEventListener('click', () => attach(r.id, m.incident_id, m.incident_name));
      item.append(b);
    }
    matchList.append(item);
  }
  parts.push(el('h4', { text: 'Open incidents it may belong to' }));
  parts.push((s.matches ?? []).length ? matchList : el('p', { class: 'board-empty', text: 'None: no open incident is near enough in place, time and type.' }));

  parts.push(el('h4', { text: 'Likely duplicates' }));
  if ((s.duplicates ?? []).length) {
    const list = el('ul', { class: 'suggestion-list', id: 'report-duplicates' });
    for (const d of s.duplicates) {
      const where = d.incident_id ? `, already part of incident #${d.incident_id}` : '';
      const facts = [d.distance_km != null ? `${Number(d.distance_km).toFixed(1)} km away` : null, d.time_gap_seconds != null ? gap(d.time_gap_seconds) : null].filter(Boolean).join(' · ');
      const item = el('li', { class: 'suggestion', dataset: { reportId: String(d.report_id) } },
        el('p', { class: 'suggestion-title' }, el('strong', { text: `Report #${d.report_id}` }), where, facts ? ` — ${facts}` : ''),
        el('ul', { class: 'suggestion-reasons' }, ...(d.reasons ?? []).map((t) => el('li', { text: t }))));
      if (mine && d.incident_id && !offered.has(d.incident_id)) {
        offered.add(d.incident_id);
        const b = el('button', { type: 'button', class: 'suggestion-attach', dataset: { key: `attach-${d.incident_id}` }, text: `Attach to incident #${d.incident_id} (as report #${d.report_id})` });
        b.addEventListener('click', () => attach(r.id, d.incident_id, `#${d.incident_id}`));
        item.append(b);
      }
      list.append(item);
    }
    parts.push(list);
  } else {
    parts.push(el('p', { class: 'board-empty', text: 'None.' }));
  }
  if ((s.misses ?? []).length) {
    const list = el('ul', { class: 'suggestion-list suggestion-misses' });
    for (const m of s.misses) {
      list.append(el('li', { class: 'suggestion' },
        el('p', { class: 'suggestion-title' }, el('strong', { text: m.incident_name }), ` (#${m.incident_id}) — ${Number(m.distance_km).toFixed(1)} km away`),
        el('ul', { class: 'suggestion-reasons' }, ...(m.reasons ?? []).map((t) => el('li', { text: t })))));
    }
    parts.push(el('details', { class: 'report-misses', open: missesOpen }, el('summary', { text: `Nearest open incidents not matched (${s.misses.length})` }), list));
  }
  box.replaceChildren(...parts);
}

async function loadSuggestions(id) {
  const seq = ++detailSeq;
  ui.suggestions.setAttribute('aria-busy', 'true');
  try {
    const full = await api(`/reports/${id}`);
    if (seq !== detailSeq || ui.detailId !== id) return;
    if (full.status !== 'pending') {
      remove(id, { status: full.status, by: full.decided_by, incident_id: full.incident_id });
      return;
    }
    const old = reports.get(id);
    const rec = store({ ...full, _readAtSeq: old?._claimSeq }, old);
    ui.current = full.current_suggestions;
    drawMarker(rec);
    scheduleList();
    renderDetail(rec);
  } catch (err) {
    if (seq === detailSeq) setDetailMessage(err instanceof ApiError ? err.message : String(err), 'alert');
  } finally {
    if (seq === detailSeq) ui.suggestions.removeAttribute('aria-busy');
  }
}

function refreshSuggestionsSoon() {
  clearTimeout(suggestionsTimer);
  suggestionsTimer = setTimeout(() => {
    if (ui.detailId != null && reports.has(ui.detailId)) loadSuggestions(ui.detailId);
  }, SUGGESTIONS_REFRESH_MS);
}

function renderDetail(r) {
  ui.detail.dataset.reportId = String(r.id);
  ui.detail.dataset.claim = claimState(r);
  ui.detailTitle.replaceChildren(symbolElement(22), el('span', { text: `Report #${r.id}: ${typeLabel(r)}` }));
  const position = `${r.position.lat.toFixed(4)}° N, ${r.position.lon.toFixed(4)}° E, ± ${Math.round(r.uncertainty_m)} m`;
  ui.facts.replaceChildren(
    ...fact('Source', sourceLabel(r.source_kind)),
    ...fact('Rating', el('span', { title: r.rating_meaning || '', text: ratingWords(r.rating) })),
    ...fact('Observed', timeElement(r.observed_at)),
    ...fact('Received', timeElement(r.received_at)),
    ...fact('Where', `${position}${r.region ? ` (${r.region})` : ''}`),
    ...fact('Reporter', r.reporter || '—'),
    ...(r.submitted_by ? fact('Submitted by', r.submitted_by) : []),
  );
  ui.text.textContent = r._partial ? 'Reading the report…' : r.text || '(no text)';
  const state = claimState(r);
  ui.claimLine.textContent = claimWords(r);
  ui.claimLine.dataset.claim = state;

  const actions = [];
  if (canTriage()) {
    if (state === 'none') {
      const b = el('button', { type: 'button', id: 'report-claim', dataset: { role: 'claim' }, text: 'Claim this report' });
      b.addEventListener('click', () => claim(r.id));
      actions.push(b);
    } else if (state === 'mine') {
      const renew = el('button', { type: 'button', class: 'button-quiet', id: 'report-renew', text: 'Keep it longer' });
      renew.addEventListener('click', () => claim(r.id));
      const rel = el('button', { type: 'button', class: 'button-quiet', id: 'report-release', text: 'Release' });
      rel.addEventListener('click', () => release(r.id));
      actions.push(renew, rel);
    } else {
      actions.push(el('p', { class: 'board-empty', text: 'Only the officer holding the claim can verify or reject it.' }));
    }
  } else {
    actions.push(el('p', { class: 'board-empty', text: 'Your role can read the queue but not verify reports.' }));
  }
  keepFocus(ui.claimActions, () => ui.claimActions.replaceChildren(...actions));

  // the decisions: kept while the claim is held (re-rendering would lose what is typed)
  if (state === 'mine' && canDecide()) {
    if (ui.decisionsFor !== r.id) {
      ui.decisionsFor = r.id;
      ui.note = el('input', { type: 'text', id: 'report-note', maxlength: '2000', autocomplete: 'off' });
      ui.decisions.replaceChildren(
        el('h3', { text: 'Decide' }),
        el('div', { class: 'report-note' }, el('label', { for: 'report-note', text: 'Note for attaching or opening (optional)' }), ui.note),
        openIncidentForm(r),
        rejectForm(),
      );
    }
    ui.decisions.hidden = false;
  } else {
    ui.decisionsFor = null;
    ui.decisions.replaceChildren();
    ui.decisions.hidden = true;
  }
  renderSuggestions(r, ui.current ?? r.suggestions, { live: Boolean(ui.current) });
}

function showDecided(outcome) {
  ui.decisions.replaceChildren();
  ui.decisions.hidden = true;
  ui.decisionsFor = null;
  ui.claimActions.replaceChildren();
  const who = outcome.by ? ` by ${outcome.by === me() ? 'you' : outcome.by}` : '';
  const what = outcome.status === 'rejected' ? `rejected${who}` : `verified${who}${outcome.incident_id ? ` into incident #${outcome.incident_id}` : ''}`;
  ui.claimLine.textContent = `This report was ${what}; it has left the queue.`;
  ui.claimLine.dataset.claim = 'decided';
  if (!outcome.mine) setDetailMessage(`This report was ${what} while you were reading it.`, 'alert');
}

function openDetail(id, { focusTitle = true } = {}) {
  const r = reports.get(id);
  if (!r) return;
  selectTab('reports');
  if (ui.detailId !== id) {
    ui.current = null;
    ui.decisionsFor = null;
    ui.decisions.replaceChildren();
    setDetailMessage('');
  }
  ui.detailId = id;
  select(id);
  ui.list.hidden = true;
  ui.detail.hidden = false;
  renderDetail(r);
  centreOn(r);
  if (focusTitle) ui.detailTitle.focus();
  loadSuggestions(id);
}

function closeDetail({ focus = true } = {}) {
  const id = ui.detailId;
  ui.detailId = null;
  ui.current = null;
  ui.decisionsFor = null;
  ui.decisions.replaceChildren();
  ui.detail.hidden = true;
  ui.list.hidden = false;
  renderList();
  if (focus) {
    const back = ui.listBox.querySelector(`.report-card[data-report-id="${id}"] .report-open`);
    (back ?? ui.sort).focus();
  }
}

// ------------------------------------------------------------------ install

function control(label, id, options, value) {
  const s = el('select', { id });
  for (const [v, text] of options) s.append(el('option', { value: v, text, selected: v === value }));
  return [el('div', {}, el('label', { for: id, text: label }), s), s];
}

export function install() {
  const panel = registerTab('reports', 'Reports', { order: 4 });
  ui.panel = panel;

  ui.count = el('span', { class: 'board-count', id: 'reports-count', text: 'loading…' });
  const [sortBox, sort] = control('Order', 'reports-sort', Object.entries(SORTS).map(([k, s]) => [k, s.label]), view.sort);
  const [claimBox, claimFilter] = control('Show', 'reports-claim', [['', 'All waiting'], ['free', 'Not claimed'], ['mine', 'Claimed by me']], '');
  const [sourceBox, source] = control('Source', 'reports-source', [['', 'All sources'], ...Object.entries(SOURCE_KINDS)], '');
  Object.assign(ui, { sort, claimFilter, source });
  sort.addEventListener('change', () => { view.sort = sort.value; renderList(); });
  claimFilter.addEventListener('change', () => { view.claim = claimFilter.value; renderList(); });
  source.addEventListener('change', () => { view.source = source.value; renderList(); });
  const filters = el('div', { class: 'report-filters', role: 'search', 'aria-label': 'Order and filter the reports' }, sortBox, claimBox, sourceBox);

  ui.message = el('p', { class: 'form-error', role: 'alert' });
  ui.message.hidden = true;
  ui.listMessage = el('p', { class: 'report-message', role: 'status', id: 'reports-list-message' });
  ui.listMessage.hidden = true;
  ui.empty = el('p', { class: 'board-empty', text: 'Loading the reports…' });
  ui.sortNote = el('p', { class: 'board-count report-sort-note', 'aria-live': 'polite' });
  ui.listBox = el('ul', { class: 'report-list', id: 'report-list', 'aria-label': 'Reports waiting for verification' });
  ui.listBox.addEventListener('keydown', onListKeydown);
  ui.listBox.addEventListener('click', (event) => {
    const card = event.target.closest('.report-card');
    if (!card || event.target.closest('.report-claim-button')) return;
    if (event.target.closest('time, a')) return;
    openDetail(Number(card.dataset.reportId));
  });
  ui.list = el('div', { class: 'reports-list' },
    el('div', { class: 'board-head' }, el('h2', { text: 'Reports to verify' }), ui.count),
    filters, ui.message, ui.listMessage, ui.sortNote, ui.empty, ui.listBox,
    el('details', { class: 'units-key report-key' }, el('summary', { text: 'Key to the report symbol' }),
      el('dl', { class: 'legend' },
        el('dt', {}, symbolElement(20), 'Unverified report'),
        el('dd', { text: 'blue speech bubble with a question mark; the dashed blue circle round it is how far off its position may be (its uncertainty)' }),
        el('dt', { class: 'report-key-claimed' }, symbolElement(20), 'Claimed report'),
        el('dd', { text: 'white bubble with a blue outline: an officer is working on it' }),
        el('dt', { class: 'report-key-selected' }, symbolElement(20), 'Chosen report'),
        el('dd', { text: 'a dark ring round the bubble, a solid circle' }))));

  const back = el('button', { type: 'button', class: 'button-quiet back', text: '‹ All reports' });
  back.addEventListener('click', () => closeDetail());
  ui.detailTitle = el('h2', { id: 'report-detail-title', tabindex: '-1', class: 'report-detail-title' });
  ui.facts = el('dl', { class: 'unit-facts report-facts' });
  ui.text = el('blockquote', { class: 'report-full-text' });
  ui.claimLine = el('p', { class: 'report-claim report-claim-line', id: 'report-claim-line' });
  ui.claimActions = el('div', { class: 'report-actions' });
  ui.detailMessage = el('p', { class: 'report-message', role: 'status', id: 'report-detail-message', 'aria-live': 'assertive' });
  ui.suggestions = el('section', { class: 'report-suggestions', id: 'report-suggestions', 'aria-label': 'Correlation suggestions' });
  ui.decisions = el('section', { class: 'report-decisions', id: 'report-decisions', 'aria-label': 'Decide' });
  ui.decisions.hidden = true;
  ui.detail = el('section', { class: 'report-detail', id: 'report-detail', 'aria-labelledby': 'report-detail-title' },
    back, ui.detailTitle, ui.facts, ui.text, ui.claimLine, ui.claimActions, ui.detailMessage, ui.suggestions, ui.decisions);
  ui.detail.hidden = true;
  ui.detail.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.target.closest('details[open] form')) closeDetail();
  });
  panel.append(ui.list, ui.detail);
  panel.addEventListener('tab-shown', () => {
    renderCounts();
    if (ui.stale && !ui.list.hidden) renderList();
  });

  onEvent('*', (event) => {
    if (!event.type.startsWith('Report') && !event.type.startsWith('Incident')) return;
    if (loaded) {
      applyEvent(event);
      return;
    }
    pending.push(event);
    if (pending.length > MAX_PENDING) pending.splice(0, pending.length - MAX_PENDING);
  });

  // claims run out with time: the words ("4 min left") and the filters follow the clock
  setInterval(() => {
    if (!loaded) return;
    for (const li of ui.listBox.querySelectorAll('.report-card')) {
      const r = reports.get(Number(li.dataset.reportId));
      if (!r || !r.claim) continue;
      const claimEl = li.querySelector('.report-claim');
      if (claimEl && (claimEl.textContent !== claimWords(r) || li.dataset.claim !== claimState(r))) fillRow(li, r);
      styleMarker(r.id);
    }
    if (ui.detailId != null) {
      const r = reports.get(ui.detailId);
      if (r && (ui.claimLine.textContent !== claimWords(r) || ui.detail.dataset.claim !== claimState(r))) renderDetail(r);
    }
    renderCounts();
  }, CLAIM_TICK_MS);

  window.marchwarden.reports = {
    reports,
    decided,
    selected: () => selectedId,
    open: openDetail,
    choose: chooseFromMap,
    /** Where a report's marker is, in page pixels (null when it is not on the map). */
    markerAt(id) {
      const entry = markers.get(Number(id));
      const icon = entry?.marker.getElement();
      if (!icon || !mapLayer || !map.getMap().hasLayer(mapLayer)) return null;
      const box = icon.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2, claim: icon.dataset.claim, selected: icon.classList.contains('is-selected') };
    },
    /** The uncertainty circle's radius in metres, as drawn. */
    areaRadius(id) {
      return markers.get(Number(id))?.area.getRadius() ?? null;
    },
  };

  loadTypes().then(() => {
    if (loaded) scheduleList();
  });
  load();
  attachMap();
}
