// The recommendations on the map: for the task whose units are listed, each eligible unit
// is ringed (blue, numbered by its rank) with a line to the task's place, and the ineligible
// units nearby are ringed grey and dashed. It lies over the units and incidents (its own
// pane), so the officer sees where the candidates are and how far. Cleared when the list
// closes, another incident opens, or a unit is assigned.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import { getMap } from './map.js';
import { api } from './api.js';
import { units } from './unitrecords.js';

const PANE = 'candidates';
let group = null;

function pane(map) {
  if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = '460';
  return PANE;
}

async function placeOf(id) {
  const u = units.get(id);
  if (u) return [u.lat, u.lon];
  try {
    const r = await api(`/units/${id}`);
    const at = r.position ?? r.home;
    return [at.lat, at.lon];
  } catch {
    return null;
  }
}

/** Draw the recommendation `r` (GET /tasks/{id}/recommendations) for a task at [lat, lon]. */
export async function showCandidates(r, target) {
  clearCandidates();
  (window.marchwarden ??= {}).candidates = candidatesDrawn;
  const map = getMap();
  if (!map || !target) return;
  const p = pane(map);
  const layer = L.layerGroup();
  const ranked = await Promise.all(r.ranked.map(async (x) => [x, await placeOf(x.unit.id)]));
  const near = await Promise.all(r.ineligible_nearby.map(async (n) => [n, await placeOf(n.unit.id)]));
  for (const [n, at] of near) {
    if (!at) continue;
    L.circleMarker(at, { pane: p, radius: 15, color: '#5A5A5A', weight: 2, dashArray: '3 3', fill: false, interactive: false,
      className: 'candidate-ineligible' }).addTo(layer);
    n.drawn = true;
  }
  for (const [x, at] of ranked) {
    if (!at) continue;
    L.polyline([at, target], { pane: p, color: '#FFFFFF', weight: 6, opacity: 0.9, interactive: false }).addTo(layer);
    L.polyline([at, target], { pane: p, color: '#0072B2', weight: 3, dashArray: x.rank === 1 ? null : '8 5', interactive: false,
      className: 'candidate-line' }).addTo(layer);
    L.circleMarker(at, { pane: p, radius: 16, color: '#0072B2', weight: 3, fill: false, interactive: false,
      className: 'candidate-ring' }).addTo(layer);
    L.tooltip({ permanent: true, direction: 'right', offset: [14, 0], className: 'candidate-label', pane: p })
      .setLatLng(at).setContent(`${x.rank}. ${x.unit.code} · ${Math.round(x.eta_minutes)} min`).addTo(layer);
  }
  L.circleMarker(target, { pane: p, radius: 7, color: '#1B1F24', weight: 2, fillColor: '#FFFFFF', fillOpacity: 1, interactive: false }).addTo(layer);
  layer.addTo(map);
  group = layer;
  const points = ranked.filter(([, at]) => at).map(([, at]) => at);
  if (points.length) map.fitBounds(L.latLngBounds([...points, target]).pad(0.2), { maxZoom: 11, animate: false });
}

export function clearCandidates() {
  if (group) group.remove();
  group = null;
}

/** For the tests: how many candidates and lines are drawn. */
export function candidatesDrawn() {
  if (!group) return { rings: 0, lines: 0, ineligible: 0 };
  const layers = group.getLayers();
  const with_ = (cls) => layers.filter((l) => l.options.className === cls).length;
  return { rings: with_('candidate-ring'), lines: with_('candidate-line'), ineligible: with_('candidate-ineligible') };
}
