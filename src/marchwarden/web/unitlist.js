// The Units board's table (units.js is the board): a paged, sortable table of the units,
// filtered by region, agency, availability, a power held or name, with the powers each
// unit holds as chips, the counts by availability, and the key to the unit symbols. A row
// opens the unit (the board's `open`, given to `install`).

import { t } from './i18n.js';
import { api } from './api.js';
import { el, num } from './dom.js';
import { onEvent } from './events.js';
import { session } from './session.js';
import { selectedTab, whenShownOrPictured } from './tabs.js';
import { agencies, board, held, units } from './unitrecords.js';
import { AGENCY_KINDS, AVAILABILITY, kindOf, symbolSvg } from './unitsymbols.js';
import { formatHq } from './time.js';
import { regionWithCode } from './regions.js';

const PAGE_SIZE = 50;

/** Each unit's current task (unit id -> {title, incident_name, status}), from GET /tasks. */
export const currentTasks = new Map();
const WORKING = ['assigned', 'accepted', 'en_route', 'on_scene'];
let tasksTimer = null;

async function loadCurrentTasks() {
  if (!session.can('incident.read')) return;
  try {
    const list = await api(`/tasks?${WORKING.map((x) => `status=${x}`).join('&')}`);
    currentTasks.clear();
    for (const t of list) if (t.unit) currentTasks.set(t.unit.id, t);
    scheduleList();
  } catch (err) {
    console.warn('the current tasks could not be read', err);
  }
}

function scheduleTasks() {
  clearTimeout(tasksTimer);
  tasksTimer = setTimeout(loadCurrentTasks, 400);
}

/** "12m", "3h", "2d": how long a unit has been in its status (the words on hover). */
export function sinceWords(value, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - new Date(value).getTime()) / 60000));
  if (minutes < 60) return t('units.sinceM', '{n}m', { n: minutes });
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? t('units.sinceH', '{n}h', { n: hours }) : t('units.sinceD', '{n}d', { n: Math.floor(hours / 24) });
}

const LIST_REFRESH_MS = 300;

/** One-letter marks of the demo's powers for the status board (the words on hover and in
 * the key); any other power shows its code. */
const POWER_SHORT = {
  observe_report: 'O',
  patrol_unarmed: 'P',
  checkpoint: 'C',
  evacuation_assist: 'E',
  first_aid: 'A',
  detain: 'D',
  carry_weapons: 'W',
  armed_response: 'R',
};

const view = { region: '', agency: '', availability: '', power: '', text: '', sort: 'name', dir: 1, page: 0 };

let listTimer = null;
const ui = {};
/** What a row does: `open(id)` the unit. */
let hooks = { open: () => {} };

function matches(u) {
  if (view.region && u.region !== view.region) return false;
  if (view.agency && String(u.agency_id) !== view.agency) return false;
  if (view.availability && u.availability !== view.availability) return false;
  if (view.power && !(held.byUnit.get(u.id) ?? []).includes(view.power)) return false;
  if (view.text) {
    const t = view.text;
    if (!u.name.toLowerCase().includes(t) && !u.code.toLowerCase().includes(t)) return false;
  }
  return true;
}

// one collator for every comparison: localeCompare with options makes one per call, which
// was a fifth of a second of the first render with 5,000 units
const byName = new Intl.Collator('en', { numeric: true }).compare;

const SORTS = {
  name: (a, b) => byName(a.code, b.code),
  kind: (a, b) => kindOf(a.agency_kind).label.localeCompare(kindOf(b.agency_kind).label),
  region: (a, b) => a.region.localeCompare(b.region),
  status: (a, b) => a.status.localeCompare(b.status),
  readiness: (a, b) => (a.readiness ?? 0) - (b.readiness ?? 0),
  strength: (a, b) => (a.strength ?? -1) - (b.strength ?? -1),
  since: (a, b) => String(b.status_since ?? '').localeCompare(String(a.status_since ?? '')),
  task: (a, b) => (currentTasks.get(a.id)?.title ?? '\uffff').localeCompare(currentTasks.get(b.id)?.title ?? '\uffff'),
  powers: (a, b) => (held.byUnit.get(a.id)?.length ?? -1) - (held.byUnit.get(b.id)?.length ?? -1),
};

export function scheduleList() {
  if (listTimer || !board.loaded) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    if (selectedTab() === 'units' && !ui.list.hidden) renderList();
    else ui.stale = true;
    renderCounts();
  }, LIST_REFRESH_MS);
}

