// The "Key" board: what each symbol on the map means, in words as well as colours.

import { incidentKeyParts } from './incidentsymbols.js';
import { PALETTE } from './palette.js';
import { REPORT_AREA, reportSymbolElement } from './reportsymbol.js';
import { registerTab } from './tabs.js';
import { hqTimezone } from './time.js';

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
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  svg.append(el);
}

const area = (c, dashed = false) => (svg) => shape(svg, 'rect', {
  x: 2, y: 3, width: 28, height: 14, fill: c.fill, 'fill-opacity': c.opacity, stroke: c.stroke,
  'stroke-width': 2, 'stroke-dasharray': dashed ? '4 3' : 'none',
});

const ENTRIES = [
  ['Border region', 'orange, solid outline', area(PALETTE.borderRegion)],
  ['Neighbouring region of the same state', 'light blue, solid outline', area(PALETTE.neighbourRegion)],
  ['Region of another state', 'near white, grey dashed outline', area(PALETTE.otherState, true)],
  ['State border', 'black dashes on a white band', (svg) => {
    shape(svg, 'line', { x1: 1, y1: 10, x2: 31, y2: 10, stroke: PALETTE.stateBorder.halo, 'stroke-width': 7 });
    shape(svg, 'line', { x1: 1, y1: 10, x2: 31, y2: 10, stroke: PALETTE.stateBorder.line, 'stroke-width': 3, 'stroke-dasharray': '6 4' });
  }],
  ['Settlement', 'dark dot; the larger the dot, the more people (hover for name and population)', (svg) => {
    shape(svg, 'circle', { cx: 8, cy: 10, r: 3, fill: PALETTE.settlement.fill, stroke: '#fff' });
    shape(svg, 'circle', { cx: 21, cy: 10, r: 7, fill: PALETTE.settlement.fill, stroke: '#fff' });
  }],
];

/** The report marker: the symbol, the claimed look, the uncertainty circle. */
function reportEntries() {
  const list = document.createElement('dl');
  list.className = 'legend report-key';
  const rows = [
    ['Unverified report', 'blue speech bubble with a question mark, at the reported position', reportSymbolElement(22), ''],
    ['Claimed report', 'white bubble with a blue outline: an officer is working on it', reportSymbolElement(22), 'report-key-claimed'],
    ['Uncertainty of a report\'s position', 'dashed blue circle round the bubble: how far off the position may be', swatch((svg) => {
      shape(svg, 'circle', { cx: 16, cy: 10, r: 8.5, fill: REPORT_AREA.fillColor, 'fill-opacity': REPORT_AREA.fillOpacity,
        stroke: REPORT_AREA.color, 'stroke-width': REPORT_AREA.weight, 'stroke-dasharray': REPORT_AREA.dashArray });
    }), ''],
  ];
  for (const [name, words, picture, cls] of rows) {
    const term = document.createElement('dt');
    if (cls) term.className = cls;
    term.append(picture, document.createTextNode(name));
    const desc = document.createElement('dd');
    desc.textContent = words;
    list.append(term, desc);
  }
  return list;
}

function heading(text) {
  const h = document.createElement('h3');
  h.textContent = text;
  return h;
}

export function install() {
  const panel = registerTab('key', 'Key', { order: 95 });
  const title = document.createElement('h2');
  title.textContent = 'Map key';
  const list = document.createElement('dl');
  list.className = 'legend';
  for (const [name, words, draw] of ENTRIES) {
    const term = document.createElement('dt');
    term.append(swatch(draw), document.createTextNode(name));
    const desc = document.createElement('dd');
    desc.textContent = words;
    list.append(term, desc);
  }
  const times = document.createElement('p');
  times.className = 'legend-note';
  times.textContent = `Times are shown in the HQ's time zone (${hqTimezone()}); hover over a time for UTC.`;
  const keys = document.createElement('p');
  keys.className = 'legend-note';
  keys.textContent = 'Keyboard: Tab moves between controls; on the map, the arrow keys pan and + / − zoom, I steps through the incidents in view and U through the units (Shift: backwards), Enter opens the one shown and Escape lets go; in the board tabs, the arrow keys switch boards.';
  const incidents = document.createElement('section');
  incidents.id = 'key-incidents';
  incidents.append(heading('Incidents'), ...incidentKeyParts(22));
  const reports = document.createElement('section');
  reports.id = 'key-reports';
  reports.append(heading('Reports'), reportEntries());
  panel.append(title, list, incidents, reports, times, keys);
}
