// Unit symbols: a shape and a letter per agency kind, a colour and fill per availability.
// One geometry, drawn two ways: on a canvas (the map's units layer, thousands at once)
// and as inline SVG (the board, the key). No meaning rests on colour alone: the kind is
// told by shape and letter, and "unavailable" is hollow and struck through as well as grey.
//
// Availability colours are Okabe–Ito bluish green and orange, the CAD convention
// (green: can be tasked, amber: busy); the browser tests check that they stay apart under
// each simulated colour-vision deficiency.

export const AVAILABILITY = {
  available: {
    label: 'available', fill: '#009E73', ink: '#FFFFFF', stroke: '#073B2C', strike: false,
    words: 'solid green: can be given a task now',
  },
  committed: {
    label: 'committed', fill: '#E69F00', ink: '#1B1F24', stroke: '#4D3500', strike: false,
    words: 'solid amber: working on a task',
  },
  unavailable: {
    label: 'unavailable', fill: '#FFFFFF', ink: '#1B1F24', stroke: '#3D3D3D', strike: true,
    words: 'white, struck through: out of service or off duty',
  },
};

const regular = (n, radius, startDeg) => Array.from({ length: n }, (_, i) => {
  const a = ((startDeg + (360 / n) * i) * Math.PI) / 180;
  return [radius * Math.cos(a), radius * Math.sin(a)];
});

/** Outlines in a box from -1 to 1 (y down); `null` is a circle. */
const SHAPES = {
  square: [[-0.8, -0.8], [0.8, -0.8], [0.8, 0.8], [-0.8, 0.8]],
  diamond: [[0, -1.05], [1.05, 0], [0, 1.05], [-1.05, 0]],
  hexagon: regular(6, 0.98, 0),
  circle: null,
  cross: [
    [-0.4, -1], [0.4, -1], [0.4, -0.4], [1, -0.4], [1, 0.4], [0.4, 0.4],
    [0.4, 1], [-0.4, 1], [-0.4, 0.4], [-1, 0.4], [-1, -0.4], [-0.4, -0.4],
  ],
  triangle: [[0, -1.1], [1.05, 0.8], [-1.05, 0.8]],
  pentagon: regular(5, 1, -90),
};

export const AGENCY_KINDS = {
  army: { label: 'Army', letter: 'A', shape: 'square', words: 'square, A' },
  border_service: { label: 'Border service', letter: 'B', shape: 'diamond', words: 'diamond, B' },
  national_guard: { label: 'National guard', letter: 'G', shape: 'hexagon', words: 'hexagon, G' },
  police: { label: 'Police', letter: 'P', shape: 'circle', words: 'circle, P' },
  emergency_service: { label: 'Emergency service', letter: 'E', shape: 'cross', words: 'cross, E' },
  volunteer_self_defence: {
    label: 'Volunteer self-defence', letter: 'V', shape: 'triangle', words: 'triangle, V',
  },
  other: { label: 'Other', letter: 'O', shape: 'pentagon', words: 'pentagon, O' },
};

export function kindOf(kind) {
  return AGENCY_KINDS[kind] ?? AGENCY_KINDS.other;
}

export function availabilityOf(availability) {
  return AVAILABILITY[availability] ?? AVAILABILITY.unavailable;
}

/** Where the letter sits (the triangle's centre of mass is low). */
function letterY(shape) {
  return shape === 'triangle' ? 0.28 : 0.05;
}

function letterSize(shape) {
  return shape === 'triangle' || shape === 'cross' ? 0.95 : 1.1;
}

function tracePath(g, shape, cx, cy, r) {
  const points = SHAPES[shape];
  g.beginPath();
  if (!points) {
    g.arc(cx, cy, r * 0.92, 0, Math.PI * 2);
    return;
  }
  points.forEach(([x, y], i) => (i ? g.lineTo(cx + x * r, cy + y * r) : g.moveTo(cx + x * r, cy + y * r)));
  g.closePath();
}

