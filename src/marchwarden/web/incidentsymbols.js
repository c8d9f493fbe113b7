// Incident symbols: a shape and a letter per taxonomy category (the ACLED event type, or
// "border" for the border-specific types), a colour per severity and a look per lifecycle
// state. Drawn on a canvas: the map's incidents layer, and small images for the board and key.
//
// No meaning rests on hue alone: the category is told by shape and letter; severity runs
// from light to dark (a sequential Okabe–Ito-based scale, so it keeps its order under each
// colour-vision deficiency; the browser tests check the steps stay apart); the state by
// outline and fill: reported dashed and half-transparent, verified solid, active with a
// heavy ring, contained half-filled, closed hollow and faded, rejected hollow, struck
// through and faded.

import { el } from './dom.js';
import { t } from './i18n.js';

export const CATEGORIES = {
  'Battles': { key: 'battles', label: 'Battles', letter: 'B', shape: 'star', words: 'five-pointed star, B' },
  'Explosions/Remote violence': {
    key: 'explosions', label: 'Explosions / remote violence', letter: 'X', shape: 'burst', words: 'eight-pointed burst, X',
  },
  'Violence against civilians': {
    key: 'civilians', label: 'Violence against civilians', letter: 'C', shape: 'down', words: 'triangle pointing down, C',
  },
  'Protests': { key: 'protests', label: 'Protests', letter: 'P', shape: 'flag', words: 'wide rectangle, P' },
  'Riots': { key: 'riots', label: 'Riots', letter: 'R', shape: 'octagon', words: 'octagon, R' },
  'Strategic developments': {
    key: 'strategic', label: 'Strategic developments', letter: 'S', shape: 'kite', words: 'tall kite, S',
  },
  border: { key: 'border', label: 'Border-specific (incursion, sabotage, airspace)', letter: 'F', shape: 'bowtie', words: 'hourglass, F (frontier)' },
};

const OTHER = { key: 'other', label: 'Other', letter: '?', shape: 'kite', words: 'tall kite, ?' };

/** Severity (CAP 1.2): light to dark. `ink` is the letter's colour on the fill. */
export const SEVERITY = {
  unknown: { label: 'unknown', fill: '#FFFFFF', ink: '#1B1F24', words: 'white: not known yet' },
  minor: { label: 'minor', fill: '#F0E442', ink: '#1B1F24', words: 'yellow (lightest)' },
  moderate: { label: 'moderate', fill: '#E69F00', ink: '#1B1F24', words: 'orange' },
  severe: { label: 'severe', fill: '#C2410C', ink: '#FFFFFF', words: 'vermillion (dark)' },
  extreme: { label: 'extreme', fill: '#5B0F2E', ink: '#FFFFFF', words: 'deep wine (darkest)' },
};

export const STATES = {
  reported: { label: 'reported', words: 'half-transparent, dashed outline: not yet verified', open: true },
  verified: { label: 'verified', words: 'solid, thin outline', open: true },
  active: { label: 'active', words: 'solid, heavy dark ring', open: true },
  contained: { label: 'contained', words: 'lower half white: under control', open: true },
  closed: { label: 'closed', words: 'hollow, faded', open: false },
  rejected: { label: 'rejected', words: 'hollow, struck through, faded', open: false },
};

export const STATE_ORDER = ['reported', 'verified', 'active', 'contained', 'closed', 'rejected'];

/** The category of an incident type, from GET /incident-types (code -> category). */
export function categoryOf(typeInfo) {
  if (!typeInfo) return OTHER;
  if (typeInfo.border_specific) return CATEGORIES.border;
  return CATEGORIES[typeInfo.acled?.event_type] ?? OTHER;
}

export function severityOf(severity) {
  return SEVERITY[severity] ?? SEVERITY.unknown;
}

const regular = (n, radius, startDeg) => Array.from({ length: n }, (_, i) => {
  const a = ((startDeg + (360 / n) * i) * Math.PI) / 180;
  return [radius * Math.cos(a), radius * Math.sin(a)];
});

const star = (points, outer, inner, startDeg) => Array.from({ length: 2 * points }, (_, i) => {
  const a = ((startDeg + (180 / points) * i) * Math.PI) / 180;
  const r = i % 2 ? inner : outer;
  return [r * Math.cos(a), r * Math.sin(a)];
});

/** Outlines in a box from -1 to 1 (y down). */
const SHAPES = {
  star: star(5, 1.15, 0.55, -90),
  burst: star(8, 1.1, 0.7, -90),
  down: [[-1.05, -0.8], [1.05, -0.8], [0, 1.1]],
  flag: [[-1.1, -0.7], [1.1, -0.7], [1.1, 0.7], [-1.1, 0.7]],
  octagon: regular(8, 1.0, 22.5),
  kite: [[0, -1.1], [0.75, -0.1], [0, 1.1], [-0.75, -0.1]],
  bowtie: [[-1, -0.95], [1, -0.95], [0.3, 0], [1, 0.95], [-1, 0.95], [-0.3, 0]],
};

function letterY(shape) {
  if (shape === 'down') return -0.22;
  if (shape === 'star') return 0.1;
  return 0.05;
}

function letterSize(shape) {
  if (shape === 'star' || shape === 'down' || shape === 'bowtie') return 0.8;
  return 1.0;
}

function trace(g, shape, cx, cy, r) {
  const points = SHAPES[shape] ?? SHAPES.kite;
  g.beginPath();
  points.forEach(([x, y], i) => (i ? g.lineTo(cx + x * r, cy + y * r) : g.moveTo(cx + x * r, cy + y * r)));
  g.closePath();
}

