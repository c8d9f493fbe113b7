// Situation reports (ICS 209-like) in a printable view over the page.
//
// A plain link to /api/v1/sitreps/... cannot carry the bearer token, so the report's JSON
// is read with the token (api.js) and laid out here, with every time in the HQ's zone and
// UTC on hover (time.js). incidents.css has the print rules: printing shows this view only.

import { api, ApiError, getToken } from './api.js';
import { capital, countsWords, el, num, words } from './dom.js';
import { language, t } from './i18n.js';
import { formatHq, formatUtc, hqTimezone, timeElement } from './time.js';
import { timelineText } from './timelinewords.js';
import { regionName, regionWithCode } from './regions.js';

const CATEGORIES = [
  'civilian_killed', 'civilian_wounded', 'civilian_missing',
  'personnel_killed', 'personnel_wounded', 'personnel_missing',
];

let view = null;
let opener = null;

function ensureView() {
  if (view) return view;
  const print = el('button', { type: 'button', id: 'sitrep-print', text: t('release.print', 'Print') });
  print.addEventListener('click', () => window.print());
  const close = el('button', { type: 'button', class: 'button-quiet', id: 'sitrep-close', text: t('release.close', 'Close') });
  close.addEventListener('click', closeSitrep);
  const body = el('article', { class: 'sitrep-body', id: 'sitrep-body' });
  view = el('div', { class: 'sitrep-view', id: 'sitrep-view', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'sitrep-heading' },
    el('div', { class: 'sitrep-toolbar' }, el('span', { class: 'sitrep-toolbar-title', text: t('sitrep.view.title', 'Situation report') }), print, close),
    body);
  view.hidden = true;
  view.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeSitrep();
  });
  document.body.append(view);
  return view;
}

export function closeSitrep() {
  if (!view) return;
  view.hidden = true;
  document.body.classList.remove('sitrep-open');
  if (opener && opener.isConnected) opener.focus();
  opener = null;
}

async function show(path, render, button) {
  const v = ensureView();
  opener = button ?? document.activeElement;
  const body = v.querySelector('#sitrep-body');
  body.replaceChildren(el('p', { class: 'board-empty', text: t('sitrep.view.preparing', 'Preparing the situation report…') }));
  v.hidden = false;
  v.dataset.ready = 'false';
  document.body.classList.add('sitrep-open');
  v.querySelector('#sitrep-close').focus();
  try {
    const data = await api(path);
    body.replaceChildren(...render(data));
    v.dataset.kind = data.kind;
    v.dataset.ready = 'true';
    v.dataset.maps = 'loading';
    fillMaps(body).then((state) => { v.dataset.maps = state; });
    const heading = body.querySelector('#sitrep-heading');
    if (heading) heading.focus();
  } catch (err) {
    body.replaceChildren(el('h1', { id: 'sitrep-heading', tabindex: '-1', text: t('sitrep.view.title', 'Situation report') }),
      el('p', { class: 'form-error', role: 'alert', text: err instanceof ApiError ? err.message : String(err) }));
    v.dataset.ready = 'error';
  }
}

export function openIncidentSitrep(id, button) {
  return show(`/sitreps/incidents/${id}`, (s) => incidentReport(s, 1), button);
}

/** The value of the region list's entry for the report over all the border regions. */
export const BORDER_REGIONS = '*border*';

export function openBorderSitrep(button) {
  return show('/sitreps/border-regions', borderReport, button);
}

export function openRegionSitrep(region, button) {
  return show(`/sitreps/regions/${encodeURIComponent(region)}`, regionReport, button);
}

/**
 * Put each incident's map of its area into its figure: SVG drawn by the server from its
 * bundled geodata (GET /sitreps/incidents/{id}/map.svg, read with the token), so the
 * printed report has it without any tiles. Resolves to 'true', or 'error' if one failed.
 */
