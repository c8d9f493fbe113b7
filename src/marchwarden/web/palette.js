// Colours from the Okabe–Ito palette, which people with the common colour-vision
// deficiencies can tell apart; every symbol also differs by shape, line or lightness,
// so that no meaning rests on hue alone. Later layers use these too.

export const PALETTE = {
  // the three kinds of region differ in hue for most eyes and in lightness for all:
  // tan (darkest), sky blue, near-white (lightest, dashed outline). Muted: light tints the
  // base map shows through, as drawn (map.js) and in the key (legend.js). The border
  // regions' tint is a dark brown thinly laid, not orange: as light as a tint can be
  // while still darker than the neighbours' for eyes that see no colour (tests/browser/
  // test_ui.py), and apart from the orange of committed units and moderate incidents.
  borderRegion: { fill: '#8B5A00', stroke: '#7A5200', opacity: 0.22 },
  neighbourRegion: { fill: '#56B4E9', stroke: '#1F6E9C', opacity: 0.2 },
  otherState: { fill: '#FFFFFF', stroke: '#6B6B6B', opacity: 0.5 },
  stateBorder: { line: '#000000', halo: '#FFFFFF' },       // black dashes on a white halo
  settlement: { fill: '#2B2B2B', stroke: '#FFFFFF', opacity: 0.6 }, // grey dots, size by population
  incident: '#D55E00',  // vermillion
  unit: '#009E73',      // bluish green
  alert: '#CC79A7',     // reddish purple
  focus: '#0072B2',     // blue
};

/** Circle radius in pixels for a settlement of `population` (area ~ population). */
export function settlementRadius(population) {
  const n = Math.max(0, Number(population) || 0);
  return Math.min(9, 1.5 + Math.sqrt(n) / 110);
}
