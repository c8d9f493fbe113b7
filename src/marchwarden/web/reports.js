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
// The board is split as the incidents' is: this module loads the queue, applies the
// stream's events and wires the parts; reportrecords.js holds the records and their words,
// reportlist.js the queue, reportdetail.js a report's detail and its decisions,
// reportlayer.js the markers on the map.
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

import { api } from './api.js';
import { showLoadFailure } from './dom.js';
import { afterSnapshot } from './events.js';
import * as detail from './reportdetail.js';
import { areaRadius, attachLayer, drawMarker, dropMarker, markerAt } from './reportlayer.js';
import * as list from './reportlist.js';
import { decided, fromEvent, queue, reports, setClaim, stampClaim, store, types } from './reportrecords.js';
import { registerTab, selectTab } from './tabs.js';

export { refusalWords } from './reportdetail.js';
export { CREDIBILITY, RELIABILITY, SOURCE_KINDS, claimWords, ratingWords } from './reportrecords.js';

const PAGE_LIMIT = 1000;
const CLAIM_TICK_MS = 5000;
const MAX_PENDING = 20000;

/** Hands over the events held while the queue loads (events.js: afterSnapshot). */
let goLive = () => {};

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

/** A report left the queue (attached or rejected): never shown again. */
function remove(id, outcome) {
  decided.set(id, outcome);
  reports.delete(id);
  dropMarker(id);
  if (queue.selectedId === id) queue.selectedId = null;
  list.scheduleList();
  if (detail.openId() === id) detail.showDecided(outcome);
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
    case 'ReportClaimed':
      if (setClaim(id, { by: d.by, until: d.until, active: true })) changed(id);
      break;
    case 'ReportReleased':
      if (setClaim(id, null)) changed(id);
      break;
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
      if (detail.openId() != null) detail.refreshSuggestionsSoon();
      break;
    default:
      break;
  }
}

/** A report changed: its marker, its card and (when open) its detail. */
function changed(id) {
  const r = reports.get(id);
  if (r) drawMarker(r);
  list.scheduleList();
  if (detail.openId() === id && r) detail.renderDetail(r);
}

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
    showLoadFailure(list.messageBox(), 'reports', err, load);
    return;
  }
  for (const r of items) store(r);
  queue.loaded = true;
  goLive();
  list.queueLoaded();
  for (const r of reports.values()) drawMarker(r);
}

async function loadTypes() {
  try {
    for (const t of await api('/incident-types')) types.set(t.code, t);
  } catch (err) {
    console.warn('the incident types could not be read', err);
  }
}

/** A report clicked on the map: the Reports tab, its card chosen and in view. */
function chooseFromMap(id) {
  if (!reports.has(id)) return;
  selectTab('reports');
  const open = detail.openId();
  if (open != null && open !== id) detail.closeDetail({ focus: false });
  if (open === id) {
    list.select(id);
    return;
  }
  list.revealCard(id);
}

export function install() {
  const panel = registerTab('reports', 'Reports', { order: 4 });
  panel.append(
    list.install({ open: detail.openDetail, claim: detail.claim }),
    detail.install({ changed, remove }),
  );
  panel.addEventListener('tab-shown', list.onTabShown);
  goLive = afterSnapshot(applyEvent, {
    keep: MAX_PENDING,
    accept: (event) => event.type.startsWith('Report') || event.type.startsWith('Incident'),
  });

  // claims run out with time: the words ("4 min left") and the filters follow the clock
  setInterval(() => {
    if (!queue.loaded) return;
    list.refreshClaims();
    detail.refreshClaim();
  }, CLAIM_TICK_MS);

  window.marchwarden.reports = {
    reports,
    decided,
    selected: () => queue.selectedId,
    open: detail.openDetail,
    choose: chooseFromMap,
    markerAt,
    areaRadius,
  };

  loadTypes().then(() => {
    if (queue.loaded) list.scheduleList();
  });
  load();
  attachLayer({ choose: chooseFromMap });
}
