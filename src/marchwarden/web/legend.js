// The "Key" board: what each symbol on the map means, in words as well as colours.

import { el } from './dom.js';
import { t } from './i18n.js';
import { incidentKeyParts } from './incidentsymbols.js';
import { KIND_FUNCTION, groupUnits, milSymbolImage, setGroupUnits, setSymbolStyle, symbolStyle } from './milsymbols.js';
import { PALETTE } from './palette.js';
import { REPORT_AREA, reportSymbolElement } from './reportsymbol.js';
import { registerTab, selectedTab } from './tabs.js';
import { hqTimezone } from './time.js';
import { AGENCY_KINDS, AVAILABILITY, symbolSvg } from './unitsymbols.js';

const SVG = 'http://www.w3.org/2000/svg';

function swatch(draw) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 32 20');
  svg.setAttribute('width', '32');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  draw(svg);
  return svg;
}

function shape(svg, name, attrs) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  svg.append(node);
}

const area = (c, dashed = false) => (svg) => shape(svg, 'rect', {
  x: 2, y: 3, width: 28, height: 14, fill: c.fill, 'fill-opacity': c.opacity, stroke: c.stroke,
  'stroke-width': 2, 'stroke-dasharray': dashed ? '4 3' : 'none',
});

/** The base map's entries (a function: the words are read in the page's language). */
const entries = () => [
  [t('legend.borderRegion', 'Border region'), t('legend.borderRegionWords', 'tan, solid outline'), area(PALETTE.borderRegion)],
  [t('legend.neighbour', 'Neighbouring region of the same state'), t('legend.neighbourWords', 'light blue, solid outline'), area(PALETTE.neighbourRegion)],
  [t('legend.otherState', 'Region of another state'), t('legend.otherStateWords', 'near white, grey dashed outline'), area(PALETTE.otherState, true)],
  [t('legend.stateBorder', 'State border'), t('legend.stateBorderWords', 'black dashes on a white band'), (svg) => {
    shape(svg, 'line', { x1: 1, y1: 10, x2: 31, y2: 10, stroke: PALETTE.stateBorder.halo, 'stroke-width': 7 });
    shape(svg, 'line', { x1: 1, y1: 10, x2: 31, y2: 10, stroke: PALETTE.stateBorder.line, 'stroke-width': 3, 'stroke-dasharray': '6 4' });
  }],
  [t('legend.settlement', 'Settlement'), t('legend.settlementWords', 'dark dot; the larger the dot, the more people (hover for name and population)'), (svg) => {
    shape(svg, 'circle', { cx: 8, cy: 10, r: 3, fill: PALETTE.settlement.fill, 'fill-opacity': PALETTE.settlement.opacity, stroke: '#fff' });
    shape(svg, 'circle', { cx: 21, cy: 10, r: 7, fill: PALETTE.settlement.fill, 'fill-opacity': PALETTE.settlement.opacity, stroke: '#fff' });
  }],
];

/** A key: a <dl> of [name, words, picture, class of the term (optional)] rows. */
function keyList(className, rows) {
  return el('dl', { class: className }, rows.flatMap(([name, words, picture, cls]) => [
    el('dt', { class: cls }, picture, name),
    el('dd', { text: words }),
  ]));
}

/** The report marker: the symbol, the claimed look, the uncertainty circle. */
function reportEntries() {
  return keyList('legend report-key', [
    [t('legend.unverified', 'Unverified report'), t('legend.unverifiedWords', 'blue speech bubble with a question mark, at the reported position'), reportSymbolElement(22)],
    [t('legend.claimed', 'Claimed report'), t('legend.claimedWords', 'white bubble with a blue outline: an officer is working on it'), reportSymbolElement(22), 'report-key-claimed'],
    [t('legend.uncertainty', 'Uncertainty of a report’s position'), t('legend.uncertaintyWords', 'dashed blue circle round the bubble: how far off the position may be'), swatch((svg) => {
      shape(svg, 'circle', { cx: 16, cy: 10, r: 8.5, fill: REPORT_AREA.fillColor, 'fill-opacity': REPORT_AREA.fillOpacity,
        stroke: REPORT_AREA.color, 'stroke-width': REPORT_AREA.weight, 'stroke-dasharray': REPORT_AREA.dashArray });
    })],
  ]);
}

