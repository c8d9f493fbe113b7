// The map: Leaflet (served from /vendor/leaflet/, installed from npm by `make setup`),
// the bundled geodata drawn as vectors on a plain background, over the offline base map
// of basemap.js (rivers, lakes, place names; a deployment's own tiles if it has them).
//
// For later layers:
//   import { L, registerLayer, getLayer } from './map.js';
//   const units = getLayer('Units');              // an empty L.LayerGroup, on by default
//   registerLayer('Tasks', L.layerGroup());       // a new overlay in the layer control
// and './events.js' onEvent(type, handler) to change them from the stream.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import { PALETTE, settlementRadius } from './palette.js';
import { placeName, placeNames, tileLayer, waterLayer } from './basemap.js';
import { busy, cancel, later, watchZooms, zoomWasAnimated } from './afterzoom.js';
import { locale, t } from './i18n.js';
import { regionName } from './regions.js';

export { L };

/** Whether the layers are still catching up with the end of an animated zoom
 * (afterzoom.js); for the benchmark. */
export const settling = busy;

/** Overlays that later code fills from the API and stream events. */
export const DYNAMIC_LAYERS = ['Incidents', 'Units', 'Alert areas'];

let map = null;
let control = null;
let loaded = false;
let startView = null;
let refreshNames = null;
const layers = new Map();

/** Whether the view is still the one the map started with (nobody has moved it yet; a
 * resize keeps the centre, give or take a pixel's rounding). */
function viewUntouched() {
  if (!startView || map.getZoom() !== startView.zoom) return false;
  return map.project(map.getCenter()).distanceTo(map.project(startView.center)) < 2;
}

export function getMap() {
  return map;
}

export function getLayer(name) {
  return layers.get(name) ?? null;
}

export function layerNames() {
  return [...layers.keys()];
}

/** The layer control's words for the map's own layers (`name` is the layer's key, in
 * English, for getLayer; other modules register theirs already in the reader's language). */
const LAYER_WORDS = {
  Regions: () => t('map.layer.regions', 'Regions'),
  'State border': () => t('map.layer.stateBorder', 'State border'),
  Settlements: () => t('map.layer.settlements', 'Settlements'),
  'Rivers and lakes': () => t('map.layer.water', 'Rivers and lakes'),
  'Place names': () => t('map.layer.placeNames', 'Place names'),
  'Base map': () => t('map.layer.baseMap', 'Base map'),
  Incidents: () => t('map.layer.incidents', 'Incidents'),
  Units: () => t('map.layer.units', 'Units'),
  'Alert areas': () => t('map.layer.alertAreas', 'Alert areas'),
  Reports: () => t('map.layer.reports', 'Reports'),
  'What-if coverage': () => t('map.layer.whatif', 'What-if coverage'),
};

/** Add `layer` to the map's layer control under `name` (shown at once unless visible: false). */
export function registerLayer(name, layer, { visible = true } = {}) {
  if (!map) throw new Error('createMap first');
  if (layers.has(name)) throw new Error(`a layer named ${name} is already registered`);
  layers.set(name, layer);
  control.addOverlay(layer, LAYER_WORDS[name]?.() ?? name);
  if (visible) layer.addTo(map);
  return layer;
}

/** A kept renderer's `moveend` (KeptSVG, KeptCanvas): nothing while the view is inside the
 * margin it drew at this zoom and size; else update (redraw) it. */
function keptMoveEnd() {
  if (this._behind) {
    // the end of the animated zoom itself waits; any later move catches up at once
    if (!zoomWasAnimated()) this._catchUp();
    return;
  }
  const b = this._bounds;
  const size = this._map.getSize();
  if (b && this._zoom === this._map.getZoom() && this._size && this._size.equals(size)) {
    const tl = this._map.containerPointToLayerPoint([0, 0]);
    if (b.contains(tl) && b.contains(tl.add(size))) return;
  }
  this._size = size;
  this._update();
}

/**
 * Leaflet's SVG renderer for the base geography (regions, the state border, settlements,
 * rivers and lakes), with a wider margin round the view, kept as it is when a pan ends
 * inside that margin: Leaflet re-clips every path at the end of each move, which on these
 * thousands of vertices was most of a pan's frame. A zoom, a resize, or a pan past the
 * margin updates it as before — after an animated zoom in a later animation frame
 * (afterzoom.js), one renderer a frame: until then Leaflet shows the old drawing scaled
 * to the new zoom, as it did during the animation.
 */
