// The incidents on the map: one <canvas> for all of them (as unitlayer.js does for units).
//
// A frame draws first every polygon place (a translucent fill in the severity's colour with
// a dark outline, dashed while the incident is only reported), then a symbol per incident
// at its reference point from a sprite per category × severity × state × size. A change
// asks for a frame; many changes in one animation frame give one frame. With 1,000
// incidents a full frame is a few milliseconds (bench/bench_ui.py measures it), so there is
// no partial redraw. The canvas, hover, click and keyboard stepping are canvaslayer.js's.
//
// Incidents lie ABOVE the units (their pane is higher): an incident is what the duty officer
// looks for first. The symbol grows with severity (SEVERITY_SCALE), and an active incident
// has a halo in its severity's colour, so it is found at overview and at zoom 10 alike.

import { PointsCanvasLayer, symbolRadiusAt } from './canvaslayer.js';
import { drawIncident, drawIncidentSelection, severityOf } from './incidentsymbols.js';

/** The incidents' symbol half-sizes at low, middle and high zoom (canvaslayer.js: symbolRadiusAt). */
const SIZES = [7, 8.5, 10.5];

/** How much larger than the base size each severity's symbol is drawn. */
export const SEVERITY_SCALE = { unknown: 1, minor: 1, moderate: 1.2, severe: 1.45, extreme: 1.7 };

const sizeFor = (r, severity) => Math.round(r * (SEVERITY_SCALE[severity] ?? 1) * 2) / 2;

/** The halo round an active incident: a soft disc in the severity's colour, a white rim. */
function drawHalo(g, x, y, rr, fill) {
  g.beginPath();
  g.arc(x, y, rr * 2.1, 0, Math.PI * 2);
  g.globalAlpha = 0.32;
  g.fillStyle = fill;
  g.fill();
  g.globalAlpha = 0.9;
  g.lineWidth = 2;
  g.strokeStyle = fill;
  g.stroke();
  g.globalAlpha = 1;
}

export const IncidentsCanvasLayer = PointsCanvasLayer.extend({
  options: { pane: 'incidents', zIndex: '450', name: 'incidents', label: 'incident', tooltipOffset: [0, -12] },

  // new IncidentsCanvasLayer(source, options): source is {incidents: () => Iterable<object>,
  // selected: () => (number|null), categoryOf: (incident) => its taxonomy category}

  _incidentSprite(category, severity, state, r, dpr) {
    const half = Math.ceil(r * 1.25 + 5);
    return this._sprite(`${category.key}|${severity}|${state}|${r}|${dpr}`, half, dpr,
      (g, cx, cy) => drawIncident(g, category, severity, state, cx, cy, r));
  },

  * _drawSteps() {
    const frame = this._beginFrame();
    if (!frame) return;
    yield;
    const { g, width, height, dpr, zoom, ox, oy } = frame;
    const map = this._map;
    const r = this._radiusAt(zoom);
    const items = [...this._source.incidents()];
    const project = (lon, lat) => {
      const p = map.project([lat, lon], zoom);
      return [p.x - ox, p.y - oy];
    };

    // polygon places first, under every symbol
    let k = 0;
    for (const i of items) {
      if (!i.polygon) continue;
      k += 1;
      if (this._due(k)) yield;
      const s = severityOf(i.severity);
      const hollow = i.state === 'closed' || i.state === 'rejected';
      g.beginPath();
      for (const ring of i.polygon) {
        ring.forEach(([lon, lat], k) => {
          const [x, y] = project(lon, lat);
          if (k) g.lineTo(x, y);
          else g.moveTo(x, y);
        });
        g.closePath();
      }
      g.globalAlpha = hollow ? 0.08 : i.state === 'reported' ? 0.18 : 0.3;
      g.fillStyle = s.fill;
      g.fill();
      g.globalAlpha = hollow ? 0.45 : 0.9;
      g.setLineDash(i.state === 'reported' ? [6, 4] : []);
      g.lineWidth = i.state === 'active' ? 3 : 2;
      g.strokeStyle = '#1B1F24';
      g.stroke();
      g.setLineDash([]);
      g.globalAlpha = 1;
    }

    const { xs, ys } = this._hitRoom(items.length);
    const drawn = [];
    const selectedId = this._source.selected();
    let selected = null;
    let n = 0;
    // faded ones first, so that open incidents lie on top of them
    const order = items.filter((i) => i.state === 'closed' || i.state === 'rejected')
      .concat(items.filter((i) => i.state !== 'closed' && i.state !== 'rejected'));
    for (const i of order) {
      k += 1;
      if (this._due(k)) yield;
      this._project(i, zoom);
      const x = i._px - ox;
      const y = i._py - oy;
      if (x < -2 * r || y < -2 * r || x > width + 2 * r || y > height + 2 * r) {
        i._drawn = null;
        continue;
      }
      const category = this._source.categoryOf(i);
      const rr = sizeFor(r, i.severity);
      if (i.state === 'active') drawHalo(g, x, y, rr, severityOf(i.severity).fill);
      const sprite = this._incidentSprite(category, i.severity, i.state, rr, dpr);
      this._stamp(g, sprite, x, y);
      i._drawn = `${category.key}|${i.severity}|${i.state}`;
      i._r = rr;
      xs[n] = x;
      ys[n] = y;
      drawn.push(i);
      n += 1;
      if (i.id === selectedId) selected = [x, y, sprite, rr];
    }
    if (selected) {
      const [x, y, sprite, rr] = selected;
      drawIncidentSelection(g, x, y, rr);
      this._stamp(g, sprite, x, y);
    }
    this._endFrame(frame, n, drawn, r, items.length);
  },

  _radiusAt(zoom) {
    return symbolRadiusAt(zoom, SIZES);
  },

  _hoverKey(i) {
    return `${i.id}:${i.state}:${i.severity}`;
  },
});
