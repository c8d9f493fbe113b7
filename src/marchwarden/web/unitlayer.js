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
// without being redrawn) and covers the view plus a margin; it is redrawn when a zoom ends,
// or a move ends with the view outside what the last frame drew. Hover, click and keyboard stepping find units by distance to the points of
// the last frame. What this shares with the incidents' layer is canvaslayer.js.

//
// Symbols are MIL-STD-2525 / APP-6 (milsymbols.js) unless the Key tab chose the plain ones.
// Below zoom CLUSTER_BELOW, units whose symbols would overlap are grouped (supercluster,
// from npm): a disc with the count, its ring split by availability; a click zooms in to
// where the group opens. From zoom LABEL_FROM, each unit's callsign (code) is written
// beside it. While either is on, every frame is a full one (a change may move a count).

import Supercluster from '/vendor/supercluster/supercluster.js';
import { PointsCanvasLayer, symbolRadiusAt } from './canvaslayer.js';
import { drawMilSymbol, groupUnits, reachOf, symbolStyle } from './milsymbols.js';
import { drawSelection, drawSymbol } from './unitsymbols.js';

export const CLUSTER_BELOW = 10;
export const LABEL_FROM = 11;
const CLUSTER_RING = { available: '#009E73', committed: '#E69F00', unavailable: '#8A8A8A' };

const CELL = 32; // px, the grid that finds units near a dirty square
const PARTIAL_LIMIT = 400; // more dirty units than this in one frame: draw everything
const cellKey = (cx, cy) => (cx + 64) * 65536 + (cy + 64);

/** The units' symbol half-sizes at low, middle and high zoom (canvaslayer.js: symbolRadiusAt). */
const SIZES = [6, 7.5, 9.5];

