// The bar under the header that announces new urgent events as they arrive, whichever
// board is shown: a severe or extreme incident opened, an incident made active, an urgent
// task created, an assignment refused. It says what and where, with "Open" (the incident)
// and "Dismiss"; it is a polite live region, so a screen reader reads it out too. The
// newest is shown, with how many others came since the bar was last dismissed.

import { t } from './i18n.js';
import { allIncidents } from './incidents.js';
import { onEvent } from './events.js';
import { formatHqShort } from './time.js';

const URGENT_SEVERITIES = new Set(['severe', 'extreme']);
let bar = null;
let text = null;
let openButton = null;
let count = 0;
let incidentId = null;

const nameOf = (id, fallback) => allIncidents().get?.(id)?.name ?? fallback ?? `#${id}`;

/** The announcement for an event, or null when it is not urgent. */
export function urgentWords(event) {
  const d = event.data || {};
  switch (event.type) {
    case 'IncidentOpened':
      return URGENT_SEVERITIES.has(d.severity)
        ? `${t('urgent.incidentOpened', 'New {severity} incident: {name}', { severity: d.severity, name: d.name ?? nameOf(d.incident_id) })}${d.region ? ` (${d.region})` : ''}` : null;
    case 'IncidentStateChanged':
      return d.state === 'active' ? t('urgent.incidentActive', 'Incident now active: {name}', { name: nameOf(d.incident_id) }) : null;
    case 'TaskCreated':
      return d.priority === 'urgent' ? t('urgent.urgentTask', 'Urgent task on {name}: {title}', { name: nameOf(d.incident_id), title: d.title ?? `task ${d.task_id}` }) : null;
    case 'TaskAssignmentRefused':
      return t('urgent.refused', 'Assignment refused on {name}: unit {unit}', { name: nameOf(d.incident_id), unit: d.unit_code ?? d.unit_id });
    default:
      return null;
  }
}

function announce(event) {
  const words = urgentWords(event);
  if (!words) return;
  count += 1;
  incidentId = event.data?.incident_id ?? null;
  text.textContent = `${formatHqShort(event.at)} — ${words}${count > 1 ? ` ${t('urgent.more', '(and {n} more since you last dismissed)', { n: count - 1 })}` : ''}`;
  openButton.hidden = incidentId == null;
  bar.hidden = false;
}

export function install() {
  bar = document.createElement('div');
  bar.id = 'urgent-bar';
  bar.className = 'urgent-bar';
  bar.setAttribute('role', 'status');
  bar.setAttribute('aria-live', 'polite');
  bar.hidden = true;
  text = document.createElement('span');
  text.className = 'urgent-text';
  openButton = document.createElement('button');
  openButton.type = 'button';
  openButton.textContent = t('urgent.open', 'Open');
  openButton.addEventListener('click', () => {
    if (incidentId != null) window.dispatchEvent(new CustomEvent('marchwarden:open-incident', { detail: { id: incidentId } }));
  });
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.className = 'button-quiet';
  dismiss.textContent = t('urgent.dismiss', 'Dismiss');
  dismiss.addEventListener('click', () => {
    bar.hidden = true;
    count = 0;
  });
  bar.append(text, openButton, dismiss);
  document.querySelector('.topbar')?.after(bar);
  onEvent('*', announce);
}
