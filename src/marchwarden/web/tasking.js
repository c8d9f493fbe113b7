// Tasking on the incident page: the incident's tasks with their status (live), a form for
// a new task (what: powers from GET /powers and capabilities; where; priority), the
// recommendations for a task (eligible units ranked by ETA; ineligible units nearby with
// their reasons) and assignment. Assigning an ineligible unit may be tried ("Assign
// anyway"): the server refuses it, and the refusal is shown in plain words, e.g.
// "BEL-2BN cannot be given this task: carry and use weapons — not granted to volunteer
// self-defence units by any act in force."

import { api, ApiError } from './api.js';
import { clearCandidates, showCandidates } from './candidatelayer.js';
import { el, num, words } from './dom.js';
import { language, locale, t } from './i18n.js';
import { eligibilityWords, lawReasonWords } from './lawwords.js';
import { session } from './session.js';
import { timeElement } from './time.js';
import { AGENCY_KINDS } from './unitsymbols.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const READINESS = {
  0: () => t('readiness.0', 'any'),
  1: () => t('readiness.1', 'not ready'),
  2: () => t('readiness.2', 'limited'),
  3: () => t('readiness.3', 'ready'),
  4: () => t('readiness.4', 'fully ready'),
};

/** What a task's status means for its unit. */
const TASK_STATUS_WORDS = {
  open: () => t('task.status.open', 'open — no unit yet'),
  assigned: () => t('task.status.assigned', 'assigned — unit committed, to accept'),
  accepted: () => t('task.status.accepted', 'accepted — unit committed'),
  en_route: () => t('task.status.en_route', 'en route — unit committed'),
  on_scene: () => t('task.status.on_scene', 'on scene — unit committed'),
  completed: () => t('task.status.completed', 'completed — unit released'),
  cancelled: () => t('task.status.cancelled', 'cancelled'),
};

/** A task's status in words, with what it means for its unit. */
export function taskStatusWords(status) {
  return TASK_STATUS_WORDS[status]?.() ?? words(status);
}

/** The unit's reports on a task (task.respond), by the next status the server allows
 * (the task summary's `allowed_next`): [what to send, button label]. */
const RESPONSES = {
  accepted: ['accept', () => t('task.do.accept', 'Accept')],
  en_route: ['en_route', () => t('task.do.en_route', 'En route')],
  on_scene: ['on_scene', () => t('task.do.on_scene', 'On scene')],
  completed: ['released', () => t('task.do.release', 'Release')],
};

/** Steps that need a reason (the server refuses them without): decline (task.respond, an
 * assigned task back to open) and cancel (task.assign). */
const WITH_REASON = {
  decline: {
    label: () => t('task.decline', 'Decline'),
    question: () => t('task.declineWhy', 'Why does the unit decline the task?'),
    confirm: () => t('task.declineConfirm', 'Decline the task'),
    action: 'task.respond',
    done: () => t('task.declined', 'declined — open again, the unit is available'),
  },
  cancel: {
    label: () => t('task.cancel', 'Cancel task'),
    question: () => t('task.cancelWhy', 'Why is the task cancelled?'),
    confirm: () => t('task.cancelConfirm', 'Cancel the task'),
    action: 'task.assign',
    done: () => t('task.cancelled', 'cancelled — the unit is available'),
  },
};

/** Whether `what` (decline or cancel) is a step the server allows from the task's state:
 * decline takes an assigned task back to open; cancel ends any task not ended. */
function reasonAllowed(task, what) {
  const next = task.allowed_next ?? [];
  return what === 'decline' ? task.status === 'assigned' && next.includes('open') : next.includes('cancelled');
}

/** Agency-kind codes in an engine's reason, as words ("volunteer self-defence units"). */
function kindWords(text) {
  let out = String(text ?? '');
  for (const [code, kind] of Object.entries(AGENCY_KINDS)) {
    out = out.replace(new RegExp(`\\b${code}\\b`, 'g'), t('task.kindUnits', '{kind} units', { kind: t(`agencyKind.${code}`, kind.label).toLowerCase() }));
  }
  return out;
}

