// Unit symbols as MIL-STD-2525C / APP-6 draws them (the `milsymbol` library, from npm, copied
// into /vendor/milsymbol/ by `make setup`): the friendly frame, an icon per agency kind, the
// echelon mark from the unit's category, and the fill by availability (green: can be
// tasked, amber: working on a task, white struck through: out of service or off duty).
// The plain symbols of unitsymbols.js stay as an option ("Unit symbols" in the Key tab);
// the choice is kept in localStorage.

import { ms } from '/vendor/milsymbol/src/milsymbol.js';
import ground from '/vendor/milsymbol/src/lettersidc/sidc/ground.js';

ms.addIcons(ground);

/** 2525C letter SIDC function ids (positions 5–10) per agency kind, and what they show. */
export const KIND_FUNCTION = {
  army: { fn: 'UCI---', words: 'infantry (crossed lines)' },
  border_service: { fn: 'UCS---', words: 'security (S)' },
  national_guard: { fn: 'UCIM--', words: 'motorised infantry (crossed lines, a bar)' },
  police: { fn: 'UULC--', words: 'law enforcement (police badge)' },
  emergency_service: { fn: 'USM---', words: 'medical and rescue (cross)' },
  volunteer_self_defence: { fn: 'UCIL--', words: 'light infantry (crossed lines, L)' },
  other: { fn: 'U-----', words: 'unit (empty frame)' },
};

/** Echelon (SIDC position 12) per unit category. */
export const ECHELON = {
  team: 'A', outpost: 'C', platoon: 'D', detachment: 'D', company: 'E', battalion: 'F',
  department: 'G', reserve: 'G', directorate: 'H', garrison: 'H',
};

const FILL = { available: '#3DAA85', committed: '#F2C266', unavailable: '#FFFFFF' };

/** The SIDC of a unit: friendly ground unit, present, its kind's icon and its echelon. */
export function sidcOf(kind, category) {
  const fn = (KIND_FUNCTION[kind] ?? KIND_FUNCTION.other).fn;
  return `SFGP${fn}-${ECHELON[category] ?? '-'}---`;
}

const cache = new Map();

/** The symbol as a canvas at `scale` (device pixels per CSS pixel), with its anchor. */
function rendered(kind, category, availability, size, scale) {
  const key = `${kind}|${category}|${availability}|${size}|${scale}`;
  let found = cache.get(key);
  if (!found) {
    const symbol = new ms.Symbol(sidcOf(kind, category), {
      size, fillColor: FILL[availability] ?? FILL.unavailable, outlineWidth: 2, outlineColor: '#FFFFFF',
    });
    const canvas = symbol.asCanvas(scale);
    const anchor = symbol.getAnchor();
    const box = symbol.getSize();
    found = { canvas, anchor, width: box.width, height: box.height, octagon: symbol.getOctagonAnchor() };
    cache.set(key, found);
  }
  return found;
}

/**
 * Build milsymbol's icon parts for the three fills now (it keeps them per colour, and
 * building them was a third of the units' first frame): called while the page waits for
 * the units, in time the main thread has nothing else to do.
 */
export function warmSymbols() {
  for (const fillColor of Object.values(FILL)) {
    new ms.Symbol(sidcOf('other', null), { size: 10, fillColor, outlineWidth: 2, outlineColor: '#FFFFFF' });
  }
}

/** How far from the centre a 2525 symbol of half size `r` reaches (the sprite's half). */
export function reachOf(r) {
  return Math.ceil(r * 2.1 + 2);
}

/** Draw a unit's 2525 symbol centred on (cx, cy), its frame about 2r wide. */
export function drawMilSymbol(g, kind, category, availability, cx, cy, r) {
  const scale = g.getTransform ? Math.max(1, g.getTransform().a) : 1;
  // milsymbol's `size` is the frame's height in pixels; a friendly frame is 1.5 as wide
  const s = rendered(kind, category, availability, Math.round(r * 1.45), scale);
  g.drawImage(s.canvas, cx - s.anchor.x, cy - s.anchor.y, s.width, s.height);
  if (availability === 'unavailable') {
    g.beginPath();
    g.moveTo(cx - r, cy + r * 0.6);
    g.lineTo(cx + r, cy - r * 0.6);
    g.lineWidth = Math.max(1.5, r * 0.2);
    g.strokeStyle = '#3D3D3D';
    g.stroke();
  }
}

/** The same symbol as an <img> (the board and the key). */
export function milSymbolImage(kind, category, availability, height = 20) {
  const symbol = new ms.Symbol(sidcOf(kind, category), { size: height * 0.6, fillColor: FILL[availability] ?? FILL.unavailable });
  const img = document.createElement('img');
  img.src = symbol.asCanvas(2).toDataURL();
  const box = symbol.getSize();
  img.width = Math.round(box.width);
  img.height = Math.round(box.height);
  img.alt = '';
  img.className = 'unit-milsymbol';
  return img;
}

const KEY = 'marchwarden.unitSymbols';

/** 'app6' (MIL-STD-2525 / APP-6, the default) or 'plain' (shape and letter per kind). */
export function symbolStyle() {
  try {
    return localStorage.getItem(KEY) === 'plain' ? 'plain' : 'app6';
  } catch {
    return 'app6';
  }
}

export function setSymbolStyle(style) {
  try {
    localStorage.setItem(KEY, style === 'plain' ? 'plain' : 'app6');
  } catch {
    /* private mode: the choice lasts for the page */
  }
  window.dispatchEvent(new CustomEvent('marchwarden:unit-symbols', { detail: { style } }));
}

const GROUP_KEY = 'marchwarden.groupUnits';

/** Whether units close together are grouped at low zoom (default yes; the Key tab's choice). */
export function groupUnits() {
  try {
    return localStorage.getItem(GROUP_KEY) !== 'off';
  } catch {
    return true;
  }
}

export function setGroupUnits(on) {
  try {
    localStorage.setItem(GROUP_KEY, on ? 'on' : 'off');
  } catch {
    /* private mode */
  }
  window.dispatchEvent(new CustomEvent('marchwarden:unit-symbols', { detail: { group: on } }));
}