export const UnitsCanvasLayer = PointsCanvasLayer.extend({
  options: { pane: 'units', zIndex: '440', name: 'units', label: 'unit', tooltipOffset: [0, -10] },

  // new UnitsCanvasLayer(source, options): source is {units: () => Iterable<object>,
  // selected: () => (number|null)}; units have id, lon, lat, agency_kind, availability
  // (the layer caches projections on them)

  initialize(source, options) {
    const describe = options.describe;
    const onSelect = options.onSelect;
    options = {
      cluster: true,
      ...options,
      describe: (found) => (found[0]?.cluster ? clusterWords(found[0]) : describe(found.filter((f) => !f.cluster))),
      onSelect: (item) => (item.cluster ? this._openCluster(item) : onSelect?.(item)),
    };
    PointsCanvasLayer.prototype.initialize.call(this, source, options);
    // the supercluster indexes, one per symbol size (grouping radius), each built once when
    // first wanted after the units changed and then only queried per zoom
    this._clusters = new Map();
    this._style = symbolStyle();
    this.clustered = false;
    this._index = new Map(); // unit id -> its place in the last full frame's order
    this._grid = new Map(); // cellKey -> Set of places
    this._dirty = new Set();
    this._full = true;
    this.partialFrames = 0;
  },

  onAdd(map) {
    // changes made while the layer was off the map did not reach it
    this._clusters.clear();
    PointsCanvasLayer.prototype.onAdd.call(this, map);
  },

  /** Ask for a full redraw at the next animation frame (many calls, one frame). */
  redraw() {
    this._full = true;
    this._clusters.clear();
    return this._schedule();
  },

  /** A unit's look or place changed: redraw round it at the next animation frame. */
  markDirty(unit) {
    this._dirty.add(unit);
    this._clusters.clear();
    return this._schedule();
  },

  _onFrame() {
    if (this.clustered || this.labelled || this._full || this._dirty.size > PARTIAL_LIMIT || !this._drawPartial()) this._drawNow();
  },

  /** The half size of a unit's sprite at symbol half size r. */
  _half(r) {
    return this._style === 'plain' ? Math.ceil(r * 1.25 + 3) : reachOf(r);
  },

  _unitSprite(u, r, dpr) {
    const { agency_kind: kind, availability, category } = u;
    if (this._style === 'plain') {
      return this._sprite(`plain|${kind}|${availability}|${r}|${dpr}`, this._half(r), dpr,
        (g, cx, cy) => drawSymbol(g, kind, availability, cx, cy, r));
    }
    return this._sprite(`app6|${kind}|${category}|${availability}|${r}|${dpr}`, this._half(r), dpr,
      (g, cx, cy) => drawMilSymbol(g, kind, category, availability, cx, cy, r));
  },

  /** The groups and lone units to draw at this zoom (null: no grouping here). */
  _grouped(units, zoom, r) {
    if (!this.options.cluster || !groupUnits() || zoom >= CLUSTER_BELOW) return null;
    let built = this._clusters.get(r);
    if (!built || built.units.length !== units.length) {
      const index = new Supercluster({
        // no levels below the map's least zoom: nobody sees them
        radius: Math.round(2 * r + 6), extent: 256, minZoom: Math.max(0, Math.floor(this._map.getMinZoom())), maxZoom: CLUSTER_BELOW - 1, minPoints: 3,
        map: (p) => ({ available: p.a === 'available' ? 1 : 0, committed: p.a === 'committed' ? 1 : 0, unavailable: p.a === 'unavailable' ? 1 : 0 }),
        reduce: (acc, p) => { acc.available += p.available; acc.committed += p.committed; acc.unavailable += p.unavailable; },
      });
      index.load(units.map((u, i) => ({ type: 'Feature', properties: { i, a: u.availability }, geometry: { type: 'Point', coordinates: [u.lon, u.lat] } })));
      built = { index, units };
      this._clusters.set(r, built);
    }
    const { index, units: indexed } = built;
    const out = [];
    for (const f of index.getClusters([-180, -85, 180, 85], Math.floor(zoom))) {
      const p = f.properties;
      if (!p.cluster) {
        out.push(indexed[p.i]);
        continue;
      }
      const [lon, lat] = f.geometry.coordinates;
      out.push({
        id: `cluster-${p.cluster_id}`, cluster: true, clusterId: p.cluster_id, count: p.point_count, lon, lat,
        counts: { available: p.available, committed: p.committed, unavailable: p.unavailable },
      });
    }
    return out;
  },

  _openCluster(c) {
    const index = this._clusters.get(this._radius)?.index;
    const zoom = index ? Math.min(index.getClusterExpansionZoom(c.clusterId), CLUSTER_BELOW) : this._map.getZoom() + 2;
    this._map.setView([c.lat, c.lon], zoom, { animate: false });
  },

  /**
   * A group's symbol (a dark disc with the count, its ring split by availability): drawn
   * straight on the frame the first time its look (count and shares) comes up at a zoom,
   * from a sprite made then for the frames after (a pan, a live change). Groups differ at
   * every zoom: a sprite for each on first sight made some 140 canvases in the first frame
   * of 5,000 units, most of its 110 ms. The sprites of one zoom go when the zoom changes.
   */
  _drawCluster(g, c, x, y, zoom, dpr) {
    if (this._groupZoom !== zoom) {
      this._groupSprites = new Map();
      this._groupZoom = zoom;
    }
    const size = c.count < 10 ? 13 : c.count < 100 ? 16 : c.count < 1000 ? 19 : 22;
    const half = size + 3;
    const key = `${c.count}|${c.counts.available},${c.counts.committed},${c.counts.unavailable}|${dpr}`;
    let sprite = this._groupSprites.get(key);
    if (sprite === undefined) {
      this._groupSprites.set(key, null);
      paintCluster(g, c, size, Math.round(x - half) + half, Math.round(y - half) + half);
      return;
    }
    if (sprite === null) {
      sprite = this._makeSprite(half, dpr, (s, cx, cy) => paintCluster(s, c, size, cx, cy));
      this._groupSprites.set(key, sprite);
    }
    this._stamp(g, sprite, x, y);
  },

  /** The callsigns' text style, set once a frame before the first callsign. */
  _labelStyle(g) {
    g.font = '600 12px system-ui, "Noto Sans", "Liberation Sans", Arial, sans-serif';
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    g.lineWidth = 3;
    g.strokeStyle = 'rgba(255,255,255,0.95)';
    g.lineJoin = 'round';
    g.fillStyle = '#1B1F24';
  },

  /** A unit's callsign beside its symbol (high zoom only), in _labelStyle's style. */
  _label(g, u, x, y, r) {
    const lx = x + r * 1.6 + 3;
    g.strokeText(u.code, lx, y);
    g.fillText(u.code, lx, y);
  },

  * _drawSteps() {
    const frame = this._beginFrame();
    if (!frame) return;
    yield;
    // changes from here on are drawn by this frame or asked for again after it
    this._dirty.clear();
    this._full = false;
    const { g, width, height, dpr, zoom, ox, oy } = frame;
    const r = this._radiusAt(zoom);
    this._style = symbolStyle(); // read once a frame (localStorage), not once a unit
    const all = [...this._source.units()];
    const grouped = this._grouped(all, zoom, r);
    const units = grouped ?? all;
    this.clustered = Boolean(grouped && grouped.length < all.length);
    this.labelled = zoom >= LABEL_FROM;
    if (grouped) for (const u of all) u._drawn = null;
    const { xs, ys } = this._hitRoom(units.length);
    const drawnUnits = [];
    const selectedId = this._source.selected();
    const index = new Map();
    const grid = new Map();
    let selected = null;
    let n = 0;
    let k = 0;
    if (this.labelled) this._labelStyle(g);
    for (const u of units) {
      k += 1;
      if (this._due(k)) yield;
      this._project(u, zoom);
      const x = u._px - ox;
      const y = u._py - oy;
      if (x < -2 * r || y < -2 * r || x > width + 2 * r || y > height + 2 * r) {
        u._drawn = null;
        continue;
      }
      if (u.cluster) {
        this._drawCluster(g, u, x, y, zoom, dpr);
      } else {
        this._stamp(g, this._unitSprite(u, r, dpr), x, y);
        if (this.labelled) this._label(g, u, x, y, r);
        u._drawn = u.availability;
      }
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
      this._stamp(g, this._unitSprite(u, r, dpr), x, y);
    }
    this._index = index;
    this._grid = grid;
    this._frameOf = { ox, oy, zoom, width, height, dpr, selectedId, selected: selected ? [selected[1], selected[2]] : null };
    this._endFrame(frame, n, drawnUnits, r, all.length);
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
    const half = this._half(r);
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
      this._stamp(g, this._unitSprite(u, r, f.dpr), xs[i], ys[i]);
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
    return u.cluster ? `${u.id}:${u.count}` : `${u.id}:${u.status}`;
  },
});

