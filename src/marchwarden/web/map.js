// The map: Leaflet (served from /vendor/leaflet/, installed from npm by `make setup`),
// no tiles — the bundled geodata drawn as vectors on a plain background.
//
// For later layers:
//   import { L, registerLayer, getLayer } from './map.js';
//   const units = getLayer('Units');              // an empty L.LayerGroup, on by default
//   registerLayer('Tasks', L.layerGroup());       // a new overlay in the layer control
// and './events.js' onEvent(type, handler) to change them from the stream.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import { PALETTE, settlementRadius } from './palette.js';

export { L };

/** Overlays that later code fills from the API and stream events. */
export const DYNAMIC_LAYERS = ['Incidents', 'Units', 'Alert areas'];

let map = null;
let control = null;
let loaded = false;
const layers = new Map();

export function getMap() {
  return map;
}

export function getLayer(name) {
  return layers.get(name) ?? null;
}

export function layerNames() {
  return [...layers.keys()];
}

/** Add `layer` to the map's layer control under `name` (shown at once unless visible: false). */
export function registerLayer(name, layer, { visible = true } = {}) {
  if (!map) throw new Error('createMap first');
  if (layers.has(name)) throw new Error(`a layer named ${name} is already registered`);
  layers.set(name, layer);
  control.addOverlay(layer, name);
  if (visible) layer.addTo(map);
  return layer;
}

export function createMap(element) {
  map = L.map(element, {
    attributionControl: false,
    zoomSnap: 0.25,
    minZoom: 4,
    maxZoom: 13,
    keyboard: true,
  });
  // panes keep the base geography under whatever later layers draw (overlayPane is 400)
  for (const [pane, z] of [['regions', 350], ['stateBorder', 360], ['settlements', 370]]) {
    map.createPane(pane).style.zIndex = String(z);
  }
  L.control.attribution({ prefix: 'Leaflet' })
    .addAttribution('Geodata: Natural Earth (public domain); GeoNames (CC BY 4.0)')
    .addTo(map);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  control = L.control.layers(null, null, { collapsed: false, position: 'topright' }).addTo(map);
  const heading = document.createElement('div');
  heading.className = 'layers-heading';
  heading.id = 'layers-heading';
  heading.textContent = 'Layers';
  const box = control.getContainer();
  box.prepend(heading);
  box.setAttribute('role', 'group');
  box.setAttribute('aria-labelledby', 'layers-heading');
  map.setView([51.3, 35.5], 6);

  registerLayer('Regions', L.featureGroup());
  registerLayer('State border', L.featureGroup());
  registerLayer('Settlements', L.featureGroup());
  for (const name of DYNAMIC_LAYERS) registerLayer(name, L.layerGroup());

  new ResizeObserver(() => map.invalidateSize()).observe(element);
  return map;
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

function regionStyle(kind) {
  const c = { border: PALETTE.borderRegion, neighbour: PALETTE.neighbourRegion, other: PALETTE.otherState }[kind];
  return {
    pane: 'regions',
    color: c.stroke,
    weight: kind === 'border' ? 2 : 1,
    dashArray: kind === 'other' ? '4 4' : null,
    fillColor: c.fill,
    fillOpacity: c.opacity,
  };
}

/** Load the bundled geodata through the API and draw it. Resolves to what was drawn. */
export async function loadGeodata(api) {
  const [regions, border, settlements] = await Promise.all([
    api('/geo/regions'), api('/geo/border'), api('/geo/settlements'),
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
    style: (f) => regionStyle(kindOf(f.properties)),
    onEachFeature: (f, layer) => {
      const kind = kindOf(f.properties);
      layer.feature.properties.kind = kind;
      layer.bindTooltip(f.properties.name, {
        permanent: true, direction: 'center', className: `region-label region-label-${kind}`,
      });
      if (kind === 'border') borderRegions.push(layer);
    },
  }).eachLayer((layer) => regionGroup.addLayer(layer));

  const borderGroup = getLayer('State border');
  borderGroup.clearLayers();
  const halo = { pane: 'stateBorder', color: PALETTE.stateBorder.halo, weight: 7, opacity: 0.9, interactive: false };
  const line = { pane: 'stateBorder', color: PALETTE.stateBorder.line, weight: 3, dashArray: '10 6', className: 'state-border-line' };
  for (const style of [halo, line]) {
    L.geoJSON(border, { style: () => style }).eachLayer((layer) => borderGroup.addLayer(layer));
  }

  const settlementGroup = getLayer('Settlements');
  settlementGroup.clearLayers();
  if (!loaded) {
    labelOnHover(borderGroup, (layer) => {
      const p = layer.feature.properties;
      return `State border ${(p.countries || []).join('–')}, ${Math.round(p.length_km)} km`;
    });
    labelOnHover(settlementGroup, (layer) => {
      const p = layer.feature.properties;
      return `${p.name} — ${Number(p.population).toLocaleString('en-GB')} people`;
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
      radius: settlementRadius(p.population),
      color: PALETTE.settlement.stroke,
      weight: 1,
      fillColor: PALETTE.settlement.fill,
      fillOpacity: 0.85,
      className: 'settlement',
    });
    marker.feature = f;
    marker.addTo(settlementGroup);
  }

  if (borderRegions.length) map.fitBounds(L.featureGroup(borderRegions).getBounds(), { padding: [24, 24] });
  return {
    regions: regions.features.length,
    borderRegions: borderRegions.length,
    borderLines: border.features.length,
    settlements: places.length,
  };
}
