// The incident page, in the Incidents board's panel: facts, lifecycle buttons, unified
// command, casualties, affected settlements, tasks (with tasking: tasking.js) and the
// timeline. Live: any stream event about the open incident reads it again (at most a few
// times a second). Controls are shown only when GET /auth/me lists the action; the server
// decides every call, and a refusal is shown in plain words.

import { api, ApiError } from './api.js';
import { capital, countsWords, el, num, words } from './dom.js';
import { language, locale, t } from './i18n.js';
import { categoryOf, incidentImage } from './incidentsymbols.js';
import { session } from './session.js';
import { openIncidentSitrep } from './sitrep.js';
import * as tasking from './tasking.js';
import { timelineText } from './timelinewords.js';
import { timeElement } from './time.js';
import { regionName, regionWithCode } from './regions.js';

export { timelineText };

const REFRESH_MS = 200;
const CASUALTY_KINDS = ['killed', 'wounded', 'missing'];
const CASUALTY_GROUPS = ['civilian', 'personnel'];
const TRANSITION_WORDS = {
  verified: () => t('incident.do.verified', 'Verify'),
  active: () => t('incident.do.active', 'Mark active'),
  contained: () => t('incident.do.contained', 'Mark contained'),
  closed: () => t('incident.do.closed', 'Close'),
  rejected: () => t('incident.do.rejected', 'Reject'),
};
const CASUALTY_WORDS = {
  killed: () => t('incident.cas.killed', 'Killed'),
  wounded: () => t('incident.cas.wounded', 'Wounded'),
  missing: () => t('incident.cas.missing', 'Missing'),
  civilian: () => t('incident.cas.civilian', 'Civilian'),
  personnel: () => t('incident.cas.personnel', 'Personnel'),
};
const CASUALTY_INPUT_WORDS = {
  civilian_killed: () => t('incident.cas.civilian_killed', 'Civilian killed'),
  civilian_wounded: () => t('incident.cas.civilian_wounded', 'Civilian wounded'),
  civilian_missing: () => t('incident.cas.civilian_missing', 'Civilian missing'),
  personnel_killed: () => t('incident.cas.personnel_killed', 'Personnel killed'),
  personnel_wounded: () => t('incident.cas.personnel_wounded', 'Personnel wounded'),
  personnel_missing: () => t('incident.cas.personnel_missing', 'Personnel missing'),
};

/** A 409 illegal-incident-transition (or any refusal) in plain words. */
export function transitionRefusal(err, to) {
  const p = err instanceof ApiError ? err.problem : null;
  if (p && err.code === 'illegal-incident-transition') {
    const allowed = Array.isArray(p.allowed) ? p.allowed : [];
    const current = words(p.current);
    const next = allowed.length
      ? t('incident.refusal.onlyTo', 'from {current} it can only go to {allowed}', { current, allowed: allowed.map(words).join(t('incident.refusal.or', ' or ')) })
      : t('incident.refusal.nothingFollows', 'nothing follows {current}', { current });
    return t('incident.refusal', 'The incident cannot be made {to} now: it is {current}, and {next}. The page shows the current state again.', { to: words(to), current, next });
  }
  return err instanceof ApiError ? err.message : String(err);
}

/** The board's: `types` (code -> incident type), `incident(id)` the board's record,
 * `onLoaded(full)` the page read an incident, `onClose()` the page is to close. */
let ctx = null;
const ui = {};
let current = null; // the IncidentOut on show
let openId = null;
let refreshTimer = null;
let seq = 0;
let agencies = null;

// ---------------------------------------------------------------- reading

