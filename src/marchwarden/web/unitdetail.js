// The Units board's detail (units.js is the board): one unit's facts, its powers under
// the law in force (optionally with proposed acts) with the act and clause of each power
// held and the reasons for the others, its members and each member's powers, and — for a
// role with unit.status — the status control offering the changes core/forces/status.py
// allows; for a role with task.assign, the GeoChat panel to the unit's TAK devices
// (takchat.js).

import { locale, t as tr } from './i18n.js';
import { api } from './api.js';
import { el, num, words } from './dom.js';
import { onEvent } from './events.js';
import { session } from './session.js';
import { timeElement } from './time.js';
import { ALLOWED_NEXT, STATUS_AVAILABILITY, agencies, statusPhrase, statusWords, units } from './unitrecords.js';
import { focusRow, renderList, showList } from './unitlist.js';
import { kindOf, symbolSvg } from './unitsymbols.js';
import { chatBox, chatFor } from './takchat.js';
import { conditionWords, countWords, heldWords, reasonWords } from './lawwords.js';
import { regionWithCode } from './regions.js';

export { conditionWords, countWords, reasonWords };

const ui = {};
/** The board's: `closed()` the detail was closed, `statusChanged(u)` a unit's status was set here. */
let hooks = { closed: () => {}, statusChanged: () => {} };

let detailSeq = 0;

/** A latitude or longitude to four places, the language's decimal sign. */
function coordinate(x) {
  return x.toLocaleString(locale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 });
}

function fact(term, ...value) {
  return [el('dt', { text: term }), el('dd', {}, ...value)];
}

export function refreshDetailFacts(u) {
  if (!u || ui.detailUnit !== u.id) return;
  const agency = agencies.get(u.agency_id);
  const title = ui.detailTitle;
  title.replaceChildren(symbolSvg(u.agency_kind, u.availability, 22), el('span', { text: u.name }));
  const at = (p) => ({ lat: coordinate(p.lat), lon: coordinate(p.lon) });
  const facts = [
    ...fact(tr('unit.fact.code', 'Code'), u.code),
    ...fact(tr('unit.fact.agency', 'Agency'), `${agency ? agency.name : tr('unit.agencyNumbered', 'agency {id}', { id: u.agency_id })} (${tr(`agencyKind.${u.agency_kind}`, kindOf(u.agency_kind).label)})`),
    ...fact(tr('unit.fact.region', 'Region'), regionWithCode(u.region)),
    ...fact(tr('unit.fact.category', 'Category'), u.category),
    ...fact(tr('unit.fact.status', 'Status'), el('span', { class: 'unit-detail-status', text: statusPhrase(u) }),
      u.status_since ? el('span', { class: 'since', text: tr('unit.since', ' since ') }) : null,
      u.status_since ? timeElement(u.status_since) : null),
    ...fact(tr('unit.fact.readiness', 'Readiness'), u.readiness
      ? tr('unit.readinessOf', '{label} ({n} of 4)', { label: tr(`readiness.${u.readiness}`, u.readiness_label), n: u.readiness })
      : '—'),
    ...fact(tr('unit.fact.strength', 'Strength'), u.strength == null ? tr('unit.notKnown', 'not known')
      : `${num(u.strength)}${u.registered_members ? tr('unit.registered', ' ({n} registered)', { n: num(u.registered_members) }) : ''}`),
    ...fact(tr('unit.fact.position', 'Position'), u.position
      ? `${coordinate(u.position.lat)}, ${coordinate(u.position.lon)}`
      : tr('unit.homeBase', 'home base {lat}, {lon}', at(u.home)),
    u.position_at ? el('span', { class: 'since', text: tr('unit.at', ' at ') }) : null, u.position_at ? timeElement(u.position_at) : null),
  ];
  if (u.capabilities && u.capabilities.length) facts.push(...fact(tr('unit.fact.capabilities', 'Capabilities'), u.capabilities.join(', ').replace(/_/g, ' ')));
  ui.facts.replaceChildren(...facts);
  ui.detail.dataset.status = u.status;
  if (ui.taskFor !== `${u.id}:${u.status}`) {
    ui.taskFor = `${u.id}:${u.status}`;
    loadTask(u.id);
  }
  if (ui.statusSelect && ui.statusFor !== `${u.id}:${u.status}`) {
    ui.statusFor = `${u.id}:${u.status}`;
    ui.statusSelect.replaceChildren(
      ...(ALLOWED_NEXT[u.status] ?? []).map((s) => el('option', { value: s, text: statusPhrase({ status: s, status_label: statusWords(s), availability: STATUS_AVAILABILITY[s] }) })),
    );
  }
}

