// The release analysis on the Law board (issue 16): with the proposed acts (and chosen
// activation orders), which army and national-guard units could leave the border while
// every settlement covered today stays covered; the conditions that keep more volunteers
// from the power, with the gain of each; the units and settlements on the map; and a
// printable one-page brief for decision-makers. The server computes everything
// (GET /api/v1/whatif/release); this only shows it. Every sentence is in TEXT below.

import { api, ApiError } from './api.js';
import { el, num } from './dom.js';
import { showUnit, allUnits } from './units.js';
import { timeElement } from './time.js';

const SVG = 'http://www.w3.org/2000/svg';
const OVERLAY = 'Release analysis';
const COLOURS = { freed: '#009E73', kept: '#CC79A7', covered: '#0072B2', uncovered: '#8C8C8C' };

/** Every sentence the release analysis shows. */
export const TEXT = {
  title: 'Which units could the act free?',
  explain: 'The fewest army and national-guard units that, with every other unit holding the power, keep each settlement covered today still covered — under the acts in force, and with the proposed acts. The others could leave the border.',
  agencies: 'Units that could be released',
  agencyNames: { army: 'Army', national_guard: 'National guard', border_service: 'Border service' },
  objective: 'Keeping a unit costs',
  objectives: { units: 'one per unit', people: 'its people', readiness: 'its readiness (release the readiest)' },
  target: 'Keep covered',
  targets: { settlements: 'every settlement covered today', population: 'as many people as today' },
  activateLegend: 'Treat as activated (what-if activation orders)',
  activateNone: 'Run the analysis once to see which battalions activation would help.',
  run: 'Run the release analysis',
  running: 'Running the release analysis…',
  chooseAct: 'Choose a proposed act above, or a battalion to activate.',
  heading: (law) => `Release analysis: ${law}`,
  meta: (power, minutes, band) => `${power}, within ${num(minutes)} min, settlements within ${num(band)} km of the border; computed at `,
  today: (n, all, people) => `${num(n)} of ${num(all)} settlements are covered today (${num(people)} people).`,
  gaps: (n) => `${num(n)} settlements no unit reaches, with or without the act:`,
  law: 'Law',
  kept: 'Must stay',
  released: 'Could leave',
  people: 'People',
  answer: 'Answer',
  optimal: 'optimal',
  trivial: 'optimal (nothing needed)',
  greedy: (bound) => `greedy (optimum at least ${num(bound)})`,
  freed: (n, people) => `The act frees ${num(n)} ${n === 1 ? 'unit' : 'units'} (${num(people)} people):`,
  freedNone: 'The act frees no unit: the units needed stay the same.',
  keptTitle: 'Units that must stay, and the settlements they keep covered',
  only: 'only this unit reaches it in time',
  standTitle: 'What stands in the way',
  standExplain: (n, power) => `${num(n)} volunteers would not hold ${power} with the act. If one condition were met: +members (+units able to take the power).`,
  battalion: 'Battalion',
  without: 'Without',
  kinds: { unit_activated: 'Activated', qualification: 'Qualification', training: 'Training', fit: 'Fit' },
  total: 'All battalions',
  gainSentence: (needs, name, m, u) => `${needs} in ${name}: +${num(m)} members, +${num(u)} units able to take armed tasks`,
  addActivation: 'Activate',
  scoped: 'Only the units inside your scope are listed.',
  brief: 'One-page brief',
  print: 'Print',
  close: 'Close',
  briefTitle: 'Brief: what the act changes, what it frees, what it needs',
  briefChanges: 'What the act changes',
  briefFrees: 'What it frees',
  briefNeeds: 'What it needs',
  briefChangeText: (today, gained, gaps) => `Armed-response coverage: ${num(today)} settlements covered today${gained ? `, ${num(gained)} more with the act` : ''}; ${num(gaps)} stay uncovered either way.`,
  briefKeptText: (before, after, cands) => `Army and national-guard units needed at the border: ${num(before)} today, ${num(after)} with the act (of ${num(cands)}).`,
  briefMethod: (method) => `Answer: ${method}.`,
  briefNeedsNone: 'Nothing further: every volunteer the act names already holds the power.',
  briefPower: (label, members, units) => `${label}: ${members >= 0 ? '+' : '−'}${num(Math.abs(members))} members, ${units >= 0 ? '+' : '−'}${num(Math.abs(units))} units hold it`,
  briefPowersOf: (acts) => `Powers with ${acts.join(' + ')} (activation orders aside):`,
  legendFreed: 'could be released',
  legendKept: 'must stay',
  legendCovered: 'stays covered',
  legendUncovered: 'no unit reaches it',
  clear: 'Clear',
  showMap: 'Show on the map',
};