const KeptSVG = L.SVG.extend({
  getEvents() {
    return { ...L.SVG.prototype.getEvents.call(this), zoomend: this._onZoomEnd, moveend: this._onMoveEnd };
  },

  _onZoomEnd() {
    this._projected = false; // the paths are projected for the new zoom (not yet drawn)
    if (zoomWasAnimated()) {
      // two frames: the paths projected (script only), then redrawn (what the browser
      // restyles and repaints)
      this._behind = true;
      later(this, () => {
        if (this._projected) return this._catchUp();
        L.Renderer.prototype._onZoomEnd.call(this);
        this._projected = true;
        return false;
      }, { alone: true });
      return;
    }
    this._catchUp();
  },

  /** Project the paths at the current zoom (Leaflet's zoomend, unless done already) and
   * redraw them (its moveend). */
  _catchUp() {
    if (!this._projected) L.Renderer.prototype._onZoomEnd.call(this);
    this._projected = false;
    this._behind = false;
    cancel(this);
    this._size = this._map.getSize();
    this._update();
    return true;
  },

  _reset() {
    this._behind = false;
    this._projected = false;
    cancel(this);
    L.SVG.prototype._reset.call(this);
  },

  // A path's `d` is written only when it changed: every write has the browser restyle the
  // element, and of the 1,200 settlements most are outside the drawn area at higher zoom,
  // where Leaflet writes the same empty path ("M0 0") for each at every zoom's end.
  _initPath(layer) {
    layer._writtenPath = null;
    L.SVG.prototype._initPath.call(this, layer);
  },

  _setPath(layer, path) {
    if (layer._writtenPath === path) return;
    layer._writtenPath = path;
    L.SVG.prototype._setPath.call(this, layer, path);
  },

  _onMoveEnd: keptMoveEnd,
});

/**
 * Leaflet's canvas renderer for the settlements: 1,200 circles are one <canvas> instead of
 * 1,200 SVG elements, which the browser had to make, style and lay out in the first render
 * and restyle and repaint at the end of every zoom. As KeptSVG: a wider margin, kept when
 * a pan ends inside it, and after an animated zoom redrawn in a later frame (hidden during
 * the animation; Leaflet shows the old drawing scaled from its end until then).
 *
 * The canvas lets the pointer through (the regions and the state border below it keep
 * their own hover): a settlement under the pointer is found from the map's `mousemove`
 * (each circle's `_containsPoint`, the topmost drawn last, as Leaflet's canvas does) and
 * gets `mouseover` / `mouseout` as an SVG circle did, so `labelOnHover` names it.
 */
const KeptCanvas = L.Canvas.extend({
  getEvents() {
    return {
      ...L.Canvas.prototype.getEvents.call(this),
      zoomend: this._onZoomEnd,
      moveend: this._onMoveEnd,
      mousemove: this._onPointer,
      mouseout: this._leave,
      zoomstart: this._leave,
      movestart: this._leave,
    };
  },

  _initContainer() {
    L.Canvas.prototype._initContainer.call(this);
    this._container.style.pointerEvents = 'none';
    // hidden while Leaflet animates a zoom, as the units' and incidents' canvases are: a
    // canvas this size scaled in every frame of the animation cost the software compositor
    // more than its redraw at the end (bench_ui.py, animated zoom)
    this._container.classList.add('leaflet-zoom-hide');
  },

  _destroyContainer() {
    this._behind = false;
    cancel(this);
    L.Canvas.prototype._destroyContainer.call(this);
  },

  _onZoomEnd() {
    if (zoomWasAnimated()) {
      this._behind = true;
      later(this, () => this._catchUp(), { alone: true });
      return;
    }
    this._catchUp();
  },

  /** Project the circles at the current zoom and draw them anew. */
  _catchUp() {
    this._behind = false;
    cancel(this);
    L.Renderer.prototype._onZoomEnd.call(this);
    this._size = this._map.getSize();
    this._update();
    return true;
  },

  _reset() {
    this._behind = false;
    cancel(this);
    L.Canvas.prototype._reset.call(this);
  },

  _onMoveEnd: keptMoveEnd,

  _onPointer(event) {
    const map = this._map;
    if (!map || this._behind || map._animatingZoom || map.dragging?.moving()) return;
    let found = null;
    for (let order = this._drawFirst; order; order = order.next) {
      const layer = order.layer;
      if (layer.options.interactive && layer._containsPoint(event.layerPoint)) found = layer;
    }
    if (found === (this._hoveredLayer ?? null)) return;
    this._leave(event);
    if (!found) return;
    this._hoveredLayer = found;
    map.getContainer().classList.add('settlements-pointer');
    found.fire('mouseover', this._pointerData(event), true);
  },

  _leave(event) {
    const layer = this._hoveredLayer;
    if (!layer) return;
    this._hoveredLayer = null;
    this._map?.getContainer().classList.remove('settlements-pointer');
    layer.fire('mouseout', this._pointerData(event), true);
  },

  _pointerData(event) {
    const { originalEvent, latlng, layerPoint, containerPoint } = event ?? {};
    return { originalEvent, latlng, layerPoint, containerPoint };
  },
});

