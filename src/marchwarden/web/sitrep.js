// Situation reports (ICS 209-like) in a printable view over the page.
//
// A plain link to /api/v1/sitreps/... cannot carry the bearer token, so the report's JSON
// is read with the token (api.js) and laid out here, with every time in the HQ's zone and
// UTC on hover (time.js). incidents.css has the print rules: printing shows this view only.

import { api, ApiError, getToken } from './api.js';
import { capital, el, num, words } from './dom.js';
import { formatHq, formatUtc, hqTimezone, timeElement } from './time.js';

const CATEGORIES = [
  'civilian_killed', 'civilian_wounded', 'civilian_missing',
  'personnel_killed', 'personnel_wounded', 'personnel_missing',
];

let view = null;
let opener = null;

function ensureView() {
  if (view) return view;
  const print = el('button', { type: 'button', id: 'sitrep-print', text: 'Print' });
  print.addEventListener('click', () => window.print());
  const close = el('button', { type: 'button', class: 'button-quiet', id: 'sitrep-close', text: 'Close' });
  close.addEventListener('click', closeSitrep);
  const body = el('article', { class: 'sitrep-body', id: 'sitrep-body' });
  view = el('div', { class: 'sitrep-view', id: 'sitrep-view', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'sitrep-heading' },
    el('div', { class: 'sitrep-toolbar' }, el('span', { class: 'sitrep-toolbar-title', text: 'Situation report' }), print, close),
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
  body.replaceChildren(el('p', { class: 'board-empty', text: 'Preparing the situation report…' }));
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
    body.replaceChildren(el('h1', { id: 'sitrep-heading', tabindex: '-1', text: 'Situation report' }),
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
        text: 'The area: the incident (orange), its affected radius (dashed), affected settlements (named), open tasks (numbered), rivers and lakes, the state border (black dashes).',
      }));
      return true;
    } catch (err) {
      figure.replaceChildren(el('figcaption', { class: 'form-error', text: `The map of the area could not be drawn: ${err.message}` }));
      return false;
    }
  }));
  return results.every(Boolean) ? 'true' : 'error';
}

function period(s) {
  return el('p', { class: 'sitrep-meta' }, 'Period ', timeElement(s.since), ' to ', timeElement(s.until),
    ` · prepared `, timeElement(s.prepared_at), ` by ${s.prepared_by} · times in ${hqTimezone()}`,
    el('span', { class: 'screen-only', text: ' (hover for UTC)' }));
}

function change(n) {
  if (!n) return '';
  return n > 0 ? ` (+${num(n)})` : ` (${num(n)})`;
}

function casualtyTable(counts, delta, reported = null) {
  const head = el('tr', {}, el('th', { scope: 'col', text: '' }), ...['killed', 'wounded', 'missing'].map((k) => el('th', { scope: 'col', class: 'num', text: capital(k) })));
  const rows = ['civilian', 'personnel'].map((g) => el('tr', {}, el('th', { scope: 'row', text: capital(g) }),
    ...['killed', 'wounded', 'missing'].map((k) => {
      const cat = `${g}_${k}`;
      const known = !reported || reported.includes(cat);
      return el('td', { class: 'num', text: known ? `${num(counts[cat])}${change(delta?.[cat])}` : '—' });
    })));
  return el('table', { class: 'sitrep-table' }, el('caption', { text: 'Casualties (change in the period in brackets)' }), el('thead', {}, head), el('tbody', {}, ...rows));
}

/** Displacement: evacuation orders in force, people to move / moved / remaining, shelters. */
function displacementTable(d, caption = 'Displacement (orders in force and shelters, as they stand now)') {
  const cells = [
    ['Orders in force', d.orders], ['To move', d.to_move], ['Moved', d.moved], ['Remaining', d.remaining],
    ['Sheltered', d.sheltered], ['Shelter capacity', d.shelter_capacity], ['Room', d.shelter_capacity - d.sheltered],
  ];
  return el('table', { class: 'sitrep-table sitrep-displacement' }, el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, ...cells.map(([k]) => el('th', { scope: 'col', class: 'num', text: k })))),
    el('tbody', {}, el('tr', {}, ...cells.map(([, v]) => el('td', { class: 'num', text: num(v) })))));
}