const ui = {};
let options = null;
let last = null;
let overlay = null;
let legendControl = null;

function unitButton(u) {
  if (!allUnits().has(u.id)) return el('span', { text: u.code });
  const b = el('button', { type: 'button', class: 'unit-link', text: u.code, title: u.name });
  b.addEventListener('click', () => showUnit(u.id));
  return b;
}

function methodWords(plan) {
  if (plan.method === 'greedy') return TEXT.greedy(plan.bound);
  return plan.method === 'trivial' ? TEXT.trivial : TEXT.optimal;
}

function gainCell(g) {
  if (!g || !g.members) return el('td', { class: 'num', text: '–' });
  return el('td', { class: 'num', dataset: { kind: g.kind }, title: g.needs, text: `+${num(g.members)} (+${num(g.units)})` });
}

// ------------------------------------------------------------------ the form

function checkbox(name, value, label, checked) {
  return el('label', { class: 'check' }, el('input', { type: 'checkbox', name, value, checked }), ` ${label}`);
}

function select(id, values, labels, chosen) {
  return el('select', { id }, ...values.map((v) => el('option', { value: v, text: labels[v], selected: v === chosen })));
}

function renderActivations(result) {
  const chosen = new Set(activations());
  const rows = (result?.binding.battalions ?? []).filter((b) => b.gains.some((g) => g.kind === 'unit_activated' && g.members));
  for (const u of result?.activate ?? []) chosen.add(String(u.id));
  const already = (result?.activate ?? []).map((u) => checkbox('activate', String(u.id), u.name, true));
  const boxes = rows.map((b) => {
    const g = b.gains.find((x) => x.kind === 'unit_activated');
    return checkbox('activate', String(b.id), `${b.name}: +${num(g.members)} members, +${num(g.units)} units`, chosen.has(String(b.id)));
  });
  ui.activate.replaceChildren(el('legend', { text: TEXT.activateLegend }),
    ...(already.length + boxes.length ? [...already, ...boxes] : [el('p', { class: 'board-empty', text: TEXT.activateNone })]));
}

function activations() {
  return ui.activate ? [...ui.activate.querySelectorAll('input:checked')].map((i) => i.value) : [];
}

async function run(event) {
  event?.preventDefault();
  const chosen = options.chosenActs();
  const activate = activations();
  ui.error.textContent = '';
  if (!chosen.length && !activate.length) {
    ui.error.textContent = TEXT.chooseAct;
    return;
  }
  const params = options.params();
  const query = new URLSearchParams();
  for (const ref of chosen) query.append('with', ref);
  for (const id of activate) query.append('activate', id);
  for (const box of ui.agencies.querySelectorAll('input:checked')) query.append('agency', box.value);
  query.set('power', params.power);
  query.set('minutes', String(params.minutes));
  query.set('band_km', String(params.band));
  query.set('objective', ui.objective.value);
  query.set('target', ui.target.value);
  if (ui.run.getAttribute('aria-disabled') === 'true') return;
  ui.run.setAttribute('aria-disabled', 'true');
  ui.result.dataset.state = 'running';
  ui.status.textContent = TEXT.running;
  try {
    const result = await api(`/whatif/release?${query}`);
    ui.status.textContent = '';
    render(result);
    ui.result.querySelector('#release-heading')?.focus();
  } catch (err) {
    ui.status.textContent = '';
    ui.result.dataset.state = 'failed';
    ui.error.textContent = err instanceof ApiError ? err.message : String(err);
  } finally {
    ui.run.removeAttribute('aria-disabled');
  }
}

