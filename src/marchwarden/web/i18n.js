// The page in the user's language: one catalogue per language (web/i18n/<lang>.json, keys
// to strings with {name} placeholders), English built in as the fallback of every key.
// The language: the account's setting (GET/PATCH /api/v1/auth/me, the header's language
// menu), else the browser's (navigator.languages), else English. Numbers and dates go
// through Intl for that language (`num`, and time.js's formats). The server renders the
// sitrep and the command line's messages from the same catalogues (marchwarden/i18n.py).

export const LANGUAGES = { en: 'English', ru: 'Русский' };

let current = 'en';
let catalogue = {};

const listeners = [];

/** The language for a user (`me.user` of /auth/me, or null before sign-in): the account's
 * setting, else the browser's first we have, else English. */
export function chooseLanguage(user) {
  if (user?.language && LANGUAGES[user.language]) return user.language;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGUAGES[base]) return base;
  }
  return 'en';
}

/** `fn(lang)` after every setLanguage (time.js rebuilds its formats). */
export function onLanguage(fn) {
  listeners.push(fn);
}

/** Load a language's catalogue (English needs none: the page's own strings are English). */
export async function setLanguage(lang) {
  current = LANGUAGES[lang] ? lang : 'en';
  catalogue = {};
  if (current !== 'en') {
    try {
      const reply = await fetch(`/ui/i18n/${current}.json`);
      if (reply.ok) catalogue = await reply.json();
    } catch (err) {
      console.warn(`the ${current} catalogue could not be read`, err);
    }
  }
  document.documentElement.lang = current;
  for (const fn of listeners) fn(current);
  return current;
}

export function language() {
  return current;
}

/** The string for `id` in the language, else `fallback` (English); {name} filled from
 * `params`. Every id must be in i18n/en.json and i18n/ru.json (tests/unit/test_catalogues.py). */
export function t(id, fallback, params = {}) {
  const text = catalogue[id] ?? fallback ?? id;
  return text.replace(/\{(\w+)\}/g, (m, name) => (params[name] !== undefined ? String(params[name]) : m));
}

/** Whether the language's catalogue has `id` (English has none: its words are the page's). */
export function has(id) {
  return Object.hasOwn(catalogue, id);
}

/** A coded sentence of the server (a problem's, or an item of its `errors`: `code` and
 * `params`, catalogue `error.<code>`) in the language; `english` when it has none. A `what`
 * param names a thing the catalogue words too (`error.what.*`, "date of birth"). */
export function said(code, params, english) {
  if (typeof code !== 'string' || !has(`error.${code}`)) return english;
  const p = { ...(params ?? {}) };
  if (typeof p.what === 'string') p.what = t(`error.what.${p.what.replace(/[^a-z]+/g, '_')}`, p.what);
  for (const k of STATE_PARAMS) if (has(`code.${p[k]}`)) p[k] = t(`code.${p[k]}`, p[k]);
  return t(`error.${code}`, english, p);
}

/** Params that name a state or status ("draft", "on_scene"): worded as `words` does. */
const STATE_PARAMS = ['state', 'status', 'current', 'requested', 'to', 'target', 'task', 'release_to'];

/** A number with the language's grouping ("95 596" in Russian, "95,596" in English). */
export function num(n, options = {}) {
  return new Intl.NumberFormat(current === 'ru' ? 'ru-RU' : 'en-GB', options).format(n);
}

/** An enum value in words: "on_scene" → "on scene" / "на месте" (catalogue `code.*`). */
export function words(code) {
  const c = String(code ?? '');
  return t(`code.${c}`, c.replace(/_/g, ' '));
}

/** The Intl locale for dates and numbers. */
export function locale() {
  return current === 'ru' ? 'ru-RU' : 'en-GB';
}

/** The page's own HTML (index.html, field/index.html): an element with data-i18n="key" gets
 * the key's text, data-i18n-label="key" its aria-label, data-i18n-placeholder its placeholder. */
export function translateStatic(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n, node.textContent.trim());
  for (const node of root.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel, node.getAttribute('aria-label')));
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder, node.placeholder);
}
