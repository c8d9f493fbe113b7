// The release analysis on the Law board (issue 16): with the proposed acts (and chosen
// activation orders), which army and national-guard units could leave the border while
// every settlement covered today stays covered; the conditions that keep more volunteers
// from the power, with the gain of each; the units and settlements on the map; and a
// printable one-page brief for decision-makers. The server computes everything
// (GET /api/v1/whatif/release); this only shows it. Every sentence is in the page's
// catalogue (i18n/<lang>.json, keys release.* and power.*), English as the fallback here.

import { api, ApiError } from './api.js';
import { el } from './dom.js';
import { locale, num, t } from './i18n.js';
import { showUnit, allUnits } from './units.js';
import { hqTimezone, timeElement } from './time.js';

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = { freed: '#009E73', kept: '#CC79A7', covered: '#0072B2', uncovered: '#8C8C8C' };

// The choices of the form: code -> English (the catalogue has each under `release.<group>.<code>`)
const AGENCIES = { army: 'Army', national_guard: 'National guard', border_service: 'Border service' };
const OBJECTIVES = { units: 'one per unit', people: 'its people', readiness: 'its readiness (release the readiest)' };
const TARGETS = { settlements: 'every settlement covered today', population: 'as many people as today' };
const KINDS = { unit_activated: 'Activated', qualification: 'Qualification', training: 'Training', fit: 'Fit' };
// What meeting a condition takes (the server says it in English; the argument of
// "qualification(x)" / "training(x)" is a code and stays as it is)
const NEEDS = {
  unit_activated: 'the unit activated', qualification: 'a valid {code} qualification',
  training: 'the {code} training completed', fit: 'a valid fitness record',
};
const POWERS = {
  observe_report: 'Observe and report', patrol_unarmed: 'Patrol unarmed', checkpoint: 'Staff a checkpoint',
  evacuation_assist: 'Assist an evacuation', first_aid: 'Give first aid', detain: 'Detain a person',
  carry_weapons: 'Carry and use weapons', armed_response: 'Armed response to an attack',
};

const overlayName = () => t('release.overlay', 'Release analysis');
const powerName = (code, label) => t(`power.${code}`, POWERS[code] ?? label ?? code);
const legendWords = {
  freed: () => t('release.legend.freed', 'could be released'),
  kept: () => t('release.legend.kept', 'must stay'),
  covered: () => t('release.legend.covered', 'stays covered'),
  uncovered: () => t('release.legend.uncovered', 'no unit reaches it'),
};

/** The instant in the HQ's zone, written for the page's language; UTC on hover. */
function atElement(value) {
  const node = timeElement(value);
  node.textContent = new Intl.DateTimeFormat(locale(), {
    timeZone: hqTimezone(), day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  }).format(new Date(value));
  return node;
}

/** "+8" / "−3" with the language's grouping. */
const signed = (n) => `${n >= 0 ? '+' : '−'}${num(Math.abs(n))}`;

function needsWords(g) {
  const code = /\(([^)]*)\)/.exec(g.condition ?? '')?.[1] ?? '';
  return NEEDS[g.kind] ? t(`release.needs.${g.kind}`, NEEDS[g.kind], { code }) : g.needs;
}

function gainSentence(g, name) {
  return t('release.gainSentence', '{needs} in {name}: +{members} members, +{units} units able to take armed tasks',
    { needs: needsWords(g), name, members: num(g.members), units: num(g.units) });
}

function freedWords(n, people) {
  const params = { n: num(n), people: num(people) };
  return n === 1
    ? t('release.freedOne', 'The act frees {n} unit ({people} people):', params)
    : t('release.freedMany', 'The act frees {n} units ({people} people):', params);
}

const freedNone = () => t('release.freedNone', 'The act frees no unit: the units needed stay the same.');
const keptTitle = () => t('release.keptTitle', 'Units that must stay, and the settlements they keep covered');

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
  if (plan.method === 'greedy') return t('release.method.greedy', 'greedy (optimum at least {bound})', { bound: num(plan.bound) });
  return plan.method === 'trivial' ? t('release.method.trivial', 'optimal (nothing needed)') : t('release.method.optimal', 'optimal');
}

function gainCell(g) {
  if (!g || !g.members) return el('td', { class: 'num', text: '–' });
  return el('td', { class: 'num', dataset: { kind: g.kind }, title: needsWords(g), text: `+${num(g.members)} (+${num(g.units)})` });
}

// ------------------------------------------------------------------ the form