async function refresh({ focus = false } = {}) {
  const id = openId;
  if (id == null) return;
  const mine = ++seq;
  ui.page.setAttribute('aria-busy', 'true');
  try {
    const [full, casualties, timeline] = await Promise.all([
      api(`/incidents/${id}`),
      api(`/incidents/${id}/casualties`),
      api(`/incidents/${id}/timeline?limit=500`),
    ]);
    if (mine !== seq || openId !== id) return;
    current = full;
    ui.message.hidden = true;
    ctx.onLoaded(full);
    renderFacts(full);
    renderState(full);
    renderCommand(full);
    renderCasualties(casualties);
    renderAffected(full);
    renderTimeline(timeline.items);
    tasking.render(full);
    ui.page.dataset.incidentId = String(full.id);
    ui.page.dataset.state = full.state;
    if (focus) ui.title.focus();
  } catch (err) {
    if (mine !== seq) return;
    ui.message.textContent = err instanceof ApiError ? err.message : String(err);
    ui.message.hidden = false;
  } finally {
    if (mine === seq) ui.page.removeAttribute('aria-busy');
  }
}

function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh();
  }, REFRESH_MS);
}

/** A latitude or longitude to four places, the language's decimal sign. */
function coordinate(x) {
  return x.toLocaleString(locale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 });
}

function fact(term, ...value) {
  return [el('dt', { text: term }), el('dd', {}, ...value)];
}

function renderFacts(i) {
  const type = ctx.types.get(i.incident_type);
  ui.title.replaceChildren(incidentImage(categoryOf(type), i.severity, i.state, 24), ` ${i.name}`);
  const point = { lat: coordinate(i.reference_point.lat), lon: coordinate(i.reference_point.lon) };
  const facts = [
    ...fact(t('incident.fact.type', 'Type'), `${t(`incidentType.${i.incident_type}`, i.incident_type_label)} `, el('span', { class: 'acled', text: `(ACLED: ${i.acled.event_type} — ${i.acled.sub_event_type})` })),
    ...fact(t('incident.fact.severity', 'Severity'), el('span', { class: 'severity-chip', dataset: { severity: i.severity }, text: words(i.severity) })),
    ...fact(t('incident.fact.state', 'State'), el('strong', { id: 'incident-state-value', text: words(i.state) }), t('incident.since', ' since '), timeElement(i.state_since)),
    ...fact(t('incident.fact.region', 'Region'), regionWithCode(i.region) ?? t('incident.outsideRegions', 'outside the regions')),
    ...fact(t('incident.fact.place', 'Place'), i.place.type === 'Polygon'
      ? t('incident.placeArea', 'area, centred {lat}° N, {lon}° E', point)
      : t('incident.placePoint', 'point {lat}° N, {lon}° E', point)),
    ...fact(t('incident.fact.reports', 'Reports'), i.report_count ? `${num(i.report_count)}${i.last_report_at ? t('incident.lastReport', ', last ') : ''}` : t('incident.noReports', 'none'), i.last_report_at ? timeElement(i.last_report_at) : null),
    ...fact(t('incident.fact.opened', 'Opened'), timeElement(i.created_at), t('incident.openedBy', ' by {name}', { name: i.created_by })),
  ];
  if (i.description) facts.push(...fact(t('incident.fact.description', 'Description'), i.description));
  ui.facts.replaceChildren(...facts);
}

function renderState(i) {
  ui.stateNow.replaceChildren(t('incident.now', 'Now '), el('strong', { text: words(i.state) }), '.',
    i.allowed_transitions.length ? '' : t('incident.noFurtherStep', ' No further step.'));
  if (!session.can('incident.write')) return;
  ui.transitions.replaceChildren(...i.allowed_transitions.map((to) => {
    const button = el('button', { type: 'button', dataset: { to }, text: TRANSITION_WORDS[to]?.() ?? capital(words(to)), class: to === 'rejected' ? 'button-danger' : '' });
    button.addEventListener('click', () => transition(to, button));
    return button;
  }));
}

