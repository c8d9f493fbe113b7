// The offline base map under the picture: rivers and lakes bundled with the server
// (/api/v1/geo/basemap), place names that appear by size as the zoom grows (from the
// bundled settlements), and — when the deployment has one — its own MBTiles base map
// (/api/v1/basemap/{z}/{x}/{y}). Nothing is asked of any other host. Muted on purpose:
// the state border and the border regions stay what the eye finds first.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import { getToken } from './api.js';
import { cancel, later, zoomWasAnimated } from './afterzoom.js';
import { language } from './i18n.js';

export const WATER = { river: '#5b8fc7', lakeFill: '#b5d0ea', lakeStroke: '#7fa6cf' };

/** A place's name in the reader's language where the bundled data has it (Russian:
 * `name_ru`, databuild/settlement_names.py), else its GeoNames name. */
export function placeName(properties) {
  return (language() === 'ru' && properties.name_ru) || properties.name;
}

/** The least population whose name is shown at `zoom`: the larger the place, the earlier. */
export function namesFrom(zoom) {
  if (zoom < 6.5) return 250000;
  if (zoom < 7.5) return 80000;
  if (zoom < 8.5) return 25000;
  if (zoom < 9.5) return 8000;
  if (zoom < 10.5) return 3000;
  if (zoom < 11.5) return 1000;
  return 0;
}

/** At most this many names at once (the largest first), so the page stays light. */
const MAX_NAMES = 350;

/** Rivers (lines) and lakes (polygons) of the bundled base map, drawn in `pane` (by
 * `renderer` if given: map.js keeps the SVG of a pan that stays inside its margin). */
export function waterLayer(geojson, pane, renderer = undefined) {
  return L.geoJSON(geojson, {
    pane,
    renderer,
    interactive: false,
    style: (f) => (f.properties.layer === 'lake'
      ? { color: WATER.lakeStroke, weight: 0.8, fillColor: WATER.lakeFill, fillOpacity: 0.9, className: 'basemap-lake' }
      : { color: WATER.river, weight: 1.3, opacity: 0.85, className: 'basemap-river' }),
  });
}

function sizeClass(population) {
  if (population >= 250000) return 'place-name-city';
  if (population >= 25000) return 'place-name-town';
  return 'place-name-village';
}

/** Each class's font (weight, size in rem) as app.css sets it: for measuring names. */
const FONTS = { 'place-name-city': [700, 0.95], 'place-name-town': [600, 0.82], 'place-name-village': [400, 0.72] };
/** The label sits this far right of its place (app.css: translate(6px, -50%)). */
const LABEL_DX = 6;
/** Room kept round a name, in pixels, so two names never touch. */
const LABEL_GAP = 3;
let measure = null;

/** A name's width and height in pixels, measured once on a canvas (no page layout). */
function labelSize(p) {
  if (p.size) return p.size;
  if (!measure) {
    const ctx = document.createElement('canvas').getContext('2d');
    const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    measure = { ctx, rootPx, family: getComputedStyle(document.body).fontFamily || 'sans-serif' };
  }
  const [weight, rem] = FONTS[sizeClass(p.population)];
  const px = rem * measure.rootPx;
  measure.ctx.font = `${weight} ${px}px ${measure.family}`;
  p.size = { w: Math.ceil(measure.ctx.measureText(p.name).width) + 4, h: Math.ceil(px * 1.3) };
  return p.size;
}

/**
 * Which of `places` (largest first) get their name: each name's box in container pixels
 * must not overlap the box of a larger place's name already kept (decluttering, as
 * printed maps do: a town's name is not written over a city's). A grid of 64 px cells
 * finds the neighbours. At most `most` names.
 */
export function declutter(map, places, most) {
  const CELL = 64;
  const grid = new Map();
  const kept = [];
  for (const p of places) {
    const pt = map.latLngToContainerPoint(p.at);
    const { w, h } = labelSize(p);
    const box = [pt.x + LABEL_DX - LABEL_GAP, pt.y - h / 2 - LABEL_GAP,
      pt.x + LABEL_DX + w + LABEL_GAP, pt.y + h / 2 + LABEL_GAP];
    const cells = [];
    for (let cx = Math.floor(box[0] / CELL); cx <= Math.floor(box[2] / CELL); cx += 1) {
      for (let cy = Math.floor(box[1] / CELL); cy <= Math.floor(box[3] / CELL); cy += 1) cells.push(`${cx},${cy}`);
    }
    const clash = cells.some((c) => (grid.get(c) || []).some((o) =>
      o[0] < box[2] && box[0] < o[2] && o[1] < box[3] && box[1] < o[3]));
    if (clash) continue;
    for (const c of cells) {
      if (!grid.has(c)) grid.set(c, []);
      grid.get(c).push(box);
    }
    kept.push(p);
    if (kept.length >= most) break;
  }
  return kept;
}