function checkbox(name, value, label, checked) {
  return el('label', { class: 'check' }, el('input', { type: 'checkbox', name, value, checked }), ` ${label}`);
}

function select(id, choices, prefix, chosen) {
  return el('select', { id }, ...Object.entries(choices).map(([v, english]) =>
    el('option', { value: v, text: t(`${prefix}.${v}`, english), selected: v === chosen })));
}

function renderActivations(result) {
  const chosen = new Set(activations());
  const rows = (result?.binding.battalions ?? []).filter((b) => b.gains.some((g) => g.kind === 'unit_activated' && g.members));
  for (const u of result?.activate ?? []) chosen.add(String(u.id));
  const already = (result?.activate ?? []).map((u) => checkbox('activate', String(u.id), u.name, true));
  const boxes = rows.map((b) => {
    const g = b.gains.find((x) => x.kind === 'unit_activated');
    return checkbox('activate', String(b.id),
      t('release.activateOption', '{name}: +{members} members, +{units} units', { name: b.name, members: num(g.members), units: num(g.units) }),
      chosen.has(String(b.id)));
  });
  ui.activate.replaceChildren(el('legend', { text: t('release.activateLegend', 'Treat as activated (what-if activation orders)') }),
    ...(already.length + boxes.length ? [...already, ...boxes] : [el('p', { class: 'board-empty', text: t('release.activateNone', 'Run the analysis once to see which battalions activation would help.') })]));
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
    ui.error.textContent = t('release.chooseAct', 'Choose a proposed act above, or a battalion to activate.');
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
  ui.status.textContent = t('release.running', 'Running the release analysis…');
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
  const parts = [t('release.inForce', 'acts in force'), ...r.proposed];
  if (r.activate.length) parts.push(t('release.activationOf', 'activation of {names}', { names: r.activate.map((u) => u.name).join(', ') }));
  return parts.join(' + ');
}

function plansTable(r) {
  const inForce = t('release.inForce', 'acts in force');
  return el('table', { class: 'whatif-regions release-plans', id: 'release-plans' },
    el('thead', {}, el('tr', {}, ...[t('release.col.law', 'Law'), t('release.col.kept', 'Must stay'), t('release.col.released', 'Could leave'),
      t('release.col.people', 'People'), t('release.col.answer', 'Answer')].map((words) => el('th', { scope: 'col', text: words })))),
    el('tbody', {}, ...[['before', r.before], ['after', r.after]].map(([key, p]) => el('tr', { dataset: { plan: key, method: p.method } },
      el('th', { scope: 'row', text: key === 'before' ? inForce : [inForce, ...r.proposed].join(' + ') }),
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
        class: only.has(s) ? 'only' : null, title: only.has(s) ? t('release.only', 'only this unit reaches it in time') : null, text: names.get(s)?.name ?? String(s),
      })]));
  }));
}