let settlementCanvas = null;

/** The settlements' canvas renderer (one for the map). */
function settlementRenderer() {
  settlementCanvas ??= new KeptCanvas({ pane: 'settlements', padding: 0.35 });
  return settlementCanvas;
}

const renderers = new Map();

/** The base geography's renderer for `pane` (Leaflet would make a plain SVG one per pane). */
export function rendererFor(pane) {
  if (!renderers.has(pane)) renderers.set(pane, new KeptSVG({ pane, padding: 0.35 }));
  return renderers.get(pane);
}

export function createMap(element) {
  map = L.map(element, {
    attributionControl: false,
    zoomSnap: 0.25,
    minZoom: 4,
    maxZoom: 13,
    keyboard: true,
  });
  watchZooms(map);
  // panes keep the base geography under whatever later layers draw (overlayPane is 400)
  // the base map below the regions' fills (tiles) or just above them (water, names)
  const panes = [['basemapTiles', 250], ['regions', 350], ['water', 355], ['stateBorder', 360],
    ['settlements', 370], ['placeNames', 375]];
  for (const [pane, z] of panes) {
    map.createPane(pane).style.zIndex = String(z);
  }
  L.control.attribution({ prefix: 'Leaflet' })
    .addAttribution(t('map.attribution', 'Geodata: Natural Earth (public domain); GeoNames (CC BY 4.0); rivers and lakes: GSHHG (LGPL)'))
    .addTo(map);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  control = L.control.layers(null, null, { collapsed: false, position: 'topright' }).addTo(map);
  const heading = document.createElement('div');
  heading.className = 'layers-heading';
  heading.id = 'layers-heading';
  heading.textContent = t('map.layers', 'Layers');
  const box = control.getContainer();
  box.prepend(heading);
  box.setAttribute('role', 'group');
  box.setAttribute('aria-labelledby', 'layers-heading');
  map.setView([51.3, 35.5], 6);
  startView = { center: map.getCenter(), zoom: map.getZoom() };

  registerLayer('Regions', L.featureGroup());
  registerLayer('State border', L.featureGroup());
  registerLayer('Settlements', L.featureGroup());
  registerLayer('Rivers and lakes', L.featureGroup());
  registerLayer('Place names', L.layerGroup());
  for (const name of DYNAMIC_LAYERS) registerLayer(name, L.layerGroup());

  new ResizeObserver(() => map.invalidateSize()).observe(element);
  element.addEventListener('keydown', onMapKey);
  return map;
}

// ------------------------------------------------------------------ keyboard stepping
//
// The canvas layers draw no element per thing, so Tab cannot reach them; instead, with the
// map focused, a key steps through the things of a layer drawn in the view, nearest the
// centre first (Shift: backwards): the label shows on the map and is read out, Enter opens
// the thing as a click would, Escape lets go. Layers register with registerSteppable.

const steppables = new Map(); // key -> { noun, plural, layer }
let stepping = null; // the steppable last stepped

/**
 * Let the `key` (a lower-case letter) step through `layer` (a canvaslayer.js layer);
 * `noun` / `plural` name its things in what is read out ("incident", "incidents").
 */
export function registerSteppable(key, noun, plural, layer) {
  steppables.set(key, { noun, plural, layer });
}

function announce(text) {
  const box = document.getElementById('map-announcer');
  if (!box) return;
  // the same words twice in a row are read out again only if the text changes
  box.textContent = box.textContent === text ? `${text}\u00a0` : text;
}

