// The Reports board's detail (reports.js is the board): one report in full, its claim,
// the correlation suggestions with their reasons (as when it came in, then as things are
// now), and the decisions of the officer holding the claim: attach it to an incident, open
// a new incident from it, reject it with a reason, or release it. A refusal is shown in
// words a duty officer can act on (refusalWords).

import { api, ApiError, detailWords } from './api.js';
import { el, num, words } from './dom.js';
import { language, locale, t } from './i18n.js';
import {
  canDecide, canTriage, claimState, claimWords, me, minutesLeft, ratingWords, reports, setClaim, sourceLabel,
  stampClaim, store, typeLabel, types,
} from './reportrecords.js';
import { centreOn, nearestPlace } from './reportlayer.js';
import { focusCard, renderList, select, showList, showListMessage } from './reportlist.js';
import { reportSymbolElement as symbolElement } from './reportsymbol.js';
import { selectTab } from './tabs.js';
import { formatHqShort, timeElement } from './time.js';
import { regionName, regionWithCode } from './regions.js';

const SUGGESTIONS_REFRESH_MS = 400;

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

let detailSeq = 0;

let suggestionsTimer = null;
const ui = {};
/** The board's: `hooks.changed(id)` a report changed, `hooks.remove(id, outcome)` it left the queue. */
let hooks = { changed: () => {}, remove: () => {} };

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
      const when = until ? t('report.claimUntil', ' until {time} ({left})', { time: formatHqShort(until), left: minutesLeft(ends) }) : '';
      return t('report.claimedFirst', '{who} claimed this report first and holds it{when}. Only they can verify or reject it; you can claim it once they release it or their claim runs out.', {
        who: p.claimed_by ?? t('report.anotherOfficer', 'Another officer'), when,
      });
    }
    case 'report-claim-expired':
      return t('report.claimExpired', 'Your claim on this report ran out, so nothing was changed. Claim it again to go on.');
    case 'report-not-claimed':
      return t('report.claimFirst', 'Claim the report first: only the officer holding the claim can verify or reject it.');
    case 'report-already-decided': {
      const text = p.report_status === 'rejected'
        ? t('report.alreadyRejected', 'Someone else already rejected this report, so nothing was changed.')
        : t('report.alreadyVerified', 'Someone else already verified this report into an incident, so nothing was changed.');
      return `${text} ${detailWords(p)}`.trim();
    }
    default:
      return err.message;
  }
}

/** The claim a refusal names (the officer holding it and the time left by the server). */
function claimOf(problem) {
  return stampClaim({ by: problem.claimed_by, until: problem.claim_expires_at, active: true, seconds_left: problem.seconds_left });
}

export async function claim(id, { open = false } = {}) {
  const r = reports.get(id);
  if (!r) return;
  if (open) openDetail(id);
  setDetailMessage('');
  try {
    const fresh = await api(`/reports/${id}/claim`, { method: 'POST' });
    if (setClaim(id, stampClaim(fresh.claim))) hooks.changed(id);
    if (ui.detailId === id) {
      setDetailMessage(t('report.youHold', 'You hold this report until {time}. Verify it into an incident, reject it, or release it.', { time: formatHqShort(fresh.claim.until) }), 'status');
      loadSuggestions(id);
      if (!ui.detail.contains(document.activeElement) || document.activeElement === document.body) ui.detailTitle.focus();
    }
  } catch (err) {
    if (err instanceof ApiError && err.code === 'report-claimed') {
      if (err.problem?.claimed_by && setClaim(id, claimOf(err.problem))) hooks.changed(id);
    }
    if (err instanceof ApiError && err.code === 'report-already-decided') {
      hooks.remove(id, { status: err.problem?.report_status ?? 'decided', by: '', incident_id: err.problem?.incident_id });
    }
    if (ui.detailId === id) setDetailMessage(refusalWords(err), 'alert');
    else showListMessage(refusalWords(err));
  }
}