/**
 * Place names for `settlements` (GeoJSON features) in `group` (an L.LayerGroup on
 * `pane`), refreshed as `map` moves: those in view and at least namesFrom(zoom) people,
 * less those that would be written over a larger place's name (`declutter`) (after an
 * animated zoom in a later animation frame: afterzoom.js). Returns the
 * refresh, to be removed with `map.off('zoomanim zoomend moveend', refresh)`.
 */
export function placeNames(map, group, settlements, pane) {
  const places = [...settlements]
    .map((f) => ({ name: placeName(f.properties), population: Number(f.properties.population) || 0,
      at: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]) }))
    .sort((a, b) => b.population - a.population);
  const shown = new Map();
  const box = map.getPane(pane);
  function update() {
    cancel(update);
    box.style.display = '';
    if (!map.hasLayer(group)) return true;
    const least = namesFrom(map.getZoom());
    const view = map.getBounds().pad(0.2);
    const candidates = [];
    for (const p of places) {
      if (p.population < least) break;
      if (view.contains(p.at)) candidates.push(p);
    }
    const wanted = new Set(declutter(map, candidates, MAX_NAMES));
    for (const [p, marker] of shown) {
      if (!wanted.has(p)) { group.removeLayer(marker); shown.delete(p); }
    }
    for (const p of wanted) {
      if (shown.has(p)) continue;
      const label = document.createElement('span');
      label.textContent = p.name;
      const marker = L.marker(p.at, {
        pane,
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: `place-name ${sizeClass(p.population)}`, html: label, iconSize: null }),
      });
      group.addLayer(marker);
      shown.set(p, marker);
    }
    return true;
  }
  function refresh(event) {
    // out of the page while a zoom animates and until they are placed anew: animated,
    // each name was a layer of its own for the browser to restyle, paint and composite
    if (event?.type === 'zoomanim') box.style.display = 'none';
    else if (zoomWasAnimated()) later(update, update, { alone: true });
    else update();
  }
  map.on('zoomanim zoomend moveend', refresh);
  group.on('add', update);
  update();
  return refresh;
}

/**
 * The deployment's own raster tiles. Each tile is fetched with the signed-in bearer
 * token (an <img src> could not send it), decoded and drawn on the tile's canvas: no
 * object or data URL, so every request the page makes is one to the server.
 */
export const AuthTileLayer = L.GridLayer.extend({
  createTile(coords, done) {
    const size = this.getTileSize();
    const canvas = document.createElement('canvas');
    canvas.width = size.x;
    canvas.height = size.y;
    canvas.setAttribute('role', 'presentation');
    const url = `/api/v1/basemap/${coords.z}/${coords.x}/${coords.y}`;
    const token = getToken();
    fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
      .then((reply) => (reply.ok ? reply.blob() : null))
      .then((blob) => (blob ? createImageBitmap(blob) : null))
      .then((bitmap) => {
        if (bitmap) { // none: no tile there, the canvas stays empty
          canvas.getContext('2d').drawImage(bitmap, 0, 0, size.x, size.y);
          canvas.dataset.drawn = 'true';
          bitmap.close();
        }
        done(null, canvas);
      })
      .catch((err) => done(err, canvas));
    return canvas;
  },
});

function escapeHtml(text) {
  const box = document.createElement('span');
  box.textContent = String(text);
  return box.innerHTML;
}

/** The tile layer for the server's base map description, or null if it has none to show. */
export function tileLayer(about, pane) {
  if (!about || !about.available || !['png', 'jpg', 'jpeg', 'webp'].includes(about.format)) return null;
  const options = { pane, className: 'basemap-tiles', tileSize: 256 };
  // Leaflet shows a layer's attribution as HTML: the file's own text goes in as text
  if (about.attribution) options.attribution = escapeHtml(about.attribution);
  if (Number.isInteger(about.maxzoom)) options.maxNativeZoom = about.maxzoom;
  if (Number.isInteger(about.minzoom)) options.minNativeZoom = about.minzoom;
  if (Array.isArray(about.bounds)) {
    const [w, s, e, n] = about.bounds;
    options.bounds = L.latLngBounds([s, w], [n, e]);
  }
  return new AuthTileLayer(options);
}