/** Each incident's casualty figures (change in the period in brackets). */
function byIncidentTable(rows) {
  if (!rows.length) return [el('p', { text: 'No incidents in the period.' })];
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Incident' }), el('th', { scope: 'col', text: 'Region' }),
    ...CATEGORIES.map((c) => el('th', { scope: 'col', class: 'num', text: capital(words(c)) })));
  const body = rows.map((i) => el('tr', {}, el('th', { scope: 'row', text: `#${i.incident_id} ${i.name}` }),
    el('td', { text: i.region ?? '—' }),
    ...CATEGORIES.map((c) => el('td', { class: 'num', text: `${num(i.casualties[c] ?? 0)}${change(i.casualties_change[c])}` }))));
  return [el('table', { class: 'sitrep-table sitrep-by-incident' }, el('caption', { text: 'Casualties by incident' }),
    el('thead', {}, head), el('tbody', {}, ...body))];
}

/** The affected settlements, nearest first (0 km: inside the incident's area). */
function affectedTable(settlements, shown = 30) {
  if (!settlements.length) return [];
  const near = [...settlements].sort((a, b) => (a.distance_km ?? Infinity) - (b.distance_km ?? Infinity)
    || b.population - a.population);
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Settlement' }),
    el('th', { scope: 'col', class: 'num', text: 'Population' }), el('th', { scope: 'col', class: 'num', text: 'Distance' }));
  const rows = near.slice(0, shown).map((x) => el('tr', {}, el('th', { scope: 'row', text: x.name }),
    el('td', { class: 'num', text: num(x.population) }),
    el('td', { class: 'num', text: x.distance_km == null ? '—' : `${x.distance_km.toFixed(1)} km` })));
  const more = near.length > shown ? `, the nearest ${shown} of ${num(near.length)}` : '';
  return [el('table', { class: 'sitrep-table sitrep-affected' },
    el('caption', { text: `Affected settlements by distance from the incident${more}` }),
    el('thead', {}, head), el('tbody', {}, ...rows))];
}

function deployed(list) {
  if (!list.length) return [el('p', { text: 'No units deployed in the period.' })];
  return list.map((d) => el('div', { class: 'sitrep-agency' },
    el('p', {}, el('strong', { text: d.agency_name }), ` (${d.agency_code}): ${d.unit_count} unit${d.unit_count === 1 ? '' : 's'}`),
    el('ul', {}, ...d.units.map((u) => el('li', {}, `${u.unit_name} — ${words(u.unit_status)}; task "${u.task_title}" ${words(u.task_status)}`,
      u.assigned_at ? [', assigned ', timeElement(u.assigned_at)] : '')))));
}

function needs(list) {
  if (!list.length) return [el('p', { text: 'No unmet needs.' })];
  return [el('ul', {}, ...list.map((n) => el('li', {}, `${capital(n.priority)}: ${n.title || n.text} — no unit yet; asked for ${num(n.open_for_minutes)} min ago`)))];
}

