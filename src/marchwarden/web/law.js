// The "Law" board: the acts (status, dates, grants in words) and the what-if — add
// proposed acts to the acts in force and see who gains which power, by region, and which
// border settlements come within reach of a unit holding a power (a chart here, rings on
// the map). The server computes everything (GET /api/v1/whatif); this only shows it.

import { api, ApiError } from './api.js';
import { el } from './dom.js';
import { locale, t } from './i18n.js';
import { onEvent } from './events.js';
import { session } from './session.js';
import { registerTab, whenShownOrPictured } from './tabs.js';
import { formatUtc, hqTimezone, timeElement } from './time.js';
import { showUnit, allUnits } from './units.js';
import { kindOf } from './unitsymbols.js';
import { releaseSection } from './release.js';
import { regionName, regionWithCode } from './regions.js';

const SVG = 'http://www.w3.org/2000/svg';
const OVERLAY = 'What-if coverage';
const COLOURS = { gained: '#0072B2', lost: '#D55E00', before: '#8C8C8C', after: '#0072B2' };
/** The what-if ring's radius on the map, px: wider than a unit's symbol, so it shows around it. */
const RING_RADIUS = 20;

const STATUS_WORDS = { draft: 'draft', proposed: 'proposed', in_force: 'in force', repealed: 'repealed' };

const ui = {};
let powerLabels = {};
let acts = [];
let overlay = null;
let legendControl = null;
let lastResult = null;

