// The side panel's boards as WAI-ARIA tabs: Tab reaches the selected tab, the arrow keys
// (and Home, End) move between tabs, Tab again goes into the board.
//
//   import { registerTab } from './tabs.js';
//   const panel = registerTab('units', 'Units', { order: 20 });   // an empty <section>
//   panel.append(...);
//   setBadge('units', 3);   // a count of new things beside the tab's name ('' or 0 clears it;
//                           // showing the tab clears it too)
//   setAttention('alerts', 2);   // what waits on this person there (drafts to approve, tasks
//                                // to accept): stays while it waits, shown before the count
//                                // of new things; the title totals these (notify.js)

import { t as tr } from './i18n.js';

const SELECTED_KEY = 'marchwarden.tab';
const tabs = new Map();
let tablist = null;
let panels = null;

export function initTabs(tablistElement, panelsElement) {
  tablist = tablistElement;
  panels = panelsElement;
  tablist.addEventListener('keydown', onKeydown);
}

export function registerTab(id, title, { order = 100 } = {}) {
  if (!tablist) throw new Error('initTabs first');
  if (tabs.has(id)) throw new Error(`tab ${id} is already registered`);
  const tab = document.createElement('button');
  tab.type = 'button';
  tab.id = `tab-${id}`;
  tab.className = 'tab';
  tab.setAttribute('role', 'tab');
  tab.setAttribute('aria-controls', `panel-${id}`);
  tab.setAttribute('aria-selected', 'false');
  tab.tabIndex = -1;
  tab.dataset.order = String(order);
  const label = document.createElement('span');
  label.className = 'tab-label';
  label.textContent = tr(`tab.${id}`, title);
  const badge = document.createElement('span');
  badge.className = 'tab-badge';
  badge.hidden = true;
  tab.append(label, badge);
  tab.addEventListener('click', () => selectTab(id));

  const panel = document.createElement('section');
  panel.id = `panel-${id}`;
  panel.className = 'tabpanel';
  panel.setAttribute('role', 'tabpanel');
  panel.setAttribute('aria-labelledby', tab.id);
  panel.hidden = true;

  const after = [...tablist.children].find((el) => Number(el.dataset.order) > order);
  tablist.insertBefore(tab, after ?? null);
  panels.append(panel);
  tabs.set(id, { tab, panel, badge, unseen: 0, attention: 0 });

  const wanted = sessionStorage.getItem(SELECTED_KEY);
  if (wanted === id || !selectedTab()) selectTab(id, { remember: false });
  return panel;
}

let pictured = null;
const firstPicture = new Promise((resolve) => { pictured = resolve; });

/** app.js: the map's first picture is drawn (or there will be none). */
export function firstPictureDrawn() {
  pictured();
}

/**
 * Resolves when board `id` is shown, when the map's first picture is drawn, or after `ms`,
 * whichever comes first: what a board behind another tab reads only for itself (catalogues,
 * the current tasks) waits, so that the server answers first what the picture needs.
 */
export function whenShownOrPictured(id, ms = 2000) {
  return new Promise((resolve) => {
    const t = tabs.get(id);
    if (!t || !t.panel.hidden) {
      resolve();
      return;
    }
    t.panel.addEventListener('tab-shown', () => resolve(), { once: true });
    firstPicture.then(resolve);
    setTimeout(resolve, ms);
  });
}

export function selectedTab() {
  for (const [id, t] of tabs) if (t.tab.getAttribute('aria-selected') === 'true') return id;
  return null;
}

export function selectTab(id, { focus = false, remember = true } = {}) {
  const chosen = tabs.get(id);
  if (!chosen) return;
  for (const [other, t] of tabs) {
    const on = other === id;
    t.tab.setAttribute('aria-selected', String(on));
    t.tab.tabIndex = on ? 0 : -1;
    t.panel.hidden = !on;
  }
  if (remember) sessionStorage.setItem(SELECTED_KEY, id);
  setBadge(id, 0);
  if (focus) chosen.tab.focus();
  chosen.panel.dispatchEvent(new CustomEvent('tab-shown', { bubbles: true }));
}

export function setBadge(id, count) {
  const t = tabs.get(id);
  if (!t) return;
  t.unseen = Number(count) || 0;
  showBadge(t);
}

/** What waits on this person on the board (0 clears it); showing the tab keeps it. */
export function setAttention(id, count) {
  const t = tabs.get(id);
  if (!t) return;
  t.attention = Number(count) || 0;
  showBadge(t);
}

function showBadge(t) {
  const attention = t.attention > 0;
  const n = attention ? t.attention : t.unseen;
  t.badge.hidden = n === 0;
  t.badge.textContent = n > 999 ? '999+' : String(n);
  t.badge.dataset.kind = attention ? 'attention' : 'new';
  t.badge.setAttribute('aria-label', attention
    ? tr('badge.attention', '{n} waiting for you', { n })
    : tr('badge.new', '{n} new', { n }));
}

function onKeydown(event) {
  const order = [...tablist.querySelectorAll('[role="tab"]')];
  const index = order.indexOf(document.activeElement);
  if (index < 0) return;
  let next = null;
  if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = order[(index + 1) % order.length];
  else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = order[(index - 1 + order.length) % order.length];
  else if (event.key === 'Home') next = order[0];
  else if (event.key === 'End') next = order[order.length - 1];
  if (!next) return;
  event.preventDefault();
  selectTab(next.id.replace(/^tab-/, ''), { focus: true });
}