async function fillMaps(body) {
  const figures = [...body.querySelectorAll('figure.sitrep-map[data-incident]')];
  const token = getToken();
  const results = await Promise.all(figures.map(async (figure) => {
    try {
      const reply = await fetch(`/api/v1/sitreps/incidents/${figure.dataset.incident}/map.svg`,
        { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
      const doc = new DOMParser().parseFromString(await reply.text(), 'image/svg+xml');
      if (doc.documentElement.nodeName !== 'svg') throw new Error('not an SVG');
      figure.replaceChildren(document.importNode(doc.documentElement, true), el('figcaption', {
        text: t('sitrep.view.mapCaption', 'The area: the incident (orange), its affected radius (dashed), affected settlements (named), open tasks (numbered), rivers and lakes, the state border (black dashes).'),
      }));
      return true;
    } catch (err) {
      figure.replaceChildren(el('figcaption', { class: 'form-error', text: t('sitrep.view.mapFailed', 'The map of the area could not be drawn: {why}', { why: err.message }) }));
      return false;
    }
  }));
  return results.every(Boolean) ? 'true' : 'error';
}

function printed() {
  return el('p', { class: 'sitrep-meta', text: t('sitrep.view.printed', 'Printed {hq} ({utc}).', { hq: formatHq(new Date()), utc: formatUtc(new Date()) }) });
}

function period(s) {
  return el('p', { class: 'sitrep-meta' }, t('sitrep.view.period', 'Period '), timeElement(s.since), t('sitrep.view.to', ' to '), timeElement(s.until),
    t('sitrep.view.prepared', ' · prepared '), timeElement(s.prepared_at),
    t('sitrep.view.byZone', ' by {by} · times in {zone}', { by: s.prepared_by, zone: hqTimezone() }),
    el('span', { class: 'screen-only', text: t('sitrep.view.hover', ' (hover for UTC)') }));
}

function change(n) {
  if (!n) return '';
  return n > 0 ? ` (+${num(n)})` : ` (${num(n)})`;
}

/** The server's sentence in English; in another language, the reported categories
 * from the figures ("no casualties reported" when none is). */
function casualtySummary(c) {
  if (language() === 'en') return c.summary;
  if (!c.reported?.length) return t('sitrep.view.noCasualties', 'no casualties reported');
  return countsWords(Object.fromEntries(c.reported.map((k) => [k, c[k]])));
}

function casualtyTable(counts, delta, reported = null) {
  const head = el('tr', {}, el('th', { scope: 'col', text: '' }), ...['killed', 'wounded', 'missing'].map((k) => el('th', { scope: 'col', class: 'num', text: t(`sitrep.view.${k}`, capital(k)) })));
  const rows = ['civilian', 'personnel'].map((g) => el('tr', {}, el('th', { scope: 'row', text: t(`sitrep.view.${g}`, capital(g)) }),
    ...['killed', 'wounded', 'missing'].map((k) => {
      const cat = `${g}_${k}`;
      const known = !reported || reported.includes(cat);
      return el('td', { class: 'num', text: known ? `${num(counts[cat])}${change(delta?.[cat])}` : '—' });
    })));
  return el('table', { class: 'sitrep-table' }, el('caption', { text: t('sitrep.view.casualtiesCaption', 'Casualties (change in the period in brackets)') }), el('thead', {}, head), el('tbody', {}, ...rows));
}

/** Displacement: evacuation orders in force, people to move / moved / remaining, shelters. */
function displacementTable(d, caption = t('sitrep.view.displacementCaption', 'Displacement (orders in force and shelters, as they stand now)')) {
  const cells = [
    [t('sitrep.displacement.orders', 'Orders in force'), d.orders], [t('sitrep.displacement.toMove', 'To move'), d.to_move],
    [t('sitrep.displacement.moved', 'Moved'), d.moved], [t('sitrep.displacement.remaining', 'Remaining'), d.remaining],
    [t('sitrep.displacement.sheltered', 'Sheltered'), d.sheltered], [t('sitrep.displacement.capacity', 'Shelter capacity'), d.shelter_capacity],
    [t('sitrep.displacement.room', 'Room'), d.shelter_capacity - d.sheltered],
  ];
  return el('table', { class: 'sitrep-table sitrep-displacement' }, el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, ...cells.map(([k]) => el('th', { scope: 'col', class: 'num', text: k })))),
    el('tbody', {}, el('tr', {}, ...cells.map(([, v]) => el('td', { class: 'num', text: num(v) })))));
}

/** Each incident's casualty figures (change in the period in brackets). */
function byIncidentTable(rows) {
  if (!rows.length) return [el('p', { text: t('sitrep.view.noIncidents', 'No incidents in the period.') })];
  const head = el('tr', {}, el('th', { scope: 'col', text: t('sitrep.col.incident', 'Incident') }), el('th', { scope: 'col', text: t('sitrep.col.region', 'Region') }),
    ...CATEGORIES.map((c) => el('th', { scope: 'col', class: 'num', text: capital(words(c)) })));
  const body = rows.map((i) => el('tr', {}, el('th', { scope: 'row', text: `#${i.incident_id} ${i.name}` }),
    el('td', { text: regionName(i.region) ?? '—' }),
    ...CATEGORIES.map((c) => el('td', { class: 'num', text: `${num(i.casualties[c] ?? 0)}${change(i.casualties_change[c])}` }))));
  return [el('table', { class: 'sitrep-table sitrep-by-incident' }, el('caption', { text: t('sitrep.view.byIncident', 'Casualties by incident') }),
    el('thead', {}, head), el('tbody', {}, ...body))];
}