async function release(id) {
  setDetailMessage('');
  try {
    const fresh = await api(`/reports/${id}/release`, { method: 'POST' });
    if (setClaim(id, stampClaim(fresh.claim))) hooks.changed(id);
    setDetailMessage(t('report.released', 'Released: another officer can claim it now.'), 'status');
    ui.detail.querySelector('[data-role="claim"]')?.focus();
  } catch (err) {
    setDetailMessage(refusalWords(err), 'alert');
  }
}

function afterDecision(id, err) {
  if (err instanceof ApiError && err.code === 'report-already-decided') {
    hooks.remove(id, { status: err.problem?.report_status ?? 'decided', by: '', incident_id: err.problem?.incident_id });
  } else if (err instanceof ApiError && ['report-claimed', 'report-not-claimed', 'report-claim-expired'].includes(err.code)) {
    const r = reports.get(id);
    if (r) {
      let c = err.problem?.claimed_by ? claimOf(err.problem) : r.claim;
      if (err.code === 'report-claim-expired' && c && c.by === me()) c = { ...c, until: new Date(0).toISOString(), _ends: 0 };
      setClaim(id, c);
      hooks.changed(id);
    }
  }
  setDetailMessage(refusalWords(err), 'alert');
}

function verified(id, result, done) {
  const r = reports.get(id);
  hooks.remove(id, { status: 'attached', by: me(), incident_id: result.incident.id, mine: true });
  closeDetail({ focus: true });
  const report = r ? t('report.numberedTyped', 'Report #{id} ({type})', { id, type: typeLabel(r) }) : t('report.numbered', 'Report #{id}', { id });
  showListMessage(t('report.leftQueue', '{done} {report} left the queue.', { done, report }), 'status');
  window.dispatchEvent(new CustomEvent('marchwarden:open-incident', { detail: { id: result.incident.id } }));
}

