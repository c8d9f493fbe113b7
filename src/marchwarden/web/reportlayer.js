// The pending reports on the map (a layer of the Reports board, reports.js): a marker
// per report (reportsymbol.js draws it; the Key uses the same drawing) over a dashed circle
// of its position's uncertainty, styled by its claim and whether it is chosen. A report
// this few at a time is a Leaflet marker, not a canvas sprite (unitlayer.js, incidentlayer.js).

import { el, pageReady } from './dom.js';
import { claimState, claimWords, queue, ratingWords, reports, sourceLabel, typeLabel } from './reportrecords.js';
import { REPORT_AREA, reportSymbolMarkup as symbolMarkup } from './reportsymbol.js';
import { formatHqShort } from './time.js';

let map = null;
let mapLayer = null;
const markers = new Map();
let onChoose = () => {};

/** Put the reports on the map once the page has made it; `choose(id)`: a marker clicked. */
export async function attachLayer({ choose }) {
  onChoose = choose;
  await pageReady();
  const mapApi = window.marchwarden?.map;
  if (!mapApi || !mapApi.getMap()) return;
  map = mapApi;
  const leaflet = mapApi.L;
  const m = mapApi.getMap();
  if (!m.getPane('reportAreas')) m.createPane('reportAreas').style.zIndex = '380';
  mapLayer = leaflet.featureGroup();
  mapApi.registerLayer('Reports', mapLayer);
  mapApi.labelOnHover(mapLayer, (layer) => {
    const r = reports.get(layer.reportId);
    if (!r) return '';
    const lines = [
      `Report #${r.id}: ${typeLabel(r)} (unverified)`,
      `${sourceLabel(r.source_kind)} · ${ratingWords(r.rating)}`,
      `Observed ${formatHqShort(r.observed_at)} · ± ${Math.round(r.uncertainty_m)} m`,
      claimWords(r),
      'Click to choose it in the queue',
    ];
    // an element, not markup: names and texts come from users
    return el('div', { class: 'report-label-lines' }, ...lines.map((t) => el('div', { text: t })));
  }, { className: 'hover-label report-label', offset: [0, -10] });
  for (const r of reports.values()) drawMarker(r);
}

export function drawMarker(r) {
  if (!mapLayer) return;
  const L = map.L;
  const at = [r.position.lat, r.position.lon];
  let entry = markers.get(r.id);
  if (!entry) {
    const area = L.circle(at, {
      pane: 'reportAreas',
      radius: Math.max(0, r.uncertainty_m),
      interactive: false,
      className: 'report-area',
      ...REPORT_AREA,
    });
    const marker = L.marker(at, {
      icon: L.divIcon({ className: 'report-marker', html: symbolMarkup(22), iconSize: [22, 22], iconAnchor: [11, 20] }),
      keyboard: false,
      riseOnHover: true,
    });
    marker.reportId = r.id;
    marker.on('click', () => onChoose(r.id));
    entry = { area, marker };
    markers.set(r.id, entry);
    mapLayer.addLayer(area);
    mapLayer.addLayer(marker);
  } else {
    entry.area.setLatLng(at);
    entry.area.setRadius(Math.max(0, r.uncertainty_m));
    entry.marker.setLatLng(at);
  }
  styleMarker(r.id);
}

export function styleMarker(id) {
  const entry = markers.get(id);
  const r = reports.get(id);
  if (!entry || !r) return;
  const icon = entry.marker.getElement();
  if (icon) {
    icon.dataset.reportId = String(id);
    icon.dataset.claim = claimState(r);
    icon.classList.toggle('is-selected', queue.selectedId === id);
    icon.setAttribute('aria-hidden', 'true');
  }
  entry.marker.setZIndexOffset(queue.selectedId === id ? 1000 : 0);
  entry.area.setStyle({ weight: queue.selectedId === id ? 2.5 : 1.5, dashArray: queue.selectedId === id ? null : '4 3' });
}

export function dropMarker(id) {
  const entry = markers.get(id);
  if (!entry) return;
  mapLayer.removeLayer(entry.area);
  mapLayer.removeLayer(entry.marker);
  markers.delete(id);
}

export function centreOn(r) {
  const m = map?.getMap?.();
  if (!m) return;
  const at = [r.position.lat, r.position.lon];
  if (!m.getBounds().pad(-0.1).contains(at) || m.getZoom() < 8) {
    m.setView(at, Math.max(m.getZoom(), 9), { animate: false });
  }
}

/** The settlement nearest a report, if one lies within 15 km. */
export function nearestPlace(r) {
  const group = map?.getLayer?.('Settlements');
  if (!group) return null;
  let best = null;
  group.eachLayer((layer) => {
    const f = layer.feature;
    if (!f) return;
    const [lon, lat] = f.geometry.coordinates;
    const dx = (lon - r.position.lon) * Math.cos((lat * Math.PI) / 180);
    const dy = lat - r.position.lat;
    const km = Math.sqrt(dx * dx + dy * dy) * 111.2;
    if (!best || km < best.km) best = { km, name: f.properties.name };
  });
  return best && best.km <= 15 ? best.name : null;
}

/** Where a report's marker is, in page pixels (null when it is not on the map). */
export function markerAt(id) {
  const entry = markers.get(Number(id));
  const icon = entry?.marker.getElement();
  if (!icon || !mapLayer || !map.getMap().hasLayer(mapLayer)) return null;
  const box = icon.getBoundingClientRect();
  return { x: box.left + box.width / 2, y: box.top + box.height / 2, claim: icon.dataset.claim, selected: icon.classList.contains('is-selected') };
}

/** The uncertainty circle's radius in metres, as drawn. */
export function areaRadius(id) {
  return markers.get(Number(id))?.area.getRadius() ?? null;
}