/** The affected settlements, nearest first (0 km: inside the incident's area). */
function affectedTable(settlements, shown = 30) {
  if (!settlements.length) return [];
  const near = [...settlements].sort((a, b) => (a.distance_km ?? Infinity) - (b.distance_km ?? Infinity)
    || b.population - a.population);
  const head = el('tr', {}, el('th', { scope: 'col', text: t('sitrep.col.settlement', 'Settlement') }),
    el('th', { scope: 'col', class: 'num', text: t('sitrep.col.population', 'Population') }), el('th', { scope: 'col', class: 'num', text: t('sitrep.view.distance', 'Distance') }));
  const rows = near.slice(0, shown).map((x) => el('tr', {}, el('th', { scope: 'row', text: x.name }),
    el('td', { class: 'num', text: num(x.population) }),
    el('td', { class: 'num', text: x.distance_km == null ? '—' : t('unit.km', '{n} km', { n: num(Number(x.distance_km.toFixed(1))) }) })));
  const more = near.length > shown ? t('sitrep.view.nearest', ', the nearest {shown} of {n}', { shown, n: num(near.length) }) : '';
  return [el('table', { class: 'sitrep-table sitrep-affected' },
    el('caption', { text: t('sitrep.view.affectedCaption', 'Affected settlements by distance from the incident{more}', { more }) }),
    el('thead', {}, head), el('tbody', {}, ...rows))];
}

function deployed(list) {
  if (!list.length) return [el('p', { text: t('sitrep.view.noUnits', 'No units deployed in the period.') })];
  return list.map((d) => el('div', { class: 'sitrep-agency' },
    el('p', {}, el('strong', { text: d.agency_name }), t('sitrep.view.agencyUnits', ' ({code}): units: {n}', { code: d.agency_code, n: num(d.unit_count) })),
    el('ul', {}, ...d.units.map((u) => el('li', {}, t('sitrep.view.unitLine', '{unit} — {status}; task "{task}" {taskStatus}', { unit: u.unit_name, status: words(u.unit_status), task: u.task_title, taskStatus: words(u.task_status) }),
      u.assigned_at ? [t('sitrep.view.assigned', ', assigned '), timeElement(u.assigned_at)] : '')))));
}

function needs(list) {
  if (!list.length) return [el('p', { text: t('sitrep.view.noNeeds', 'No unmet needs.') })];
  return [el('ul', {}, ...list.map((n) => el('li', {}, t('sitrep.view.need', '{priority}: {title} — no unit yet; asked for {m} min ago', { priority: capital(words(n.priority)), title: n.title || n.text, m: num(n.open_for_minutes) }))))];
}

