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
// zoom ends. Hover and click find units by distance to the points of the last frame.

import { L } from './map.js';
import { drawSelection, drawSymbol } from './unitsymbols.js';

const PADDING = 0.35; // of the view's size, on each side
const CELL = 32; // px, the grid that finds units near a dirty square
const PARTIAL_LIMIT = 400; // more dirty units than this in one frame: draw everything
const cellKey = (cx, cy) => (cx + 64) * 65536 + (cy + 64);

/**
 * Half-size of a symbol at a zoom level, in CSS pixels, grown with the page's type size
 * (app.css sets a larger root font on a large HQ screen).
 */
export function symbolRadius(zoom) {
  const base = zoom < 6.5 ? 6 : zoom < 8 ? 7.5 : 9.5;
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
  return Math.round(base * Math.max(1, rem / 14) * 2) / 2;
}

export const UnitsCanvasLayer = L.Layer.extend({
  options: {
    pane: 'units',
    /** (units: object[]) => string, the hover text (HTML-free) */
    describe: null,
    /** (unit: object) => void, a click on a unit */
    onSelect: null,
    /** (frame: {ms, drawn, at}) => void, after each frame */
    afterDraw: null,
  },

  /**
   * @param {{units: () => Iterable<object>, selected: () => (number|null)}} source
   *   units have id, lon, lat, agency_kind, availability; the layer caches projections on them
   */
  initialize(source, options) {
    L.setOptions(this, options);
    this._source = source;
    this._sprites = new Map();
    this._frame = null;
    this._hits = { n: 0, xs: new Float32Array(0), ys: new Float32Array(0), units: [] };
    this._index = new Map(); // unit id -> its place in the last full frame's order
    this._grid = new Map(); // cellKey -> Set of places
    this._dirty = new Set();
    this._full = true;
    this._hovered = null;
    this.frames = 0;
    this.partialFrames = 0;
  },

  onAdd(map) {
    if (!map.getPane(this.options.pane)) {
      const pane = map.createPane(this.options.pane);
      pane.style.zIndex = '450';
      pane.style.pointerEvents = 'none';
    }
    this._canvas = L.DomUtil.create('canvas', 'units-canvas leaflet-zoom-hide', map.getPane(this.options.pane));
    this._canvas.setAttribute('aria-hidden', 'true');
    this._tooltip = L.tooltip({ direction: 'top', className: 'hover-label unit-label', offset: [0, -10] });
    this._drawNow();
  },

  onRemove(map) {
    if (this._frame) cancelAnimationFrame(this._frame);
    this._frame = null;
    map.closeTooltip(this._tooltip);
    map.getContainer().classList.remove('units-pointer');
    L.DomUtil.remove(this._canvas);
    this._canvas = null;
    this._hits = { n: 0, xs: new Float32Array(0), ys: new Float32Array(0), units: [] };
  },

  getEvents() {
    return {
      moveend: this._drawNow,
      zoomend: this._drawNow,
      viewreset: this._drawNow,
      resize: this._drawNow,
      mousemove: this._onMouseMove,
      mouseout: this._onMouseOut,
      click: this._onClick,
    };
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

  _schedule() {
    if (!this._map || this._frame) return this;
    this._frame = requestAnimationFrame(() => {
      this._frame = null;
      if (this._full || this._dirty.size > PARTIAL_LIMIT || !this._drawPartial()) this._drawNow();
    });
    return this;
  },

  _sprite(kind, availability, r, dpr) {
    const key = `${kind}|${availability}|${r}|${dpr}`;
    let sprite = this._sprites.get(key);
    if (!sprite) {
      const half = Math.ceil(r * 1.25 + 3);
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = Math.ceil(2 * half * dpr);
      const g = canvas.getContext('2d');
      g.scale(dpr, dpr);
      drawSymbol(g, kind, availability, half, half, r);
      sprite = { canvas, half };
      this._sprites.set(key, sprite);
    }
    return sprite;
  },

  _drawNow() {
    const map = this._map;
    if (!map || !this._canvas) return;
    const started = performance.now();
    const size = map.getSize();
    const pad = size.multiplyBy(PADDING).round();
    const topLeft = map.containerPointToLayerPoint([0, 0]).subtract(pad).round();
    const width = size.x + 2 * pad.x;
    const height = size.y + 2 * pad.y;
    const dpr = window.devicePixelRatio || 1;
    const canvas = this._canvas;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    L.DomUtil.setPosition(canvas, topLeft);
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);

    const zoom = map.getZoom();
    const origin = map.getPixelOrigin();
    const ox = origin.x + topLeft.x;
    const oy = origin.y + topLeft.y;
    const r = symbolRadius(zoom);
    const units = [...this._source.units()];
    if (this._hits.xs.length < units.length) {
      const n = Math.max(units.length, this._hits.xs.length * 2);
      this._hits.xs = new Float32Array(n);
      this._hits.ys = new Float32Array(n);
    }
    const xs = this._hits.xs;
    const ys = this._hits.ys;
    const drawnUnits = [];
    const selectedId = this._source.selected();
    const index = new Map();
    const grid = new Map();
    let selected = null;
    let n = 0;
    for (const u of units) {
      if (u._pz !== zoom || u._plon !== u.lon || u._plat !== u.lat) {
        const p = map.project([u.lat, u.lon], zoom);
        u._px = p.x;
        u._py = p.y;
        u._pz = zoom;
        u._plon = u.lon;
        u._plat = u.lat;
      }
      const x = u._px - ox;
      const y = u._py - oy;
      if (x < -2 * r || y < -2 * r || x > width + 2 * r || y > height + 2 * r) {
        u._drawn = null;
        continue;
      }
      const sprite = this._sprite(u.agency_kind, u.availability, r, dpr);
      g.drawImage(sprite.canvas, Math.round(x - sprite.half), Math.round(y - sprite.half), 2 * sprite.half, 2 * sprite.half);
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
      const sprite = this._sprite(u.agency_kind, u.availability, r, dpr);
      g.drawImage(sprite.canvas, Math.round(x - sprite.half), Math.round(y - sprite.half), 2 * sprite.half, 2 * sprite.half);
    }
    this._hits.n = n;
    this._hits.units = drawnUnits;
    this._index = index;
    this._grid = grid;
    this._origin = { x: topLeft.x, y: topLeft.y };
    this._frameOf = { ox, oy, zoom, width, height, dpr, selectedId, selected: selected ? [selected[1], selected[2]] : null };
    this._radius = r;
    this._dirty.clear();
    this._full = false;
    this.frames += 1;
    if (this.options.afterDraw) {
      this.options.afterDraw({ ms: performance.now() - started, drawn: n, total: units.length, partial: false });
    }
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
    const { xs, ys, units } = this._hits;
    // whole-pixel squares that hold a symbol drawn at (x, y) wholly, so that clearing and
    // clipping leave no half-covered pixels at their edges
    const size = 2 * half + 3;
    const square = (x, y) => [Math.floor(x) - half - 1, Math.floor(y) - half - 1];
    const squares = [];
    for (const u of this._dirty) {
      const i = this._index.get(u.id);
      if (u._pz !== zoom || u._plon !== u.lon || u._plat !== u.lat) {
        const p = map.project([u.lat, u.lon], zoom);
        u._px = p.x;
        u._py = p.y;
        u._pz = zoom;
        u._plon = u.lon;
        u._plat = u.lat;
      }
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
      const sprite = this._sprite(u.agency_kind, u.availability, r, f.dpr);
      g.drawImage(sprite.canvas, Math.round(xs[i] - sprite.half), Math.round(ys[i] - sprite.half), 2 * sprite.half, 2 * sprite.half);
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

  /** Units drawn within reach of a container point, nearest first. */
  unitsAt(containerPoint, slack = 3) {
    if (!this._map || !this._origin) return [];
    const layerPoint = this._map.containerPointToLayerPoint(containerPoint);
    const x = layerPoint.x - this._origin.x;
    const y = layerPoint.y - this._origin.y;
    const reach = (this._radius + slack) ** 2;
    const found = [];
    const { xs, ys, units } = this._hits;
    for (let i = 0; i < this._hits.n; i += 1) {
      const d = (xs[i] - x) ** 2 + (ys[i] - y) ** 2;
      if (d <= reach) found.push([d, units[i]]);
    }
    return found.sort((a, b) => a[0] - b[0]).map((f) => f[1]);
  },

  /** Where a unit was drawn in the last frame, in container pixels (null if not drawn). */
  containerPointOf(unitId) {
    if (!this._map || !this._origin) return null;
    const { xs, ys, units } = this._hits;
    for (let i = 0; i < this._hits.n; i += 1) {
      if (units[i].id === unitId) {
        return this._map.layerPointToContainerPoint([xs[i] + this._origin.x, ys[i] + this._origin.y]);
      }
    }
    return null;
  },

  radius() {
    return this._radius ?? symbolRadius(this._map ? this._map.getZoom() : 6);
  },

  _onMouseMove(event) {
    const found = this.unitsAt(event.containerPoint);
    const container = this._map.getContainer();
    container.classList.toggle('units-pointer', found.length > 0);
    if (!found.length) {
      if (this._hovered !== null) this._map.closeTooltip(this._tooltip);
      this._hovered = null;
      return;
    }
    const key = found.map((u) => `${u.id}:${u.status}`).join(',');
    if (key === this._hovered) return;
    this._hovered = key;
    const text = this.options.describe ? this.options.describe(found) : found.map((u) => u.name).join('\n');
    const content = document.createElement('div');
    content.className = 'unit-label-text';
    content.textContent = text;
    this._tooltip.setLatLng([found[0].lat, found[0].lon]).setContent(content);
    this._map.openTooltip(this._tooltip);
  },

  _onMouseOut() {
    this._hovered = null;
    this._map.closeTooltip(this._tooltip);
    this._map.getContainer().classList.remove('units-pointer');
  },

  _onClick(event) {
    const found = this.unitsAt(event.containerPoint);
    if (found.length && this.options.onSelect) this.options.onSelect(found[0]);
  },
});
