// Notifications in the COP, per role (docs/ui.md "Notifications"): a badge on each board's
// tab for what waits on this person there, and their total in the page's title —
//
//   Units    tasks waiting for acceptance for my units (roles that answer for units:
//            task.respond and field.inbox without task.assign), from GET /field/tasks;
//   Reports  the reports waiting in my queue (reportlist.js sets it);
//   Alerts   drafts I may approve (the server's `may_approve`: the policy and the
//            second-person rule), alerts.js sets it.
//
// Each is loaded at sign-in and reloaded when the live stream says it changed; only events
// the server lets the role see arrive, and the endpoints list only what it may read, so
// nothing shows for what the role may not see. A header line also says what needs the
// person now: a new task for one of my units, or my claim on a report about to expire.

import { api } from './api.js';
import { el } from './dom.js';
import { onEvent } from './events.js';
import { t } from './i18n.js';
import { session } from './session.js';
import { setAttention } from './tabs.js';

const WARN_BEFORE_MS = 60_000;
const TASK_EVENTS = ['TaskAssigned', 'TaskStatusChanged', 'TaskAssignmentRefused'];
let base = '';
let box = null;
const claims = new Map(); // report id -> timer
let newTasks = 0;
let taskTimer = null;

/** The total of what waits on this person: the boards' attention badges. */
export function attentionTotal() {
  let n = 0;
  for (const b of document.querySelectorAll('#tablist .tab-badge[data-kind="attention"]')) {
    if (!b.hidden) n += Number.parseInt(b.textContent, 10) || 0;
  }
  return n;
}

function retitle() {
  if (!base) base = document.title.replace(/^\(\d+\+?\) /, '');
  const n = attentionTotal();
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
      el('button', { type: 'button', class: 'button-quiet', text: t('notify.dismiss', 'Dismiss'), onclick: () => {
        line.remove();
        if (key === 'tasks') newTasks = 0;
        box.hidden = box.children.length === 0;
      } }));
    box.append(line);
  }
  box.hidden = box.children.length === 0;
}

/** Whether this role answers for units (rather than directs them): its tasks badge. */
export function answersForUnits() {
  return session.can('task.respond') && session.can('field.inbox') && !session.can('task.assign');
}

async function loadTasks() {
  try {
    const tasks = await api('/field/tasks');
    setAttention('units', tasks.filter((task) => task.waiting).length);
  } catch (err) {
    console.warn('the tasks waiting for my units could not be read', err);
  }
}

function reloadTasksSoon() {
  clearTimeout(taskTimer);
  taskTimer = setTimeout(loadTasks, 300);
}

export function install() {
  box = el('div', { id: 'notifications', class: 'notifications', role: 'status', 'aria-live': 'polite', hidden: true });
  const header = document.querySelector('header.topbar');
  if (header) header.after(box);
  base = document.title;
  new MutationObserver(retitle).observe(document.getElementById('tablist'), {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden', 'data-kind'],
  });
  retitle();

  if (answersForUnits()) {
    for (const type of TASK_EVENTS) onEvent(type, reloadTasksSoon);
    onEvent('TaskAssigned', ({ data }) => {
      newTasks += 1;
      say('tasks', t('notify.newTasks', '{n} new task(s) for your units (task {task}, incident {incident}) — answer on the Units board or the field page (/field/).',
        { n: newTasks, task: data.task_id, incident: data.incident_id }));
    });
    loadTasks();
  }
  if (session.can('report.triage')) {
    onEvent('ReportClaimed', ({ data }) => {
      clearTimeout(claims.get(data.report_id));
      if (data.by !== session.user?.username) return;
      const warnIn = new Date(data.until).getTime() - Date.now() - WARN_BEFORE_MS;
      claims.set(data.report_id, setTimeout(() => {
        say(`claim-${data.report_id}`, t('notify.claimExpiring', 'Your claim on report {report} expires in less than a minute.', { report: data.report_id }));
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