function svg(name, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

const number = (n) => Number(n).toLocaleString(locale());
const signed = (n) => (n > 0 ? `+${number(n)}` : n < 0 ? `−${number(-n)}` : '±0');
const words = (code) => String(code).replace(/_/g, ' ');

function listWords(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')}${t('law.and', ' and ')}${items[items.length - 1]}`;
}

// ------------------------------------------------------------------ acts in words

/** "army, border service and national guard forces", "company units". */
function categoriesWords(categories) {
  const kinds = categories.filter((c) => c.axis === 'agency_kind').map((c) => t(`agencyKind.${c.code}`, kindOf(c.code).label).toLowerCase());
  const others = categories.filter((c) => c.axis !== 'agency_kind').map((c) => t('law.categoryUnits', '{category} units', { category: words(c.code) }));
  return listWords([...(kinds.length ? [t('law.forces', '{kinds} forces', { kinds: listWords(kinds) })] : []), ...others]);
}

function conditionWords(c) {
  switch (c.kind) {
    case 'qualification': return t('law.qualification', 'hold a valid {name} qualification', { name: words(c.value) });
    case 'training': return t('law.training', 'have completed the {name} training', { name: words(c.value) });
    case 'fit': return t('law.fit', 'are certified medically fit');
    case 'unit_activated': return t('law.activated', 'belong to a unit under an activation order');
    default: return words(c.kind);
  }
}

/** "c.2 — Carry and use weapons: members of volunteer self-defence forces who …". */
export function grantWords(g) {
  const power = t(`power.${g.power}`, powerLabels[g.power] ?? words(g.power));
  const who = categoriesWords(g.categories);
  const conditions = g.conditions.map(conditionWords);
  const when = conditions.length ? t('law.who', ' who {conditions}', { conditions: listWords(conditions) }) : '';
  const unit = g.min_members === 1
    ? t('law.unitOne', 'a unit holds it when one of its members does')
    : t('law.unitMany', 'a unit holds it when at least {n} of its members do', { n: number(g.min_members) });
  return t('law.grant', '{clause} — {power}: members of {who}{when}; {unit}.', { clause: g.clause, power, who, when, unit });
}

/** A day with its year in the HQ's time zone ("1 Jul 2014"), UTC on hover. */
function dayElement(value) {
  const date = new Date(value);
  const node = document.createElement('time');
  node.dateTime = date.toISOString();
  node.textContent = new Intl.DateTimeFormat(locale(), {
    timeZone: hqTimezone(), day: 'numeric', month: 'short', year: 'numeric',
  }).format(date);
  node.title = formatUtc(date);
  return node;
}

export function datesOf(act) {
  const parts = [];
  const from = act.effective_from ? dayElement(act.effective_from) : null;
  const to = act.effective_to ? dayElement(act.effective_to) : null;
  if (act.status === 'in_force') {
    parts.push(t('act.inForceSince', 'In force since '), from ?? t('act.unrecorded', 'an unrecorded date'));
    if (to) parts.push(t('act.until', ' until '), to);
  } else if (act.status === 'repealed') {
    parts.push(t('act.repealed', 'Repealed'));
    if (from) parts.push(t('act.wasInForce', '; was in force since '), from);
    if (to) parts.push(t('act.until', ' until '), to);
  } else if (act.status === 'proposed') {
    parts.push(t('act.proposed', 'Proposed; '));
    if (from) parts.push(t('act.wouldApplyAsOf', 'would apply as of '), from);
    else parts.push(t('act.wouldApplyOnPassing', 'would apply from the day it passes'));
  } else {
    parts.push(t('act.draft', 'Draft'));
  }
  parts.push(act.regions ? t('act.appliesIn', '. Applies in {regions}.', { regions: act.regions.map(regionName).join(', ') }) : t('act.appliesEverywhere', '. Applies everywhere.'));
  return parts;
}

function renderActs() {
  const list = el('ul', { class: 'act-list', id: 'act-list' });
  for (const act of acts) {
    list.append(el('li', { class: 'act', dataset: { reference: act.reference, status: act.status } },
      el('div', { class: 'act-head' },
        el('strong', { class: 'act-ref', text: act.reference }),
        el('span', { class: 'act-status', dataset: { status: act.status }, text: t(`act.status.${act.status}`, STATUS_WORDS[act.status] ?? act.status) })),
      el('div', { class: 'act-title', text: act.title }),
      el('p', { class: 'act-dates' }, ...datesOf(act)),
      el('ul', { class: 'grant-list' }, ...act.grants.map((g) => el('li', { text: grantWords(g), title: g.description ?? '' })))));
  }
  ui.acts.replaceChildren(acts.length ? list : el('p', { class: 'board-empty', text: t('act.none', 'No acts are recorded.') }));
  renderProposed();
}

function renderProposed() {
  if (!ui.proposed) return;
  const chosen = new Set([...ui.proposed.querySelectorAll('input:checked')].map((i) => i.value));
  const first = !ui.proposed.dataset.filled;
  const proposed = acts.filter((a) => a.status === 'proposed');
  const boxes = proposed.map((a) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', name: 'with', value: a.reference, checked: first || chosen.has(a.reference) }),
    ` ${a.reference} — ${a.title}`));
  ui.proposed.replaceChildren(el('legend', { text: t('whatif.proposedLegend', 'Proposed acts to add to the acts in force') }),
    ...(boxes.length ? boxes : [el('p', { class: 'board-empty', text: t('whatif.noneProposed', 'No act is proposed at the moment.') })]));
  ui.proposed.dataset.filled = 'true';
  ui.run.disabled = proposed.length === 0;
}

async function loadActs() {
  try {
    const [actList, powers] = await Promise.all([api('/acts'), api('/powers')]);
    powerLabels = Object.fromEntries(powers.map((p) => [p.power, t(`power.${p.power}`, p.label)]));
    acts = actList;
    if (ui.power && !ui.power.options.length) {
      ui.power.append(...powers.map((p) => el('option', { value: p.power, text: powerLabels[p.power], selected: p.power === 'armed_response' })));
    }
    renderActs();
  } catch (err) {
    ui.acts.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: `${t('act.loadFailed', 'The acts could not be loaded.')} ${err.message}` }));
  }
}

// ------------------------------------------------------------------ the what-if result

function unitButton(ref) {
  const known = allUnits().has(ref.id);
  if (!known) return el('span', { text: ref.name });
  const b = el('button', { type: 'button', class: 'unit-link', text: ref.name, title: t('whatif.unitTitle', '{code}: show on the map and open', { code: ref.code }) });
  b.addEventListener('click', () => showUnit(ref.id));
  return b;
}