/** A reason about one power, without the power's code in front. */
function powerReason(power, text) {
  return kindWords(String(text ?? '').replace(new RegExp(`^${power}:\\s*`), '')).trim();
}

/**
 * A refused assignment in plain words. `problem` is the 409 unit-not-eligible body:
 * reasons [{code, message, subject, detail}] and missing_powers [{power, label, reasons}].
 */
export function refusalWords(unitName, err) {
  const p = err instanceof ApiError ? err.problem : null;
  if (!p || err.code !== 'unit-not-eligible') return err instanceof ApiError ? err.message : String(err);
  const coded = language() !== 'en';
  const parts = [];
  for (const m of p.missing_powers ?? []) {
    const why = coded && m.coded_reasons?.length
      ? m.coded_reasons.map((r) => lawReasonWords(m.power, r))
      : (m.reasons ?? []).map((r) => powerReason(m.power, r)).filter(Boolean);
    parts.push(`${t(`power.${m.power}`, m.label).toLowerCase()} — ${why.length ? why.join('; ') : t('task.notHeld', 'not held')}`);
  }
  for (const r of p.reasons ?? []) {
    if (r.code === 'missing_power') continue;
    parts.push((coded && eligibilityWords(r)) || kindWords(r.message));
  }
  return t('task.refused', '{unit} cannot be given this task: {why}.', { unit: unitName, why: parts.join('; ') || p.detail || t('task.notEligible', 'it is not eligible') });
}

/** The page's: `incident()` the incident on show, `onChanged()` read it again. */
let ctx = null;
const ui = {};
let powers = null;
const powerLabels = new Map();
let recsFor = null; // task id whose recommendations are on show
let recsSeq = 0;
let asking = null; // {task, what}

function askReason(task, what, button) {
  const step = WITH_REASON[what];
  asking = { task, what, button };
  ui.reasonForm.dataset.taskId = String(task.id);
  ui.reasonForm.dataset.what = what;
  ui.reasonLabel.textContent = t('task.reasonQuestion', '{question} (task "{title}")', { question: step.question(), title: task.title });
  ui.reasonSubmit.textContent = step.confirm();
  ui.reason.value = '';
  ui.reasonMessage.textContent = '';
  ui.reasonForm.hidden = false;
  ui.reason.focus();
}

function closeReason(refocus) {
  const was = asking;
  asking = null;
  ui.reasonForm.hidden = true;
  ui.reasonMessage.textContent = '';
  if (!refocus || !was) return;
  // the table may have been drawn again since: find the same button
  const back = was.button.isConnected ? was.button
    : ui.list.querySelector(`tr[data-task-id="${was.task.id}"] button[data-reasoned="${was.what}"]`);
  if (back) back.focus();
}

async function withReason(task, what) {
  const reason = ui.reason.value.trim();
  if (!reason) {
    ui.reasonMessage.textContent = t('task.reasonNeeded', 'A reason is needed: say why.');
    ui.reason.focus();
    return;
  }
  if (ui.reasonSubmit.getAttribute('aria-disabled') === 'true') return;
  ui.reasonSubmit.setAttribute('aria-disabled', 'true');
  ui.reasonMessage.textContent = '';
  try {
    const fresh = await api(`/tasks/${task.id}/${what}`, { method: 'POST', body: { reason } });
    closeReason(false);
    ui.taskMessage.textContent = t('task.done', 'Task "{title}": {status}.', { title: fresh.title, status: WITH_REASON[what].done() });
    ctx.onChanged();
  } catch (err) {
    ui.reasonMessage.textContent = err instanceof ApiError ? err.message : String(err);
  } finally {
    ui.reasonSubmit.removeAttribute('aria-disabled');
  }
}

