// The side panel's width: a handle between the map and the boards, dragged with the pointer
// or moved with the arrow keys (Home / End: narrowest / widest), remembered per user in
// localStorage ("marchwarden.panelWidth.<username>"), so each officer finds the console as
// they left it. The map is told its new size.

import { t } from './i18n.js';

const MIN = 320;
const STEP = 32;
let key = null;
let handle = null;
let workspace = null;

const maxWidth = () => Math.max(MIN, window.innerWidth - 360);
const clamp = (w) => Math.round(Math.min(maxWidth(), Math.max(MIN, w)));

/** The panel's width now, in CSS pixels. */
export function panelWidth() {
  return document.querySelector('.panel')?.getBoundingClientRect().width ?? 0;
}

function apply(width, { save = true } = {}) {
  const w = clamp(width);
  workspace.style.setProperty('--panel-width', `${w}px`);
  handle.setAttribute('aria-valuenow', String(w));
  handle.setAttribute('aria-valuemax', String(maxWidth()));
  handle.setAttribute('aria-valuetext', `${w} pixels wide`);
  if (save && key) {
    try {
      localStorage.setItem(key, String(w));
    } catch {
      /* private mode: the width lasts for the page */
    }
  }
  window.marchwarden?.map?.getMap?.()?.invalidateSize({ pan: false });
}

/** Put the handle before the panel; `username` keys the remembered width. */
export function install(username) {
  workspace = document.getElementById('workspace');
  const panel = workspace?.querySelector('.panel');
  if (!panel || handle) return;
  key = `marchwarden.panelWidth.${username}`;
  handle = document.createElement('div');
  handle.className = 'panel-resizer';
  handle.id = 'panel-resizer';
  handle.tabIndex = 0;
  handle.setAttribute('role', 'separator');
  handle.setAttribute('aria-orientation', 'vertical');
  handle.setAttribute('aria-label', t('panel.resize', 'Width of the side panel (arrow keys)'));
  handle.setAttribute('aria-controls', 'tabpanels');
  handle.setAttribute('aria-valuemin', String(MIN));
  handle.title = t('panel.drag', 'Drag to make the side panel wider or narrower');
  panel.before(handle);
  handle.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    handle.classList.add('is-dragging');
    const move = (m) => apply(window.innerWidth - m.clientX - handle.offsetWidth / 2, { save: false });
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.classList.remove('is-dragging');
      apply(panelWidth());
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up, { once: true });
    handle.addEventListener('pointercancel', up, { once: true });
  });
  handle.addEventListener('keydown', (e) => {
    const now = panelWidth();
    const to = { ArrowLeft: now + STEP, ArrowRight: now - STEP, Home: MIN, End: maxWidth() }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    apply(to);
  });
  let saved = null;
  try {
    saved = Number(localStorage.getItem(key)) || null;
  } catch {
    saved = null;
  }
  if (saved) apply(saved, { save: false });
  else handle.setAttribute('aria-valuenow', String(Math.round(panelWidth())));
}