function renderCounts() {
  const by = { available: 0, committed: 0, unavailable: 0 };
  for (const u of units.values()) by[u.availability] = (by[u.availability] ?? 0) + 1;
  const n = units.size;
  ui.count.textContent = t('units.count', 'Units: {n} · {available} available · {committed} committed · {unavailable} unavailable', { n: num(n), available: num(by.available), committed: num(by.committed), unavailable: num(by.unavailable) });
}

function fillFilterOptions() {
  if (!ui.region) return;
  const regions = [...new Set([...units.values()].map((u) => u.region))].sort();
  const keep = (select, options) => {
    const current = select.value;
    select.replaceChildren(el('option', { value: '', text: t('units.all', 'All') }), ...options);
    select.value = [...select.options].some((o) => o.value === current) ? current : '';
  };
  keep(ui.region, regions.map((r) => el('option', { value: r, text: regionWithCode(r) })));
  const used = new Set([...units.values()].map((u) => u.agency_id));
  const list = [...agencies.values()].filter((a) => used.has(a.id)).sort((a, b) => a.name.localeCompare(b.name));
  keep(ui.agency, list.map((a) => el('option', { value: String(a.id), text: a.name })));
}

export function renderList() {
  ui.stale = false;
  const rows = [...units.values()].filter(matches);
  const compare = SORTS[view.sort] ?? SORTS.name;
  rows.sort((a, b) => view.dir * compare(a, b) || a.id - b.id);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  view.page = Math.min(view.page, pages - 1);
  const start = view.page * PAGE_SIZE;
  const shown = rows.slice(start, start + PAGE_SIZE);

  const focused = document.activeElement?.closest?.('tr[data-unit-id]')?.dataset.unitId;
  const body = el('tbody');
  for (const u of shown) body.append(row(u));
  ui.body.replaceWith(body);
  ui.body = body;
  if (focused) body.querySelector(`tr[data-unit-id="${focused}"] .unit-link`)?.focus();

  ui.empty.hidden = rows.length > 0;
  ui.empty.textContent = units.size ? t('units.noMatch', 'No unit matches these filters.') : t('units.noneYet', 'No units are registered yet.');
  ui.table.hidden = rows.length === 0;
  ui.pageInfo.textContent = rows.length
    ? t('units.page', '{from}–{to} of {n}', { from: start + 1, to: start + shown.length, n: num(rows.length) })
    : '';
  ui.prev.disabled = view.page === 0;
  ui.next.disabled = view.page >= pages - 1;
  ui.pager.hidden = rows.length <= PAGE_SIZE;
  for (const th of ui.table.querySelectorAll('th[data-sort]')) {
    th.setAttribute('aria-sort', th.dataset.sort === view.sort ? (view.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  renderCounts();
}

function row(u) {
  const kind = kindOf(u.agency_kind);
  const link = el('button', { type: 'button', class: 'unit-link', title: t('units.linkTitle', '{name} ({code}), {kind}, {region}: show on the map and open', { name: u.name, code: u.code, kind: t(`agencyKind.${u.agency_kind}`, kind.label), region: regionWithCode(u.region) }) },
    symbolSvg(u.agency_kind, u.availability, 16), el('span', { text: u.code }));
  const label = t(`code.${u.status}`, u.status_label);
  const status = el('td', { class: 'unit-status', text: label, title: `${label} — ${t(`code.${u.availability}`, u.availability)}` });
  status.dataset.availability = u.availability;
  const since = el('td', { class: 'num unit-since', text: u.status_since ? sinceWords(u.status_since) : '—',
    title: u.status_since ? t('units.inStatusSince', 'in this status since {at}', { at: formatHq(u.status_since) }) : '' });
  const task = currentTasks.get(u.id);
  const taskCell = el('td', { class: 'unit-task-cell', title: task ? `${task.title} — ${task.incident_name} (${String(task.status).replace(/_/g, ' ')})` : '' },
    task ? task.title : '');
  const powers = powersOf(u);
  return el('tr', { dataset: { unitId: String(u.id), availability: u.availability } },
    // the callsign first, the unit's name after it on the same line (cut short: in full
    // on hover and in the unit's detail), so that a unit is one line of the board
    el('td', { class: 'unit-name' }, link, u.code !== u.name ? el('span', { class: 'unit-fullname', text: u.name }) : null),
    status,
    since,
    taskCell,
    el('td', { class: 'num', title: u.readiness ? t('units.readiness', 'readiness {n} of 4: {label}', { n: u.readiness, label: u.readiness_label }) : '' },
      u.readiness ? `${u.readiness}/4` : '—',
      u.readiness ? el('span', { class: 'visually-hidden', text: ` ${u.readiness_label}` }) : null),
    powers.cell,
  );
}

/** The powers a unit holds as small chips (under its name) and their count (a column). */
function powersOf(u) {
  const codes = held.byUnit.get(u.id);
  if (!codes) return { chips: null, cell: el('td', { class: 'unit-powers-count', text: held.loaded ? '—' : '…' }) };
  const words = codes.map((c) => t(`power.${c}`, held.labels.get(c) ?? c));
  const title = codes.length ? t('units.holds', 'Holds under the law in force: {powers}', { powers: words.join('; ') }) : t('units.holdsNone', 'Holds no power under the law in force');
  const chips = codes.length
    ? el('div', { class: 'unit-power-chips', title },
      ...codes.map((c) => el('span', { class: 'power-chip', dataset: { power: c }, text: POWER_SHORT[c] ?? c })),
      el('span', { class: 'visually-hidden', text: t('units.holdsShort', ' holds {powers}', { powers: words.join(', ') }) }))
    : null;
  return { chips, cell: el('td', { class: 'unit-powers-count', title }, chips ?? '—') };
}

export async function loadPowerLabels() {
  try {
    for (const p of await api('/powers')) held.labels.set(p.power, p.label);
  } catch (err) {
    console.warn('the power catalogue could not be read', err);
  }
  if (ui.power) {
    ui.power.append(...[...held.labels].map(([code, label]) => el('option', { value: code, text: label })));
  }
}

function buildKey() {
  const key = el('details', { class: 'units-key' }, el('summary', { text: t('units.key', 'Key to the unit symbols') }));
  const kinds = el('dl', { class: 'legend' });
  for (const [code, k] of Object.entries(AGENCY_KINDS)) {
    kinds.append(el('dt', {}, symbolSvg(code, 'available', 20), t(`agencyKind.${code}`, k.label)), el('dd', { text: k.words }));
  }
  const colours = el('dl', { class: 'legend' });
  for (const [code, a] of Object.entries(AVAILABILITY)) {
    colours.append(el('dt', {}, symbolSvg('police', code, 20), t(`availability.${code}`, a.label)), el('dd', { text: t(`availability.${code}.words`, a.words) }));
  }
  key.append(el('p', { class: 'legend-note', text: t('units.keyShape', 'Shape and letter: the agency.') }), kinds,
    el('p', { class: 'legend-note', text: t('units.keyColour', 'Colour and fill: availability.') }), colours,
    el('p', { class: 'legend-note', text: t('units.keyWhere', 'A unit is drawn where it last reported its position, or else at its home base. The chosen unit has a dark dashed ring.') }));
  return key;
}

function select(label, id) {
  const s = el('select', { id });
  return [s, el('label', { for: id, text: label }), s];
}

/** A unit's region or agency not offered by the filters yet: offer them again. */
export function offerFiltersFor(u) {
  const offered = (select, value) => select && [...select.options].some((o) => o.value === value);
  if (!offered(ui.region, u.region) || !offered(ui.agency, String(u.agency_id))) fillFilterOptions();
}

/** The units are in (or the agencies changed): the filters, and the table drawn again —
 * now if the board is shown, else when its tab is (a table of 5,000 units built behind
 * another tab was on the first render's path, before the map's first frame of them). */
export function unitsLoaded() {
  ui.message.hidden = true;
  fillFilterOptions();
  if (selectedTab() === 'units' && !ui.list.hidden) renderList();
  else {
    ui.stale = true;
    renderCounts();
  }
}

/** An agency was made: the agency filter offers it. */
export function agenciesChanged() {
  fillFilterOptions();
}

/** Where the board says the units could not be read (showLoadFailure). */
export function messageBox() {
  return ui.message;
}

/** Show or hide the table (the detail takes its place). */
export function showList(shown) {
  ui.list.hidden = !shown;
}

/** Focus a unit's row, or the search field when it is not on this page. */
export function focusRow(id) {
  const back = ui.body.querySelector(`tr[data-unit-id="${id}"] .unit-link`);
  (back ?? ui.search).focus();
}

/** The tab is shown again: the table, if changes came while it was hidden. */
export function onTabShown() {
  if (ui.stale && !ui.list.hidden) renderList();
}

/** Build the table; `open(id)` opens a unit (its detail and the map). */
export function install({ open }) {
  hooks = { open };
  whenShownOrPictured('units').then(loadCurrentTasks);
  for (const type of ['TaskAssigned', 'TaskStatusChanged']) onEvent(type, scheduleTasks);
  ui.count = el('span', { class: 'board-count', id: 'units-count', text: t('common.loading', 'loading…') });
  const [region, regionLabel] = select(t('sitrep.col.region', 'Region'), 'units-region');
  const [agency, agencyLabel] = select(t('sitrep.col.agency', 'Agency'), 'units-agency');
  const [availability, availabilityLabel] = select(t('units.availability', 'Availability'), 'units-availability');
  availability.append(el('option', { value: '', text: t('units.all', 'All') }),
    ...Object.keys(AVAILABILITY).map((a) => el('option', { value: a, text: t(`availability.${a}`, a) })));
  const [power, powerLabel] = select(t('units.holdsPower', 'Holds power'), 'units-power');
  power.append(el('option', { value: '', text: t('units.any', 'Any') }));
  const search = el('input', { id: 'units-search', type: 'search', placeholder: t('units.searchHint', 'name or code'), autocomplete: 'off' });
  Object.assign(ui, { region, agency, availability, power, search });
  const filters = el('div', { class: 'unit-filters', role: 'search', 'aria-label': t('units.filter', 'Filter the units') },
    el('div', {}, regionLabel, region), el('div', {}, agencyLabel, agency),
    el('div', {}, availabilityLabel, availability),
    ...(session.can('authority.evaluate') ? [el('div', {}, powerLabel, power)] : []),
    el('div', {}, el('label', { for: 'units-search', text: t('events.find', 'Find') }), search));
  for (const [control, key] of [[region, 'region'], [agency, 'agency'], [availability, 'availability'], [power, 'power']]) {
    control.addEventListener('change', () => { view[key] = control.value; view.page = 0; renderList(); });
  }
  search.addEventListener('input', () => { view.text = search.value.trim().toLowerCase(); view.page = 0; renderList(); });

  const head = el('tr');
  for (const [key, label, cls] of [['name', 'Unit'], ['status', 'Status'], ['since', 'For', 'num'], ['task', 'Task'], ['readiness', 'Ready', 'num'], ['powers', 'Powers']]) {
    const button = el('button', { type: 'button', class: 'sort', text: t(`units.col.${key}`, label), title: t('units.sortBy', 'Sort by {what}', { what: t(`units.col.${key}`, label) }) });
    button.addEventListener('click', () => {
      view.dir = view.sort === key ? -view.dir : 1;
      view.sort = key;
      renderList();
    });
    head.append(el('th', { scope: 'col', class: cls ?? '', dataset: { sort: key }, 'aria-sort': 'none' }, button));
  }
  ui.body = el('tbody');
  ui.table = el('table', { class: 'units-table', id: 'units-table' },
    el('caption', { class: 'visually-hidden', text: t('units.caption', 'Units: choose one to see it on the map and its details') }),
    el('thead', {}, head), ui.body);
  ui.table.addEventListener('click', (event) => {
    const tr = event.target.closest('tr[data-unit-id]');
    if (tr && !event.target.closest('th')) hooks.open(Number(tr.dataset.unitId));
  });
  ui.empty = el('p', { class: 'board-empty', text: t('units.loading', 'Loading the units…') });
  ui.prev = el('button', { type: 'button', class: 'button-quiet', text: t('common.previous', '‹ Previous') });
  ui.next = el('button', { type: 'button', class: 'button-quiet', text: t('common.next', 'Next ›') });
  ui.pageInfo = el('span', { class: 'page-info', 'aria-live': 'polite' });
  ui.pager = el('div', { class: 'pager' }, ui.prev, ui.pageInfo, ui.next);
  ui.prev.addEventListener('click', () => { view.page -= 1; renderList(); });
  ui.next.addEventListener('click', () => { view.page += 1; renderList(); });
  ui.message = el('p', { class: 'form-error', role: 'alert' });
  ui.message.hidden = true;
  ui.list = el('div', { class: 'units-list' },
    el('div', { class: 'board-head' }, el('h2', { text: t('tab.units', 'Units') }), ui.count),
    filters, ui.message, ui.empty, el('div', { class: 'table-scroll' }, ui.table), ui.pager, buildKey());

  return ui.list;
}