/** An ineligibility reason in words: "Carry and use weapons: not granted to …". */
function reasonWords(x) {
  if (x.code === 'missing_power' && x.subject) {
    const label = t(`power.${x.subject}`, powerLabels.get(x.subject) ?? words(x.subject));
    const why = language() !== 'en' && x.coded_reasons?.length
      ? x.coded_reasons.map((r) => lawReasonWords(x.subject, r)).join('; ')
      : powerReason(x.subject, x.detail ?? x.message);
    return t('task.lacks', 'Lacks the power "{power}": {why}', { power: label, why });
  }
  return (language() !== 'en' && eligibilityWords(x)) || kindWords(x.message);
}

async function readPowers() {
  if (!powers) {
    powers = await api('/powers');
    for (const p of powers) powerLabels.set(p.power, p.label);
  }
  return powers;
}

async function loadPowers() {
  if (ui.powers.dataset.filled) return;
  try {
    await readPowers();
  } catch (err) {
    ui.powers.append(el('p', { class: 'form-error', text: err instanceof ApiError ? err.message : String(err) }));
    return;
  }
  ui.powers.dataset.filled = 'true';
  ui.powers.replaceChildren(el('legend', { text: t('task.powersNeeded', 'Powers the unit must hold') }), ...powers.map((p) => {
    const id = `task-power-${p.power}`;
    return el('div', { class: 'check' }, el('input', { type: 'checkbox', id, name: 'task-power', value: p.power }),
      el('label', { for: id, text: t(`power.${p.power}`, p.label) }));
  }));
}

/** Draw the incident's tasks. */
export function render(incident) {
  const tasks = incident.tasks;
  if (ui.lon && !ui.lon.value && !ui.lat.value) {
    ui.lon.placeholder = incident.reference_point.lon.toLocaleString(locale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 });
    ui.lat.placeholder = incident.reference_point.lat.toLocaleString(locale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  }
  if (!tasks.length) {
    ui.list.replaceChildren(el('p', { class: 'board-empty', text: t('task.none', 'No tasks yet.') }));
  } else {
    const body = el('tbody');
    for (const task of tasks) {
      const cells = [
        el('td', { class: 'task-title', text: task.title }),
        el('td', { class: 'task-priority', dataset: { priority: task.priority }, text: words(task.priority) }),
        el('td', { class: 'task-status', dataset: { status: task.status }, text: taskStatusWords(task.status) }),
        el('td', { class: 'task-unit', dataset: { unitStatus: task.unit_status ?? '' } },
          task.unit_name ?? '—', task.unit_status ? el('span', { class: 'task-unit-status', text: ` (${words(task.unit_status)})` }) : null),
      ];
      const next = new Set(task.allowed_next ?? []);
      const actions = el('td', { class: 'task-actions' });
      if (session.can('task.assign') && task.status === 'open') {
        const b = el('button', { type: 'button', class: 'button-quiet task-recommend', text: t('task.findUnits', 'Find units') });
        b.addEventListener('click', () => recommend(task.id, task.title, task.position));
        actions.append(b);
      }
      if (session.can('task.respond')) {
        for (const [status, [what, label]] of Object.entries(RESPONSES)) {
          if (!next.has(status)) continue;
          const b = el('button', { type: 'button', class: 'button-quiet task-respond', dataset: { respond: what }, text: label() });
          b.addEventListener('click', () => respond(task, what));
          actions.append(b);
        }
      }
      for (const what of Object.keys(WITH_REASON)) {
        if (!reasonAllowed(task, what) || !session.can(WITH_REASON[what].action)) continue;
        const b = el('button', { type: 'button', class: 'button-quiet task-reasoned', dataset: { reasoned: what }, text: WITH_REASON[what].label() });
        b.addEventListener('click', () => askReason(task, what, b));
        actions.append(b);
      }
      body.append(el('tr', { dataset: { taskId: String(task.id), status: task.status } }, ...cells, actions));
    }
    if (asking) {
      // the task asked about may have moved on (e.g. another user cancelled it)
      const still = tasks.find((x) => x.id === asking.task.id);
      if (!still || !reasonAllowed(still, asking.what)) closeReason(false);
    }
    ui.list.replaceChildren(el('div', { class: 'table-scroll' }, el('table', { class: 'units-table tasks-table', id: 'incident-tasks-table' },
      el('caption', { class: 'visually-hidden', text: t('task.caption', 'The incident\'s tasks') }),
      el('thead', {}, el('tr', {}, ...[t('task.col.task', 'Task'), t('task.col.priority', 'Priority'), t('task.col.status', 'Status'), t('task.col.unit', 'Unit'), ''].map((h) => el('th', { scope: 'col', text: h })))),
      body)));
  }
  if (recsFor != null) {
    const task = tasks.find((x) => x.id === recsFor);
    if (task) ui.recs.dataset.taskStatus = task.status;
  }
}

