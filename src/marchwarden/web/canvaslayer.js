// What the map's canvas layers share (unitlayer.js draws the units, incidentlayer.js the
// incidents): one <canvas> in a pane of its own, covering the view plus a margin and moved
// with the map, redrawn when a zoom ends but not when a pan ends inside the margin it
// drew; sprites drawn once per look and size; a frame asked for by many changes
// drawn once, at the next animation frame; the points of the last frame, by which hover,
// click and the keyboard find what is under the pointer or in view; one shared tooltip.
//
// A layer extends `PointsCanvasLayer` and gives `*_drawSteps()` (a full frame as a
// generator: it calls `_beginFrame()`, yields once, draws — yielding whenever `_due()` says
// its time is up — then calls `_endFrame()`) and `_radiusAt(zoom)` (its symbols' half
// size). `_drawNow()` runs the steps at once; after an animated zoom they run in slices
// over the next animation frames (afterzoom.js), the canvas hidden until the frame is
// whole, so no frame shows symbols half drawn or at the old zoom's places. A layer may
// override `_onFrame()` (what an asked frame does: `_drawNow()` here) and `_hoverKey(item)`
// (what makes two hovers the same). Where a canvas layer in a higher pane has a symbol, the
// point is that layer's: hover and click go to the top-most thing only.
//
// Keyboard: `step(+1 | -1)` moves a highlight through the things drawn inside the visible
// view, nearest the centre first, showing the tooltip on each and returning it (map.js
// binds the keys and announces it); `chooseStepped()` selects the highlighted thing as a
// click would.
//
// `DrawTimings` is what a board keeps of its layer's frames for the benchmark and the
// browser tests (bench/bench_ui.py, window.marchwarden.units / .incidents): frame counts and
// times, the first frame that drew everything, and each live change's lag from its commit
// to the frame that drew it.

import { L } from './map.js';
import { cancel, later, zoomWasAnimated } from './afterzoom.js';

const PADDING = 0.35; // of the view's size, on each side

/**
 * Half-size of a layer's symbols at a zoom level, in CSS pixels: `sizes` at low (< 6.5),
 * middle (< 8) and high zoom, grown with the page's type size (app.css sets a larger root
 * font on a large HQ screen), to half pixels.
 */
export function symbolRadiusAt(zoom, [low, middle, high]) {
  const base = zoom < 6.5 ? low : zoom < 8 ? middle : high;
  return Math.round(base * Math.max(1, rootFontSize() / 14) * 2) / 2;
}

// The root font size, read once and again after each resize of the window (app.css sets it
// by the window's width): reading a computed style after the base map's SVG changed forces
// the browser to recompute the page's styles there and then, which cost more than the
// whole frame did on every pan and zoom.
let rem = null;

function rootFontSize() {
  if (rem === null) rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
  return rem;
}

window.addEventListener('resize', () => { rem = null; });

const noHits = () => ({ n: 0, xs: new Float32Array(0), ys: new Float32Array(0), items: [] });

