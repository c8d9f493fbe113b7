// The event dispatcher: stream events to whoever registered for their type.
//
//   import { onEvent } from './events.js';
//   const off = onEvent('IncidentDeclared', (event) => { ... });   // '*' for every event
//
// An event is the stream's message: {id, type, at, data}. Handlers run in id order;
// one that throws is logged and does not stop the others.

const handlers = new Map();

export function onEvent(type, handler) {
  if (typeof handler !== 'function') throw new TypeError('onEvent needs a function');
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(handler);
  return () => handlers.get(type)?.delete(handler);
}

export function emit(event) {
  for (const key of [event.type, '*']) {
    for (const handler of handlers.get(key) ?? []) {
      try {
        handler(event);
      } catch (err) {
        console.error(`handler for ${event.type} failed`, err);
      }
    }
  }
}

/**
 * Events for a board that loads a snapshot first (docs/ui.md): from now on every event
 * (or each one `accept` takes) goes to `handler`, but those that arrive before the board
 * calls the returned `live()` are held (the newest `keep`; should loading fail for long,
 * the oldest go: a snapshot read later holds their effect anyway) and handed over, in
 * order, by `live()`.
 */
export function afterSnapshot(handler, { keep, accept = null }) {
  let held = [];
  let isLive = false;
  onEvent('*', (event) => {
    if (accept && !accept(event)) return;
    if (isLive) {
      handler(event);
      return;
    }
    held.push(event);
    if (held.length > keep) held.splice(0, held.length - keep);
  });
  return function live() {
    isLive = true;
    const events = held;
    held = [];
    for (const event of events) handler(event);
  };
}
