// The report symbol: a blue speech bubble with a question mark (styled by reports.css:
// .report-symbol-bubble, .report-symbol-ink; a claimed report's bubble is white with a
// blue outline), and the dashed circle of a report's position uncertainty.
//
// The map's report markers (reportlayer.js) and the Key (legend.js) both draw it from here.

export const REPORT_AREA = { color: '#004F8A', weight: 1.5, dashArray: '4 3', fillColor: '#004F8A', fillOpacity: 0.08 };

/** The symbol as SVG markup, `size` CSS pixels square. */
export function reportSymbolMarkup(size = 22) {
  return `<svg class="report-symbol" viewBox="0 0 24 24" width="${size}" height="${size}" aria-hidden="true" focusable="false">`
    + '<path class="report-symbol-bubble" d="M3 3.5h18a1.5 1.5 0 0 1 1.5 1.5v11a1.5 1.5 0 0 1-1.5 1.5h-9.5l-5 4.5v-4.5H3A1.5 1.5 0 0 1 1.5 16V5A1.5 1.5 0 0 1 3 3.5z"/>'
    + '<text class="report-symbol-ink" x="12" y="14.6" text-anchor="middle">?</text></svg>';
}

/** The symbol as an inline element (for keys and lists). */
export function reportSymbolElement(size = 18) {
  const box = document.createElement('span');
  box.className = 'report-symbol-box';
  box.innerHTML = reportSymbolMarkup(size);
  return box;
}