// ------------------------------------------------------------------ the result

function lawLabel(r) {
  const parts = ['acts in force', ...r.proposed];
  if (r.activate.length) parts.push(`activation of ${r.activate.map((u) => u.name).join(', ')}`);
  return parts.join(' + ');
}

function plansTable(r) {
  return el('table', { class: 'whatif-regions release-plans', id: 'release-plans' },
    el('thead', {}, el('tr', {}, ...[TEXT.law, TEXT.kept, TEXT.released, TEXT.people, TEXT.answer].map((t) => el('th', { scope: 'col', text: t })))),
    el('tbody', {}, ...[['before', r.before], ['after', r.after]].map(([key, p]) => el('tr', { dataset: { plan: key, method: p.method } },
      el('th', { scope: 'row', text: p.label }),
      el('td', { class: 'num kept', text: num(p.kept.length) }),
      el('td', { class: 'num released', text: num(p.released.length) }),
      el('td', { class: 'num', text: num(p.released_people) }),
      el('td', { text: methodWords(p) })))));
}

function keptList(r, names) {
  return el('ul', { class: 'release-kept', id: 'release-kept' }, ...r.after.kept.map((k) => {
    const only = new Set(k.only);
    return el('li', { dataset: { unitId: String(k.unit.id) } }, unitButton(k.unit), ` (${num(k.unit.people)}): `,
      ...k.settlements.flatMap((s, i) => [i ? ', ' : '', el('span', {
        class: only.has(s) ? 'only' : null, title: only.has(s) ? TEXT.only : null, text: names.get(s)?.name ?? String(s),
      })]));
  }));
}

function standTable(r) {
  const b = r.binding;
  const kinds = Object.keys(TEXT.kinds);
  const byKind = (gains) => Object.fromEntries(gains.map((g) => [g.kind, g]));
  const totals = byKind(b.totals);
  return el('table', { class: 'whatif-regions release-stand', id: 'release-stand' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: TEXT.battalion }), el('th', { scope: 'col', text: TEXT.without }),
      ...kinds.map((k) => el('th', { scope: 'col', text: TEXT.kinds[k] })))),
    el('tbody', {}, ...b.battalions.map((bt) => {
      const g = byKind(bt.gains);
      return el('tr', { dataset: { battalion: String(bt.id) } }, el('th', { scope: 'row', text: bt.name }),
        el('td', { class: 'num', text: num(bt.members_without) }), ...kinds.map((k) => gainCell(g[k])));
    })),
    el('tfoot', {}, el('tr', {}, el('th', { scope: 'row', text: TEXT.total }), el('td', { class: 'num', text: num(b.members_without) }),
      ...kinds.map((k) => gainCell(totals[k])))));
}

/** The single condition in a single battalion that would bring the most. */
function bestGain(r) {
  let best = null;
  for (const bt of r.binding.battalions) {
    for (const g of bt.gains) {
      if (g.members && (!best || g.members > best.g.members)) best = { bt, g };
    }
  }
  return best;
}