async function respond(task, what) {
  ui.taskMessage.textContent = '';
  try {
    const body = what === 'accept' ? { note: '' } : { status: what };
    const path = what === 'accept' ? `/tasks/${task.id}/accept` : `/tasks/${task.id}/status`;
    const fresh = await api(path, { method: 'POST', body });
    ui.taskMessage.textContent = t('task.done', 'Task "{title}": {status}.', { title: fresh.title, status: taskStatusWords(fresh.status) });
    ctx.onChanged();
  } catch (err) {
    ui.taskMessage.textContent = err instanceof ApiError ? err.message : String(err);
  }
}

async function createTask(event) {
  event.preventDefault();
  const incident = ctx.incident();
  if (!incident) return;
  const title = ui.title.value.trim();
  if (!title) {
    ui.createMessage.textContent = t('task.titleNeeded', 'Say what is to be done.');
    ui.title.focus();
    return;
  }
  const body = {
    title,
    required_powers: [...ui.powers.querySelectorAll('input:checked')].map((x) => x.value),
    required_capabilities: ui.capabilities.value.split(',').map((x) => x.trim().toLowerCase().replace(/\s+/g, '_')).filter(Boolean),
    minimum_readiness: Number(ui.readiness.value),
    priority: ui.priority.value,
  };
  if (ui.lon.value !== '' && ui.lat.value !== '') body.position = { lon: Number(ui.lon.value), lat: Number(ui.lat.value) };
  ui.createMessage.textContent = '';
  try {
    const task = await api(`/incidents/${incident.id}/tasks`, { method: 'POST', body });
    ui.title.value = '';
    for (const x of ui.powers.querySelectorAll('input:checked')) x.checked = false;
    ui.capabilities.value = '';
    ui.createMessage.textContent = t('task.created', 'Task "{title}" created.', { title: task.title });
    ctx.onChanged();
    if (session.can('task.assign')) recommend(task.id, task.title, task.position);
  } catch (err) {
    ui.createMessage.textContent = err instanceof ApiError ? err.message : String(err);
  }
}

async function recommend(taskId, title, position = null) {
  recsFor = taskId;
  const mine = ++recsSeq;
  ui.recs.hidden = false;
  ui.recs.dataset.taskId = String(taskId);
  ui.recs.setAttribute('aria-busy', 'true');
  ui.assignMessage.textContent = '';
  ui.recs.replaceChildren(el('h4', { text: unitsFor(title) }), el('p', { class: 'board-empty', text: t('task.asking', 'Asking the legal engine and the map…') }));
  try {
    const [r] = await Promise.all([api(`/tasks/${taskId}/recommendations?limit=20`), readPowers().catch(() => null)]);
    if (mine !== recsSeq) return;
    renderRecs(r, title);
    if (position) showCandidates(r, [position.lat, position.lon]);
  } catch (err) {
    if (mine !== recsSeq) return;
    ui.recs.replaceChildren(el('h4', { text: unitsFor(title) }), el('p', { class: 'form-error', text: err instanceof ApiError ? err.message : String(err) }));
  } finally {
    if (mine === recsSeq) ui.recs.removeAttribute('aria-busy');
  }
}

