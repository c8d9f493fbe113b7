// The Reports board's queue (reports.js is the board): the pending reports as cards,
// ordered and filtered, with their claim and correlation hints, and the keyboard's way
// through them (arrow keys, Home, End). A card opens the report's detail (reportdetail.js)
// or claims it, through the handlers the board gives `install`.

import { el, num } from './dom.js';
import { t } from './i18n.js';
import {
  canTriage, claimState, claimWords, queue, ratingWords, reports, sourceLabel, typeLabel, SOURCE_KINDS,
} from './reportrecords.js';
import { styleMarker } from './reportlayer.js';
import { reportSymbolElement as symbolElement } from './reportsymbol.js';
import { selectedTab, setAttention } from './tabs.js';
import { timeElement } from './time.js';
import { regionName } from './regions.js';

const LIST_REFRESH_MS = 150;

const SORTS = {
  newest: {
    label: () => t('reports.sort.newest', 'Newest observed first'),
    compare: (a, b) => Date.parse(b.observed_at) - Date.parse(a.observed_at) || b.id - a.id,
  },
  reliable: {
    label: () => t('reports.sort.reliable', 'Most reliable first'),
    // the source's reliability (A best), then the information's credibility (1 best)
    compare: (a, b) => a.rating.charCodeAt(0) - b.rating.charCodeAt(0)
      || Number(a.rating.charAt(1)) - Number(b.rating.charAt(1))
      || Date.parse(b.observed_at) - Date.parse(a.observed_at) || b.id - a.id,
  },
  waiting: {
    label: () => t('reports.sort.waiting', 'Waiting longest first'),
    compare: (a, b) => Date.parse(a.received_at) - Date.parse(b.received_at) || a.id - b.id,
  },
};

const view = { sort: 'newest', claim: '', source: '' };

let listTimer = null;
const ui = {};
/** What a card does: `open(id)` its detail, `claim(id, {open: true})` it. */
let hooks = { open: () => {}, claim: () => {} };

function matches(r) {
  if (view.source && r.source_kind !== view.source) return false;
  if (view.claim) {
    const state = claimState(r);
    if (view.claim === 'free' && state !== 'none') return false;
    if (view.claim === 'mine' && state !== 'mine') return false;
  }
  return true;
}

export function scheduleList() {
  renderCounts();
  if (listTimer || !queue.loaded) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    if (selectedTab() === 'reports' && !ui.list.hidden) renderList();
    else ui.stale = true;
  }, LIST_REFRESH_MS);
}

export function renderCounts() {
  const n = reports.size;
  let free = 0;
  let mine = 0;
  for (const r of reports.values()) {
    const s = claimState(r);
    if (s === 'none') free += 1;
    else if (s === 'mine') mine += 1;
  }
  ui.count.textContent = queue.loaded
    ? t('reports.count', '{n} waiting · {free} not claimed', { n: num(n), free: num(free) }) + (mine ? t('reports.countMine', ' · {n} claimed by you', { n: num(mine) }) : '')
    : t('common.loading', 'loading…');
  // what waits in my queue: it stays while it waits (notify.js totals it in the title)
  setAttention('reports', n);
}

function rowOf(r) {
  const li = el('li', { class: 'report-card', dataset: { reportId: String(r.id), claim: claimState(r) } });
  fillRow(li, r);
  return li;
}