function incidentReport(s, level) {
  const h = (n, props, text) => el(`h${Math.min(6, level + n)}`, props, text);
  const i = s.incident;
  const out = [];
  out.push(level === 1
    ? h(0, { id: 'sitrep-heading', tabindex: '-1' }, `SITREP — ${i.name}`)
    : h(0, { class: 'sitrep-incident-heading' }, `${i.name}`));
  if (level === 1) out.push(period(s));
  const facts = el('dl', { class: 'sitrep-facts' },
    el('dt', { text: 'Type' }), el('dd', { text: `${s.incident_type_label} (ACLED ${s.acled.event_type} — ${s.acled.sub_event_type})` }),
    el('dt', { text: 'Severity' }), el('dd', { text: i.severity }),
    el('dt', { text: 'State' }), el('dd', { text: i.state }),
    el('dt', { text: 'Region' }), el('dd', { text: i.region ?? '—' }),
    el('dt', { text: 'Place' }), el('dd', { text: `${i.reference_point.lat.toFixed(4)}° N, ${i.reference_point.lon.toFixed(4)}° E${s.place?.type === 'Polygon' ? ' (area)' : ''}` }),
    el('dt', { text: 'Lead agency' }), el('dd', { text: s.command.lead ? s.command.lead.name : 'none named' }),
    el('dt', { text: 'Supporting' }), el('dd', { text: s.command.supporting.map((a) => a.name).join(', ') || 'none' }),
    el('dt', { text: 'Reports' }), el('dd', { text: num(s.reports_total) }));
  out.push(facts);
  out.push(el('figure', { class: 'sitrep-map', 'data-incident': String(i.id) }));
  out.push(h(1, {}, 'Casualties'), el('p', { text: s.casualties.summary }), casualtyTable(s.casualties, s.casualties_change, s.casualties.reported));
  out.push(h(1, {}, 'Displacement'), displacementTable(s.displacement));
  out.push(h(1, {}, 'Affected settlements'),
    el('p', { text: `${num(s.affected.settlement_count)} settlements, ${num(s.affected.population)} people within ${s.affected.radius_km} km.` }),
    ...affectedTable(s.affected.settlements));
  out.push(h(1, {}, 'Units deployed'), ...deployed(s.units_deployed));
  out.push(h(1, {}, 'Open tasks and needs'), ...needs(s.needs));
  out.push(h(1, {}, 'What happened'));
  out.push(s.what_happened.length
    ? el('ol', { class: 'sitrep-happened' }, ...s.what_happened.map((e) => el('li', {}, timeElement(e.at), ` ${words(e.kind)}: ${e.text} — ${e.actor}`)))
    : el('p', { text: 'Nothing recorded in the period.' }));
  return level === 1 ? out : [el('section', { class: 'sitrep-incident', dataset: { incidentId: String(i.id) } }, ...out)];
}

function regionReport(s) {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, s.casualties[c] ?? 0]));
  return [
    el('h1', { id: 'sitrep-heading', tabindex: '-1', text: `SITREP — ${s.region_name}` }),
    period(s),
    el('p', { text: `${num(s.incident_count)} incident${s.incident_count === 1 ? '' : 's'} open in the period; ${num(s.open_tasks)} open task${s.open_tasks === 1 ? '' : 's'}; ${num(s.affected_settlement_count)} settlements and ${num(s.affected_population)} people affected.` }),
    el('h2', { text: 'Casualties, all incidents' }), casualtyTable(counts, s.casualties_change),
    ...byIncidentTable(s.casualties_by_incident),
    el('h2', { text: 'Displacement' }), displacementTable(s.displacement),
    el('h2', { text: 'Units deployed' }), ...deployed(s.units_deployed),
    el('h2', { text: 'Needs' }), ...needs(s.needs),
    el('h2', { text: 'Incidents' }),
    ...(s.incidents.length ? s.incidents.flatMap((x) => incidentReport(x, 2)) : [el('p', { text: 'None.' })]),
    el('p', { class: 'sitrep-meta', text: `Printed ${formatHq(new Date())} (${formatUtc(new Date())}).` }),
  ];
}

function borderReport(s) {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, s.casualties[c] ?? 0]));
  return [
    el('h1', { id: 'sitrep-heading', tabindex: '-1', text: 'SITREP — all border regions' }),
    period(s),
    el('p', { text: `${num(s.regions.length)} region${s.regions.length === 1 ? '' : 's'}, ${num(s.incident_count)} incident${s.incident_count === 1 ? '' : 's'} open in the period.` }),
    el('h2', { text: 'Casualties, all border regions' }), casualtyTable(counts, s.casualties_change),
    ...byIncidentTable(s.casualties_by_incident),
    el('h2', { text: 'Displacement, all border regions' }), displacementTable(s.displacement),
    ...s.regions.flatMap((r) => [
      el('h2', { text: `${r.region_name} (${r.region}): ${num(r.incident_count)} incident${r.incident_count === 1 ? '' : 's'}` }),
      casualtyTable(r.casualties, r.casualties_change),
      displacementTable(r.displacement, `Displacement in ${r.region_name}`),
    ]),
    el('p', { class: 'sitrep-meta', text: `Printed ${formatHq(new Date())} (${formatUtc(new Date())}).` }),
  ];
}