function incidentReport(s, level) {
  const h = (n, props, text) => el(`h${Math.min(6, level + n)}`, props, text);
  const i = s.incident;
  const out = [];
  out.push(level === 1
    ? h(0, { id: 'sitrep-heading', tabindex: '-1' }, t('sitrep.view.heading', 'SITREP — {what}', { what: i.name }))
    : h(0, { class: 'sitrep-incident-heading' }, `${i.name}`));
  if (level === 1) out.push(period(s));
  const facts = el('dl', { class: 'sitrep-facts' },
    el('dt', { text: t('sitrep.type', 'Type') }), el('dd', { text: `${t(`incidentType.${i.incident_type}`, s.incident_type_label)} (ACLED ${s.acled.event_type} — ${s.acled.sub_event_type})` }),
    el('dt', { text: t('sitrep.view.severity', 'Severity') }), el('dd', { text: words(i.severity) }),
    el('dt', { text: t('sitrep.view.state', 'State') }), el('dd', { text: words(i.state) }),
    el('dt', { text: t('sitrep.col.region', 'Region') }), el('dd', { text: regionWithCode(i.region) ?? '—' }),
    el('dt', { text: t('sitrep.view.place', 'Place') }), el('dd', { text: `${i.reference_point.lat.toFixed(4)}° N, ${i.reference_point.lon.toFixed(4)}° E${s.place?.type === 'Polygon' ? t('sitrep.view.area', ' (area)') : ''}` }),
    el('dt', { text: t('sitrep.lead', 'Lead agency') }), el('dd', { text: s.command.lead ? s.command.lead.name : t('sitrep.view.noneNamed', 'none named') }),
    el('dt', { text: t('sitrep.supporting', 'Supporting') }), el('dd', { text: s.command.supporting.map((a) => a.name).join(', ') || t('sitrep.nobody', 'none') }),
    el('dt', { text: t('sitrep.reports', 'Reports') }), el('dd', { text: num(s.reports_total) }));
  out.push(facts);
  out.push(el('figure', { class: 'sitrep-map', 'data-incident': String(i.id) }));
  out.push(h(1, {}, t('sitrep.view.casualties', 'Casualties')), el('p', { class: 'sitrep-casualty-summary', text: casualtySummary(s.casualties) }), casualtyTable(s.casualties, s.casualties_change, s.casualties.reported));
  out.push(h(1, {}, t('sitrep.view.displacement', 'Displacement')), displacementTable(s.displacement));
  out.push(h(1, {}, t('sitrep.view.affected', 'Affected settlements')),
    el('p', { text: t('sitrep.view.affectedLine', '{n} settlements, {people} people within {km} km.', { n: num(s.affected.settlement_count), people: num(s.affected.population), km: num(s.affected.radius_km) }) }),
    ...affectedTable(s.affected.settlements));
  out.push(h(1, {}, t('sitrep.view.unitsDeployed', 'Units deployed')), ...deployed(s.units_deployed));
  out.push(h(1, {}, t('sitrep.view.tasksNeeds', 'Open tasks and needs')), ...needs(s.needs));
  out.push(h(1, {}, t('sitrep.whatHappened', 'What happened')));
  out.push(s.what_happened.length
    ? el('ol', { class: 'sitrep-happened' }, ...s.what_happened.map((e) => el('li', {}, timeElement(e.at), ` ${t(`timeline.${e.kind}`, words(e.kind))}: ${timelineText(e)} — ${e.actor}`)))
    : el('p', { text: t('sitrep.view.nothing', 'Nothing recorded in the period.') }));
  return level === 1 ? out : [el('section', { class: 'sitrep-incident', dataset: { incidentId: String(i.id) } }, ...out)];
}

function regionReport(s) {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, s.casualties[c] ?? 0]));
  return [
    el('h1', { id: 'sitrep-heading', tabindex: '-1', text: t('sitrep.view.heading', 'SITREP — {what}', { what: s.region_name }) }),
    period(s),
    el('p', { text: t('sitrep.view.regionLine', 'Incidents open in the period: {incidents}; open tasks: {tasks}; affected: {settlements} settlements, {people} people.', { incidents: num(s.incident_count), tasks: num(s.open_tasks), settlements: num(s.affected_settlement_count), people: num(s.affected_population) }) }),
    el('h2', { text: t('sitrep.view.casualtiesAll', 'Casualties, all incidents') }), casualtyTable(counts, s.casualties_change),
    ...byIncidentTable(s.casualties_by_incident),
    el('h2', { text: t('sitrep.view.displacement', 'Displacement') }), displacementTable(s.displacement),
    el('h2', { text: t('sitrep.view.unitsDeployed', 'Units deployed') }), ...deployed(s.units_deployed),
    el('h2', { text: t('sitrep.view.needs', 'Needs') }), ...needs(s.needs),
    el('h2', { text: t('tab.incidents', 'Incidents') }),
    ...(s.incidents.length ? s.incidents.flatMap((x) => incidentReport(x, 2)) : [el('p', { text: t('sitrep.none', 'None.') })]),
    printed(),
  ];
}

function borderReport(s) {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, s.casualties[c] ?? 0]));
  return [
    el('h1', { id: 'sitrep-heading', tabindex: '-1', text: t('sitrep.view.heading', 'SITREP — {what}', { what: t('sitrep.borderRegions', 'all border regions') }) }),
    period(s),
    el('p', { text: t('sitrep.view.borderLine', 'Regions: {regions}; incidents open in the period: {incidents}.', { regions: num(s.regions.length), incidents: num(s.incident_count) }) }),
    el('h2', { text: t('sitrep.view.casualtiesBorder', 'Casualties, all border regions') }), casualtyTable(counts, s.casualties_change),
    ...byIncidentTable(s.casualties_by_incident),
    el('h2', { text: t('sitrep.view.displacementBorder', 'Displacement, all border regions') }), displacementTable(s.displacement),
    ...s.regions.flatMap((r) => [
      el('h2', { text: t('sitrep.view.regionHeading', '{name} ({code}): incidents: {n}', { name: r.region_name, code: r.region, n: num(r.incident_count) }) }),
      casualtyTable(r.casualties, r.casualties_change),
      displacementTable(r.displacement, t('sitrep.view.displacementIn', 'Displacement in {region}', { region: r.region_name })),
    ]),
    printed(),
  ];
}