function unitsCell(refs) {
  if (!refs.length) return el('span', { class: 'board-empty', text: '—' });
  const list = el('ul', { class: 'whatif-units' }, ...refs.map((r) => el('li', {}, unitButton(r))));
  if (refs.length <= 6) return list;
  return el('details', {}, el('summary', { text: t('whatif.nUnits', '{n} units', { n: number(refs.length) }) }), list);
}

function powerSection(p) {
  const table = el('table', { class: 'whatif-regions' },
    el('caption', { class: 'visually-hidden', text: t('whatif.byRegion', '{power}: changes by region', { power: powerLabels[p.power] ?? p.label }) }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('sitrep.col.region', 'Region') }), el('th', { scope: 'col', text: t('whatif.members', 'Members') }),
      el('th', { scope: 'col', text: t('tab.units', 'Units') }), el('th', { scope: 'col', text: t('whatif.unitsGaining', 'Units gaining') }))),
    el('tbody', {}, ...p.regions.map((r) => el('tr', { dataset: { region: r.region } },
      el('th', { scope: 'row', text: regionWithCode(r.region) }),
      el('td', { class: 'num', text: `${number(r.members_before)} → ${number(r.members_after)} (${signed(r.members_gained - r.members_lost)})` }),
      el('td', { class: 'num', text: `${number(r.units_before)} → ${number(r.units_after)}` }),
      el('td', {}, unitsCell(r.units_gaining),
        r.units_losing.length ? el('div', { class: 'losing' }, t('whatif.losing', 'Losing: '), unitsCell(r.units_losing)) : null)))));
  const lost = p.members_lost || p.units_lost ? t('whatif.loseIt', ' ({members} members and {units} units lose it)', { members: number(p.members_lost), units: number(p.units_lost) }) : '';
  return el('section', { class: 'whatif-power', dataset: { power: p.power } },
    el('h4', {}, powerLabels[p.power] ?? p.label, ' ', el('code', { text: p.power })),
    el('p', { class: 'whatif-gain' },
      el('strong', { class: 'members-gained', text: t('whatif.membersSigned', '{n} members', { n: signed(p.members_gained) }) }), t('whatif.and', ' and '),
      el('strong', { class: 'units-gained', text: t('whatif.unitsSigned', '{n} units', { n: signed(p.units_gained) }) }), t('whatif.gainPower', ' gain this power{lost}.', { lost })),
    el('div', { class: 'table-scroll' }, table));
}