export function fillRow(li, r) {
  li.dataset.claim = claimState(r);
  li.dataset.partial = r._partial ? 'true' : 'false';
  const open = el('button', {
    type: 'button', class: 'report-open', dataset: { role: 'open' },
    'aria-label': t('reports.cardLabel', 'Report {id}: {type}, {source}, rated {rating}. {claim}', { id: r.id, type: typeLabel(r), source: sourceLabel(r.source_kind), rating: ratingWords(r.rating), claim: claimWords(r) }),
  }, el('span', { class: 'report-type', text: typeLabel(r) }), el('span', { class: 'report-id', text: ` #${r.id}` }));
  const head = el('div', { class: 'report-head' },
    symbolElement(18), open,
    el('span', { class: 'report-rating', title: r.rating_meaning || ratingWords(r.rating), text: r.rating }));
  const meta = el('p', { class: 'report-meta' },
    el('span', { class: 'report-source', text: sourceLabel(r.source_kind) }), t('reports.observed', ' · observed '),
    timeElement(r.observed_at), r.region ? ` · ${regionName(r.region)}` : '');
  const rating = el('p', { class: 'report-rating-words', text: ratingWords(r.rating) });
  const text = el('p', { class: 'report-text', text: r._partial ? t('reports.reading', 'Reading the report…') : r.text || t('reports.noText', '(no text)') });
  const claimLine = el('p', { class: 'report-claim', dataset: { claim: claimState(r) }, text: claimWords(r) });
  const hints = [];
  const s = r.suggestions ?? {};
  if ((s.matches ?? []).length) {
    const names = s.matches.slice(0, 2).map((m) => m.incident_name).join(', ');
    hints.push(t('reports.mayBelong', 'May belong to {names}', { names }) + (s.matches.length > 2 ? t('incidents.andMore', ' and {n} more', { n: s.matches.length - 2 }) : ''));
  }
  if ((s.duplicates ?? []).length) hints.push(t('reports.duplicate', 'Likely duplicate of report {ids}', { ids: s.duplicates.map((d) => `#${d.report_id}`).join(', ') }));
  const children = [head, meta, rating, text, claimLine];
  if (hints.length) children.push(el('p', { class: 'report-hints', text: hints.join(' · ') }));
  if (canTriage() && claimState(r) === 'none') {
    const claimButton = el('button', { type: 'button', class: 'button-quiet report-claim-button', dataset: { role: 'claim' }, text: t('reports.claim', 'Claim'), 'aria-label': t('reports.claimLabel', 'Claim report {id}', { id: r.id }) });
    claimButton.addEventListener('click', (event) => {
      event.stopPropagation();
      hooks.claim(r.id, { open: true });
    });
    children.push(el('div', { class: 'report-card-actions' }, claimButton));
  }
  li.replaceChildren(...children);
  li.classList.toggle('is-selected', queue.selectedId === r.id);
  if (queue.selectedId === r.id) li.setAttribute('aria-current', 'true');
  else li.removeAttribute('aria-current');
}