export const PointsCanvasLayer = L.Layer.extend({
  options: {
    pane: 'points',
    zIndex: '445',
    /** `${name}-canvas`: the canvas's class; `${name}-pointer`: the map's, while over a thing */
    name: 'points',
    /** `${label}-label`: the tooltip's class; `${label}-label-text`: its text's */
    label: 'point',
    tooltipOffset: [0, -10],
    /** (items: object[]) => string, the hover text (HTML-free), nearest first */
    describe: null,
    /** (item: object) => void, a click on a thing */
    onSelect: null,
    /** (frame: {ms, drawn, total, partial}) => void, after each frame */
    afterDraw: null,
  },

  initialize(source, options) {
    L.setOptions(this, options);
    this._source = source;
    this._sprites = new Map();
    this._frame = null;
    this._hits = noHits();
    this._hovered = null;
    this._stepped = null;
    this.frames = 0;
  },

  onAdd(map) {
    const { pane, zIndex, name } = this.options;
    if (!map.getPane(pane)) {
      const element = map.createPane(pane);
      element.style.zIndex = zIndex;
      element.style.pointerEvents = 'none';
    }
    // hidden while Leaflet animates a zoom, drawn anew when it ends (scaling the last frame
    // with the map instead cost the software compositor more than the hidden canvas saved:
    // bench_ui.py --baseline, docs/benchmarks.md)
    this._canvas = L.DomUtil.create('canvas', `${name}-canvas leaflet-zoom-hide`, map.getPane(pane));
    this._canvas.setAttribute('aria-hidden', 'true');
    this._tooltip = L.tooltip({ direction: 'top', className: `hover-label ${this.options.label}-label`, offset: this.options.tooltipOffset });
    this._slice = null;
    this._until = Infinity;
    this._drawNow();
  },

  onRemove(map) {
    if (this._frame) cancelAnimationFrame(this._frame);
    this._frame = null;
    this._stopSlice();
    map.closeTooltip(this._tooltip);
    map.getContainer().classList.remove(`${this.options.name}-pointer`);
    L.DomUtil.remove(this._canvas);
    this._canvas = null;
    this._g = null;
    this._hits = noHits();
    this._stepped = null;
    this._drawnView = null;
  },

  getEvents() {
    return {
      moveend: this._onMoveEnd,
      zoomend: this._onZoomEnd,
      viewreset: this._drawNow,
      resize: this._drawNow,
      mousemove: this._onMouseMove,
      mouseout: this._onMouseOut,
      click: this._onClick,
    };
  },

  /** A zoom ended: after an animated one, draw in slices over the next frames (the
   * animation's last frame is already long with what Leaflet does there); else at once. */
  _onZoomEnd() {
    if (zoomWasAnimated()) this._drawLater();
    else this._drawNow();
  },

  /** A full frame now (any frame being drawn in slices is dropped). */
  _drawNow() {
    this._stopSlice();
    this._until = Infinity;
    const steps = this._drawSteps();
    while (!steps.next().done);
  },

  /** A full frame in slices: begun here (the canvas placed, cleared and hidden), drawn in
   * the animation frames to come, shown when whole. */
  _drawLater() {
    this._stopSlice();
    const steps = this._drawSteps();
    this._until = Infinity;
    if (steps.next().done) return; // not on a map
    this._canvas.style.visibility = 'hidden';
    this._slice = steps;
    this._sliceMs = 0;
    later(this, (deadline) => this._drawSlice(deadline));
  },

  /** Draw on until `deadline` (performance.now()); true when the frame is whole. */
  _drawSlice(deadline) {
    const steps = this._slice;
    if (!steps) return true;
    const started = performance.now();
    this._sliceStarted = started;
    this._until = deadline;
    const { done } = steps.next();
    this._until = Infinity;
    this._sliceMs += performance.now() - started;
    if (!done) return false;
    return true;
  },

  _stopSlice() {
    if (!this._slice) return;
    this._slice = null;
    this._again = false;
    cancel(this);
    if (this._canvas) this._canvas.style.visibility = '';
  },

  /** Whether a sliced frame's time in this animation frame is up; `k` counts the things
   * drawn, the clock is read every 16th and after each new sprite. */
  _due(k) {
    if (this._until === Infinity || ((k & 15) !== 0 && !this._made)) return false;
    this._made = false;
    return performance.now() >= this._until;
  },

  /** A pan ended: the canvas moved with the map pane, and while the view is still inside
   * the part of it the last frame drew (the view plus its margin), that frame is right as it
   * is — redraw only when the view left it (or the zoom or the map's size changed). */
  _onMoveEnd() {
    if (!this._covers()) this._drawNow();
  },

  _covers() {
    const map = this._map;
    const f = this._drawnView;
    if (!map || !f || map.getZoom() !== f.zoom) return false;
    const size = map.getSize();
    if (size.x !== f.size.x || size.y !== f.size.y) return false;
    const origin = map.getPixelOrigin();
    if (origin.x !== f.pixelOrigin.x || origin.y !== f.pixelOrigin.y) return false;
    const tl = map.containerPointToLayerPoint([0, 0]);
    return tl.x >= f.topLeft.x && tl.y >= f.topLeft.y
      && tl.x + size.x <= f.topLeft.x + f.width && tl.y + size.y <= f.topLeft.y + f.height;
  },

  /** Ask for a redraw at the next animation frame (many calls, one frame). */
  redraw() {
    return this._schedule();
  },

  _schedule() {
    if (!this._map || this._frame) return this;
    this._frame = requestAnimationFrame(() => {
      this._frame = null;
      // a frame being drawn in slices: asked again once it is whole
      if (this._slice) this._again = true;
      else this._onFrame();
    });
    return this;
  },

  _onFrame() {
    this._drawNow();
  },

  /** The sprite for `key`: a square canvas `2 * half` wide, painted once by `paint(g, cx, cy)`. */
  _sprite(key, half, dpr, paint) {
    let sprite = this._sprites.get(key);
    if (!sprite) {
      sprite = this._makeSprite(half, dpr, paint);
      this._sprites.set(key, sprite);
    }
    return sprite;
  },

  /** A sprite as `_sprite` makes one, kept by the caller. */
  _makeSprite(half, dpr, paint) {
    this._made = true; // a new sprite costs as much as drawing many: a sliced frame checks its time
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = Math.ceil(2 * half * dpr);
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    paint(g, half, half);
    return { canvas, half };
  },

  _stamp(g, sprite, x, y) {
    g.drawImage(sprite.canvas, Math.round(x - sprite.half), Math.round(y - sprite.half), 2 * sprite.half, 2 * sprite.half);
  },

  /** Size and place the canvas for a full frame and clear it; null if not on a map. */
  _beginFrame() {
    const map = this._map;
    if (!map || !this._canvas) return null;
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
    const g = this._g ?? (this._g = canvas.getContext('2d'));
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const zoom = map.getZoom();
    const origin = map.getPixelOrigin();
    this._drawnView = {
      zoom, size, width, height, topLeft, pixelOrigin: origin,
    };
    this._hits.n = 0; // nothing to find until the frame is drawn
    return {
      g, width, height, dpr, topLeft, zoom,
      ox: origin.x + topLeft.x,
      oy: origin.y + topLeft.y,
      started: performance.now(),
    };
  },

  /** Project a thing at a zoom, cached on it until it moves or the zoom changes. */
  _project(item, zoom) {
    if (item._pz !== zoom || item._plon !== item.lon || item._plat !== item.lat) {
      const p = this._map.project([item.lat, item.lon], zoom);
      item._px = p.x;
      item._py = p.y;
      item._pz = zoom;
      item._plon = item.lon;
      item._plat = item.lat;
    }
  },

  /** Room in the hit arrays for `n` points. */
  _hitRoom(n) {
    if (this._hits.xs.length < n) {
      const size = Math.max(n, this._hits.xs.length * 2);
      this._hits.xs = new Float32Array(size);
      this._hits.ys = new Float32Array(size);
    }
    return this._hits;
  },

  /** Keep the frame's points (the first `n` of the hit arrays, for `items`). */
  _endFrame(frame, n, items, radius, total) {
    const sliced = this._slice !== null;
    this._slice = null;
    if (sliced) this._canvas.style.visibility = '';
    this._hits.n = n;
    this._hits.items = items;
    this._origin = { x: frame.topLeft.x, y: frame.topLeft.y };
    this._radius = radius;
    this.frames += 1;
    if (this._stepped && !items.includes(this._stepped)) this._stepped = null;
    if (this.options.afterDraw) {
      // a frame drawn in slices: the time spent drawing, not the frames in between
      const ms = sliced ? this._sliceMs + performance.now() - this._sliceStarted : performance.now() - frame.started;
      this.options.afterDraw({ ms, drawn: n, total, partial: false });
    }
    if (sliced && this._again) {
      this._again = false;
      this._schedule();
    }
  },

  /** Things drawn within reach of a container point, nearest first. */
  pointsAt(containerPoint, slack = 3) {
    if (!this._map || !this._origin) return [];
    const lp = this._map.containerPointToLayerPoint(containerPoint);
    const x = lp.x - this._origin.x;
    const y = lp.y - this._origin.y;
    const reach = (this._radius + slack) ** 2;
    const found = [];
    const { xs, ys, items } = this._hits;
    for (let k = 0; k < this._hits.n; k += 1) {
      const d = (xs[k] - x) ** 2 + (ys[k] - y) ** 2;
      if (d <= reach) found.push([d, items[k]]);
    }
    return found.sort((a, b) => a[0] - b[0]).map((f) => f[1]);
  },

  /** Where a thing was drawn in the last frame, in container pixels (null if not). */
  containerPointOf(id) {
    if (!this._map || !this._origin) return null;
    const { xs, ys, items } = this._hits;
    for (let k = 0; k < this._hits.n; k += 1) {
      if (items[k].id === id) return this._map.layerPointToContainerPoint([xs[k] + this._origin.x, ys[k] + this._origin.y]);
    }
    return null;
  },

  radius() {
    return this._radius ?? this._radiusAt(this._map ? this._map.getZoom() : 6);
  },

  /** Whether the layer is on the map now (its layer group can be switched off). */
  shown() {
    return Boolean(this._map && this._map.hasLayer(this));
  },

  /** Where a thing was drawn in the last frame, in page pixels, with the symbols' half
   * size `r` (null if it was not drawn). */
  pagePointOf(id) {
    const p = this.containerPointOf(id);
    if (!p) return null;
    const box = this._map.getContainer().getBoundingClientRect();
    return { x: p.x + box.left, y: p.y + box.top, r: this.radius() };
  },

  /** The things drawn inside the visible view (not the margin), nearest its centre first. */
  inView() {
    if (!this._map || !this._origin) return [];
    const size = this._map.getSize();
    const c = this._map.containerPointToLayerPoint([size.x / 2, size.y / 2]);
    const cx = c.x - this._origin.x;
    const cy = c.y - this._origin.y;
    const { xs, ys, items } = this._hits;
    const found = [];
    for (let k = 0; k < this._hits.n; k += 1) {
      const dx = xs[k] - cx;
      const dy = ys[k] - cy;
      if (Math.abs(dx) <= size.x / 2 && Math.abs(dy) <= size.y / 2) found.push([dx * dx + dy * dy, k, items[k]]);
    }
    return found.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((f) => f[2]);
  },

  /** Move the keyboard's highlight to the next (+1) or previous (-1) thing in view, nearest
   * the centre first; shows its label and returns it (null when nothing is in view). */
  step(direction) {
    const found = this.inView();
    if (!found.length) {
      this.clearStep();
      return null;
    }
    const at = this._stepped ? found.indexOf(this._stepped) : -1;
    const next = at < 0 ? (direction < 0 ? found.length - 1 : 0) : (at + direction + found.length) % found.length;
    this._stepped = found[next];
    const point = this.containerPointOf(this._stepped.id);
    const here = point ? this._pointedAt(point).filter((i) => i !== this._stepped) : [];
    this._showLabel([this._stepped, ...here], { keyboard: true });
    return { item: this._stepped, position: next + 1, of: found.length, text: this._describe([this._stepped]) };
  },

  /** Select the highlighted thing, as a click on it would. */
  chooseStepped() {
    const item = this._stepped;
    if (!item || !this.options.onSelect) return false;
    this.clearStep();
    this.options.onSelect(item);
    return true;
  },

  clearStep() {
    if (this._stepped && this._map) this._map.closeTooltip(this._tooltip);
    this._stepped = null;
    this._hovered = null;
  },

  _describe(items) {
    return this.options.describe ? this.options.describe(items) : items.map((i) => i.name).join('\n');
  },

  _showLabel(items, { keyboard = false } = {}) {
    const content = document.createElement('div');
    content.className = `${this.options.label}-label-text`;
    const text = this._describe(items);
    // the boards' labels end "Click for …"; from the keyboard it is Enter
    content.textContent = keyboard ? text.replace(/^Click for /m, 'Enter for ') : text;
    this._tooltip.setLatLng([items[0].lat, items[0].lon]).setContent(content);
    this._map.openTooltip(this._tooltip);
  },

  /** Whether a canvas layer drawn above this one (in a higher pane) has a symbol at the
   * point: then the point is that layer's. */
  _coveredAt(containerPoint) {
    const map = this._map;
    const mine = Number(map.getPane(this.options.pane)?.style.zIndex || 0);
    let covered = false;
    map.eachLayer((layer) => {
      if (covered || layer === this || !(layer instanceof PointsCanvasLayer)) return;
      const pane = map.getPane(layer.options.pane);
      if (pane && Number(pane.style.zIndex || 0) > mine && layer.pointsAt(containerPoint).length) covered = true;
    });
    return covered;
  },

  /** What a pointer at the point is on, nearest first: nothing where a layer above has a
   * symbol. */
  _pointedAt(containerPoint) {
    const found = this.pointsAt(containerPoint);
    return found.length && this._coveredAt(containerPoint) ? [] : found;
  },

  _hoverKey(item) {
    return String(item.id);
  },

  _onMouseMove(event) {
    const found = this._pointedAt(event.containerPoint);
    this._map.getContainer().classList.toggle(`${this.options.name}-pointer`, found.length > 0);
    if (!found.length) {
      if (this._hovered !== null) this._map.closeTooltip(this._tooltip);
      this._hovered = null;
      return;
    }
    const key = found.map((i) => this._hoverKey(i)).join(',');
    if (key === this._hovered) return;
    this._hovered = key;
    this._stepped = null;
    this._showLabel(found);
  },

  _onMouseOut() {
    this._hovered = null;
    if (this._map) {
      this._map.closeTooltip(this._tooltip);
      this._map.getContainer().classList.remove(`${this.options.name}-pointer`);
    }
  },

  _onClick(event) {
    // one thing per click: the top-most
    const found = this._pointedAt(event.containerPoint);
    if (found.length && this.options.onSelect) this.options.onSelect(found[0]);
  },
});

