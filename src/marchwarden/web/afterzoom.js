// The work an animated zoom leaves for its end, spread over the animation frames after it.
//
// When Leaflet's zoom animation ends, every layer catches up at once: both canvas layers
// redraw every symbol, the base map's SVG renderers project and re-clip their thousands of
// vertices, the place names are replaced. Done in the one task that ends the animation
// that was one long frame per zoom step (two to six vsyncs in software rendering), so the
// animated zoom stayed near 50 fps where panning held 60 (bench/bench_ui.py). After an
// ANIMATED zoom the layers hand that work here instead (`later`): it runs in the frames
// that follow, a few milliseconds of it per frame (BUDGET_MS): the canvases in slices
// (canvaslayer.js); each base-map renderer (map.js) and the place names (basemap.js) as
// one step with a frame of its own, since what the browser then restyles and repaints
// costs more than their script. A zoom without animation (setView with animate: false,
// as the boards and tests use) is still drawn at once.
//
// Nothing runs while a zoom animation is under way (it would cost the animation its
// frames); a layer that zooms again before its step ran just replaces it. `busy()` says
// whether any step is still waiting (the benchmark waits for it before the next zoom).

/** Milliseconds of deferred work per animation frame (the rest of the frame is the
 * browser's: style, layout, paint and the software compositor). */
export const BUDGET_MS = 6;

let map = null;
let animated = false;
let frame = null;
/** owner -> {step(deadline): true when done, false to be called again next frame; alone} */
const pending = new Map();

/** Follow `m`'s moves: a zoom is "animated" from its `zoomanim` to the next move's start. */
export function watchZooms(m) {
  map = m;
  m.on('movestart', () => { animated = false; });
  m.on('zoomanim', () => { animated = true; });
}

/** Whether the zoom (or move) that is ending now was an animated zoom. */
export function zoomWasAnimated() {
  return animated;
}

/** Run `step(deadline)` in the animation frames to come, in the order asked, until it
 * returns true; a step already waiting for `owner` is replaced. With `alone`, the step
 * has an animation frame to itself: it changes what the browser must then restyle and
 * repaint (an SVG renderer's paths, the place names), which costs more than its script. */
export function later(owner, step, { alone = false } = {}) {
  pending.delete(owner);
  pending.set(owner, { step, alone });
  if (frame === null) frame = requestAnimationFrame(run);
}

/** Drop `owner`'s waiting step (it did the work itself). */
export function cancel(owner) {
  pending.delete(owner);
}

/** Whether deferred work is still waiting. */
export function busy() {
  return pending.size > 0;
}

function run() {
  frame = null;
  if (!map || !map._animatingZoom) {
    const deadline = performance.now() + BUDGET_MS;
    let first = true;
    for (const [owner, job] of pending) {
      if (performance.now() >= deadline || (job.alone && !first)) break;
      first = false;
      if (!job.step(deadline)) break;
      if (pending.get(owner) === job) pending.delete(owner);
      if (job.alone) break;
    }
  }
  if (pending.size && frame === null) frame = requestAnimationFrame(run);
}