function render(r) {
  last = r;
  const names = new Map(r.settlements.map((s) => [s.id, s]));
  const law = lawLabel(r);
  const best = bestGain(r);
  const show = el('button', { type: 'button', class: 'button-quiet', id: 'release-show-map', text: TEXT.showMap });
  show.addEventListener('click', fitOverlay);
  show.hidden = !window.marchwarden?.map;
  const brief = el('button', { type: 'button', id: 'release-brief-open', text: TEXT.brief });
  brief.addEventListener('click', () => openBrief(r, brief));
  ui.result.replaceChildren(...[
    el('h3', { id: 'release-heading', tabindex: '-1', text: TEXT.heading(law) }),
    el('p', { class: 'whatif-meta' }, TEXT.meta(r.power, r.minutes, r.border_band_km), timeElement(r.at), `. ${r.travel_model}.`),
    r.scoped ? el('p', { class: 'notice-inline', text: TEXT.scoped }) : null,
    el('p', { class: 'release-today', text: TEXT.today(r.covered_today, r.settlements_considered, r.covered_today_population) }),
    plansTable(r),
    r.freed.length
      ? el('p', { class: 'release-freed', id: 'release-freed' }, el('strong', { text: TEXT.freed(r.freed.length, r.freed_people) }), ' ',
        ...r.freed.flatMap((u, i) => [i ? ', ' : '', unitButton(u)]))
      : el('p', { class: 'release-freed', id: 'release-freed', text: TEXT.freedNone }),
    r.after.kept.length ? el('h4', { text: TEXT.keptTitle }) : null,
    r.after.kept.length ? keptList(r, names) : null,
    r.uncovered_either_way.length
      ? el('p', { class: 'release-gaps' }, TEXT.gaps(r.uncovered_either_way.length), ' ',
        r.uncovered_either_way.map((s) => names.get(s)?.name ?? String(s)).join(', '))
      : null,
    el('h4', { text: TEXT.standTitle }),
    el('p', { class: 'whatif-explain', text: TEXT.standExplain(r.binding.members_without, r.power) }),
    best ? el('p', { class: 'release-best', id: 'release-best', text: TEXT.gainSentence(best.g.needs, best.bt.name, best.g.members, best.g.units) }) : null,
    r.binding.battalions.length ? el('div', { class: 'table-scroll' }, standTable(r)) : null,
    el('div', { class: 'release-actions' }, show, brief),
  ].filter((node) => node !== null));
  ui.result.dataset.state = 'done';
  renderActivations(r);
  drawOverlay(r);
}

// ------------------------------------------------------------------ the map

function overlayLegend(L) {
  // SVG attributes, not inline styles: the page's content security policy forbids those
  const dot = (colour, hollow) => {
    const s = document.createElementNS(SVG, 'svg');
    s.setAttribute('viewBox', '0 0 16 16');
    s.setAttribute('width', '16');
    s.setAttribute('height', '16');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('class', 'release-dot');
    const c = document.createElementNS(SVG, 'circle');
    for (const [k, v] of Object.entries({ cx: 8, cy: 8, r: 5.5, fill: hollow ? '#FFFFFF' : 'none', stroke: colour, 'stroke-width': hollow ? 2.5 : 4 })) {
      c.setAttribute(k, String(v));
    }
    s.append(c);
    return s;
  };
  const box = el('div', { class: 'map-legend release-legend', id: 'release-legend' },
    el('strong', { text: OVERLAY }),
    el('div', {}, dot(COLOURS.freed), ` ${TEXT.legendFreed}`),
    el('div', {}, dot(COLOURS.kept), ` ${TEXT.legendKept}`),
    el('div', {}, dot(COLOURS.covered, true), ` ${TEXT.legendCovered}`),
    el('div', {}, dot(COLOURS.uncovered, true), ` ${TEXT.legendUncovered}`));
  const clear = el('button', { type: 'button', class: 'button-quiet', text: TEXT.clear, id: 'release-clear' });
  clear.addEventListener('click', clearOverlay);
  box.append(clear);
  L.DomEvent.disableClickPropagation(box);
  return box;
}