/** A bar chart of covered settlements and people, before and after, as inline SVG. */
export function coverageChart(c) {
  const rows = [
    ['settlements', 'before', c.covered_before, c.settlements_considered],
    ['settlements', 'after', c.covered_after, c.settlements_considered],
    ['people', 'before', c.population_before, c.population_considered],
    ['people', 'after', c.population_after, c.population_considered],
  ];
  const left = 132;
  const width = 460; // room for "1,292,142 (100%)" after the bar
  const barMax = 150;
  const rowH = 24;
  const top = 8;
  const height = top + rows.length * rowH + 14 + 20;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, width: '100%', class: 'coverage-chart', id: 'coverage-chart',
    role: 'img', 'aria-labelledby': 'coverage-chart-title coverage-chart-desc',
  });
  chart.append(svg('title', { id: 'coverage-chart-title' }, t('whatif.chartTitle', 'Coverage of border settlements for {power}, before and after', { power: powerLabels[c.power] ?? words(c.power) })));
  const desc = t('whatif.chartDesc', 'Settlements: {sb} before, {sa} after, of {sn}. People: {pb} before, {pa} after, of {pn}.', {
    sb: number(c.covered_before), sa: number(c.covered_after), sn: number(c.settlements_considered),
    pb: number(c.population_before), pa: number(c.population_after), pn: number(c.population_considered),
  });
  chart.append(svg('desc', { id: 'coverage-chart-desc' }, desc));
  rows.forEach(([what, when, value, total], i) => {
    const y = top + i * rowH + (i >= 2 ? 14 : 0);
    const share = total > 0 ? value / total : 0;
    const w = Math.max(value > 0 ? 2 : 0, Math.round(share * barMax));
    const g = svg('g', { class: `bar bar-${when}`, 'data-what': what, 'data-when': when, 'data-value': value });
    g.append(svg('text', { x: left - 6, y: y + 12, 'text-anchor': 'end', class: 'bar-label' }, t(`whatif.bar.${what}.${when}`, `${what.charAt(0).toUpperCase()}${what.slice(1)}, ${when}`)));
    g.append(svg('rect', { x: left, y: y + 1, width: barMax, height: 16, class: 'bar-track', fill: '#F2F4F7', stroke: '#C9CED6' }));
    const bar = svg('rect', {
      x: left, y: y + 1, width: w, height: 16, fill: when === 'after' ? COLOURS.after : '#FFFFFF',
      stroke: when === 'after' ? '#00476F' : '#4D4D4D', 'stroke-width': 1.2,
      'stroke-dasharray': when === 'before' ? '3 2' : 'none', class: 'bar-value',
    });
    g.append(bar);
    const pct = total > 0 ? ` (${Math.round(share * 100)}%)` : '';
    g.append(svg('text', { x: left + barMax + 6, y: y + 13, class: 'bar-number' }, `${number(value)}${pct}`));
    chart.append(g);
  });
  chart.append(svg('text', { x: left, y: height - 4, class: 'bar-note' },
    t('whatif.barNote', 'bar: share of all considered')));
  return chart;
}

function settlementList(items, kind) {
  return el('ol', { class: `settlement-list settlement-${kind}` }, ...items.map((s) => el('li', {
    dataset: { settlement: String(s.id) },
    text: t('whatif.settlement', '{name} ({region}), {people} people', { name: s.name, region: regionName(s.region), people: number(s.population) })
      + (kind === 'gained' && s.minutes_after != null ? t('whatif.minutes', ', {n} min', { n: Math.round(s.minutes_after) }) : ''),
  })));
}

function renderResult(result) {
  lastResult = result;
  const c = result.coverage;
  const label = powerLabels[c.power] ?? words(c.power);
  const powers = result.powers.length
    ? result.powers.map(powerSection)
    : [el('p', { class: 'board-empty', text: t('whatif.nobody', 'Nobody gains or loses any power.') })];
  const gainedPeople = c.population_after - c.population_before;
  const showButton = el('button', { type: 'button', class: 'button-quiet', id: 'whatif-show-map', text: t('whatif.showMap', 'Show these settlements on the map') });
  showButton.addEventListener('click', () => fitOverlay());
  showButton.hidden = !window.marchwarden?.map || (c.gained.length + c.lost.length) === 0;
  ui.result.replaceChildren(
    el('h3', { id: 'whatif-heading', tabindex: '-1' }, t('whatif.heading', 'Acts in force + {acts}', { acts: result.proposed.join(' + ') })),
    el('p', { class: 'whatif-meta' }, t('whatif.comparedAt', 'Compared with the acts in force, at '), timeElement(result.at),
      t('whatif.noUnitMoved', '. No unit is moved (army units moved: {n}).', { n: result.army_units_moved })),
    el('section', { class: 'whatif-powers' }, el('h4', { class: 'visually-hidden', text: t('whatif.powersGained', 'Powers gained') }), ...powers),
    el('section', { class: 'whatif-coverage', id: 'whatif-coverage' },
      el('h4', { text: t('whatif.withinReach', 'Border settlements within reach for {power}', { power: label.toLowerCase() }) }),
      el('p', { class: 'whatif-explain', text: t('whatif.explainCoverage',
        'Settlements of the border regions within {band} km of the state border that a unit holding {power} reaches within {minutes} minutes ({model}): {n} settlements, {people} people. Units before: {before}, after: {after}.',
        { band: number(c.border_band_km), power: label.toLowerCase(), minutes: number(c.minutes), model: c.travel_model, n: number(c.settlements_considered), people: number(c.population_considered), before: number(c.units_before), after: number(c.units_after) }) }),
      coverageChart(c),
      el('p', { class: 'whatif-sum' },
        el('strong', { text: t('whatif.sum', '{settlements} settlements, {people} people', { settlements: signed(c.covered_after - c.covered_before), people: signed(gainedPeople) }) }),
        t('whatif.sumDetail', ' covered (before {sb} / {pb} people; after {sa} / {pa} people).', { sb: number(c.covered_before), pb: number(c.population_before), sa: number(c.covered_after), pa: number(c.population_after) })),
      c.gained.length ? el('h5', { text: t('whatif.gaining', 'Gaining coverage ({n})', { n: c.gained.length }) }) : null,
      c.gained.length ? settlementList(c.gained, 'gained') : null,
      c.lost.length ? el('h5', { text: t('whatif.losingCoverage', 'Losing coverage ({n})', { n: c.lost.length }) }) : null,
      c.lost.length ? settlementList(c.lost, 'lost') : null,
      showButton),
  );
  ui.result.dataset.state = 'done';
  drawOverlay(result);
}

