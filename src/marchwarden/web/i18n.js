// The page in the user's language: one catalogue per language (web/i18n/<lang>.json, keys
// to strings with {name} placeholders), English built in as the fallback of every key.
// The language: the user's choice (the header's language menu, kept per user in
// localStorage), else the browser's (navigator.languages), else English. Numbers and
// dates go through Intl for that language (`num`, and time.js's formats).

export const LANGUAGES = { en: 'English', ru: 'Русский' };

let current = 'en';
let catalogue = {};

const key = (username) => `marchwarden.language.${username}`;

/** The language for a user: their choice, else the browser's first we have, else English. */
export function chooseLanguage(username) {
  try {
    const chosen = username && localStorage.getItem(key(username));
    if (chosen && LANGUAGES[chosen]) return chosen;
  } catch {
    /* private mode */
  }
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGUAGES[base]) return base;
  }
  return 'en';
}

export function rememberLanguage(username, lang) {
  try {
    localStorage.setItem(key(username), lang);
  } catch {
    /* private mode */
  }
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
  return current;
}

export function language() {
  return current;
}

/** The string for `id` in the language, else `fallback` (English); {name} filled from `params`. */
export function t(id, fallback, params = {}) {
  const text = catalogue[id] ?? fallback ?? id;
  return text.replace(/\{(\w+)\}/g, (m, name) => (params[name] !== undefined ? String(params[name]) : m));
}

/** A number with the language's grouping ("95 596" in Russian, "95,596" in English). */
export function num(n, options = {}) {
  return new Intl.NumberFormat(current === 'ru' ? 'ru-RU' : 'en-GB', options).format(n);
}

/** The Intl locale for dates and numbers. */
export function locale() {
  return current === 'ru' ? 'ru-RU' : 'en-GB';
}
