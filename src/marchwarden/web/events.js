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
