// Times in the HQ's time zone (settings.hq_timezone, from GET /api/v1/config), with the
// zone shown and UTC in the title attribute for hover; formatted for the page's language.

import { locale, onLanguage, t } from './i18n.js';

let hqZone = 'Europe/Moscow';
let hqFormat = null;
let hqShort = null;

const utcFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

function build(zone) {
  hqFormat = new Intl.DateTimeFormat(locale(), {
    timeZone: zone, day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit',
    second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  });
  hqShort = new Intl.DateTimeFormat(locale(), {
    timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  });
}

build(hqZone);
onLanguage(() => build(hqZone));

/** Use `zone` (an IANA name); an unknown zone falls back to UTC and says so. */
export function setHqTimezone(zone) {
  try {
    build(zone);
    hqZone = zone;
  } catch {
    console.warn(`unknown time zone ${zone}; showing UTC`);
    hqZone = 'UTC';
    build('UTC');
  }
  return hqZone;
}

export function hqTimezone() {
  return hqZone;
}

function asDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/** "01 Nov, 14:32:05 GMT+3" in the HQ's zone. */
export function formatHq(value) {
  return hqFormat.format(asDate(value));
}

/** "14:32 GMT+3" in the HQ's zone. */
export function formatHqShort(value) {
  return hqShort.format(asDate(value));
}

/** "2026-11-01 11:32:05 UTC". */
export function formatUtc(value) {
  const parts = Object.fromEntries(utcFormat.formatToParts(asDate(value)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} UTC`;
}

/** A <time> element: HQ time as text, UTC on hover, the instant in `datetime`. */
export function timeElement(value, { short = false } = {}) {
  const date = asDate(value);
  const el = document.createElement('time');
  el.dateTime = date.toISOString();
  el.textContent = short ? formatHqShort(date) : formatHq(date);
  el.title = formatUtc(date);
  return el;
}

/** "just now", "12 min ago", "3 h 5 min ago", "2 days ago" (from `now`, a ms time), in
 * the page's language. */
export function relativeTime(value, now = Date.now()) {
  const minutes = Math.floor((now - asDate(value).getTime()) / 60000);
  if (minutes < 1) return t('time.justNow', 'just now');
  if (minutes < 60) return t('time.minAgo', '{m} min ago', { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return minutes % 60
      ? t('time.hMinAgo', '{h} h {m} min ago', { h: hours, m: minutes % 60 })
      : t('time.hAgo', '{h} h ago', { h: hours });
  }
  return t('time.daysAgo', '{d} days ago', { d: Math.floor(hours / 24) });
}

let ticker = null;

/** A <time> that says how long ago ("12 min ago"), kept current every 30 s; the HQ time
 * and UTC are on hover. `prefix` comes before it ("opened "). */
export function relativeElement(value, { prefix = '' } = {}) {
  const date = asDate(value);
  const el = document.createElement('time');
  el.className = 'relative-time';
  el.dateTime = date.toISOString();
  el.dataset.prefix = prefix;
  el.textContent = `${prefix}${relativeTime(date)}`;
  el.title = `${formatHq(date)} (${formatUtc(date)})`;
  if (!ticker) {
    ticker = setInterval(() => {
      for (const t of document.querySelectorAll('time.relative-time')) {
        t.textContent = `${t.dataset.prefix}${relativeTime(t.dateTime)}`;
      }
    }, 30000);
  }
  return el;
}