export function renderList() {
  ui.stale = false;
  if (!queue.loaded) return;
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
  ui.empty.textContent = reports.size ? t('reports.noMatch', 'No waiting report matches the filter.') : t('reports.noneWaiting', 'No reports are waiting.');
  ui.sortNote.textContent = t('reports.sortNote', '{n} shown, {order}.', { n: num(shown.length), order: SORTS[view.sort].label().toLowerCase() });
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

/** Choose a report on the list and the map (null: none). */
export function select(id) {
  const before = queue.selectedId;
  queue.selectedId = id;
  if (before != null) styleMarker(before);
  if (id != null) styleMarker(id);
  for (const li of ui.listBox.querySelectorAll('.report-card')) {
    const on = Number(li.dataset.reportId) === id;
    li.classList.toggle('is-selected', on);
    if (on) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  }
}

export function showListMessage(text, kind = 'alert') {
  ui.listMessage.textContent = text;
  ui.listMessage.dataset.kind = kind;
  ui.listMessage.hidden = !text;
}

function control(label, id, options, value) {
  const s = el('select', { id });
  for (const [v, text] of options) s.append(el('option', { value: v, text, selected: v === value }));
  return [el('div', {}, el('label', { for: id, text: label }), s), s];
}

/** The queue is in: say so where it was loading, and draw it. */
export function queueLoaded() {
  ui.empty.textContent = t('reports.noneWaiting', 'No reports are waiting.');
  renderList();
}

/** Where the board says the queue could not be read (showLoadFailure). */
export function messageBox() {
  return ui.message;
}

/** Show or hide the list (the detail takes its place). */
export function showList(shown) {
  ui.list.hidden = !shown;
}

/** Focus a report's card, or the order control when it is no longer listed. */
export function focusCard(id) {
  const back = ui.listBox.querySelector(`.report-card[data-report-id="${id}"] .report-open`);
  (back ?? ui.sort).focus();
}

/** Draw the list, choose a report on it and bring its card into view with the focus. */
export function revealCard(id) {
  renderList();
  select(id);
  const card = ui.listBox.querySelector(`.report-card[data-report-id="${id}"]`);
  if (card) {
    card.scrollIntoView({ block: 'nearest' });
    card.querySelector('.report-open')?.focus();
  }
}

/** The tab is shown again: the counts, and the list if changes came while it was hidden. */
export function onTabShown() {
  renderCounts();
  if (ui.stale && !ui.list.hidden) renderList();
}

/** Claims run out with time: cards whose claim words or state changed are drawn again. */
export function refreshClaims() {
  for (const li of ui.listBox.querySelectorAll('.report-card')) {
    const r = reports.get(Number(li.dataset.reportId));
    if (!r || !r.claim) continue;
    const claimEl = li.querySelector('.report-claim');
    if (claimEl && (claimEl.textContent !== claimWords(r) || li.dataset.claim !== claimState(r))) fillRow(li, r);
    styleMarker(r.id);
  }
  renderCounts();
}

/** Build the queue; `open(id)` opens a report's detail, `claim(id, {open})` claims it. */
export function install({ open, claim }) {
  hooks = { open, claim };
  ui.count = el('span', { class: 'board-count', id: 'reports-count', text: t('common.loading', 'loading…') });
  const [sortBox, sort] = control(t('reports.order', 'Order'), 'reports-sort', Object.entries(SORTS).map(([k, s]) => [k, s.label()]), view.sort);
  const [claimBox, claimFilter] = control(t('events.show', 'Show'), 'reports-claim', [['', t('reports.allWaiting', 'All waiting')], ['free', t('reports.notClaimed', 'Not claimed')], ['mine', t('reports.claimedByMe', 'Claimed by me')]], '');
  const [sourceBox, source] = control(t('reports.source', 'Source'), 'reports-source', [['', t('reports.allSources', 'All sources')], ...Object.entries(SOURCE_KINDS).map(([k, v]) => [k, t(`source.${k}`, v)])], '');
  Object.assign(ui, { sort, claimFilter, source });
  sort.addEventListener('change', () => { view.sort = sort.value; renderList(); });
  claimFilter.addEventListener('change', () => { view.claim = claimFilter.value; renderList(); });
  source.addEventListener('change', () => { view.source = source.value; renderList(); });
  const filters = el('div', { class: 'report-filters', role: 'search', 'aria-label': t('reports.filter', 'Order and filter the reports') }, sortBox, claimBox, sourceBox);

  ui.message = el('p', { class: 'form-error', role: 'alert' });
  ui.message.hidden = true;
  ui.listMessage = el('p', { class: 'report-message', role: 'status', id: 'reports-list-message' });
  ui.listMessage.hidden = true;
  ui.empty = el('p', { class: 'board-empty', text: t('reports.loading', 'Loading the reports…') });
  ui.sortNote = el('p', { class: 'board-count report-sort-note', 'aria-live': 'polite' });
  ui.listBox = el('ul', { class: 'report-list', id: 'report-list', 'aria-label': t('reports.listLabel', 'Reports waiting for verification') });
  ui.listBox.addEventListener('keydown', onListKeydown);
  ui.listBox.addEventListener('click', (event) => {
    const card = event.target.closest('.report-card');
    if (!card || event.target.closest('.report-claim-button')) return;
    if (event.target.closest('time, a')) return;
    hooks.open(Number(card.dataset.reportId));
  });
  ui.list = el('div', { class: 'reports-list' },
    el('div', { class: 'board-head' }, el('h2', { text: t('reports.title', 'Reports to verify') }), ui.count),
    filters, ui.message, ui.listMessage, ui.sortNote, ui.empty, ui.listBox,
    el('details', { class: 'units-key report-key' }, el('summary', { text: t('reports.key', 'Key to the report symbol') }),
      el('dl', { class: 'legend' },
        el('dt', {}, symbolElement(20), t('legend.unverified', 'Unverified report')),
        el('dd', { text: t('reports.keyUnverified', 'blue speech bubble with a question mark; the dashed blue circle round it is how far off its position may be (its uncertainty)') }),
        el('dt', { class: 'report-key-claimed' }, symbolElement(20), t('legend.claimed', 'Claimed report')),
        el('dd', { text: t('legend.claimedWords', 'white bubble with a blue outline: an officer is working on it') }),
        el('dt', { class: 'report-key-selected' }, symbolElement(20), t('reports.chosen', 'Chosen report')),
        el('dd', { text: t('reports.chosenWords', 'a dark ring round the bubble, a solid circle') }))));
  return ui.list;
}