/** Draw one incident symbol centred on (cx, cy), half-size r, on a 2D context. */
export function drawIncident(g, category, severity, state, cx, cy, r) {
  const s = severityOf(severity);
  const hollow = state === 'closed' || state === 'rejected';
  g.save();
  if (hollow) g.globalAlpha = 0.6;
  trace(g, category.shape, cx, cy, r);
  g.lineJoin = 'round';
  g.setLineDash([]);
  g.lineWidth = state === 'active' ? 7 : 4;
  g.strokeStyle = 'rgba(255,255,255,0.95)';
  g.stroke();
  if (hollow) {
    g.fillStyle = '#FFFFFF';
    g.fill();
  } else {
    g.globalAlpha = state === 'reported' ? 0.55 : 1;
    g.fillStyle = s.fill;
    g.fill();
    g.globalAlpha = 1;
    if (state === 'contained') {
      g.save();
      trace(g, category.shape, cx, cy, r);
      g.clip();
      g.fillStyle = '#FFFFFF';
      g.fillRect(cx - 2 * r, cy + r * 0.15, 4 * r, 2 * r);
      g.restore();
    }
  }
  trace(g, category.shape, cx, cy, r);
  if (state === 'reported') g.setLineDash([3, 2]);
  g.lineWidth = state === 'active' ? 2.6 : 1.4;
  g.strokeStyle = hollow ? (s.fill === '#FFFFFF' ? '#6B6B6B' : s.fill) : '#1B1F24';
  if (hollow) g.lineWidth = 2.2;
  g.stroke();
  g.setLineDash([]);
  if (state === 'rejected') {
    g.beginPath();
    g.moveTo(cx - r, cy + r);
    g.lineTo(cx + r, cy - r);
    g.lineWidth = Math.max(1.5, r * 0.2);
    g.strokeStyle = '#3D3D3D';
    g.stroke();
  }
  if (r >= 6) {
    g.font = `700 ${Math.round(r * letterSize(category.shape))}px system-ui, "Noto Sans", "Liberation Sans", Arial, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    const ink = hollow || state === 'contained' || state === 'reported' ? '#1B1F24' : s.ink;
    if (ink === '#1B1F24' && !hollow && state !== 'contained') {
      g.lineWidth = 2.5;
      g.strokeStyle = 'rgba(255,255,255,0.8)';
      g.strokeText(category.letter, cx, cy + letterY(category.shape) * r);
    }
    g.fillStyle = ink;
    g.fillText(category.letter, cx, cy + letterY(category.shape) * r);
  }
  g.restore();
}

/** The ring round the chosen incident (blue dashes on a white band). */
export function drawIncidentSelection(g, cx, cy, r) {
  g.beginPath();
  g.arc(cx, cy, r + 6, 0, Math.PI * 2);
  g.lineWidth = 7;
  g.strokeStyle = '#FFFFFF';
  g.setLineDash([]);
  g.stroke();
  g.lineWidth = 3;
  g.strokeStyle = '#0072B2';
  g.setLineDash([5, 3]);
  g.stroke();
  g.setLineDash([]);
}

const pictures = new Map();

/** The same symbol as a small image of `size` CSS pixels (drawn once per look, kept). */
export function incidentImage(category, severity, state, size = 18) {
  const key = `${category.key}|${severity}|${state}|${size}`;
  let src = pictures.get(key);
  if (!src) {
    const canvas = document.createElement('canvas');
    const dpr = 2;
    canvas.width = canvas.height = size * dpr;
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    drawIncident(g, category, severity, state, size / 2, size / 2, size * 0.36);
    src = canvas.toDataURL('image/png');
    pictures.set(key, src);
  }
  const img = document.createElement('img');
  img.src = src;
  img.width = size;
  img.height = size;
  img.alt = '';
  img.className = 'incident-symbol';
  img.setAttribute('aria-hidden', 'true');
  return img;
}

/** The key to the incident symbols (categories, severities, states), drawn with the
 * functions above: for the Incidents board and the Key tab. */
export function incidentKeyParts(size = 22) {
  const cats = el('dl', { class: 'legend incident-key-categories' });
  for (const c of Object.values(CATEGORIES)) {
    cats.append(el('dt', { dataset: { category: c.key } }, incidentImage(c, 'moderate', 'verified', size), t(`incidentCategory.${c.key}`, c.label)), el('dd', { text: t(`incidentCategory.${c.key}.words`, c.words) }));
  }
  const sev = el('dl', { class: 'legend incident-key-severities' });
  for (const [code, s] of Object.entries(SEVERITY)) {
    sev.append(el('dt', { dataset: { severity: code } }, incidentImage(CATEGORIES.Riots, code, 'verified', size), t(`code.${code}`, s.label)), el('dd', { text: t(`severity.${code}.words`, s.words) }));
  }
  const st = el('dl', { class: 'legend incident-key-states' });
  for (const code of STATE_ORDER) {
    st.append(el('dt', { dataset: { state: code } }, incidentImage(CATEGORIES.Riots, 'severe', code, size), t(`code.${code}`, STATES[code].label)), el('dd', { text: t(`incidentState.${code}.words`, STATES[code].words) }));
  }
  return [
    el('p', { class: 'legend-note', text: t('incidentKey.shape', 'Shape and letter: the kind of incident (ACLED event type).') }), cats,
    el('p', { class: 'legend-note', text: t('incidentKey.colour', 'Colour, light to dark: severity.') }), sev,
    el('p', { class: 'legend-note', text: t('incidentKey.outline', 'Outline and fill: the state. An incident over an area is drawn as its polygon, with the symbol at its reference point.') }), st,
  ];
}
