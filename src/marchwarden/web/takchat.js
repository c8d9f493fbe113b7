// The small GeoChat panel of a unit's detail: a message from the headquarters to the TAK
// devices bound to the unit (POST /units/{id}/tak-chat; every TAK gateway delivers it), and
// what was sent to that unit from this page. Shown only to roles with task.assign (who may
// task a unit may chat to it: core/tak/chat.py); the server decides.

import { api } from './api.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import { session } from './session.js';
import { timeElement } from './time.js';

const MAX_CHARS = 2000;
const ui = {};
/** unit id → [{ text, at }] sent from this page, newest last */
const sent = new Map();

function renderSent() {
  const list = sent.get(ui.unitId) ?? [];
  ui.log.replaceChildren(...(list.length
    ? list.map((m) => el('li', { class: 'tak-chat-line' }, timeElement(m.at), ' ', el('span', { text: m.text })))
    : [el('li', { class: 'board-empty', text: t('takChat.none', 'Nothing sent to this unit from here yet.') })]));
}

async function submit(event) {
  event.preventDefault();
  const id = ui.unitId;
  const text = ui.input.value.trim();
  if (id == null) return;
  if (!text) {
    ui.message.textContent = t('takChat.empty', 'Write a message first.');
    return;
  }
  if (ui.button.getAttribute('aria-disabled') === 'true') return;
  ui.button.setAttribute('aria-disabled', 'true');
  ui.message.textContent = '';
  try {
    await api(`/units/${id}/tak-chat`, { method: 'POST', body: { text } });
    if (!sent.has(id)) sent.set(id, []);
    sent.get(id).push({ text, at: new Date().toISOString() });
    ui.input.value = '';
    ui.message.textContent = t('takChat.sent', 'Sent to the unit’s TAK devices.');
    if (ui.unitId === id) renderSent();
  } catch (err) {
    ui.message.textContent = err.message;
  } finally {
    ui.button.removeAttribute('aria-disabled');
  }
}

/** The panel (null for a role that may not task units): place it in the detail once. */
export function chatBox() {
  if (!session.can('task.assign')) return null;
  ui.input = el('input', { id: 'tak-chat-text', type: 'text', maxlength: String(MAX_CHARS), autocomplete: 'off' });
  ui.button = el('button', { type: 'submit', id: 'tak-chat-send', text: t('takChat.send', 'Send') });
  ui.message = el('p', { class: 'status-message', role: 'status', id: 'tak-chat-message' });
  ui.log = el('ul', { class: 'tak-chat-log', id: 'tak-chat-log', 'aria-live': 'polite' });
  const form = el('form', { class: 'status-form tak-chat', id: 'tak-chat-form' },
    el('h3', { text: t('takChat.title', 'Chat to TAK devices') }),
    el('div', {}, el('label', { for: 'tak-chat-text', text: t('takChat.label', 'Message') }), ui.input),
    ui.button, ui.message, ui.log);
  form.addEventListener('submit', submit);
  return form;
}

/** The detail now shows unit `id`. */
export function chatFor(id) {
  if (!ui.log) return;
  ui.unitId = id;
  ui.input.value = '';
  ui.message.textContent = '';
  renderSent();
}
