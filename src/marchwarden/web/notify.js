// Notifications in the COP, per role: the page's title counts what waits on every board
// (the boards' own badges: new reports in my queue, new incidents, new events), and a
// header line says what needs the person now — a new task for one of my units (roles that
// answer for units: task.respond without task.assign), or my claim on a report about to
// expire (roles that triage reports). Only events the server lets the role see arrive.

import { el } from './dom.js';
import { onEvent } from './events.js';
import { session } from './session.js';

const WARN_BEFORE_MS = 60_000;
let base = '';
let box = null;
const claims = new Map(); // report id -> timer
let newTasks = 0;

function badgeTotal() {
  let n = 0;
  for (const b of document.querySelectorAll('#tablist .tab-badge')) {
    if (!b.hidden) n += Number.parseInt(b.textContent, 10) || 0;
  }
  return n + newTasks;
}

function retitle() {
  if (!base) base = document.title.replace(/^\(\d+\+?\) /, '');
  const n = badgeTotal();
  document.title = n ? `(${n}) ${base}` : base;
}

function say(key, text) {
  let line = box.querySelector(`[data-key="${key}"]`);
  if (!text) {
    if (line) line.remove();
  } else if (line) {
    line.firstChild.textContent = text;
  } else {
    line = el('p', { dataset: { key } }, el('span', { text }),
      el('button', { type: 'button', class: 'button-quiet', text: 'Dismiss', onclick: () => {
        line.remove();
        if (key === 'tasks') newTasks = 0;
        retitle();
      } }));
    box.append(line);
  }
  box.hidden = box.children.length === 0;
  retitle();
}

export function install() {
  box = el('div', { id: 'notifications', class: 'notifications', role: 'status', 'aria-live': 'polite', hidden: true });
  const header = document.querySelector('header.topbar');
  if (header) header.after(box);
  base = document.title;
  new MutationObserver(retitle).observe(document.getElementById('tablist'), {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden'],
  });

  if (session.can('task.respond') && !session.can('task.assign')) {
    onEvent('TaskAssigned', ({ data }) => {
      newTasks += 1;
      say('tasks', `${newTasks} new task${newTasks === 1 ? '' : 's'} for your units (task ${data.task_id}, incident ${data.incident_id}) — answer on the Incidents board or the field page (/field/).`);
    });
  }
  if (session.can('report.triage')) {
    onEvent('ReportClaimed', ({ data }) => {
      clearTimeout(claims.get(data.report_id));
      if (data.by !== session.user?.username) return;
      const warnIn = new Date(data.until).getTime() - Date.now() - WARN_BEFORE_MS;
      claims.set(data.report_id, setTimeout(() => {
        say(`claim-${data.report_id}`, `Your claim on report ${data.report_id} expires in less than a minute.`);
      }, Math.max(0, warnIn)));
    });
    for (const type of ['ReportReleased', 'ReportAttached', 'ReportRejected']) {
      onEvent(type, ({ data }) => {
        clearTimeout(claims.get(data.report_id));
        claims.delete(data.report_id);
        say(`claim-${data.report_id}`, '');
      });
    }
  }
}