async function transition(to, button) {
  if (openId == null || button.getAttribute('aria-disabled') === 'true') return;
  if (to === 'rejected' && !ui.reason.value.trim()) {
    ui.stateMessage.textContent = t('incident.reasonNeeded', 'Say why the incident is rejected: a reason is needed.');
    ui.stateMessage.classList.add('is-error');
    ui.reason.focus();
    return;
  }
  button.setAttribute('aria-disabled', 'true');
  ui.stateMessage.textContent = '';
  ui.stateMessage.classList.remove('is-error');
  try {
    const full = await api(`/incidents/${openId}/transition`, { method: 'POST', body: { to, reason: ui.reason.value.trim() } });
    ui.reason.value = '';
    ui.stateMessage.textContent = t('incident.nowState', 'The incident is now {state}.', { state: words(full.state) });
    current = full;
    ctx.onLoaded(full);
    renderFacts(full);
    renderState(full);
    scheduleRefresh();
    const first = ui.transitions.querySelector('button');
    (first ?? ui.title).focus();
  } catch (err) {
    ui.stateMessage.textContent = transitionRefusal(err, to);
    ui.stateMessage.classList.add('is-error');
    scheduleRefresh();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

async function loadAgencies() {
  if (agencies) return agencies;
  try {
    agencies = await api('/agencies');
  } catch {
    agencies = [];
  }
  return agencies;
}

function agencyText(a) {
  return `${a.name} (${a.code})`;
}

async function renderCommand(i) {
  const c = i.command;
  ui.commandNow.replaceChildren(
    ...fact(t('incident.lead', 'Lead agency'), c.lead ? agencyText(c.lead) : t('incident.noneNamed', 'none named')),
    ...fact(t('incident.supportingShort', 'Supporting'), c.supporting.length ? c.supporting.map(agencyText).join('; ') : t('incident.none', 'none')),
  );
  if (!ui.lead) return;
  const list = await loadAgencies();
  if (!current || current.id !== i.id) return;
  const known = new Map(list.map((a) => [a.id, a]));
  for (const a of [c.lead, ...c.supporting]) if (a && !known.has(a.id)) known.set(a.id, a);
  const all = [...known.values()].sort((a, b) => a.name.localeCompare(b.name));
  ui.lead.replaceChildren(el('option', { value: '', text: t('incident.noneOption', '— none —') }),
    ...all.map((a) => el('option', { value: String(a.id), text: agencyText(a) })));
  ui.lead.value = c.lead ? String(c.lead.id) : '';
  const supporting = new Set(c.supporting.map((a) => a.id));
  ui.supporting.replaceChildren(el('legend', { text: t('incident.supporting', 'Supporting agencies') }), ...all.map((a) => {
    const id = `incident-supporting-${a.id}`;
    return el('div', { class: 'check' },
      el('input', { type: 'checkbox', id, name: 'supporting', value: String(a.id), checked: supporting.has(a.id) }),
      el('label', { for: id, text: agencyText(a) }));
  }));
}

async function saveCommand(event) {
  event.preventDefault();
  if (openId == null || ui.commandSave.getAttribute('aria-disabled') === 'true') return;
  const lead = ui.lead.value ? Number(ui.lead.value) : null;
  const supporting = [...ui.supporting.querySelectorAll('input:checked')].map((x) => Number(x.value)).filter((x) => x !== lead);
  ui.commandSave.setAttribute('aria-disabled', 'true');
  ui.commandMessage.textContent = '';
  try {
    const full = await api(`/incidents/${openId}/command`, { method: 'PUT', body: { lead_agency_id: lead, supporting_agency_ids: supporting } });
    current = full;
    ctx.onLoaded(full);
    renderCommand(full);
    ui.commandMessage.textContent = t('incident.commandSaved', 'Saved: lead {lead}, {n} supporting.', { lead: full.command.lead ? full.command.lead.name : t('incident.none', 'none'), n: num(full.command.supporting.length) });
  } catch (err) {
    ui.commandMessage.textContent = err instanceof ApiError ? err.message : String(err);
  } finally {
    ui.commandSave.removeAttribute('aria-disabled');
  }
}

/** Casualty figures in words ("civilians killed 3, civilians wounded 12"). */
function renderCasualties(data) {
  const totals = data.totals;
  const reported = new Set(totals.reported);
  const cell = (cat) => el('td', { class: 'num', dataset: { category: cat }, text: reported.has(cat) ? num(totals[cat]) : '—', title: reported.has(cat) ? '' : t('incident.notReported', 'not reported') });
  const head = el('tr', {}, el('th', { scope: 'col', text: '' }), ...CASUALTY_KINDS.map((k) => el('th', { scope: 'col', class: 'num', text: CASUALTY_WORDS[k]() })));
  const rows = CASUALTY_GROUPS.map((g) => el('tr', {}, el('th', { scope: 'row', text: CASUALTY_WORDS[g]() }), ...CASUALTY_KINDS.map((k) => cell(`${g}_${k}`))));
  const total = el('tr', { class: 'total' }, el('th', { scope: 'row', text: t('incident.cas.total', 'Total') }), ...CASUALTY_KINDS.map((k) => el('td', { class: 'num', dataset: { total: k }, text: num(totals[k]) })));
  const table = el('table', { class: 'units-table casualty-table', id: 'incident-casualty-table' },
    el('caption', { class: 'visually-hidden', text: t('incident.cas.caption', 'Casualties: latest figures') }), el('thead', {}, head), el('tbody', {}, ...rows, total));
  const latest = Object.fromEntries(CASUALTY_GROUPS.flatMap((g) => CASUALTY_KINDS.map((k) => `${g}_${k}`)).filter((c) => reported.has(c)).map((c) => [c, totals[c]]));
  ui.casualtyTable.replaceChildren(
    el('p', { class: 'board-count' }, totals.as_of ? [t('incident.cas.asOf', 'As of '), timeElement(totals.as_of), `: ${language() === 'en' ? totals.summary : countsWords(latest)}`] : t('incident.cas.none', 'No figures reported.')),
    table,
  );
  if (!data.updates.length) {
    ui.casualtyHistory.replaceChildren();
    return;
  }
  const list = el('ol', { class: 'casualty-updates', reversed: true });
  for (const u of [...data.updates].reverse()) {
    list.append(el('li', {}, timeElement(u.at), ` ${countsWords(u.counts)}`, u.source ? ` — ${u.source}` : '', t('incident.cas.recordedBy', ' (recorded by {name})', { name: u.recorded_by }), u.note ? ` ${u.note}` : ''));
  }
  const n = data.updates.length;
  ui.casualtyHistory.replaceChildren(el('h4', { text: n === 1
    ? t('incident.cas.historyOne', 'History (1 update, latest first)')
    : t('incident.cas.history', 'History ({n} updates, latest first)', { n: num(n) }) }), list);
}

async function saveCasualties(event, inputs) {
  event.preventDefault();
  if (openId == null) return;
  const counts = {};
  for (const input of inputs) if (input.value !== '') counts[input.dataset.category] = Number(input.value);
  if (!Object.keys(counts).length) {
    ui.casualtyMessage.textContent = t('incident.cas.fillOne', 'Fill in at least one figure.');
    return;
  }
  try {
    const data = await api(`/incidents/${openId}/casualties`, { method: 'POST', body: { counts, source: ui.casualtySource.value.trim() } });
    renderCasualties(data);
    for (const input of inputs) input.value = '';
    ui.casualtySource.value = '';
    ui.casualtyMessage.textContent = t('incident.cas.recorded', 'Recorded: {summary}', { summary: language() === 'en' ? data.totals.summary : countsWords(counts) });
  } catch (err) {
    ui.casualtyMessage.textContent = err instanceof ApiError ? err.message : String(err);
  }
}

function renderAffected(i) {
  const a = i.affected;
  const within = { n: num(a.settlement_count), people: num(a.population), km: num(a.radius_km) };
  const intro = el('p', { class: 'board-count', text: a.settlement_count === 1
    ? t('incident.affectedOne', '1 settlement, {people} people, within {km} km.', within)
    : t('incident.affectedMany', '{n} settlements, {people} people, within {km} km.', within) });
  if (!a.settlements.length) {
    ui.affectedBody.replaceChildren(intro);
    return;
  }
  // distance_km: from the place, computed by the server (0 inside an area)
  const rows = a.settlements.map((s) => ({ ...s, km: s.distance_km ?? null }))
    .sort((x, y) => (x.km ?? 1e9) - (y.km ?? 1e9) || y.population - x.population);
  const measured = i.place.type === 'Polygon'
    ? t('incident.fromEdge', 'from the edge of the incident\'s area (0: inside it)')
    : t('incident.fromPoint', 'from the incident\'s point');
  const table = el('table', { class: 'units-table affected-table', id: 'incident-affected-table' },
    el('caption', { class: 'visually-hidden', text: t('incident.affectedCaption', 'Affected settlements, nearest first') }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('incident.col.settlement', 'Settlement') }), el('th', { scope: 'col', class: 'num', text: t('incident.col.people', 'People') }), el('th', { scope: 'col', class: 'num', text: t('incident.col.distance', 'Distance') }))),
    el('tbody', {}, ...rows.map((s) => el('tr', { dataset: { settlementId: String(s.id) } },
      el('td', { text: `${s.name}${s.region !== i.region ? ` (${regionName(s.region)})` : ''}` }),
      el('td', { class: 'num', text: num(s.population) }),
      el('td', { class: 'num', text: s.km == null ? '—' : t('unit.km', '{n} km', { n: s.km.toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }) }), title: measured })))));
  ui.affectedBody.replaceChildren(intro, el('div', { class: 'table-scroll affected-scroll' }, table));
}

