// A small helper for building elements (the incident boards use it).

/** el('p', {class: 'x', text: 'hello', dataset: {id: 1}}, child, ...) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'text') node.textContent = v;
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** "1,234" */
export const num = (n) => Number(n ?? 0).toLocaleString('en-GB');

/** "on_scene" -> "on scene" */
export const words = (code) => String(code ?? '').replace(/_/g, ' ');

/** The first letter in capitals. */
export const capital = (text) => {
  const t = String(text ?? '');
  return t.charAt(0).toUpperCase() + t.slice(1);
};
