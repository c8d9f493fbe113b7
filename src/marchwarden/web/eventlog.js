// The "Events" board: every stream event as it arrives, newest first, times in the HQ's
// time zone (UTC on hover).

import { onEvent } from './events.js';
import { registerTab, selectedTab, setBadge } from './tabs.js';
import { timeElement } from './time.js';

const MAX_ROWS = 500;
const SUMMARY_KEYS = ['username', 'name', 'title', 'callsign', 'status', 'severity', 'role', 'scope', 'region'];

/** "UserCreated" -> "User created". */
export function humanType(type) {
  const words = String(type).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function summarise(data) {
  if (!data || typeof data !== 'object') return '';
  const keys = SUMMARY_KEYS.filter((k) => data[k] !== undefined && data[k] !== null && data[k] !== '');
  const chosen = keys.length ? keys : Object.keys(data).filter((k) => typeof data[k] !== 'object').slice(0, 3);
  return chosen.map((k) => `${k.replace(/_/g, ' ')}: ${data[k]}`).join(' · ');
}

export function install() {
  const panel = registerTab('events', 'Events', { order: 90 });
  const head = document.createElement('div');
  head.className = 'board-head';
  const title = document.createElement('h2');
  title.textContent = 'Live events';
  const count = document.createElement('span');
  count.className = 'board-count';
  count.textContent = 'none yet';
  head.append(title, count);

  const region = document.createElement('div');
  region.setAttribute('role', 'log');
  region.setAttribute('aria-label', 'Live events, newest first');
  const list = document.createElement('ol');
  list.id = 'event-log';
  list.className = 'event-log';
  region.append(list);
  const empty = document.createElement('p');
  empty.className = 'board-empty';
  empty.textContent = 'Events appear here as they happen.';
  panel.append(head, empty, region);

  let total = 0;
  let unseen = 0;
  panel.addEventListener('tab-shown', () => { unseen = 0; });

  onEvent('*', (event) => {
    total += 1;
    empty.hidden = true;
    count.textContent = `${total} received`;
    const row = document.createElement('li');
    row.className = 'event-row';
    row.dataset.id = String(event.id);
    row.dataset.type = event.type;
    const kind = document.createElement('span');
    kind.className = 'event-type';
    kind.textContent = humanType(event.type);
    const summary = document.createElement('span');
    summary.className = 'event-summary';
    summary.textContent = summarise(event.data);
    const id = document.createElement('span');
    id.className = 'event-id';
    id.textContent = `#${event.id}`;
    row.append(timeElement(event.at), kind, id, summary);
    list.prepend(row);
    while (list.childElementCount > MAX_ROWS) list.lastElementChild.remove();
    if (selectedTab() !== 'events') {
      unseen += 1;
      setBadge('events', unseen);
    }
  });
}