/**
 * Draw one symbol centred on (cx, cy) with half-size `r` (CSS pixels) on a 2D context.
 * Letters are left out below r = 6, where they would be a smudge; the shape still tells.
 */
export function drawSymbol(g, kind, availability, cx, cy, r) {
  const k = kindOf(kind);
  const a = availabilityOf(availability);
  tracePath(g, k.shape, cx, cy, r);
  g.lineJoin = 'round';
  g.lineWidth = 3.5;
  g.strokeStyle = 'rgba(255,255,255,0.95)';
  g.stroke();
  g.fillStyle = a.fill;
  g.fill();
  g.lineWidth = 1.4;
  g.strokeStyle = a.stroke;
  g.stroke();
  if (a.strike) {
    g.save();
    tracePath(g, k.shape, cx, cy, r);
    g.clip();
    g.beginPath();
    g.moveTo(cx - r, cy + r);
    g.lineTo(cx + r, cy - r);
    g.lineWidth = Math.max(1.5, r * 0.22);
    g.strokeStyle = '#3D3D3D';
    g.stroke();
    g.restore();
  }
  if (r >= 6) {
    g.font = `700 ${Math.round(r * letterSize(k.shape))}px system-ui, "Noto Sans", "Liberation Sans", Arial, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    if (a.strike) {
      g.lineWidth = 3;
      g.strokeStyle = '#FFFFFF';
      g.strokeText(k.letter, cx, cy + letterY(k.shape) * r);
    }
    g.fillStyle = a.ink;
    g.fillText(k.letter, cx, cy + letterY(k.shape) * r);
  }
}

/** The ring drawn round the chosen unit (dark dashes on a white band). */
export function drawSelection(g, cx, cy, r) {
  g.beginPath();
  g.arc(cx, cy, r + 5, 0, Math.PI * 2);
  g.lineWidth = 7;
  g.strokeStyle = '#FFFFFF';
  g.setLineDash([]);
  g.stroke();
  g.lineWidth = 3;
  g.strokeStyle = '#1B1F24';
  g.setLineDash([4, 3]);
  g.stroke();
  g.setLineDash([]);
}

const SVG = 'http://www.w3.org/2000/svg';

function svgEl(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The same symbol as an inline <svg> of `size` pixels (for tables and the key). */
export function symbolSvg(kind, availability, size = 18) {
  const k = kindOf(kind);
  const a = availabilityOf(availability);
  const r = 8;
  const svg = svgEl('svg', { viewBox: '-10 -10 20 20', width: size, height: size, class: 'unit-symbol' });
  svg.setAttribute('aria-hidden', 'true');
  const points = SHAPES[k.shape];
  const outline = points
    ? svgEl('polygon', { points: points.map(([x, y]) => `${(x * r).toFixed(2)},${(y * r).toFixed(2)}`).join(' ') })
    : svgEl('circle', { cx: 0, cy: 0, r: r * 0.92 });
  outline.setAttribute('fill', a.fill);
  outline.setAttribute('stroke', a.stroke);
  outline.setAttribute('stroke-width', '1.3');
  outline.setAttribute('stroke-linejoin', 'round');
  svg.append(outline);
  if (a.strike) svg.append(svgEl('line', { x1: -6, y1: 6, x2: 6, y2: -6, stroke: '#3D3D3D', 'stroke-width': 1.6 }));
  const letter = svgEl('text', {
    x: 0, y: (letterY(k.shape) * r).toFixed(2), 'text-anchor': 'middle', 'dominant-baseline': 'central',
    'font-size': Math.round(r * letterSize(k.shape)), 'font-weight': 700, fill: a.ink,
  });
  if (a.strike) {
    letter.setAttribute('stroke', '#FFFFFF');
    letter.setAttribute('stroke-width', '2');
    letter.setAttribute('paint-order', 'stroke');
  }
  letter.textContent = k.letter;
  svg.append(letter);
  return svg;
}