async function run(event) {
  event.preventDefault();
  const chosen = [...ui.proposed.querySelectorAll('input:checked')].map((i) => i.value);
  ui.error.textContent = '';
  if (!chosen.length) {
    ui.error.textContent = t('whatif.chooseAct', 'Choose at least one proposed act.');
    ui.proposed.querySelector('input')?.focus();
    return;
  }
  const minutes = Number(ui.minutes.value);
  const band = Number(ui.band.value);
  if (!(minutes > 0 && minutes <= 1440)) {
    ui.error.textContent = t('whatif.badMinutes', 'Minutes must be more than 0 and at most 1,440.');
    ui.minutes.focus();
    return;
  }
  if (!(band > 0 && band <= 500)) {
    ui.error.textContent = t('whatif.badBand', 'The border band must be more than 0 and at most 500 km.');
    ui.band.focus();
    return;
  }
  const query = new URLSearchParams();
  for (const ref of chosen) query.append('with', ref);
  query.set('power', ui.power.value || 'armed_response');
  query.set('minutes', String(minutes));
  query.set('band_km', String(band));
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page
  if (ui.run.getAttribute('aria-disabled') === 'true') return;
  ui.run.setAttribute('aria-disabled', 'true');
  ui.result.dataset.state = 'running';
  ui.stale.hidden = true;
  ui.status.textContent = t('whatif.running', 'Running the what-if…');
  try {
    const result = await api(`/whatif?${query}`);
    ui.status.textContent = '';
    renderResult(result);
    ui.result.querySelector('#whatif-heading')?.focus();
  } catch (err) {
    ui.status.textContent = '';
    ui.result.dataset.state = 'failed';
    ui.error.textContent = err instanceof ApiError ? err.message : String(err);
  } finally {
    ui.run.removeAttribute('aria-disabled');
  }
}

// ------------------------------------------------------------------ the map overlay

function ringIcon(kind) {
  const s = svg('svg', { viewBox: '0 0 24 24', width: 22, height: 22, 'aria-hidden': 'true' });
  s.append(svg('circle', { cx: 12, cy: 12, r: 8, fill: 'none', stroke: '#FFFFFF', 'stroke-width': 6 }));
  s.append(svg('circle', {
    cx: 12, cy: 12, r: 8, fill: 'none', stroke: COLOURS[kind], 'stroke-width': 3,
    'stroke-dasharray': kind === 'lost' ? '4 3' : 'none',
  }));
  s.append(svg('circle', { cx: 12, cy: 12, r: 3, fill: '#2B2B2B' }));
  return s;
}