/** The unit symbols: the choice of style, then each kind, availability and a group. */
function unitEntries() {
  const section = el('section', { id: 'key-units' }, el('h3', { text: t('tab.units', 'Units') }));
  const choice = el('fieldset', { class: 'symbol-style' }, el('legend', { text: t('legend.unitSymbols', 'Unit symbols on the map') }));
  for (const [value, words] of [['app6', t('legend.app6', 'Military symbols (MIL-STD-2525 / APP-6)')], ['plain', t('legend.plain', 'Plain shapes with a letter')]]) {
    const input = el('input', { type: 'radio', name: 'unit-symbol-style', value, id: `unit-symbols-${value}` });
    input.checked = symbolStyle() === value;
    input.addEventListener('change', () => {
      if (input.checked) {
        setSymbolStyle(value);
        draw();
      }
    });
    choice.append(el('label', { for: input.id }, input, ` ${words}`));
  }
  const group = el('input', { type: 'checkbox', id: 'unit-grouping' });
  group.checked = groupUnits();
  group.addEventListener('change', () => setGroupUnits(group.checked));
  choice.append(el('label', { for: 'unit-grouping' }, group, t('legend.group', ' Group units close together when zoomed out')));
  const list = el('div');
  const draw = () => {
    const app6 = symbolStyle() === 'app6';
    const picture = (kind, availability) => (app6 ? milSymbolImage(kind, 'company', availability, 22) : symbolSvg(kind, availability, 20));
    list.replaceChildren(
      keyList('legend unit-key', Object.entries(AGENCY_KINDS).map(([code, k]) => [
        t(`agencyKind.${code}`, k.label), app6 ? t(`legend.fn.${code}`, KIND_FUNCTION[code].words) : k.words, picture(code, 'available')])),
      keyList('legend unit-key', Object.entries(AVAILABILITY).map(([code, a]) => [t(`availability.${code}`, a.label), t(`availability.${code}.words`, a.words), picture('army', code)])),
      el('p', { class: 'legend-note', text: app6
        ? t('legend.app6Note', 'Rectangular frame: a friendly unit (filled by availability); the mark above the frame is its size (• • • platoon, I company, II battalion, X brigade). Zoomed out, units close together are grouped: a dark disc with their number, its ring split green / amber / grey by availability; a click zooms in. Zoomed in, each unit’s callsign is written beside it.')
        : t('legend.plainNote', 'Zoomed out, units close together are grouped: a dark disc with their number; a click zooms in. Zoomed in, each unit’s callsign is written beside it.') }),
    );
  };
  draw();
  section.append(choice, list);
  return section;
}

/** The Key tab, drawn when it is first shown: its pictures (a canvas each) are no part of
 * the first screen, and drawing them cost the first render tens of milliseconds. */
export function install() {
  const panel = registerTab('key', t('tab.key', 'Key'), { order: 95 });
  const draw = () => {
    if (!panel.childElementCount) drawKey(panel);
  };
  panel.addEventListener('tab-shown', draw);
  if (selectedTab() === 'key') draw();
}

function drawKey(panel) {
  const title = el('h2', { text: t('legend.title', 'Map key') });
  const list = keyList('legend', entries().map(([name, words, draw]) => [name, words, swatch(draw)]));
  const times = el('p', { class: 'legend-note', text: t('legend.times', 'Times are shown in the HQ’s time zone ({zone}); hover over a time for UTC.', { zone: hqTimezone() }) });
  const keys = el('p', { class: 'legend-note', text: t('legend.keyboard', 'Keyboard: Tab moves between controls; on the map, the arrow keys pan and + / − zoom, I steps through the incidents in view and U through the units (Shift: backwards), Enter opens the one shown and Escape lets go; in the board tabs, the arrow keys switch boards.') });
  const incidents = el('section', { id: 'key-incidents' }, el('h3', { text: t('tab.incidents', 'Incidents') }), incidentKeyParts(22));
  const reports = el('section', { id: 'key-reports' }, el('h3', { text: t('tab.reports', 'Reports') }), reportEntries());
  panel.append(title, list, incidents, unitEntries(), reports, times, keys);
}