function drawOverlay(r) {
  const mapApi = window.marchwarden?.map;
  if (!mapApi || !mapApi.getMap()) return;
  const { L } = mapApi;
  const map = mapApi.getMap();
  if (!overlay) {
    if (!map.getPane('release')) map.createPane('release').style.zIndex = '445';
    overlay = mapApi.getLayer(OVERLAY) ?? mapApi.registerLayer(OVERLAY, L.featureGroup());
    mapApi.labelOnHover(overlay, (layer) => layer.releaseLabel);
  }
  overlay.clearLayers();
  const covered = new Set(r.settlements.filter((s) => s.state === 'covered_by_others' || s.state === 'kept_covered').map((s) => s.id));
  for (const s of r.settlements) {
    const stays = covered.has(s.id);
    if (!stays && s.state !== 'uncovered') continue;
    const mark = L.circleMarker([s.lat, s.lon], {
      pane: 'release', radius: 6, color: stays ? COLOURS.covered : COLOURS.uncovered, weight: 2,
      fill: true, fillColor: '#FFFFFF', fillOpacity: 0.9, className: `release-settlement release-${stays ? 'covered' : 'uncovered'}`,
    });
    mark.releaseLabel = `${s.name} — ${num(s.population)} people; ${stays ? TEXT.legendCovered : TEXT.legendUncovered}`;
    overlay.addLayer(mark);
  }
  const units = [...r.freed.map((u) => ['freed', u]), ...r.after.kept.map((k) => ['kept', k.unit])];
  for (const [kind, u] of units) {
    overlay.addLayer(L.circleMarker([u.lat, u.lon], { pane: 'release', radius: 14, color: '#FFFFFF', weight: 7, fill: false, interactive: false }));
    const ring = L.circleMarker([u.lat, u.lon], {
      pane: 'release', radius: 14, color: COLOURS[kind], weight: 4, fill: true, fillOpacity: 0,
      className: `release-unit release-${kind}`,
    });
    ring.releaseLabel = `${u.code} (${num(u.people)} people): ${kind === 'freed' ? TEXT.legendFreed : TEXT.legendKept}`;
    overlay.addLayer(ring);
  }
  if (!map.hasLayer(overlay)) overlay.addTo(map);
  if (legendControl) legendControl.remove();
  const Legend = L.Control.extend({ onAdd: () => overlayLegend(L) });
  legendControl = new Legend({ position: 'bottomleft' }).addTo(map);
}

function fitOverlay() {
  const mapApi = window.marchwarden?.map;
  if (!overlay || !mapApi || !overlay.getLayers().length) return;
  mapApi.getMap().fitBounds(overlay.getBounds(), { padding: [40, 40], maxZoom: 10 });
  document.getElementById('map')?.focus();
}

function clearOverlay() {
  if (overlay) overlay.clearLayers();
  if (legendControl) legendControl.remove();
  legendControl = null;
}

// ------------------------------------------------------------------ the brief

let briefView = null;
let briefOpener = null;

function closeBrief() {
  if (!briefView) return;
  briefView.hidden = true;
  document.body.classList.remove('release-brief-open');
  if (briefOpener?.isConnected) briefOpener.focus();
}

function briefBody(r, whatif) {
  const names = new Map(r.settlements.map((s) => [s.id, s.name]));
  const gained = r.settlements.filter((s) => s.state === 'gained_by_act').length;
  const needs = r.binding.battalions.flatMap((bt) => bt.gains.filter((g) => g.members).map((g) => ({ bt, g })))
    .sort((a, b) => b.g.members - a.g.members || b.g.units - a.g.units).slice(0, 6);
  return [
    el('h1', { id: 'release-brief-heading', tabindex: '-1', text: TEXT.briefTitle }),
    el('p', { class: 'sitrep-meta' }, `${lawLabel(r)} · ${r.power}, ${num(r.minutes)} min · `, timeElement(r.at)),
    el('h2', { text: TEXT.briefChanges }),
    whatif ? el('p', { text: TEXT.briefPowersOf(r.proposed) }) : null,
    whatif ? el('ul', { id: 'release-brief-powers' }, ...whatif.powers.map((p) => el('li', {
      text: TEXT.briefPower(p.label, p.members_gained - p.members_lost, p.units_gained - p.units_lost),
    }))) : null,
    el('p', { text: TEXT.briefChangeText(r.covered_today, gained, r.uncovered_either_way.length) }),
    el('p', { text: TEXT.briefKeptText(r.before.kept.length, r.after.kept.length, r.after.candidates) }),
    el('h2', { text: TEXT.briefFrees }),
    el('p', { id: 'release-brief-frees', text: r.freed.length
      ? `${TEXT.freed(r.freed.length, r.freed_people)} ${r.freed.map((u) => `${u.code} (${u.name})`).join(', ')}`
      : TEXT.freedNone }),
    el('p', { text: `${TEXT.keptTitle}: ${r.after.kept.map((k) => `${k.unit.code} — ${k.settlements.map((s) => names.get(s)).join(', ')}`).join('; ') || '—'}` }),
    el('p', { text: TEXT.briefMethod(methodWords(r.after)) }),
    el('h2', { text: TEXT.briefNeeds }),
    needs.length
      ? el('ul', { id: 'release-brief-needs' }, ...needs.map(({ bt, g }) => el('li', { text: TEXT.gainSentence(g.needs, bt.name, g.members, g.units) })))
      : el('p', { text: TEXT.briefNeedsNone }),
  ].filter((node) => node !== null);
}

