// The incidents on the map: one <canvas> for all of them (as unitlayer.js does for units).
//
// A frame draws first every polygon place (a translucent fill in the severity's colour with
// a dark outline, dashed while the incident is only reported), then a symbol per incident
// at its reference point from a sprite per category × severity × state × size. A change
// asks for a frame; many changes in one animation frame give one frame. With 1,000
// incidents a full frame is a few milliseconds (bench/bench_ui.py measures it), so there is
// no partial redraw. Hover and click find incidents by distance to the last frame's points.

import { L } from './map.js';
import { drawIncident, drawIncidentSelection, severityOf } from './incidentsymbols.js';

const PADDING = 0.35;

export function incidentRadius(zoom) {
  const base = zoom < 6.5 ? 7 : zoom < 8 ? 8.5 : 10.5;
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
  return Math.round(base * Math.max(1, rem / 14) * 2) / 2;
}

export const IncidentsCanvasLayer = L.Layer.extend({
  options: { pane: 'incidents', describe: null, onSelect: null, afterDraw: null },

  /**
   * @param {{incidents: () => Iterable<object>, selected: () => (number|null),
   *          categoryOf: (incident: object) => object}} source
   */
  initialize(source, options) {
    L.setOptions(this, options);
    this._source = source;
    this._sprites = new Map();
    this._frame = null;
    this._hits = { n: 0, xs: new Float32Array(0), ys: new Float32Array(0), items: [] };
    this._hovered = null;
    this.frames = 0;
  },

  onAdd(map) {
    if (!map.getPane(this.options.pane)) {
      const pane = map.createPane(this.options.pane);
      pane.style.zIndex = '440';
      pane.style.pointerEvents = 'none';
    }
    this._canvas = L.DomUtil.create('canvas', 'incidents-canvas leaflet-zoom-hide', map.getPane(this.options.pane));
    this._canvas.setAttribute('aria-hidden', 'true');
    this._tooltip = L.tooltip({ direction: 'top', className: 'hover-label incident-label', offset: [0, -12] });
    this._drawNow();
  },

  onRemove(map) {
    if (this._frame) cancelAnimationFrame(this._frame);
    this._frame = null;
    map.closeTooltip(this._tooltip);
    map.getContainer().classList.remove('incidents-pointer');
    L.DomUtil.remove(this._canvas);
    this._canvas = null;
    this._hits = { n: 0, xs: new Float32Array(0), ys: new Float32Array(0), items: [] };
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

  /** Ask for a redraw at the next animation frame (many calls, one frame). */
  redraw() {
    if (!this._map || this._frame) return this;
    this._frame = requestAnimationFrame(() => {
      this._frame = null;
      this._drawNow();
    });
    return this;
  },

  _sprite(category, severity, state, r, dpr) {
    const key = `${category.key}|${severity}|${state}|${r}|${dpr}`;
    let sprite = this._sprites.get(key);
    if (!sprite) {
      const half = Math.ceil(r * 1.25 + 5);
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = Math.ceil(2 * half * dpr);
      const g = canvas.getContext('2d');
      g.scale(dpr, dpr);
      drawIncident(g, category, severity, state, half, half, r);
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
    const r = incidentRadius(zoom);
    const items = [...this._source.incidents()];
    const project = (lon, lat) => {
      const p = map.project([lat, lon], zoom);
      return [p.x - ox, p.y - oy];
    };

    // polygon places first, under every symbol
    for (const i of items) {
      if (!i.polygon) continue;
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

    if (this._hits.xs.length < items.length) {
      const n = Math.max(items.length, this._hits.xs.length * 2);
      this._hits.xs = new Float32Array(n);
      this._hits.ys = new Float32Array(n);
    }
    const { xs, ys } = this._hits;
    const drawn = [];
    const selectedId = this._source.selected();
    let selected = null;
    let n = 0;
    // faded ones first, so that open incidents lie on top of them
    const order = items.filter((i) => i.state === 'closed' || i.state === 'rejected')
      .concat(items.filter((i) => i.state !== 'closed' && i.state !== 'rejected'));
    for (const i of order) {
      if (i._pz !== zoom || i._plon !== i.lon || i._plat !== i.lat) {
        const p = map.project([i.lat, i.lon], zoom);
        i._px = p.x;
        i._py = p.y;
        i._pz = zoom;
        i._plon = i.lon;
        i._plat = i.lat;
      }
      const x = i._px - ox;
      const y = i._py - oy;
      if (x < -2 * r || y < -2 * r || x > width + 2 * r || y > height + 2 * r) {
        i._drawn = null;
        continue;
      }
      const category = this._source.categoryOf(i);
      const sprite = this._sprite(category, i.severity, i.state, r, dpr);
      g.drawImage(sprite.canvas, Math.round(x - sprite.half), Math.round(y - sprite.half), 2 * sprite.half, 2 * sprite.half);
      i._drawn = `${category.key}|${i.severity}|${i.state}`;
      xs[n] = x;
      ys[n] = y;
      drawn.push(i);
      n += 1;
      if (i.id === selectedId) selected = [i, x, y, sprite];
    }
    if (selected) {
      const [, x, y, sprite] = selected;
      drawIncidentSelection(g, x, y, r);
      g.drawImage(sprite.canvas, Math.round(x - sprite.half), Math.round(y - sprite.half), 2 * sprite.half, 2 * sprite.half);
    }
    this._hits.n = n;
    this._hits.items = drawn;
    this._origin = { x: topLeft.x, y: topLeft.y };
    this._radius = r;
    this.frames += 1;
    if (this.options.afterDraw) {
      this.options.afterDraw({ ms: performance.now() - started, drawn: n, total: items.length });
    }
  },

  /** Incidents drawn within reach of a container point, nearest first. */
  incidentsAt(containerPoint, slack = 3) {
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

  /** Where an incident was drawn in the last frame, in container pixels (null if not). */
  containerPointOf(id) {
    if (!this._map || !this._origin) return null;
    const { xs, ys, items } = this._hits;
    for (let k = 0; k < this._hits.n; k += 1) {
      if (items[k].id === id) return this._map.layerPointToContainerPoint([xs[k] + this._origin.x, ys[k] + this._origin.y]);
    }
    return null;
  },

  radius() {
    return this._radius ?? incidentRadius(this._map ? this._map.getZoom() : 6);
  },

  /** Whether a layer drawn above this one (the units' canvas, in a higher pane) has a
   * symbol at the point: then the point is theirs, for hover and click alike. */
  _coveredAt(containerPoint) {
    const map = this._map;
    const mine = Number(map.getPane(this.options.pane)?.style.zIndex || 0);
    let covered = false;
    map.eachLayer((layer) => {
      if (covered || layer === this || typeof layer.unitsAt !== 'function') return;
      const pane = layer.options?.pane ? map.getPane(layer.options.pane) : null;
      if (pane && Number(pane.style.zIndex || 0) > mine && layer.unitsAt(containerPoint).length) covered = true;
    });
    return covered;
  },

  /** The incidents a pointer at the point is on: none where a unit is drawn over them. */
  _pointedAt(containerPoint) {
    const found = this.incidentsAt(containerPoint);
    return found.length && this._coveredAt(containerPoint) ? [] : found;
  },

  _onMouseMove(event) {
    const found = this._pointedAt(event.containerPoint);
    this._map.getContainer().classList.toggle('incidents-pointer', found.length > 0);
    if (!found.length) {
      if (this._hovered !== null) this._map.closeTooltip(this._tooltip);
      this._hovered = null;
      return;
    }
    const key = found.map((i) => `${i.id}:${i.state}:${i.severity}`).join(',');
    if (key === this._hovered) return;
    this._hovered = key;
    const content = document.createElement('div');
    content.className = 'incident-label-text';
    content.textContent = this.options.describe ? this.options.describe(found) : found.map((i) => i.name).join('\n');
    this._tooltip.setLatLng([found[0].lat, found[0].lon]).setContent(content);
    this._map.openTooltip(this._tooltip);
  },

  _onMouseOut() {
    this._hovered = null;
    if (this._map) {
      this._map.closeTooltip(this._tooltip);
      this._map.getContainer().classList.remove('incidents-pointer');
    }
  },

  _onClick(event) {
    // one thing per click: the top-most (a unit drawn over the incident takes it)
    const found = this._pointedAt(event.containerPoint);
    if (found.length && this.options.onSelect) this.options.onSelect(found[0]);
  },
});
