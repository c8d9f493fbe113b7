// Times in the HQ's time zone (settings.hq_timezone, from GET /api/v1/config),
// with UTC in the title attribute for hover.

let hqZone = 'Europe/Moscow';
let hqFormat = null;
let hqShort = null;

const utcFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

function build(zone) {
  hqFormat = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit',
    second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  });
  hqShort = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  });
}

build(hqZone);

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