/** Who gains which power with the proposed acts (the what-if), for the brief. */
async function whatifOf(r) {
  if (!r.proposed.length) return null;
  const query = new URLSearchParams();
  for (const ref of r.proposed) query.append('with', ref);
  query.set('power', r.power);
  query.set('minutes', String(r.minutes));
  query.set('band_km', String(r.border_band_km));
  try {
    return await api(`/whatif?${query}`);
  } catch {
    return null; // the brief stands without it
  }
}

async function openBrief(r, button) {
  const whatif = await whatifOf(r);
  if (!briefView) {
    const print = el('button', { type: 'button', id: 'release-brief-print', text: TEXT.print });
    print.addEventListener('click', () => window.print());
    const close = el('button', { type: 'button', class: 'button-quiet', id: 'release-brief-close', text: TEXT.close });
    close.addEventListener('click', closeBrief);
    briefView = el('div', { class: 'release-brief-view', id: 'release-brief', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'release-brief-heading' },
      el('div', { class: 'release-brief-toolbar' }, el('span', { class: 'release-brief-toolbar-title', text: TEXT.brief }), print, close),
      el('article', { class: 'release-brief-body', id: 'release-brief-body' }));
    briefView.hidden = true;
    briefView.addEventListener('keydown', (event) => { if (event.key === 'Escape') closeBrief(); });
    document.body.append(briefView);
  }
  briefOpener = button;
  briefView.querySelector('#release-brief-body').replaceChildren(...briefBody(r, whatif));
  briefView.hidden = false;
  document.body.classList.add('release-brief-open');
  briefView.querySelector('#release-brief-heading').focus();
}

// ------------------------------------------------------------------ install

/**
 * The release section of the Law board. `chosenActs()` gives the proposed acts ticked in
 * the what-if form, `params()` its power, minutes and border band.
 */
export function releaseSection(opts) {
  options = opts;
  ui.agencies = el('fieldset', { class: 'whatif-acts', id: 'release-agencies' }, el('legend', { text: TEXT.agencies }),
    ...Object.entries(TEXT.agencyNames).map(([k, label]) => checkbox('agency', k, label, k !== 'border_service')));
  ui.activate = el('fieldset', { class: 'whatif-acts', id: 'release-activate' });
  ui.objective = select('release-objective', Object.keys(TEXT.objectives), TEXT.objectives, 'units');
  ui.target = select('release-target', Object.keys(TEXT.targets), TEXT.targets, 'settlements');
  ui.run = el('button', { type: 'submit', id: 'release-run', text: TEXT.run });
  ui.error = el('p', { class: 'form-error', role: 'alert', id: 'release-error' });
  ui.status = el('p', { class: 'board-count', role: 'status' });
  ui.result = el('div', { class: 'whatif-result release-result', id: 'release-result' });
  renderActivations(null);
  const form = el('form', { class: 'whatif-form', id: 'release-form', novalidate: true },
    ui.agencies, ui.activate,
    el('div', { class: 'whatif-params' },
      el('div', {}, el('label', { for: 'release-objective', text: TEXT.objective }), ui.objective),
      el('div', {}, el('label', { for: 'release-target', text: TEXT.target }), ui.target)),
    ui.run, ui.error, ui.status);
  form.addEventListener('submit', run);
  return el('section', { class: 'law-release', id: 'law-release', 'aria-labelledby': 'law-release-title' },
    el('h3', { id: 'law-release-title', text: TEXT.title }),
    el('p', { class: 'whatif-explain', text: TEXT.explain }),
    form, ui.result);
}

/** The last result (for the stale notice of the Law board). */
export function hasResult() {
  return last !== null;
}
