// Small DOM helpers every board uses: an element builder, number and word formatting,
// waiting for the page, and the message when a board's list cannot be loaded.

import { locale, t, words as wordsOf } from './i18n.js';

/** el('p', {class: 'x', text: 'hello', dataset: {id: 1}}, child, ...) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'text') node.textContent = v;
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** "1,234" in English, "1 234" in Russian. */
export const num = (n) => Number(n ?? 0).toLocaleString(locale());

/** "on_scene" -> "on scene" (in the page's language: i18n.js `words`) */
export const words = wordsOf;

/** Casualty counts in the page's language: "civilians killed 1, personnel wounded 2"
 * (`{category: n}`; the incident page and the sitrep). */
export function countsWords(counts) {
  return Object.entries(counts).map(([c, n]) => `${words(c)} ${num(n)}`).join(', ');
}

/** The first letter in capitals. */
export const capital = (text) => {
  const t = String(text ?? '');
  return t.charAt(0).toUpperCase() + t.slice(1);
};

/** Resolves once app.js has signed in and built the page (body[data-ready="true"]). */
export function pageReady() {
  return new Promise((resolve) => {
    if (document.body.dataset.ready === 'true') {
      resolve();
      return;
    }
    const watch = new MutationObserver(() => {
      if (document.body.dataset.ready === 'true') {
        watch.disconnect();
        resolve();
      }
    });
    watch.observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
  });
}

/**
 * A board's list could not be loaded: say so in `box` ("The units could not be loaded.
 * <why>") with a "Try again" button that hides the message and calls `retry`.
 */
export function showLoadFailure(box, what, err, retry) {
  const again = el('button', { type: 'button', class: 'button-quiet', text: t('common.tryAgain', 'Try again') });
  again.addEventListener('click', () => {
    box.hidden = true;
    retry();
  });
  box.replaceChildren(`${t('common.loadFailed', 'The {what} could not be loaded.', { what: t(`noun.${what}`, what) })} ${err?.message ?? err} `, again);
  box.hidden = false;
}