export function openDetail(u) {
  ui.detailUnit = u.id;
  ui.statusFor = null;
  ui.taskFor = null;
  showList(false);
  ui.detail.hidden = false;
  ui.detail.dataset.unitId = String(u.id);
  if (ui.statusMessage) ui.statusMessage.textContent = '';
  if (ui.statusNote) ui.statusNote.value = '';
  refreshDetailFacts(u);
  ui.detailTitle.focus();
  loadPowers(u.id);
  loadMembers(u.id);
  chatFor(u.id);
}

function closeDetail() {
  const id = ui.detailUnit;
  ui.detailUnit = null;
  ui.detail.hidden = true;
  showList(true);
  hooks.closed();
  renderList();
  focusRow(id);
}

function proposedChosen() {
  return [...ui.detail.querySelectorAll('.powers-with input:checked')].map((i) => i.value);
}

function powerList(result) {
  const list = el('ul', { class: 'power-list' });
  for (const p of result.powers) {
    const lines = p.held ? heldWords(p) : p.reasons ? p.reasons.map(reasonWords) : p.missing.map(countWords);
    const reasons = el('ul', { class: 'power-reasons' }, ...lines.map((text) => el('li', { text })));
    const item = el('li', { class: `power ${p.held ? 'power-held' : 'power-missing'}`, dataset: { power: p.power } },
      el('span', { class: 'power-mark', text: p.held ? tr('unit.held', '✓ held') : tr('unit.notHeld', '✗ not held') }), ' ',
      el('span', { class: 'power-label', text: tr(`power.${p.power}`, p.label) }), ' ',
      el('code', { class: 'power-code', text: p.power }),
      reasons);
    list.append(item);
  }
  return list;
}

export async function loadPowers(id) {
  if (!session.can('authority.evaluate')) {
    ui.powers.replaceChildren(el('p', { class: 'board-empty', text: tr('unit.noPowersRole', 'Your role does not include the powers of units.') }));
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
    const law = result.acts.length ? tr('unit.underActs', 'under {acts}', { acts: result.acts.join(', ') }) : tr('unit.underNoAct', 'under no act');
    const proposed = result.with_proposed.length ? tr('unit.withProposed', ' (with proposed {acts})', { acts: result.with_proposed.join(', ') }) : '';
    ui.powers.replaceChildren(
      el('p', { class: 'power-summary' },
        tr('unit.powersHeld', '{held} of {n} powers held {law}{proposed}, at ', { held: num(held), n: num(result.powers.length), law, proposed }),
        timeElement(result.at), '.'),
      powerList(result),
    );
  } catch (err) {
    if (seq === detailSeq) ui.powers.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: err.message }));
  } finally {
    if (seq === detailSeq) ui.powers.removeAttribute('aria-busy');
  }
}

/** Offer the proposed acts, to read a unit's powers as if they were in force. */
export async function fillProposed() {
  if (!session.can('law.read')) return;
  try {
    const acts = await api('/acts');
    const proposed = acts.filter((a) => a.status === 'proposed');
    const box = ui.detail.querySelector('.powers-with');
    const chosen = new Set(proposedChosen());
    box.replaceChildren(...(proposed.length ? [el('span', { class: 'powers-with-label', text: tr('unit.addProposed', 'Add proposed acts:') })] : []),
      ...proposed.map((a) => {
        const input = el('input', { type: 'checkbox', value: a.reference, checked: chosen.has(a.reference) });
        input.addEventListener('change', () => ui.detailUnit != null && loadPowers(ui.detailUnit));
        return el('label', { title: a.title }, input, ` ${a.reference}`);
      }));
  } catch (err) {
    console.warn('acts could not be read', err);
  }
}

const WORKING = ['assigned', 'accepted', 'en_route', 'on_scene'];

/** The unit's current task (the one it is committed to), with its incident: a button that
 * opens the incident. */