function standTable(r) {
  const b = r.binding;
  const kinds = Object.keys(KINDS);
  const byKind = (gains) => Object.fromEntries(gains.map((g) => [g.kind, g]));
  const totals = byKind(b.totals);
  return el('table', { class: 'whatif-regions release-stand', id: 'release-stand' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('release.battalion', 'Battalion') }), el('th', { scope: 'col', text: t('release.without', 'Without') }),
      ...kinds.map((k) => el('th', { scope: 'col', text: t(`release.kind.${k}`, KINDS[k]) })))),
    el('tbody', {}, ...b.battalions.map((bt) => {
      const g = byKind(bt.gains);
      return el('tr', { dataset: { battalion: String(bt.id) } }, el('th', { scope: 'row', text: bt.name }),
        el('td', { class: 'num', text: num(bt.members_without) }), ...kinds.map((k) => gainCell(g[k])));
    })),
    el('tfoot', {}, el('tr', {}, el('th', { scope: 'row', text: t('release.total', 'All battalions') }), el('td', { class: 'num', text: num(b.members_without) }),
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
  const show = el('button', { type: 'button', class: 'button-quiet', id: 'release-show-map', text: t('release.showMap', 'Show on the map') });
  show.addEventListener('click', fitOverlay);
  show.hidden = !window.marchwarden?.map;
  const brief = el('button', { type: 'button', id: 'release-brief-open', text: t('release.brief', 'One-page brief') });
  brief.addEventListener('click', () => openBrief(r, brief));
  ui.result.replaceChildren(...[
    el('h3', { id: 'release-heading', tabindex: '-1', text: t('release.heading', 'Release analysis: {law}', { law }) }),
    el('p', { class: 'whatif-meta' }, t('release.meta', '{power}, within {minutes} min, settlements within {band} km of the border; computed at ',
      { power: powerName(r.power), minutes: num(r.minutes), band: num(r.border_band_km) }), atElement(r.at), `. ${r.travel_model}.`),
    r.scoped ? el('p', { class: 'notice-inline', text: t('release.scoped', 'Only the units inside your scope are listed.') }) : null,
    el('p', { class: 'release-today', text: t('release.today', '{n} of {all} settlements are covered today ({people} people).',
      { n: num(r.covered_today), all: num(r.settlements_considered), people: num(r.covered_today_population) }) }),
    plansTable(r),
    r.freed.length
      ? el('p', { class: 'release-freed', id: 'release-freed' }, el('strong', { text: freedWords(r.freed.length, r.freed_people) }), ' ',
        ...r.freed.flatMap((u, i) => [i ? ', ' : '', unitButton(u)]))
      : el('p', { class: 'release-freed', id: 'release-freed', text: freedNone() }),
    r.after.kept.length ? el('h4', { text: keptTitle() }) : null,
    r.after.kept.length ? keptList(r, names) : null,
    r.uncovered_either_way.length
      ? el('p', { class: 'release-gaps' }, t('release.gaps', '{n} settlements no unit reaches, with or without the act:', { n: num(r.uncovered_either_way.length) }), ' ',
        r.uncovered_either_way.map((s) => names.get(s)?.name ?? String(s)).join(', '))
      : null,
    el('h4', { text: t('release.standTitle', 'What stands in the way') }),
    el('p', { class: 'whatif-explain', text: t('release.standExplain', '{n} volunteers would not hold {power} with the act. If one condition were met: +members (+units able to take the power).',
      { n: num(r.binding.members_without), power: powerName(r.power) }) }),
    best ? el('p', { class: 'release-best', id: 'release-best', text: gainSentence(best.g, best.bt.name) }) : null,
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
    el('strong', { text: overlayName() }),
    el('div', {}, dot(COLOURS.freed), ` ${legendWords.freed()}`),
    el('div', {}, dot(COLOURS.kept), ` ${legendWords.kept()}`),
    el('div', {}, dot(COLOURS.covered, true), ` ${legendWords.covered()}`),
    el('div', {}, dot(COLOURS.uncovered, true), ` ${legendWords.uncovered()}`));
  const clear = el('button', { type: 'button', class: 'button-quiet', text: t('release.clear', 'Clear'), id: 'release-clear' });
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
    overlay = mapApi.getLayer(overlayName()) ?? mapApi.registerLayer(overlayName(), L.featureGroup());
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
    mark.releaseLabel = t('release.settlementLabel', '{name} — {people} people; {state}',
      { name: s.name, people: num(s.population), state: legendWords[stays ? 'covered' : 'uncovered']() });
    overlay.addLayer(mark);
  }
  const units = [...r.freed.map((u) => ['freed', u]), ...r.after.kept.map((k) => ['kept', k.unit])];
  for (const [kind, u] of units) {
    overlay.addLayer(L.circleMarker([u.lat, u.lon], { pane: 'release', radius: 14, color: '#FFFFFF', weight: 7, fill: false, interactive: false }));
    const ring = L.circleMarker([u.lat, u.lon], {
      pane: 'release', radius: 14, color: COLOURS[kind], weight: 4, fill: true, fillOpacity: 0,
      className: `release-unit release-${kind}`,
    });
    ring.releaseLabel = t('release.unitLabel', '{code} ({people} people): {state}', { code: u.code, people: num(u.people), state: legendWords[kind]() });
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
    el('h1', { id: 'release-brief-heading', tabindex: '-1', text: t('release.briefTitle', 'Brief: what the act changes, what it frees, what it needs') }),
    el('p', { class: 'sitrep-meta' }, t('release.briefMeta', '{law} · {power}, {minutes} min · ',
      { law: lawLabel(r), power: powerName(r.power), minutes: num(r.minutes) }), atElement(r.at)),
    el('h2', { text: t('release.briefChanges', 'What the act changes') }),
    whatif ? el('p', { text: t('release.briefPowersOf', 'Powers with {acts} (activation orders aside):', { acts: r.proposed.join(' + ') }) }) : null,
    whatif ? el('ul', { id: 'release-brief-powers' }, ...whatif.powers.map((p) => el('li', {
      text: t('release.briefPower', '{label}: {members} members, {units} units hold it', {
        label: powerName(p.power, p.label), members: signed(p.members_gained - p.members_lost), units: signed(p.units_gained - p.units_lost),
      }),
    }))) : null,
    el('p', { id: 'release-brief-coverage', text: [
      t('release.briefCoverage', 'Armed-response coverage: {today} settlements covered today ({people} people)',
        { today: num(r.covered_today), people: num(r.covered_today_population) }),
      gained ? t('release.briefGained', ', {gained} more with the act', { gained: num(gained) }) : '',
      t('release.briefGaps', '; {gaps} stay uncovered either way.', { gaps: num(r.uncovered_either_way.length) }),
    ].join('') }),
    el('p', { text: t('release.briefKept', 'Army and national-guard units needed at the border: {before} today, {after} with the act (of {candidates}).',
      { before: num(r.before.kept.length), after: num(r.after.kept.length), candidates: num(r.after.candidates) }) }),
    el('h2', { text: t('release.briefFrees', 'What it frees') }),
    el('p', { id: 'release-brief-frees', text: r.freed.length
      ? `${freedWords(r.freed.length, r.freed_people)} ${r.freed.map((u) => `${u.code} (${u.name})`).join(', ')}`
      : freedNone() }),
    el('p', { text: `${keptTitle()}: ${r.after.kept.map((k) => `${k.unit.code} — ${k.settlements.map((s) => names.get(s)).join(', ')}`).join('; ') || '—'}` }),
    el('p', { text: t('release.briefMethod', 'Answer: {method}.', { method: methodWords(r.after) }) }),
    el('h2', { text: t('release.briefNeeds', 'What it needs') }),
    needs.length
      ? el('ul', { id: 'release-brief-needs' }, ...needs.map(({ bt, g }) => el('li', { text: gainSentence(g, bt.name) })))
      : el('p', { text: t('release.briefNeedsNone', 'Nothing further: every volunteer the act names already holds the power.') }),
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
    const print = el('button', { type: 'button', id: 'release-brief-print', text: t('release.print', 'Print') });
    print.addEventListener('click', () => window.print());
    const close = el('button', { type: 'button', class: 'button-quiet', id: 'release-brief-close', text: t('release.close', 'Close') });
    close.addEventListener('click', closeBrief);
    briefView = el('div', { class: 'release-brief-view', id: 'release-brief', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'release-brief-heading' },
      el('div', { class: 'release-brief-toolbar' }, el('span', { class: 'release-brief-toolbar-title', text: t('release.brief', 'One-page brief') }), print, close),
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
  ui.agencies = el('fieldset', { class: 'whatif-acts', id: 'release-agencies' }, el('legend', { text: t('release.agencies', 'Units that could be released') }),
    ...Object.entries(AGENCIES).map(([k, label]) => checkbox('agency', k, t(`release.agency.${k}`, label), k !== 'border_service')));
  ui.activate = el('fieldset', { class: 'whatif-acts', id: 'release-activate' });
  ui.objective = select('release-objective', OBJECTIVES, 'release.objective', 'units');
  ui.target = select('release-target', TARGETS, 'release.target', 'settlements');
  ui.run = el('button', { type: 'submit', id: 'release-run', text: t('release.run', 'Run the release analysis') });
  ui.error = el('p', { class: 'form-error', role: 'alert', id: 'release-error' });
  ui.status = el('p', { class: 'board-count', role: 'status' });
  ui.result = el('div', { class: 'whatif-result release-result', id: 'release-result' });
  renderActivations(null);
  const form = el('form', { class: 'whatif-form', id: 'release-form', novalidate: true },
    ui.agencies, ui.activate,
    el('div', { class: 'whatif-params' },
      el('div', {}, el('label', { for: 'release-objective', text: t('release.objective', 'Keeping a unit costs') }), ui.objective),
      el('div', {}, el('label', { for: 'release-target', text: t('release.target', 'Keep covered') }), ui.target)),
    ui.run, ui.error, ui.status);
  form.addEventListener('submit', run);
  return el('section', { class: 'law-release', id: 'law-release', 'aria-labelledby': 'law-release-title' },
    el('h3', { id: 'law-release-title', text: t('release.title', 'Which units could the act free?') }),
    el('p', { class: 'whatif-explain', text: t('release.explain', 'The fewest army and national-guard units that, with every other unit holding the power, keep each settlement covered today still covered — under the acts in force, and with the proposed acts. The others could leave the border.') }),
    form, ui.result);
}

/** The last result (for the stale notice of the Law board). */
export function hasResult() {
  return last !== null;
}