const unitsFor = (title) => t('task.unitsFor', 'Units for "{title}"', { title });

function unitCell(u) {
  return el('td', {}, el('strong', { text: u.name }), u.code !== u.name ? ` ${u.code}` : '', el('br'),
    el('span', { class: 'rec-agency', text: t('task.unitLine', '{agency} · {status} · readiness {n}', { agency: u.agency_name, status: words(u.status), n: u.readiness }) }));
}

/** One decimal place, the language's decimal sign. */
const decimal = (x) => Number(x).toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });

function renderRecs(r, title) {
  const close = el('button', { type: 'button', class: 'button-quiet', text: t('task.close', 'Close') });
  close.addEventListener('click', () => {
    recsFor = null;
    ui.recs.hidden = true;
    clearCandidates();
  });
  const parts = [el('div', { class: 'board-head' }, el('h4', { text: unitsFor(title) }), close),
    el('p', { class: 'legend-note recs-head-note' }, t('task.lawAt', 'Law as at '), timeElement(r.law_at), `; ${r.travel_model}; ${r.considered}.`),
    ui.assignMessage];
  parts.push(el('h5', { text: t('task.eligible', 'Eligible, fastest first ({n})', { n: num(r.eligible_count) }) }));
  if (r.beyond_eta_count) {
    const beyond = { n: num(r.beyond_eta_count), minutes: num(r.max_eta_minutes) };
    parts.push(el('p', { class: 'legend-note recs-cutoff', text: r.beyond_eta_count === 1
      ? t('task.beyondOne', '1 more unit is eligible but over {minutes} min away; not listed.', beyond)
      : t('task.beyondMany', '{n} more units are eligible but over {minutes} min away; not listed.', beyond) }));
  }
  parts.push(el('p', { class: 'legend-note', text: t('task.mapNote', 'On the map: each unit listed is ringed in blue with a line to the task (solid: the fastest); grey dashed rings are the units nearby that may not take it.') }));
  if (!r.ranked.length) {
    parts.push(el('p', { class: 'board-empty', text: t('task.noUnit', 'No unit may be given this task.') }));
  } else {
    const body = el('tbody');
    for (const x of r.ranked) {
      const b = el('button', { type: 'button', class: 'assign', text: t('task.assign', 'Assign') });
      b.addEventListener('click', () => assign(r.task_id, x.unit, b));
      body.append(el('tr', { class: 'rec-eligible', dataset: { unitId: String(x.unit.id) } },
        el('td', { class: 'num', text: String(x.rank) }), unitCell(x.unit),
        el('td', { class: 'num', text: t('task.minutes', '{n} min', { n: num(Math.round(x.eta_minutes)) }), title: t('task.kmFrom', '{km} km from its {from}', { km: decimal(x.distance_km), from: words(x.measured_from) }) }),
        el('td', {}, b)));
    }
    parts.push(el('div', { class: 'table-scroll' }, el('table', { class: 'units-table recs-table', id: 'task-recs-eligible' },
      el('thead', {}, el('tr', {}, ...['#', t('task.col.unit', 'Unit'), t('task.col.eta', 'ETA'), ''].map((h) => el('th', { scope: 'col', text: h })))), body)));
  }
  parts.push(el('h5', { text: t('task.ineligible', 'Not eligible, within {km} km ({n})', { km: num(r.ineligible_radius_km), n: num(r.ineligible_nearby_count) }) }));
  if (!r.ineligible_nearby.length) {
    parts.push(el('p', { class: 'board-empty', text: t('task.noneNearby', 'None nearby.') }));
  } else {
    const body = el('tbody');
    for (const n of r.ineligible_nearby) {
      const reasons = el('ul', { class: 'power-reasons' }, ...n.reasons.map((x) => el('li', { text: reasonWords(x) })));
      const b = el('button', { type: 'button', class: 'button-quiet assign-anyway', text: t('task.assignAnyway', 'Assign anyway') });
      b.title = t('task.assignAnywayTitle', 'The server will check the law again and refuse if the unit may not take this task');
      b.addEventListener('click', () => assign(r.task_id, n.unit, b));
      body.append(el('tr', { class: 'rec-ineligible', dataset: { unitId: String(n.unit.id) } },
        unitCell(n.unit), el('td', { class: 'num', text: t('unit.km', '{n} km', { n: decimal(n.distance_km) }) }), el('td', {}, reasons), el('td', {}, b)));
    }
    parts.push(el('div', { class: 'table-scroll' }, el('table', { class: 'units-table recs-table', id: 'task-recs-ineligible' },
      el('thead', {}, el('tr', {}, ...[t('task.col.unit', 'Unit'), t('incident.col.distance', 'Distance'), t('task.col.whyNot', 'Why not'), ''].map((h) => el('th', { scope: 'col', text: h })))), body)));
  }
  ui.recs.replaceChildren(...parts);
  ui.recs.scrollIntoView({ block: 'nearest' });
}