function overlayLegend(L, result) {
  const c = result.coverage;
  const box = el('div', { class: 'map-legend whatif-legend', id: 'whatif-legend' },
    el('strong', { text: t('whatif.legendTitle', 'What-if: + {acts}', { acts: result.proposed.join(' + ') }) }),
    el('div', {}, ringIcon('gained'), t('whatif.legendGains', ' gains coverage for {power}: {n} ({people} people)', { power: (powerLabels[c.power] ?? words(c.power)).toLowerCase(), n: c.gained.length, people: number(c.gained.reduce((n, s) => n + s.population, 0)) })),
    c.lost.length ? el('div', {}, ringIcon('lost'), t('whatif.legendLoses', ' loses coverage: {n}', { n: c.lost.length })) : null);
  const clear = el('button', { type: 'button', class: 'button-quiet', text: t('release.clear', 'Clear'), id: 'whatif-clear' });
  clear.addEventListener('click', () => clearOverlay());
  box.append(clear);
  L.DomEvent.disableClickPropagation(box);
  return box;
}

async function drawOverlay(result) {
  const mapApi = window.marchwarden?.map;
  if (!mapApi || !mapApi.getMap()) return;
  const { L } = mapApi;
  const map = mapApi.getMap();
  if (!overlay) {
    // above the units (445) and the incidents (450), below the tasking candidates (460):
    // the what-if is what the officer asked to see, so nothing on the map hides it
    if (!map.getPane('whatif')) map.createPane('whatif').style.zIndex = '455';
    overlay = mapApi.getLayer(OVERLAY) ?? mapApi.registerLayer(OVERLAY, L.featureGroup());
    mapApi.labelOnHover(overlay, (layer) => layer.whatifLabel);
    map.on('overlayadd overlayremove', (event) => {
      if (event.layer === overlay && legendControl) legendControl.getContainer().hidden = event.type === 'overlayremove';
    });
  }
  overlay.clearLayers();
  for (const [kind, items] of [['gained', result.coverage.gained], ['lost', result.coverage.lost]]) {
    for (const s of items) {
      // a tinted disc (the area, seen through) under a thick ring with a white halo; only
      // the ring takes the pointer, so the units inside it stay clickable
      const disc = L.circleMarker([s.lat, s.lon], {
        pane: 'whatif', radius: RING_RADIUS, stroke: false, fill: true, fillColor: COLOURS[kind], fillOpacity: 0.22,
        interactive: false, className: 'whatif-disc',
      });
      const halo = L.circleMarker([s.lat, s.lon], { pane: 'whatif', radius: RING_RADIUS, color: '#FFFFFF', weight: 8, fill: false, interactive: false });
      const ring = L.circleMarker([s.lat, s.lon], {
        pane: 'whatif', radius: RING_RADIUS, color: COLOURS[kind], weight: 4, fill: false,
        dashArray: kind === 'lost' ? '6 4' : null, className: `whatif-ring whatif-${kind}`,
      });
      const minutes = kind === 'gained' ? s.minutes_after : s.minutes_before;
      ring.whatifLabel = (kind === 'gained'
        ? t('whatif.ringGains', '{name} — {people} people; gains coverage', { name: s.name, people: number(s.population) })
        : t('whatif.ringLoses', '{name} — {people} people; loses coverage', { name: s.name, people: number(s.population) }))
        + (minutes != null ? t('whatif.ringMinutes', ' ({n} min)', { n: Math.round(minutes) }) : '');
      overlay.addLayer(disc);
      overlay.addLayer(halo);
      overlay.addLayer(ring);
    }
  }
  if (!map.hasLayer(overlay)) overlay.addTo(map);
  if (legendControl) legendControl.remove();
  const Legend = L.Control.extend({ onAdd: () => overlayLegend(L, result) });
  legendControl = new Legend({ position: 'bottomright' }).addTo(map);
}

function fitOverlay() {
  const mapApi = window.marchwarden?.map;
  if (!overlay || !mapApi || !overlay.getLayers().length) return;
  mapApi.getMap().fitBounds(overlay.getBounds(), { padding: [60, 60], maxZoom: 10 });
  document.getElementById('map')?.focus();
}