function renderTimeline(items) {
  const sorted = [...items].sort((a, b) => b.id - a.id);
  ui.timelineList.replaceChildren(...sorted.map((e) => el('li', { class: 'timeline-entry', dataset: { kind: e.kind, entryId: String(e.id) } },
    timeElement(e.at), ' ', el('span', { class: 'timeline-kind', text: t(`timeline.${e.kind}`, words(e.kind)) }), ' ',
    el('span', { class: 'timeline-text', text: timelineText(e) }), el('span', { class: 'timeline-actor', text: ` — ${e.actor}` }))));
  if (!sorted.length) ui.timelineList.replaceChildren(el('li', { class: 'board-empty', text: t('incident.nothingLogged', 'Nothing logged yet.') }));
}

async function addLog(event) {
  event.preventDefault();
  const text = ui.logText.value.trim();
  if (!text || openId == null) {
    ui.logMessage.textContent = t('incident.writeSomething', 'Write something to log.');
    return;
  }
  try {
    await api(`/incidents/${openId}/log`, { method: 'POST', body: { text } });
    ui.logText.value = '';
    ui.logMessage.textContent = t('incident.logged', 'Logged.');
    const timeline = await api(`/incidents/${openId}/timeline?limit=500`);
    renderTimeline(timeline.items);
  } catch (err) {
    ui.logMessage.textContent = err instanceof ApiError ? err.message : String(err);
  }
}