function onMapKey(event) {
  if (event.target !== map.getContainer() || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'Enter' && stepping) {
    if (stepping.layer.chooseStepped()) {
      event.preventDefault();
      stepping = null;
    }
    return;
  }
  if (event.key === 'Escape' && stepping) {
    stepping.layer.clearStep();
    stepping = null;
    announce('');
    return;
  }
  const s = steppables.get(event.key.toLowerCase());
  if (!s) return;
  event.preventDefault();
  if (stepping && stepping !== s) stepping.layer.clearStep();
  stepping = s;
  if (!map.hasLayer(s.layer)) {
    announce(t('map.stepOff', 'The {layer} layer is off; switch it on in Layers.', { layer: t(`noun.${s.plural}`, s.plural) }));
    return;
  }
  const found = s.layer.step(event.shiftKey ? -1 : 1);
  if (!found) {
    announce(t('map.stepNone', 'No {things} in view. Zoom out or pan to find some.', { things: t(`noun.${s.plural}`, s.plural) }));
    return;
  }
  const click = t('map.clickFor', 'Click for');
  const text = found.text.split('\n').filter((line) => !line.startsWith('Click for') && !line.startsWith(click)).join('. ');
  const noun = t(`map.noun.${s.noun}`, s.noun);
  announce(t('map.stepFound', '{noun} {n} of {of} in view: {text}. Enter opens it.', {
    noun: `${noun[0].toUpperCase()}${noun.slice(1)}`, n: found.position, of: found.of, text,
  }));
}

/**
 * One shared tooltip for the members of `group` (an L.FeatureGroup), on mouse hover.
 * A tooltip bound to each member would make every SVG path a keyboard stop in
 * Chromium (Leaflet gives them focus listeners): a thousand Tab presses to get past the map.
 */
export function labelOnHover(group, textOf, options = {}) {
  const tooltip = L.tooltip({ direction: 'top', className: 'hover-label', ...options });
  group.on('mouseover', (event) => {
    const layer = event.propagatedFrom ?? event.layer;
    const at = typeof layer.getLatLng === 'function' ? layer.getLatLng() : event.latlng;
    tooltip.setLatLng(at).setContent(textOf(layer));
    map.openTooltip(tooltip);
  });
  group.on('mouseout', () => map.closeTooltip(tooltip));
  return tooltip;
}

/** Region fills are muted (palette.js: the base map shows through); the border regions
 * keep a heavy outline, so they and the state border are still what the eye finds first. */

/** A region's name on the map in the reader's language (regions.js), else the data's. */
function regionLabel(p) {
  const named = regionName(p.code);
  return named && named !== p.code ? named : p.name;
}

function regionStyle(kind) {
  const c = { border: PALETTE.borderRegion, neighbour: PALETTE.neighbourRegion, other: PALETTE.otherState }[kind];
  return {
    pane: 'regions',
    renderer: rendererFor('regions'),
    color: c.stroke,
    weight: kind === 'border' ? 2.5 : 1,
    dashArray: kind === 'other' ? '4 4' : null,
    fillColor: c.fill,
    fillOpacity: c.opacity,
  };
}

/**
 * A region's name on the map: a permanent tooltip that keeps its size. Leaflet's tooltip
 * reads its size (offsetWidth, offsetHeight: a layout of the page there and then) each
 * time it places itself, at the start of every zoom animation and again at its end; for
 * the region names that was as long as redrawing both canvas layers (bench_ui.py, animated
 * zoom). A name does not change, so its size is read once, and again after the map is
 * resized (the page's type size follows the window's width). Placed as Leaflet's 'center'.
 */
const RegionName = L.Tooltip.extend({
  getEvents() {
    return { ...L.Tooltip.prototype.getEvents.call(this), resize: this._forgetSize };
  },

  _forgetSize() {
    this._size = null;
  },

  _setPosition(pos) {
    const box = this._container;
    const size = this._size ?? L.point(box.offsetWidth, box.offsetHeight);
    if (size.x > 0) this._size = size;
    L.DomUtil.addClass(box, 'leaflet-tooltip-center');
    L.DomUtil.setPosition(box, pos.subtract(L.point(size.x / 2, size.y / 2, true))
      .add(L.point(this.options.offset)).add(this._getAnchor()));
  },
});