/** Put the assignment's message in a row right under the row whose button caused it, and
 * move the focus there: a refusal is seen where the officer is looking (issue 13), not at
 * the top of a long list. The server has recorded it on the incident's timeline. */
function showBesideRow(button) {
  const row = button.closest('tr');
  if (!row) return;
  ui.recs.querySelectorAll('tr.rec-message').forEach((r) => r.remove());
  const cells = row.children.length;
  const holder = el('tr', { class: 'rec-message' }, el('td', { colspan: String(cells) }, ui.assignMessage));
  row.after(holder);
  ui.assignMessage.tabIndex = -1;
  ui.assignMessage.focus();
}

/** Back to its place above the tables (a success, or a new list). */
function restoreMessage() {
  const holder = ui.assignMessage.closest('tr.rec-message');
  if (holder) {
    holder.remove();
    ui.recs.querySelector('.recs-head-note')?.after(ui.assignMessage);
  }
}

async function assign(taskId, unit, button) {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  restoreMessage();
  ui.assignMessage.textContent = '';
  ui.assignMessage.classList.remove('is-error');
  try {
    const task = await api(`/tasks/${taskId}/assign`, { method: 'POST', body: { unit_id: unit.id } });
    ui.assignMessage.textContent = t('task.given', '{unit} is given the task: {status}.', { unit: unit.name, status: taskStatusWords(task.status) });
    clearCandidates();
    ctx.onChanged();
  } catch (err) {
    ui.assignMessage.textContent = refusalWords(unit.name, err);
    ui.assignMessage.classList.add('is-error');
    showBesideRow(button);
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

/** Build the tasks' section; `incident()` is the incident on show, `onChanged()` asks
 * the page to read it again. */
export function install(context) {
  ctx = context;
  ui.section = el('section', { class: 'incident-tasks', id: 'incident-tasks', 'aria-labelledby': 'incident-tasks-h' },
    el('h3', { id: 'incident-tasks-h', text: t('task.title', 'Tasks') }));
  ui.list = el('div', { id: 'incident-task-list' });
  ui.taskMessage = el('p', { class: 'status-message', id: 'task-message', role: 'status' });
  // the reason asked for a decline or a cancel (one at a time, under the tasks)
  ui.reason = el('input', { id: 'task-reason', type: 'text', maxlength: '2000', autocomplete: 'off' });
  ui.reasonLabel = el('label', { for: 'task-reason' });
  ui.reasonSubmit = el('button', { type: 'submit', id: 'task-reason-submit', class: 'button-danger' });
  ui.reasonBack = el('button', { type: 'button', id: 'task-reason-back', class: 'button-quiet', text: t('task.back', 'Back') });
  ui.reasonMessage = el('p', { class: 'status-message', id: 'task-reason-message', role: 'alert' });
  ui.reasonForm = el('form', { class: 'status-form task-reason-form', id: 'task-reason-form' },
    el('div', {}, ui.reasonLabel, ui.reason), el('div', { class: 'task-row' }, ui.reasonSubmit, ui.reasonBack), ui.reasonMessage);
  ui.reasonForm.hidden = true;
  ui.reasonForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (asking) withReason(asking.task, asking.what);
  });
  ui.reasonBack.addEventListener('click', () => closeReason(true));
  ui.reasonForm.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      closeReason(true);
    }
  });
  ui.section.append(ui.list, ui.reasonForm, ui.taskMessage);
  if (session.can('task.create')) {
    ui.title = el('input', { id: 'task-title', type: 'text', maxlength: '200', autocomplete: 'off', required: true });
    ui.powers = el('fieldset', { class: 'task-powers', id: 'task-powers' }, el('legend', { text: t('task.powersNeeded', 'Powers the unit must hold') }));
    ui.capabilities = el('input', { id: 'task-capabilities', type: 'text', autocomplete: 'off', placeholder: t('task.capabilitiesExample', 'e.g. observation, medical') });
    ui.readiness = el('select', { id: 'task-readiness' }, ...Object.entries(READINESS).map(([v, label]) => el('option', { value: v, text: `${v} — ${label()}` })));
    ui.readiness.value = '3';
    ui.priority = el('select', { id: 'task-priority' }, ...PRIORITIES.map((p) => el('option', { value: p, text: words(p) })));
    ui.priority.value = 'normal';
    ui.lon = el('input', { id: 'task-lon', type: 'number', step: 'any', min: '-180', max: '180' });
    ui.lat = el('input', { id: 'task-lat', type: 'number', step: 'any', min: '-90', max: '90' });
    ui.createMessage = el('p', { class: 'status-message', id: 'task-create-message', role: 'status' });
    const form = el('form', { class: 'status-form task-form', id: 'task-form' },
      el('div', {}, el('label', { for: 'task-title', text: t('task.what', 'What is to be done') }), ui.title),
      ui.powers,
      el('div', {}, el('label', { for: 'task-capabilities', text: t('task.capabilities', 'Capabilities (comma-separated, optional)') }), ui.capabilities),
      el('div', { class: 'task-row' },
        el('div', {}, el('label', { for: 'task-priority', text: t('task.col.priority', 'Priority') }), ui.priority),
        el('div', {}, el('label', { for: 'task-readiness', text: t('task.minReadiness', 'Minimum readiness') }), ui.readiness)),
      el('fieldset', { class: 'task-where' }, el('legend', { text: t('task.where', 'Where (default: the incident\'s place)') }),
        el('div', {}, el('label', { for: 'task-lat', text: t('task.lat', 'Latitude') }), ui.lat),
        el('div', {}, el('label', { for: 'task-lon', text: t('task.lon', 'Longitude') }), ui.lon)),
      el('button', { type: 'submit', id: 'task-create', text: t('task.create', 'Create the task') }), ui.createMessage);
    form.addEventListener('submit', createTask);
    ui.form = el('details', { class: 'task-new', id: 'task-new' }, el('summary', { text: t('task.new', 'New task') }), form);
    ui.form.addEventListener('toggle', () => ui.form.open && loadPowers());
    ui.section.append(ui.form);
  }
  ui.recs = el('section', { class: 'task-recs', id: 'task-recs', 'aria-live': 'polite', tabindex: '-1' });
  ui.recs.hidden = true;
  ui.assignMessage = el('p', { class: 'status-message assign-message', id: 'task-assign-message', role: 'alert' });
  ui.section.append(ui.recs);
  return ui.section;
}

/** A new incident opened on the page: no reason asked, no recommendations, no messages. */
export function reset() {
  closeReason(false);
  recsFor = null;
  ui.recs.hidden = true;
  ui.recs.replaceChildren();
  ui.taskMessage.textContent = '';
  if (ui.createMessage) ui.createMessage.textContent = '';
  if (ui.lon) {
    ui.lon.value = '';
    ui.lat.value = '';
  }
}