async function loadTask(id) {
  ui.task.replaceChildren();
  if (!session.can('incident.read')) return;
  try {
    const tasks = await api(`/tasks?unit_id=${id}&${WORKING.map((s) => `status=${s}`).join('&')}`);
    if (ui.detailUnit !== id) return;
    if (!tasks.length) {
      ui.task.append(el('p', { class: 'board-empty', text: tr('unit.noTask', 'No task now.') }));
      return;
    }
    for (const task of tasks) {
      const open = el('button', { type: 'button', class: 'member-link', text: task.incident_name });
      open.addEventListener('click', () => window.dispatchEvent(new CustomEvent('marchwarden:open-incident', { detail: { id: task.incident_id } })));
      ui.task.append(el('p', { class: 'unit-task-line', dataset: { taskId: String(task.id) } },
        el('strong', { text: task.title }), tr('unit.taskSince', ' — {status} since ', { status: words(task.status) }), timeElement(task.status_since),
        tr('unit.taskIncident', '; incident '), open));
    }
  } catch (err) {
    if (ui.detailUnit === id) ui.task.append(el('p', { class: 'form-error', text: err.message }));
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
      ui.members.append(el('p', { class: 'board-empty', text: unit?.declared_strength
        ? tr('unit.declaredOnly', 'No members registered by name. The unit declares a strength of {n}; the member counts under Powers are those declared members, who hold only powers granted without conditions.', { n: num(unit.declared_strength) })
        : tr('unit.noMembers', 'No members registered by name, and no strength declared.') }));
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
      el('p', { class: 'board-count', text: members.length === 100
        ? tr('unit.membersFirst', 'The first 100 members, sub-units included. Choose one for their powers.')
        : members.length === 1
          ? tr('unit.membersOne', '1 member, sub-units included. Choose one for their powers.')
          : tr('unit.membersMany', '{n} members, sub-units included. Choose one for their powers.', { n: num(members.length) }) }),
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
  box.replaceChildren(el('p', { class: 'board-empty', text: tr('unit.readingLaw', 'Reading the law…') }));
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
      hooks.statusChanged(u);
    }
    ui.statusNote.value = '';
    ui.statusMessage.textContent = tr('unit.statusChanged', 'Status changed to {status}.', { status: statusWords(status) });
  } catch (err) {
    ui.statusMessage.textContent = err.message;
  } finally {
    ui.statusButton.removeAttribute('aria-disabled');
  }
}

/** The unit whose detail is open (null: none). */
export function openId() {
  return ui.detailUnit ?? null;
}

/** The law changed (an act, its status, an activation order): the open unit's powers are
 * read again if the change concerns it. */
export function lawChanged(event) {
  if (ui.detailUnit == null) return;
  const u = units.get(ui.detailUnit);
  const concerns = event.type !== 'ActivationOrderIssued' || (u && u.path.startsWith(event.data?.path));
  if (concerns) loadPowers(ui.detailUnit);
}

/** Build the detail (hidden until a unit is opened); `closed()` and `statusChanged(u)`
 * are the board's. */
export function install({ closed, statusChanged }) {
  hooks = { closed, statusChanged };
  const back = el('button', { type: 'button', class: 'button-quiet back', text: tr('unit.back', '‹ All units') });
  back.addEventListener('click', closeDetail);
  ui.detailTitle = el('h2', { id: 'unit-detail-title', tabindex: '-1', class: 'unit-detail-title' });
  ui.facts = el('dl', { class: 'unit-facts' });
  ui.powers = el('div', { class: 'unit-powers', 'aria-live': 'polite' });
  ui.members = el('div', { class: 'unit-members' });
  ui.task = el('div', { class: 'unit-task', id: 'unit-current-task' });
  ui.detail = el('section', { class: 'unit-detail', id: 'unit-detail', 'aria-labelledby': 'unit-detail-title' },
    back, ui.detailTitle, ui.facts, el('h3', { text: tr('unit.currentTask', 'Current task') }), ui.task);
  if (session.can('unit.status')) {
    ui.statusSelect = el('select', { id: 'unit-status-next' });
    ui.statusNote = el('input', { id: 'unit-status-note', type: 'text', maxlength: '500', autocomplete: 'off' });
    ui.statusButton = el('button', { type: 'submit', id: 'unit-status-submit', text: tr('unit.changeStatus', 'Change status') });
    ui.statusMessage = el('p', { class: 'status-message', role: 'status', id: 'unit-status-message' });
    const form = el('form', { class: 'status-form', id: 'unit-status-form' },
      el('h3', { text: tr('unit.changeStatus', 'Change status') }),
      el('div', {}, el('label', { for: 'unit-status-next', text: tr('unit.newStatus', 'New status') }), ui.statusSelect),
      el('div', {}, el('label', { for: 'unit-status-note', text: tr('unit.note', 'Note (optional)') }), ui.statusNote),
      ui.statusButton, ui.statusMessage);
    form.addEventListener('submit', submitStatus);
    ui.detail.append(form);
  }
  const chat = chatBox();
  if (chat) ui.detail.append(chat);
  ui.detail.append(
    el('h3', { text: tr('field.powers', 'Powers') }),
    el('div', { class: 'powers-with' }),
    ui.powers,
    el('h3', { text: tr('whatif.members', 'Members') }),
    ui.members,
  );
  ui.detail.hidden = true;
  ui.detail.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeDetail();
  });
  onEvent('LegalActStatusChanged', () => fillProposed());
  onEvent('LegalActRecorded', () => fillProposed());
  return ui.detail;
}
