// The Units board's records and their words: the units and agencies as loaded and kept
// live, the powers each unit holds under the law in force, which unit is chosen, and the
// words for a status. The board (units.js), the table (unitlist.js) and the detail
// (unitdetail.js) read them from here; unitlayer.js draws the units on the map.

import { t, words } from './i18n.js';

/** core/forces/status.py: each status's availability and the changes allowed from it. */
export const STATUS_AVAILABILITY = {
  available: 'available',
  assigned: 'committed',
  en_route: 'committed',
  on_scene: 'committed',
  returning: 'available',
  out_of_service: 'unavailable',
  off_duty: 'unavailable',
};

export const ALLOWED_NEXT = {
  available: ['assigned', 'en_route', 'out_of_service', 'off_duty'],
  assigned: ['en_route', 'on_scene', 'available', 'out_of_service'],
  en_route: ['on_scene', 'assigned', 'available', 'out_of_service'],
  on_scene: ['returning', 'available', 'out_of_service'],
  returning: ['available', 'assigned', 'en_route', 'out_of_service'],
  out_of_service: ['available', 'off_duty'],
  off_duty: ['available', 'out_of_service'],
};

export const READINESS = { 1: 'not ready', 2: 'limited', 3: 'ready', 4: 'fully ready' };

export const statusWords = (status) => words(status);

/** "on scene (committed)"; "available" alone where the two say the same (in the page's
 * language; in English the server's label). */
export function statusPhrase(u) {
  const label = u.status ? t(`code.${u.status}`, u.status_label ?? words(u.status)) : u.status_label;
  const same = u.status ? u.status === u.availability : u.status_label === u.availability;
  return same ? label : `${label} (${t(`code.${u.availability}`, u.availability)})`;
}

/** The units as loaded and kept live (id -> record). */
export const units = new Map();

export const agencies = new Map();

/** Whether the units are in (`loaded`), and the unit chosen on the table and the map. */
export const board = { loaded: false, selectedId: null };

/** Powers each unit holds under the law in force (GET /unit-powers), and their labels. */
export const held = { byUnit: new Map(), labels: new Map(), at: null, loaded: false };

/** A unit as the API gives it, placed where it is drawn: its last position, else its home. */
export function record(u) {
  const at = u.position ?? u.home;
  return { ...u, lon: at.lon, lat: at.lat };
}