const now = () => performance.timeOrigin + performance.now();

/**
 * A board's record of its canvas layer's frames. `noun` ('units', 'incidents') names the
 * performance mark `marchwarden:${noun}-drawn` and the map's attribute `data-${noun}-drawn`
 * set by the first frame that drew everything (`complete(frame)` says whether a frame
 * did); `keep` bounds the kept timings. Give `afterDraw` to the layer as its option.
 */
export class DrawTimings {
  constructor({ noun, keep, complete }) {
    this.noun = noun;
    this.keep = keep;
    this.complete = complete;
    this.stats = { loadedAt: null, firstDrawAt: null, firstFrameMs: null, frames: 0, partialFrames: 0, drawMs: 0, lastFrameMs: 0, maxFrameMs: 0, drawn: 0 };
    /** {event, type, at (commit), received, drawn, ...what changed}, oldest first */
    this.timings = [];
    this._awaiting = [];
    this.afterDraw = this.afterDraw.bind(this);
    /** Resolves at the first frame that drew everything. */
    this.drawn = new Promise((resolve) => { this._drawn = resolve; });
  }

  /** The board's snapshot is in. */
  loaded() {
    this.stats.loadedAt = now();
  }

  /** A live change (a stream event) waits for the next frame; `what` names the thing
   * changed, e.g. {unit: 7}. */
  changed(event, what) {
    this._awaiting.push({ event: event.id, type: event.type, ...what, at: Date.parse(event.at), received: now() });
  }

  afterDraw(frame) {
    const { stats } = this;
    stats.frames += 1;
    stats.drawMs += frame.ms;
    if (frame.partial) stats.partialFrames += 1;
    stats.lastFrameMs = frame.ms;
    stats.maxFrameMs = Math.max(stats.maxFrameMs, frame.ms);
    stats.drawn = frame.drawn;
    const at = now();
    if (!frame.partial && stats.firstDrawAt === null && this.complete(frame)) {
      stats.firstDrawAt = at;
      stats.firstFrameMs = frame.ms;
      performance.mark(`marchwarden:${this.noun}-drawn`, { detail: { [this.noun]: frame.total, drawn: frame.drawn } });
      document.getElementById('map')?.setAttribute(`data-${this.noun}-drawn`, String(frame.total));
      this._drawn();
    }
    for (const item of this._awaiting) {
      item.drawn = at;
      this.timings.push(item);
    }
    this._awaiting.length = 0;
    if (this.timings.length > this.keep) this.timings.splice(0, this.timings.length - this.keep);
  }
}
