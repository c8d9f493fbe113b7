// The units on the map: one <canvas> for all of them, not one DOM or SVG element per unit.
//
// Why: 5,000 units as Leaflet markers are 5,000 DOM nodes, each moved on every zoom; as
// SVG circle markers they could not show a shape per agency kind. Here each kind ×
// availability × size is drawn once into a small sprite, and a frame is 5,000 drawImage
// calls (tens of ms in software rendering; bench/bench_ui.py measures it). A live change
// only marks its unit dirty; at the next animation frame (one per frame, however many
// events arrived) only the small squares round the dirty units' old and new places are
// cleared and redrawn, with whatever other units overlap them, in the same order as a full
// frame. A full frame is drawn when the view changes, units are added, or many changed.
//
// The canvas sits in its own pane inside Leaflet's map pane (so it pans with the map
// without being redrawn) and covers the view plus a margin; it is redrawn when a move or
// zoom ends. Hover, click and keyboard stepping find units by distance to the points of
// the last frame. What this shares with the incidents' layer is canvaslayer.js.

import { PointsCanvasLayer, symbolRadiusAt } from './canvaslayer.js';
import { drawSelection, drawSymbol } from './unitsymbols.js';

const CELL = 32; // px, the grid that finds units near a dirty square
const PARTIAL_LIMIT = 400; // more dirty units than this in one frame: draw everything
const cellKey = (cx, cy) => (cx + 64) * 65536 + (cy + 64);

/** The units' symbol half-sizes at low, middle and high zoom (canvaslayer.js: symbolRadiusAt). */
const SIZES = [6, 7.5, 9.5];

