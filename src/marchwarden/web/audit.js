// The "Audit" board, for auditors (audit.read): the audit trail browsed and filtered by
// actor, action, object and time, a page at a time; the chain's verification state
// (head, when verified, result); exports as JSON Lines and CSV. Read-only: the board has
// no control that changes anything, and the policy gives the auditor nothing to change.

import { api, ApiError, getToken } from './api.js';
import { el, num } from './dom.js';
import { t } from './i18n.js';
import { registerTab } from './tabs.js';
import { formatHqShort, formatUtc } from './time.js';

const ui = {};
let filters = {};
let nextAfter = null;

function query(extra = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) {
    if (v !== '' && v !== null && v !== undefined) params.set(k, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function isoOf(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

function changesText(changes) {
  const text = JSON.stringify(changes);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function row(e) {
  return el('tr', { dataset: { seq: e.seq } },
    el('td', { text: String(e.seq) }),
    el('td', { title: formatUtc(e.at), text: formatHqShort(e.at) }),
    el('td', { text: e.actor_name }),
    el('td', { text: e.command }),
    el('td', { text: e.target_type + (e.target_id ? ` ${e.target_id}` : '') }),
    el('td', { class: 'audit-changes', title: JSON.stringify(e.changes, null, 1), text: changesText(e.changes) }),
  );
}

async function load({ more = false } = {}) {
  ui.message.textContent = t('audit.loading', 'Loading…');
  try {
    const page = await api(`/audit${query({ limit: 100, after_seq: more ? nextAfter : '' })}`);
    if (!more) ui.rows.replaceChildren();
    ui.rows.append(...page.items.map(row));
    nextAfter = page.next_after_seq;
    ui.more.hidden = nextAfter === null;
    const shown = ui.rows.children.length;
    ui.message.textContent = shown ? t('audit.shown', 'Records shown: {n}', { n: num(shown) }) : t('audit.noMatch', 'No record matches.');
  } catch (err) {
    ui.message.textContent = err instanceof ApiError ? err.message : String(err);
  }
}

async function verify() {
  ui.verify.textContent = t('audit.verifying', 'Verifying…');
  try {
    const v = await api('/audit/verify');
    ui.verify.dataset.ok = String(v.ok);
    ui.verify.textContent = v.ok
      ? `${t('audit.intact', 'Chain intact: {n} records, head #{head}; verified {at}.', { n: num(v.checked), head: v.head_seq, at: formatHqShort(v.verified_at) })} ${v.anchor}`
      : t('audit.broken', 'Chain BROKEN at record #{seq}: {problem}. Verified {at}.', { seq: v.first_bad_seq, problem: v.problem, at: formatHqShort(v.verified_at) });
  } catch (err) {
    ui.verify.textContent = err instanceof ApiError ? err.message : String(err);
  }
}

async function download(format) {
  const response = await fetch(`/api/v1/audit/export${query({ format })}`, {
    headers: { Authorization: `Bearer ${getToken()}` },
    cache: 'no-store',
  });
  if (!response.ok) {
    ui.message.textContent = t('audit.exportFailed', 'The export failed (HTTP {status}).', { status: response.status });
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = el('a', { href: url, download: `audit.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function field(name, label, type = 'text', placeholder = '') {
  return el('label', { class: 'audit-filter' }, label, el('input', { name, type, placeholder, id: `audit-${name}` }));
}

export function install() {
  const panel = registerTab('audit', t('tab.audit', 'Audit'), { order: 90 });
  const form = el('form', { id: 'audit-form', class: 'audit-form' },
    field('actor', t('audit.col.actor', 'Actor'), 'text', t('audit.userName', 'user name')),
    field('command', t('audit.col.action', 'Action'), 'text', t('audit.actionHint', 'task.* or report.submit')),
    field('target_type', t('audit.objectType', 'Object type'), 'text', t('audit.objectHint', 'task, report, unit…')),
    field('target_id', t('audit.objectId', 'Object id')),
    field('since', t('audit.from', 'From'), 'datetime-local'),
    field('until', t('audit.until', 'Until'), 'datetime-local'),
    el('button', { type: 'submit', id: 'audit-apply', text: t('events.show', 'Show') }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    filters = {
      actor: data.get('actor').trim(),
      command: data.get('command').trim(),
      target_type: data.get('target_type').trim(),
      target_id: data.get('target_id').trim(),
      since: isoOf(data.get('since')),
      until: isoOf(data.get('until')),
    };
    load();
  });
  ui.verify = el('p', { id: 'audit-verify', class: 'audit-verify', role: 'status', text: t('audit.notVerified', 'Not verified yet in this session.') });
  ui.message = el('p', { id: 'audit-message', role: 'status' });
  ui.rows = el('tbody', { id: 'audit-rows' });
  ui.more = el('button', { type: 'button', id: 'audit-more', hidden: true, text: t('audit.more', 'More'), onclick: () => load({ more: true }) });
  panel.append(
    el('h2', { text: t('audit.title', 'Audit trail') }),
    el('div', { class: 'audit-actions' },
      el('button', { type: 'button', id: 'audit-verify-button', text: t('audit.verify', 'Verify the chain'), onclick: verify }),
      el('button', { type: 'button', id: 'audit-export-jsonl', text: t('audit.exportJsonl', 'Export JSON Lines'), onclick: () => download('jsonl') }),
      el('button', { type: 'button', id: 'audit-export-csv', text: t('audit.exportCsv', 'Export CSV'), onclick: () => download('csv') }),
    ),
    ui.verify,
    form,
    ui.message,
    el('table', { class: 'audit-table', id: 'audit-table' },
      el('thead', {}, el('tr', {}, ...['#', t('sitrep.col.time', 'Time'), t('audit.col.actor', 'Actor'), t('audit.col.action', 'Action'), t('audit.col.object', 'Object'), t('audit.col.changes', 'Changes')].map((h) => el('th', { scope: 'col', text: h })))),
      ui.rows),
    ui.more,
  );
  panel.addEventListener('tab-shown', () => {
    if (!ui.rows.children.length) load();
    if (ui.verify.dataset.ok === undefined) verify();
  });
  if (!panel.hidden) {
    load();
    verify();
  }
}