/** Build the page (hidden until an incident is opened); see `ctx` for `context`. */
export function install(context) {
  ctx = context;
  const back = el('button', { type: 'button', class: 'button-quiet back', text: t('incident.back', '‹ All incidents') });
  back.addEventListener('click', () => ctx.onClose());
  ui.title = el('h2', { id: 'incident-title', tabindex: '-1', class: 'incident-title' });
  ui.facts = el('dl', { class: 'unit-facts incident-facts', id: 'incident-facts' });
  ui.actions = el('div', { class: 'incident-actions' });
  ui.state = el('section', { class: 'incident-state', id: 'incident-state', 'aria-labelledby': 'incident-state-h' },
    el('h3', { id: 'incident-state-h', text: t('incident.fact.state', 'State') }));
  ui.stateNow = el('p', { class: 'incident-state-now', id: 'incident-state-now' });
  ui.transitions = el('div', { class: 'transition-buttons', id: 'incident-transitions' });
  ui.reason = el('input', { id: 'incident-transition-reason', type: 'text', maxlength: '2000', autocomplete: 'off' });
  ui.stateMessage = el('p', { class: 'status-message', id: 'incident-transition-message', role: 'status' });
  ui.state.append(ui.stateNow);
  if (session.can('incident.write')) {
    ui.state.append(ui.transitions,
      el('div', { class: 'inline-field' }, el('label', { for: 'incident-transition-reason', text: t('incident.reason', 'Reason (needed to reject)') }), ui.reason));
  }
  ui.state.append(ui.stateMessage);
  ui.command = el('section', { class: 'incident-command', id: 'incident-command', 'aria-labelledby': 'incident-command-h' },
    el('h3', { id: 'incident-command-h', text: t('incident.command', 'Unified command') }));
  ui.commandNow = el('dl', { class: 'unit-facts', id: 'incident-command-now' });
  ui.command.append(ui.commandNow);
  if (session.can('incident.write')) {
    ui.lead = el('select', { id: 'incident-lead' });
    ui.supporting = el('fieldset', { class: 'incident-supporting', id: 'incident-supporting' }, el('legend', { text: t('incident.supporting', 'Supporting agencies') }));
    ui.commandSave = el('button', { type: 'submit', id: 'incident-command-save', text: t('incident.saveCommand', 'Save the command') });
    ui.commandMessage = el('p', { class: 'status-message', id: 'incident-command-message', role: 'status' });
    const form = el('form', { class: 'status-form command-form', id: 'incident-command-form' },
      el('div', {}, el('label', { for: 'incident-lead', text: t('incident.lead', 'Lead agency') }), ui.lead),
      ui.supporting, ui.commandSave, ui.commandMessage);
    form.addEventListener('submit', saveCommand);
    const more = el('details', { class: 'command-change' }, el('summary', { text: t('incident.changeCommand', 'Change the command') }), form);
    ui.command.append(more);
  }
  ui.casualties = el('section', { class: 'incident-casualties', id: 'incident-casualties', 'aria-labelledby': 'incident-casualties-h' },
    el('h3', { id: 'incident-casualties-h', text: t('incident.casualties', 'Casualties') }));
  ui.casualtyTable = el('div', { id: 'incident-casualty-totals' });
  ui.casualtyHistory = el('div', { id: 'incident-casualty-history', class: 'casualty-history' });
  ui.casualties.append(ui.casualtyTable, ui.casualtyHistory);
  if (session.can('incident.write')) {
    const inputs = [];
    const grid = el('div', { class: 'casualty-inputs' });
    for (const group of CASUALTY_GROUPS) {
      for (const kind of CASUALTY_KINDS) {
        const id = `cas-${group}_${kind}`;
        const input = el('input', { id, type: 'number', min: '0', max: '1000000', step: '1', inputmode: 'numeric', dataset: { category: `${group}_${kind}` } });
        inputs.push(input);
        grid.append(el('div', {}, el('label', { for: id, text: CASUALTY_INPUT_WORDS[`${group}_${kind}`]() }), input));
      }
    }
    ui.casualtySource = el('input', { id: 'cas-source', type: 'text', maxlength: '200', autocomplete: 'off' });
    ui.casualtyMessage = el('p', { class: 'status-message', id: 'cas-message', role: 'status' });
    const form = el('form', { class: 'status-form casualty-form', id: 'incident-casualty-form' },
      el('p', { class: 'legend-note', text: t('incident.cas.note', 'Figures as of now for the categories you fill in (totals, not additions); the others keep theirs.') }),
      grid, el('div', {}, el('label', { for: 'cas-source', text: t('incident.cas.source', 'Source (optional)') }), ui.casualtySource),
      el('button', { type: 'submit', id: 'cas-save', text: t('incident.cas.record', 'Record the figures') }), ui.casualtyMessage);
    form.addEventListener('submit', (event) => saveCasualties(event, inputs));
    ui.casualties.append(el('details', { class: 'casualty-add' }, el('summary', { text: t('incident.cas.add', 'Add an update') }), form));
  }
  ui.affected = el('section', { class: 'incident-affected', id: 'incident-affected', 'aria-labelledby': 'incident-affected-h' },
    el('h3', { id: 'incident-affected-h', text: t('incident.affected', 'Affected settlements') }));
  ui.affectedBody = el('div');
  ui.affected.append(ui.affectedBody);
  const taskSection = tasking.install({
    incident: () => current,
    onChanged: () => scheduleRefresh(),
  });
  ui.timeline = el('section', { class: 'incident-timeline', id: 'incident-timeline', 'aria-labelledby': 'incident-timeline-h' },
    el('h3', { id: 'incident-timeline-h', text: t('incident.timeline', 'Timeline') }));
  ui.timelineList = el('ol', { class: 'timeline-list', id: 'incident-timeline-list', reversed: true });
  if (session.can('incident.log')) {
    ui.logText = el('textarea', { id: 'incident-log-text', rows: '2', maxlength: '4000' });
    ui.logMessage = el('p', { class: 'status-message', id: 'incident-log-message', role: 'status' });
    const form = el('form', { class: 'status-form log-form', id: 'incident-log-form' },
      el('label', { for: 'incident-log-text', text: t('incident.addLog', 'Add a log entry') }), ui.logText,
      el('button', { type: 'submit', id: 'incident-log-add', text: t('incident.addToLog', 'Add to the log') }), ui.logMessage);
    form.addEventListener('submit', addLog);
    ui.timeline.append(form);
  }
  ui.timeline.append(ui.timelineList);
  ui.message = el('p', { class: 'form-error', role: 'alert', id: 'incident-page-error' });
  ui.message.hidden = true;
  ui.page = el('section', { class: 'incident-page unit-detail', id: 'incident-page', 'aria-labelledby': 'incident-title' },
    back, ui.title, ui.message, ui.actions, ui.facts, ui.state, ui.command, ui.casualties, ui.affected,
    taskSection, ui.timeline);
  ui.page.hidden = true;
  ui.page.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.target.closest('input, textarea, select')) ctx.onClose();
  });
  if (session.can('sitrep.read')) {
    const button = el('button', { type: 'button', id: 'incident-sitrep', text: t('incident.sitrep', 'Situation report') });
    button.addEventListener('click', () => openId != null && openIncidentSitrep(openId, button));
    ui.actions.append(button);
  }
  return ui.page;
}

/** Open an incident's page (read it, and again on every change to it). */
export function open(id) {
  const changedIncident = openId !== id;
  openId = id;
  if (changedIncident) {
    current = null;
    ui.stateMessage.textContent = '';
    tasking.reset();
    const known = ctx.incident(id);
    ui.title.textContent = known ? known.name : t('incident.numbered', 'Incident {id}', { id });
    for (const part of [ui.facts, ui.timelineList]) part.replaceChildren();
  }
  ui.page.hidden = false;
  ui.title.focus();
  refresh({ focus: false });
}

export function close() {
  openId = null;
  current = null;
  ui.page.hidden = true;
}

/** A stream event: the open incident's is read again (at most a few times a second). */
export function onEvent(event) {
  const d = event.data || {};
  if (openId == null || d.incident_id !== openId) return;
  scheduleRefresh();
}