export const UnitsCanvasLayer = PointsCanvasLayer.extend({
  options: { pane: 'units', zIndex: '450', name: 'units', label: 'unit', tooltipOffset: [0, -10] },

  // new UnitsCanvasLayer(source, options): source is {units: () => Iterable<object>,
  // selected: () => (number|null)}; units have id, lon, lat, agency_kind, availability
  // (the layer caches projections on them)

  initialize(source, options) {
    PointsCanvasLayer.prototype.initialize.call(this, source, options);
    this._index = new Map(); // unit id -> its place in the last full frame's order
    this._grid = new Map(); // cellKey -> Set of places
    this._dirty = new Set();
    this._full = true;
    this.partialFrames = 0;
  },

  /** Ask for a full redraw at the next animation frame (many calls, one frame). */
  redraw() {
    this._full = true;
    return this._schedule();
  },

  /** A unit's look or place changed: redraw round it at the next animation frame. */
  markDirty(unit) {
    this._dirty.add(unit);
    return this._schedule();
  },

  _onFrame() {
    if (this._full || this._dirty.size > PARTIAL_LIMIT || !this._drawPartial()) this._drawNow();
  },

  _unitSprite(kind, availability, r, dpr) {
    return this._sprite(`${kind}|${availability}|${r}|${dpr}`, Math.ceil(r * 1.25 + 3), dpr,
      (g, cx, cy) => drawSymbol(g, kind, availability, cx, cy, r));
  },

  _drawNow() {
    const frame = this._beginFrame();
    if (!frame) return;
    const { g, width, height, dpr, zoom, ox, oy } = frame;
    const r = this._radiusAt(zoom);
    const units = [...this._source.units()];
    const { xs, ys } = this._hitRoom(units.length);
    const drawnUnits = [];
    const selectedId = this._source.selected();
    const index = new Map();
    const grid = new Map();
    let selected = null;
    let n = 0;
    for (const u of units) {
      this._project(u, zoom);
      const x = u._px - ox;
      const y = u._py - oy;
      if (x < -2 * r || y < -2 * r || x > width + 2 * r || y > height + 2 * r) {
        u._drawn = null;
        continue;
      }
      this._stamp(g, this._unitSprite(u.agency_kind, u.availability, r, dpr), x, y);
      u._drawn = u.availability;
      xs[n] = x;
      ys[n] = y;
      drawnUnits.push(u);
      index.set(u.id, n);
      const key = cellKey(Math.floor(x / CELL), Math.floor(y / CELL));
      let cell = grid.get(key);
      if (!cell) grid.set(key, (cell = new Set()));
      cell.add(n);
      n += 1;
      if (u.id === selectedId) selected = [u, x, y];
    }
    if (selected) {
      const [u, x, y] = selected;
      drawSelection(g, x, y, r);
      this._stamp(g, this._unitSprite(u.agency_kind, u.availability, r, dpr), x, y);
    }
    this._index = index;
    this._grid = grid;
    this._frameOf = { ox, oy, zoom, width, height, dpr, selectedId, selected: selected ? [selected[1], selected[2]] : null };
    this._dirty.clear();
    this._full = false;
    this._endFrame(frame, n, drawnUnits, r, units.length);
  },

  /**
   * Redraw only round the dirty units. Returns false when a full frame is needed instead
   * (the view or the chosen unit changed, or a unit crossed the edge of the canvas).
   */
  _drawPartial() {
    const map = this._map;
    const f = this._frameOf;
    if (!map || !this._canvas || !f) return false;
    const started = performance.now();
    const zoom = map.getZoom();
    const origin = map.getPixelOrigin();
    if (zoom !== f.zoom || origin.x + this._origin.x !== f.ox || origin.y + this._origin.y !== f.oy) return false;
    if (this._source.selected() !== f.selectedId) return false;
    const r = this._radius;
    const half = Math.ceil(r * 1.25 + 3);
    const { xs, ys, items: units } = this._hits;
    // whole-pixel squares that hold a symbol drawn at (x, y) wholly, so that clearing and
    // clipping leave no half-covered pixels at their edges
    const size = 2 * half + 3;
    const square = (x, y) => [Math.floor(x) - half - 1, Math.floor(y) - half - 1];
    const squares = [];
    for (const u of this._dirty) {
      const i = this._index.get(u.id);
      this._project(u, zoom);
      const x = u._px - f.ox;
      const y = u._py - f.oy;
      const inside = x >= -2 * r && y >= -2 * r && x <= f.width + 2 * r && y <= f.height + 2 * r;
      if (i === undefined) {
        if (inside) return false; // came into the canvas: a new place in the order
        continue;
      }
      if (!inside) return false;
      squares.push(square(xs[i], ys[i]));
      if (x !== xs[i] || y !== ys[i]) {
        squares.push(square(x, y));
        this._grid.get(cellKey(Math.floor(xs[i] / CELL), Math.floor(ys[i] / CELL)))?.delete(i);
        const key = cellKey(Math.floor(x / CELL), Math.floor(y / CELL));
        let cell = this._grid.get(key);
        if (!cell) this._grid.set(key, (cell = new Set()));
        cell.add(i);
        xs[i] = x;
        ys[i] = y;
      }
    }
    if (f.selected) {
      // the ring of the chosen unit is wider than a symbol: let a full frame keep it whole
      const [sx, sy] = f.selected;
      const reach = r + 10 + size / 2;
      if (squares.some(([x, y]) => Math.abs(x + size / 2 - sx) < reach && Math.abs(y + size / 2 - sy) < reach)) return false;
    }
    const g = this._canvas.getContext('2d');
    g.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
    g.save();
    g.beginPath();
    for (const [x, y] of squares) g.rect(x, y, size, size);
    g.clip();
    for (const [x, y] of squares) g.clearRect(x, y, size, size);
    // every unit whose symbol reaches into a square: its centre within `half` + 1 of it
    const found = new Set();
    for (const [x, y] of squares) {
      for (let cx = Math.floor((x - half - 1) / CELL); cx <= Math.floor((x + size + half + 1) / CELL); cx += 1) {
        for (let cy = Math.floor((y - half - 1) / CELL); cy <= Math.floor((y + size + half + 1) / CELL); cy += 1) {
          const cell = this._grid.get(cellKey(cx, cy));
          if (cell) for (const i of cell) found.add(i);
        }
      }
    }
    for (const i of [...found].sort((a, b) => a - b)) {
      const u = units[i];
      this._stamp(g, this._unitSprite(u.agency_kind, u.availability, r, f.dpr), xs[i], ys[i]);
      u._drawn = u.availability;
    }
    g.restore();
    this._dirty.clear();
    this.frames += 1;
    this.partialFrames += 1;
    if (this.options.afterDraw) {
      this.options.afterDraw({ ms: performance.now() - started, drawn: this._hits.n, total: this._hits.n, partial: true });
    }
    return true;
  },

  _radiusAt(zoom) {
    return symbolRadiusAt(zoom, SIZES);
  },

  _hoverKey(u) {
    return `${u.id}:${u.status}`;
  },
});