function clearOverlay() {
  const mapApi = window.marchwarden?.map;
  if (overlay) overlay.clearLayers();
  // a hover label of a ring just removed would stay open: no mouseout comes any more
  if (mapApi) {
    const map = mapApi.getMap();
    map.eachLayer((layer) => {
      if (layer instanceof mapApi.L.Tooltip && layer.options.className === 'hover-label') map.closeTooltip(layer);
    });
  }
  if (legendControl) legendControl.remove();
  legendControl = null;
}

// ------------------------------------------------------------------ install

export function install() {
  const panel = registerTab('law', t('tab.law', 'Law'), { order: 30 });
  ui.acts = el('div', { class: 'acts', 'aria-live': 'polite' }, el('p', { class: 'board-empty', text: t('act.loading', 'Loading the acts…') }));
  panel.append(el('h2', { text: t('tab.law', 'Law') }), el('section', { class: 'law-acts', 'aria-labelledby': 'law-acts-title' },
    el('h3', { id: 'law-acts-title', text: t('act.title', 'Acts') }), ui.acts));

  if (session.can('whatif.run')) {
    ui.proposed = el('fieldset', { class: 'whatif-acts', id: 'whatif-acts' });
    ui.power = el('select', { id: 'whatif-power' });
    ui.minutes = el('input', { id: 'whatif-minutes', type: 'number', min: '1', max: '1440', step: '1', value: '30', inputmode: 'numeric' });
    ui.band = el('input', { id: 'whatif-band', type: 'number', min: '1', max: '500', step: '1', value: '30', inputmode: 'numeric' });
    ui.run = el('button', { type: 'submit', id: 'whatif-run', text: t('whatif.run', 'Run') });
    ui.error = el('p', { class: 'form-error', role: 'alert', id: 'whatif-error' });
    ui.status = el('p', { class: 'board-count', role: 'status' });
    ui.stale = el('p', { class: 'notice-inline', role: 'status', text: t('whatif.stale', 'The law or the registry has changed since this run; run it again for current figures.') });
    ui.stale.hidden = true;
    ui.result = el('div', { class: 'whatif-result', id: 'whatif-result' });
    const form = el('form', { class: 'whatif-form', id: 'whatif-form', novalidate: true },
      ui.proposed,
      el('div', { class: 'whatif-params' },
        el('div', {}, el('label', { for: 'whatif-power', text: t('whatif.power', 'Power for coverage') }), ui.power),
        el('div', {}, el('label', { for: 'whatif-minutes', text: t('whatif.withinMinutes', 'Within minutes') }), ui.minutes),
        el('div', {}, el('label', { for: 'whatif-band', text: t('whatif.band', 'Border band, km') }), ui.band)),
      ui.run, ui.error, ui.status);
    form.addEventListener('submit', run);
    panel.append(el('section', { class: 'law-whatif', 'aria-labelledby': 'law-whatif-title' },
      el('h3', { id: 'law-whatif-title', text: t('whatif.title', 'What if a proposed act passes?') }),
      el('p', { class: 'whatif-explain', text: t('whatif.explain', 'Who would gain which power, and which border settlements a unit able to respond would reach.') }),
      form, ui.stale, ui.result));
    panel.append(releaseSection({
      chosenActs: () => [...ui.proposed.querySelectorAll('input:checked')].map((i) => i.value),
      params: () => ({ power: ui.power.value || 'armed_response', minutes: Number(ui.minutes.value) || 30, band: Number(ui.band.value) || 30 }),
    }));
  }

  const lawChanged = () => {
    loadActs();
    if (lastResult && ui.stale) ui.stale.hidden = false;
  };
  onEvent('LegalActRecorded', lawChanged);
  onEvent('LegalActStatusChanged', lawChanged);
  for (const type of ['ActivationOrderIssued', 'RosterImported', 'MemberRegistered', 'UnitCreated']) {
    onEvent(type, () => { if (lastResult && ui.stale) ui.stale.hidden = false; });
  }
  whenShownOrPictured('law').then(loadActs);
}
