// The Reports board's records and their words: the pending reports as loaded and kept
// live, the reports decided since the page loaded, the incident types, which report is
// chosen, and the words for a rating, a source and a claim. The board (reports.js), the
// queue (reportlist.js), the detail (reportdetail.js) and the map layer (reportlayer.js)
// all read them from here.

import { capital, words } from './dom.js';
import { t } from './i18n.js';
import { session } from './session.js';

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
  if (!RELIABILITY[c.charAt(0)] || !CREDIBILITY[c.charAt(1)]) return c;
  const rel = t(`reliability.${c.charAt(0)}`, RELIABILITY[c.charAt(0)]);
  const cred = t(`credibility.${c.charAt(1)}`, CREDIBILITY[c.charAt(1)]);
  return `${c} — ${rel}, ${cred}`;
}

export const reports = new Map();

/** Reports decided (attached or rejected) since the page loaded: never shown again. */
export const decided = new Map();

export const types = new Map();

/** Whether the queue is in (`loaded`), and the report chosen on the list and the map. */
export const queue = { loaded: false, selectedId: null };

export const me = () => session.user?.username ?? '';

export const canTriage = () => session.can('report.triage');

export const canDecide = () => canTriage() && session.can('incident.write');

export function typeLabel(r) {
  return t(`incidentType.${r.incident_type}`, r.incident_type_label || types.get(r.incident_type)?.label || capital(words(r.incident_type)));
}

export function sourceLabel(kind) {
  return t(`source.${kind}`, SOURCE_KINDS[kind] ?? capital(words(kind)));
}

/** Note when a claim from the server runs out on this browser's clock: now plus the
 * server's `seconds_left`, so that a skewed local clock still shows the right time left. */
export function stampClaim(c) {
  if (c && typeof c.seconds_left === 'number' && c._ends == null) c._ends = Date.now() + c.seconds_left * 1000;
  return c;
}

/** When the claim runs out (ms on this browser's clock); `until` for claims from events. */
export function claimEnds(c) {
  return c._ends ?? Date.parse(c.until);
}

/** The claim as it stands now: null when there is none or it ran out. */
export function liveClaim(r) {
  const c = r.claim;
  if (!c || !c.until) return null;
  return claimEnds(c) > Date.now() ? c : null;
}

export function minutesLeft(ends) {
  const ms = ends - Date.now();
  if (ms < 60000) return t('reports.lessThanMinute', 'less than a minute left');
  const n = Math.round(ms / 60000);
  return t('reports.minLeft', '{n} min left', { n });
}

/** "Claimed by you, 4 min left", "Claimed by duty-2, 7 min left", "Not claimed". */
export function claimWords(r) {
  const c = liveClaim(r);
  if (!c) {
    if (!(r.claim && r.claim.by)) return t('reports.notClaimedYet', 'Not claimed');
    return r.claim.by === me() ? t('reports.yourClaimRanOut', 'Not claimed (your claim ran out)') : t('reports.claimRanOut', 'Not claimed ({who}’s claim ran out)', { who: r.claim.by });
  }
  return c.by === me()
    ? t('reports.claimedByYou', 'Claimed by you, {left}', { left: minutesLeft(claimEnds(c)) })
    : t('reports.claimedBy', 'Claimed by {who}, {left}', { who: c.by, left: minutesLeft(claimEnds(c)) });
}

export function claimState(r) {
  const c = liveClaim(r);
  if (!c) return 'none';
  return c.by === me() ? 'mine' : 'other';
}

/** Set a report's claim as the server or the stream last gave it (null: none); returns
 * the report, or null when it is not in the queue. */
export function setClaim(id, claim) {
  const r = reports.get(id);
  if (!r) return null;
  r.claim = claim;
  r._claimSeq += 1;
  return r;
}

export function fromEvent(event) {
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

export function store(r, old = null) {
  const rec = { ...r, _claimSeq: old?._claimSeq ?? 0, _partial: false };
  stampClaim(rec.claim);
  if (old && old._claimSeq !== (r._readAtSeq ?? old._claimSeq)) rec.claim = old.claim;
  delete rec._readAtSeq;
  delete rec.current_suggestions;
  reports.set(rec.id, rec);
  return rec;
}