/** A group's symbol centred on (cx, cy), `size` its radius. */
function paintCluster(g, c, size, cx, cy) {
  let start = -Math.PI / 2;
  for (const a of ['available', 'committed', 'unavailable']) {
    const n = c.counts[a];
    if (!n) continue;
    const end = start + (2 * Math.PI * n) / c.count;
    g.beginPath();
    g.arc(cx, cy, size - 2, start, end);
    g.lineWidth = 5;
    g.strokeStyle = CLUSTER_RING[a];
    g.stroke();
    start = end;
  }
  g.beginPath();
  g.arc(cx, cy, size - 5, 0, Math.PI * 2);
  g.fillStyle = '#1B2A3A';
  g.fill();
  g.beginPath();
  g.arc(cx, cy, size + 0.5, 0, Math.PI * 2);
  g.lineWidth = 1.5;
  g.strokeStyle = '#FFFFFF';
  g.stroke();
  g.font = `700 ${c.count < 1000 ? 11 : 10}px system-ui, "Noto Sans", "Liberation Sans", Arial, sans-serif`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillStyle = '#FFFFFF';
  g.fillText(String(c.count), cx, cy + 0.5);
}

function clusterWords(c) {
  const parts = ['available', 'committed', 'unavailable'].filter((a) => c.counts[a]).map((a) => `${c.counts[a].toLocaleString()} ${a}`);
  return `${c.count.toLocaleString()} units here: ${parts.join(', ')}.\nClick for a closer view.`;
}
