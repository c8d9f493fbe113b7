// The Reports board's detail (reports.js is the board): one report in full, its claim,
// the correlation suggestions with their reasons (as when it came in, then as things are
// now), and the decisions of the officer holding the claim: attach it to an incident, open
// a new incident from it, reject it with a reason, or release it. A refusal is shown in
// words a duty officer can act on (refusalWords).

import { api, ApiError } from './api.js';
import { el } from './dom.js';
import {
  canDecide, canTriage, claimState, claimWords, me, minutesLeft, ratingWords, reports, setClaim, sourceLabel,
  stampClaim, store, typeLabel, types,
} from './reportrecords.js';
import { centreOn, nearestPlace } from './reportlayer.js';
import { focusCard, renderList, select, showList, showListMessage } from './reportlist.js';
import { reportSymbolElement as symbolElement } from './reportsymbol.js';
import { selectTab } from './tabs.js';
import { formatHqShort, timeElement } from './time.js';

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
      setDetailMessage(`You hold this report until ${formatHqShort(fresh.claim.until)}. Verify it into an incident, reject it, or release it.`, 'status');
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
    setDetailMessage('Released: another officer can claim it now.', 'status');
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

function verified(id, result, words) {
  const r = reports.get(id);
  hooks.remove(id, { status: 'attached', by: me(), incident_id: result.incident.id, mine: true });
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
    hooks.remove(id, { status: 'rejected', by: me(), mine: true });
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

// ------------------------------------------------------------------ the detail

function fact(name, ...value) {
  return [el('dt', { text: name }), el('dd', {}, ...value)];
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

export function showDecided(outcome) {
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
  return ui.detail;
}