async function attach(id, incidentId, name) {
  setDetailMessage('');
  try {
    const result = await api(`/reports/${id}/attach`, { method: 'POST', body: { incident_id: incidentId, note: ui.note?.value.trim() ?? '' } });
    verified(id, result, t('report.attached', 'Attached to incident \'{name}\' (#{id}).', { name: result.incident.name, id: result.incident.id }));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'conflict') {
      setDetailMessage(t('report.incidentClosed', 'Incident \'{name}\' can no longer take reports: {why}', { name, why: detailWords(err.problem) || err.message }), 'alert');
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
    setFormError(form, t('report.nameNeeded', 'Give the new incident a name.'));
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
    verified(id, result, t('report.opened', 'Incident \'{name}\' (#{id}) opened from the report.', { name: result.incident.name, id: result.incident.id }));
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
    setFormError(form, t('report.reasonNeeded', 'Say why the report is rejected: a reason is required.'));
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  setFormError(form, '');
  try {
    await api(`/reports/${id}/reject`, { method: 'POST', body: { reason } });
    const r = reports.get(id);
    hooks.remove(id, { status: 'rejected', by: me(), mine: true });
    closeDetail({ focus: true });
    const report = r ? t('report.numberedTyped', 'Report #{id} ({type})', { id, type: typeLabel(r) }) : t('report.numbered', 'Report #{id}', { id });
    showListMessage(t('report.rejected', '{report} rejected: {reason}', { report, reason }), 'status');
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

// ------------------------------------------------------------------ the detail

function fact(name, ...value) {
  return [el('dt', { text: name }), el('dd', {}, ...value)];
}

function suggestedSeverity(r) {
  const type = types.get(r.incident_type);
  if (!type) return 'unknown';
  if (type.border_specific) return 'moderate';
  return SEVERITY_BY_CATEGORY[type.acled?.event_type] ?? 'unknown';
}

function openIncidentForm(r) {
  const place = nearestPlace(r);
  const type = typeLabel(r);
  const name = place ? t('report.nameNear', '{type} near {place}', { type, place })
    : r.region ? t('report.nameIn', '{type} in {region}', { type, region: regionName(r.region) })
      : t('report.nameOf', '{type} (report #{id})', { type, id: r.id });
  const typeSelect = el('select', { name: 'incident_type', id: 'report-new-type' });
  const known = types.size ? [...types.values()] : [{ code: r.incident_type, label: typeLabel(r) }];
  for (const type of known) typeSelect.append(el('option', { value: type.code, text: t(`incidentType.${type.code}`, type.label), selected: type.code === r.incident_type }));
  const severity = el('select', { name: 'severity', id: 'report-new-severity' });
  const suggested = suggestedSeverity(r);
  for (const s of SEVERITIES) severity.append(el('option', { value: s, text: words(s), selected: s === suggested }));
  const description = el('textarea', { name: 'description', id: 'report-new-description', rows: '3', maxlength: '10000' });
  description.value = r.text;
  const form = el('form', { class: 'report-form', id: 'report-open-form', novalidate: true },
    el('div', {}, el('label', { for: 'report-new-name', text: t('report.name', 'Name') }),
      el('input', { type: 'text', name: 'name', id: 'report-new-name', value: name, maxlength: '200', required: true, autocomplete: 'off' })),
    el('div', {}, el('label', { for: 'report-new-type', text: t('report.typeField', 'Type (from the report)') }), typeSelect),
    el('div', {}, el('label', { for: 'report-new-severity', text: t('report.severityField', 'Severity (suggested from the type — check it)') }), severity),
    el('div', {}, el('label', { for: 'report-new-description', text: t('report.descriptionField', 'Description (the report\'s text)') }), description),
    el('p', { class: 'form-error', role: 'alert' }),
    el('button', { type: 'submit', id: 'report-open-submit', text: t('report.openSubmit', 'Open the incident') }));
  form.addEventListener('submit', openIncident);
  return el('details', { class: 'report-choice', id: 'report-open-incident' },
    el('summary', { text: t('report.openNew', 'Open a new incident from this report') }), form);
}

function rejectForm() {
  const reason = el('textarea', { name: 'reason', id: 'report-reject-reason', rows: '2', maxlength: '2000', required: true, 'aria-describedby': 'report-reject-hint' });
  const form = el('form', { class: 'report-form', id: 'report-reject-form', novalidate: true },
    el('div', {}, el('label', { for: 'report-reject-reason', text: t('report.reasonField', 'Reason (required)') }), reason),
    el('p', { class: 'form-hint', id: 'report-reject-hint', text: t('report.reasonHint', 'Kept with the report and in the audit log.') }),
    el('p', { class: 'form-error', role: 'alert' }),
    el('button', { type: 'submit', id: 'report-reject-submit', class: 'button-reject', text: t('report.reject', 'Reject the report') }));
  form.addEventListener('submit', reject);
  return el('details', { class: 'report-choice', id: 'report-reject' },
    el('summary', { text: t('report.reject', 'Reject the report') }), form);
}

/** One decimal place, the language's decimal sign. */
function decimal(x) {
  return Number(x).toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

const kmAway = (km) => t('report.kmAway', '{n} km away', { n: decimal(km) });

function gap(seconds) {
  const s = Math.abs(Number(seconds) || 0);
  if (s < 60) return t('report.withinMinute', 'within a minute');
  if (s < 3600) return t('report.minApart', '{n} min apart', { n: Math.round(s / 60) });
  return t('report.hoursApart', '{n} h apart', { n: decimal(s / 3600) });
}

/** A time apart as the server's correlation writes it ("40 min", "2 h 5 min", "1 d 3 h"). */
function span(seconds) {
  const s = Math.round(Math.abs(Number(seconds) || 0));
  if (s < 60) return t('report.span.s', '{n} s', { n: s });
  let m = Math.round(s / 60);
  if (m < 60) return t('report.span.min', '{n} min', { n: m });
  let h = Math.floor(m / 60);
  m %= 60;
  if (h < 24) return m ? t('report.span.hMin', '{h} h {m} min', { h, m }) : t('report.span.h', '{n} h', { n: h });
  const d = Math.floor(h / 24);
  h %= 24;
  return h ? t('report.span.dH', '{d} d {h} h', { d, h }) : t('report.span.d', '{n} d', { n: d });
}

const typeWords = (code) => t(`incidentType.${code}`, words(code)).toLowerCase();

/** A correlation reason (a match's, a miss's or a duplicate's: `code` and `params`) in the
 * reader's language; in English, and for a reason from before codes, the server's sentence. */
export function correlationWords(r, english) {
  const p = r?.params ?? {};
  if (language() === 'en' || !r) return english;
  const km = (x) => decimal(Number(x));
  switch (r.code) {
    case 'distance':
      return t('report.why.distance', '{km} km from incident "{incident}"', { km: km(p.km), incident: p.incident });
    case 'before_first_report':
      return t('report.why.beforeFirst', '{gap} before its first report', { gap: span(p.gap_seconds) });
    case 'after_last_report':
      return t('report.why.afterLast', '{gap} after its last report', { gap: span(p.gap_seconds) });
    case 'during_reporting':
      return t('report.why.during', 'during its reporting period');
    case 'same_type':
      return t('report.why.sameType', 'same type: {type}', { type: typeWords(p.type) });
    case 'compatible_type':
      return t('report.why.compatibleType', 'compatible type: {type} ~ {other}', { type: typeWords(p.type), other: typeWords(p.incident_type) });
    case 'incident_closed':
      return t('report.why.closed', 'incident "{incident}" is {state}', { incident: p.incident, state: words(p.state) });
    case 'type_incompatible':
      return t('report.why.incompatible', 'type {type} is not compatible with {other}', { type: typeWords(p.type), other: typeWords(p.incident_type) });
    case 'too_far':
      return t('report.why.tooFar', '{km} km from incident "{incident}", beyond the {limit} km limit', { km: km(p.km), incident: p.incident, limit: km(p.limit_km) });
    case 'outside_window':
      return p.relation === 'before'
        ? t('report.why.beforeWindow', '{gap} before its first report, beyond the {window} window', { gap: span(p.gap_seconds), window: span(p.window_seconds) })
        : t('report.why.afterWindow', '{gap} after its last report, beyond the {window} window', { gap: span(p.gap_seconds), window: span(p.window_seconds) });
    case 'distance_from_report':
      return t('report.why.fromReport', '{km} km from report {report}', { km: km(p.km), report: p.report });
    case 'after_report':
      return t('report.why.afterReport', '{gap} after report {report}', { gap: span(p.gap_seconds), report: p.report });
    case 'before_report':
      return t('report.why.beforeReport', '{gap} before report {report}', { gap: span(p.gap_seconds), report: p.report });
    case 'same_time_as_report':
      return t('report.why.sameTime', 'at the same time as report {report}', { report: p.report });
    case 'text_similar':
      return t('report.why.similar', 'text {percent}% similar', { percent: p.percent });
    default:
      return english;
  }
}

/** The reasons of a match, a miss or a duplicate, each in the reader's language. */
function reasonItems(x) {
  const coded = x.coded_reasons ?? [];
  return (x.reasons ?? []).map((text, i) => el('li', { text: correlationWords(coded.length === x.reasons.length ? coded[i] : null, text) }));
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
  const parts = [el('h3', { text: t('report.correlation', 'Correlation') }),
    el('p', { class: 'board-count', text: live ? t('report.live', 'Against the open incidents and reports as they are now.') : t('report.asComputed', 'As computed when the report came in.') })];
  const matchList = el('ul', { class: 'suggestion-list', id: 'report-matches' });
  const offered = new Set();
  for (const m of s.matches ?? []) {
    offered.add(m.incident_id);
    const facts = [
      m.distance_km != null ? kmAway(m.distance_km) : null,
      m.time_gap_seconds != null ? gap(m.time_gap_seconds) : null,
      m.same_type != null ? (m.same_type ? t('report.sameType', 'same type') : t('report.compatibleType', 'compatible type')) : null,
    ].filter(Boolean).join(' · ');
    const item = el('li', { class: 'suggestion', dataset: { incidentId: String(m.incident_id) } },
      el('p', { class: 'suggestion-title' }, el('strong', { text: m.incident_name }), ` (#${m.incident_id})`, facts ? ` — ${facts}` : ''),
      el('ul', { class: 'suggestion-reasons' }, ...reasonItems(m)));
    if (mine) {
      const b = el('button', { type: 'button', class: 'suggestion-attach', dataset: { key: `attach-${m.incident_id}` }, text: t('report.attachTo', 'Attach to incident \'{name}\'', { name: m.incident_name }) });
      b.addEventListener('click', () => attach(r.id, m.incident_id, m.incident_name));
      item.append(b);
    }
    matchList.append(item);
  }
  parts.push(el('h4', { text: t('report.mayBelong', 'Open incidents it may belong to') }));
  parts.push((s.matches ?? []).length ? matchList : el('p', { class: 'board-empty', text: t('report.noMatch', 'None: no open incident is near enough in place, time and type.') }));

  parts.push(el('h4', { text: t('report.duplicates', 'Likely duplicates') }));
  if ((s.duplicates ?? []).length) {
    const list = el('ul', { class: 'suggestion-list', id: 'report-duplicates' });
    for (const d of s.duplicates) {
      const where = d.incident_id ? t('report.alreadyPart', ', already part of incident #{id}', { id: d.incident_id }) : '';
      const facts = [d.distance_km != null ? kmAway(d.distance_km) : null, d.time_gap_seconds != null ? gap(d.time_gap_seconds) : null].filter(Boolean).join(' · ');
      const item = el('li', { class: 'suggestion', dataset: { reportId: String(d.report_id) } },
        el('p', { class: 'suggestion-title' }, el('strong', { text: t('report.numbered', 'Report #{id}', { id: d.report_id }) }), where, facts ? ` — ${facts}` : ''),
        el('ul', { class: 'suggestion-reasons' }, ...reasonItems(d)));
      if (mine && d.incident_id && !offered.has(d.incident_id)) {
        offered.add(d.incident_id);
        const b = el('button', { type: 'button', class: 'suggestion-attach', dataset: { key: `attach-${d.incident_id}` }, text: t('report.attachAs', 'Attach to incident #{id} (as report #{report})', { id: d.incident_id, report: d.report_id }) });
        b.addEventListener('click', () => attach(r.id, d.incident_id, `#${d.incident_id}`));
        item.append(b);
      }
      list.append(item);
    }
    parts.push(list);
  } else {
    parts.push(el('p', { class: 'board-empty', text: t('report.none', 'None.') }));
  }
  if ((s.misses ?? []).length) {
    const list = el('ul', { class: 'suggestion-list suggestion-misses' });
    for (const m of s.misses) {
      list.append(el('li', { class: 'suggestion' },
        el('p', { class: 'suggestion-title' }, el('strong', { text: m.incident_name }), ` (#${m.incident_id}) — ${kmAway(m.distance_km)}`),
        el('ul', { class: 'suggestion-reasons' }, ...reasonItems(m))));
    }
    parts.push(el('details', { class: 'report-misses', open: missesOpen }, el('summary', { text: t('report.misses', 'Nearest open incidents not matched ({n})', { n: num(s.misses.length) }) }), list));
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
      hooks.remove(id, { status: full.status, by: full.decided_by, incident_id: full.incident_id });
      return;
    }
    const old = reports.get(id);
    store({ ...full, _readAtSeq: old?._claimSeq }, old);
    ui.current = full.current_suggestions;
    hooks.changed(id);
  } catch (err) {
    if (seq === detailSeq) setDetailMessage(err instanceof ApiError ? err.message : String(err), 'alert');
  } finally {
    if (seq === detailSeq) ui.suggestions.removeAttribute('aria-busy');
  }
}

export function refreshSuggestionsSoon() {
  clearTimeout(suggestionsTimer);
  suggestionsTimer = setTimeout(() => {
    if (ui.detailId != null && reports.has(ui.detailId)) loadSuggestions(ui.detailId);
  }, SUGGESTIONS_REFRESH_MS);
}

export function renderDetail(r) {
  ui.detail.dataset.reportId = String(r.id);
  ui.detail.dataset.claim = claimState(r);
  ui.detailTitle.replaceChildren(symbolElement(22), el('span', { text: t('report.title', 'Report #{id}: {type}', { id: r.id, type: typeLabel(r) }) }));
  const four = (x) => x.toLocaleString(locale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  const position = t('report.position', '{lat}° N, {lon}° E, ± {m} m', { lat: four(r.position.lat), lon: four(r.position.lon), m: num(Math.round(r.uncertainty_m)) });
  ui.facts.replaceChildren(
    ...fact(t('report.fact.source', 'Source'), sourceLabel(r.source_kind)),
    ...fact(t('report.fact.rating', 'Rating'), el('span', { title: r.rating_meaning || '', text: ratingWords(r.rating) })),
    ...fact(t('report.fact.observed', 'Observed'), timeElement(r.observed_at)),
    ...fact(t('report.fact.received', 'Received'), timeElement(r.received_at)),
    ...fact(t('report.fact.where', 'Where'), `${position}${r.region ? ` (${regionWithCode(r.region)})` : ''}`),
    ...fact(t('report.fact.reporter', 'Reporter'), r.reporter || '—'),
    ...(r.submitted_by ? fact(t('report.fact.submittedBy', 'Submitted by'), r.submitted_by) : []),
  );
  ui.text.textContent = r._partial ? t('reports.reading', 'Reading the report…') : r.text || t('reports.noText', '(no text)');
  const state = claimState(r);
  ui.claimLine.textContent = claimWords(r);
  ui.claimLine.dataset.claim = state;

  const actions = [];
  if (canTriage()) {
    if (state === 'none') {
      const b = el('button', { type: 'button', id: 'report-claim', dataset: { role: 'claim' }, text: t('report.claim', 'Claim this report') });
      b.addEventListener('click', () => claim(r.id));
      actions.push(b);
    } else if (state === 'mine') {
      const renew = el('button', { type: 'button', class: 'button-quiet', id: 'report-renew', text: t('report.renew', 'Keep it longer') });
      renew.addEventListener('click', () => claim(r.id));
      const rel = el('button', { type: 'button', class: 'button-quiet', id: 'report-release', text: t('report.release', 'Release') });
      rel.addEventListener('click', () => release(r.id));
      actions.push(renew, rel);
    } else {
      actions.push(el('p', { class: 'board-empty', text: t('report.onlyHolder', 'Only the officer holding the claim can verify or reject it.') }));
    }
  } else {
    actions.push(el('p', { class: 'board-empty', text: t('report.readOnly', 'Your role can read the queue but not verify reports.') }));
  }
  keepFocus(ui.claimActions, () => ui.claimActions.replaceChildren(...actions));

  // the decisions: kept while the claim is held (re-rendering would lose what is typed)
  if (state === 'mine' && canDecide()) {
    if (ui.decisionsFor !== r.id) {
      ui.decisionsFor = r.id;
      ui.note = el('input', { type: 'text', id: 'report-note', maxlength: '2000', autocomplete: 'off' });
      ui.decisions.replaceChildren(
        el('h3', { text: t('report.decide', 'Decide') }),
        el('div', { class: 'report-note' }, el('label', { for: 'report-note', text: t('report.noteField', 'Note for attaching or opening (optional)') }), ui.note),
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

export function showDecided(outcome) {
  ui.decisions.replaceChildren();
  ui.decisions.hidden = true;
  ui.decisionsFor = null;
  ui.claimActions.replaceChildren();
  const who = outcome.by ? t('report.by', ' by {who}', { who: outcome.by === me() ? t('report.you', 'you') : outcome.by }) : '';
  const into = outcome.incident_id ? t('report.intoIncident', ' into incident #{id}', { id: outcome.incident_id }) : '';
  const what = outcome.status === 'rejected' ? t('report.wasRejected', 'rejected{who}', { who }) : t('report.wasVerified', 'verified{who}{into}', { who, into });
  ui.claimLine.textContent = t('report.decided', 'This report was {what}; it has left the queue.', { what });
  ui.claimLine.dataset.claim = 'decided';
  if (!outcome.mine) setDetailMessage(t('report.decidedMeanwhile', 'This report was {what} while you were reading it.', { what }), 'alert');
}

export function openDetail(id, { focusTitle = true } = {}) {
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
  showList(false);
  ui.detail.hidden = false;
  renderDetail(r);
  centreOn(r);
  if (focusTitle) ui.detailTitle.focus();
  loadSuggestions(id);
}

export function closeDetail({ focus = true } = {}) {
  const id = ui.detailId;
  ui.detailId = null;
  ui.current = null;
  ui.decisionsFor = null;
  ui.decisions.replaceChildren();
  ui.detail.hidden = true;
  showList(true);
  renderList();
  if (focus) focusCard(id);
}

/** The report whose detail is open (null: none). */
export function openId() {
  return ui.detailId ?? null;
}

/** Claims run out with time: the open report's claim line follows the clock. */
export function refreshClaim() {
  if (ui.detailId == null) return;
  const r = reports.get(ui.detailId);
  if (r && (ui.claimLine.textContent !== claimWords(r) || ui.detail.dataset.claim !== claimState(r))) renderDetail(r);
}

/** Build the detail (hidden until a report is opened); `changed(id)` and `remove(id,
 * outcome)` are the board's, for a report changed or gone by what is done here. */
export function install({ changed, remove }) {
  hooks = { changed, remove };
  const back = el('button', { type: 'button', class: 'button-quiet back', text: t('report.back', '‹ All reports') });
  back.addEventListener('click', () => closeDetail());
  ui.detailTitle = el('h2', { id: 'report-detail-title', tabindex: '-1', class: 'report-detail-title' });
  ui.facts = el('dl', { class: 'unit-facts report-facts' });
  ui.text = el('blockquote', { class: 'report-full-text' });
  ui.claimLine = el('p', { class: 'report-claim report-claim-line', id: 'report-claim-line' });
  ui.claimActions = el('div', { class: 'report-actions' });
  ui.detailMessage = el('p', { class: 'report-message', role: 'status', id: 'report-detail-message', 'aria-live': 'assertive' });
  ui.suggestions = el('section', { class: 'report-suggestions', id: 'report-suggestions', 'aria-label': t('report.suggestions', 'Correlation suggestions') });
  ui.decisions = el('section', { class: 'report-decisions', id: 'report-decisions', 'aria-label': t('report.decide', 'Decide') });
  ui.decisions.hidden = true;
  ui.detail = el('section', { class: 'report-detail', id: 'report-detail', 'aria-labelledby': 'report-detail-title' },
    back, ui.detailTitle, ui.facts, ui.text, ui.claimLine, ui.claimActions, ui.detailMessage, ui.suggestions, ui.decisions);
  ui.detail.hidden = true;
  ui.detail.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.target.closest('details[open] form')) closeDetail();
  });
  return ui.detail;
}