/** Load the bundled geodata through the API and draw it. Resolves to what was drawn. */
export async function loadGeodata(api) {
  const [regions, border, settlements, basemap, tiles] = await Promise.all([
    api('/geo/regions'), api('/geo/border'), api('/geo/settlements'), api('/geo/basemap'),
    api('/basemap'),
  ]);
  const home = new Set(regions.features.filter((f) => f.properties.border_region).map((f) => f.properties.country));
  const kindOf = (p) => {
    if (p.border_region) return 'border';
    return home.has(p.country) ? 'neighbour' : 'other';
  };

  const regionGroup = getLayer('Regions');
  regionGroup.clearLayers();
  const borderRegions = [];
  L.geoJSON(regions, {
    pane: 'regions',
    renderer: rendererFor('regions'),
    style: (f) => regionStyle(kindOf(f.properties)),
    onEachFeature: (f, layer) => {
      const kind = kindOf(f.properties);
      layer.feature.properties.kind = kind;
      layer.bindTooltip(new RegionName({
        permanent: true, direction: 'center', className: `region-label region-label-${kind}`,
      }).setContent(regionLabel(f.properties)));
      if (kind === 'border') borderRegions.push(layer);
    },
  }).eachLayer((layer) => regionGroup.addLayer(layer));

  const borderGroup = getLayer('State border');
  borderGroup.clearLayers();
  const halo = { pane: 'stateBorder', renderer: rendererFor('stateBorder'), color: PALETTE.stateBorder.halo, weight: 7, opacity: 0.9, interactive: false };
  const line = { pane: 'stateBorder', renderer: rendererFor('stateBorder'), color: PALETTE.stateBorder.line, weight: 3, dashArray: '10 6', className: 'state-border-line' };
  for (const style of [halo, line]) {
    L.geoJSON(border, { renderer: style.renderer, style: () => style }).eachLayer((layer) => borderGroup.addLayer(layer));
  }

  const settlementGroup = getLayer('Settlements');
  settlementGroup.clearLayers();
  if (!loaded) {
    labelOnHover(borderGroup, (layer) => {
      const p = layer.feature.properties;
      return t('map.borderLabel', 'State border {countries}, {km} km', { countries: (p.countries || []).join('–'), km: Math.round(p.length_km).toLocaleString(locale()) });
    });
    labelOnHover(settlementGroup, (layer) => {
      const p = layer.feature.properties;
      return t('map.settlementLabel', '{name} — {people} people', { name: placeName(p), people: Number(p.population).toLocaleString(locale()) });
    });
    loaded = true;
  }
  // the largest first, so that small places are drawn on top and stay hoverable
  const places = [...settlements.features].sort((a, b) => b.properties.population - a.properties.population);
  for (const f of places) {
    const [lon, lat] = f.geometry.coordinates;
    const p = f.properties;
    const marker = L.circleMarker([lat, lon], {
      pane: 'settlements',
      renderer: settlementRenderer(),
      radius: settlementRadius(p.population),
      color: PALETTE.settlement.stroke,
      weight: 1,
      fillColor: PALETTE.settlement.fill,
      fillOpacity: PALETTE.settlement.opacity,
      className: 'settlement',
    });
    marker.feature = f;
    marker.addTo(settlementGroup);
  }

  const water = getLayer('Rivers and lakes');
  water.clearLayers();
  waterLayer(basemap, 'water', rendererFor('water')).eachLayer((layer) => water.addLayer(layer));
  const names = getLayer('Place names');
  if (refreshNames) map.off('zoomanim zoomend moveend', refreshNames);
  names.clearLayers();
  refreshNames = placeNames(map, names, settlements.features, 'placeNames');
  const ownTiles = getLayer('Base map') ?? tileLayer(tiles, 'basemapTiles');
  if (ownTiles && !getLayer('Base map')) registerLayer('Base map', ownTiles);

  // fit the border regions, unless the view was already chosen while the geodata loaded
  // (a unit or incident opened at once after sign-in is centred on, and stays so); not
  // animated: an animated zoom ends a moment later at its own target, undoing any view
  // set meanwhile (a unit chosen right after sign-in was left off centre)
  if (borderRegions.length && viewUntouched()) {
    map.fitBounds(L.featureGroup(borderRegions).getBounds(), { padding: [24, 24], animate: false });
  }
  return {
    regions: regions.features.length,
    borderRegions: borderRegions.length,
    borderLines: border.features.length,
    settlements: places.length,
    rivers: basemap.features.filter((f) => f.properties.layer === 'river').length,
    lakes: basemap.features.filter((f) => f.properties.layer === 'lake').length,
    tiles: Boolean(ownTiles),
  };
}
