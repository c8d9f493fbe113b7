// The field page's outbox: every action (task step, unit status, position, report,
// photo) waits in IndexedDB (idb) with its idempotency key until the server answers, and
// is sent in the order it was made. A network failure or a 5xx leaves it waiting (sent
// again later with the same key: the server carries it out once); a refusal (4xx) is
// kept with the server's reason; a 401 stops the round until the person signs in again.

import { openDB } from '/vendor/idb/index.js';

const DB_NAME = 'marchwarden-field';
const OUTBOX = 'outbox';
const CACHE = 'cache';

let dbPromise = null;

export function db() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, 1, {
      upgrade(d) {
        d.createObjectStore(OUTBOX, { keyPath: 'seq', autoIncrement: true });
        d.createObjectStore(CACHE);
      },
    });
  }
  return dbPromise;
}

/** A key unique per action (crypto.randomUUID needs a secure context; fall back). */
export function newKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return `field-${crypto.randomUUID()}`;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `field-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Put an item in the outbox. `item`: { kind: 'action'|'report'|'photo', label, body,
 * path } (+ `blob`, `reportSeq` for a photo). Returns the stored item.
 */
export async function enqueue(item) {
  const entry = { ...item, key: item.key || newKey(), state: 'waiting', made: Date.now(), tries: 0 };
  const d = await db();
  entry.seq = await d.add(OUTBOX, entry);
  return entry;
}

export async function items() {
  return (await db()).getAll(OUTBOX);
}

export async function clearFinished() {
  const d = await db();
  const tx = d.transaction(OUTBOX, 'readwrite');
  for (const item of await tx.store.getAll()) {
    if (item.state === 'accepted' || item.state === 'refused') await tx.store.delete(item.seq);
  }
  await tx.done;
}

export async function cacheGet(key) {
  return (await db()).get(CACHE, key);
}

export async function cachePut(key, value) {
  return (await db()).put(CACHE, value, key);
}

async function save(item) {
  await (await db()).put(OUTBOX, item);
}

let running = null;

/**
 * Send what waits, in order, once at a time. `send(item, outbox)` does the request and
 * resolves to { ok, status, body, reason }; status 0 means "no connection".
 * Resolves to 'done' | 'offline' | 'unauthenticated'.
 */
export function flush(send, onChange = () => {}) {
  if (!running) {
    running = drain(send, onChange).finally(() => {
      running = null;
    });
  }
  return running;
}

async function drain(send, onChange) {
  const all = await items();
  const bySeq = new Map(all.map((i) => [i.seq, i]));
  for (const item of all) {
    if (item.state !== 'waiting' && item.state !== 'sending') continue;
    if (item.kind === 'photo') {
      const report = bySeq.get(item.reportSeq);
      if (report && report.state === 'refused') {
        item.state = 'refused';
        item.reason = 'its report was refused';
        await save(item);
        onChange(item);
        continue;
      }
      if (!report || report.state !== 'accepted' || !report.result) return 'done';
      item.path = `/reports/${report.result.id}/photos${item.query || ""}`;
    }
    item.state = 'sending';
    item.tries += 1;
    await save(item);
    onChange(item);
    let outcome;
    try {
      outcome = await send(item);
    } catch (err) {
      outcome = { ok: false, status: 0, reason: String(err && err.message ? err.message : err) };
    }
    if (outcome.ok) {
      item.state = 'accepted';
      item.result = outcome.body;
      item.answered = Date.now();
    } else if (outcome.status === 0 || outcome.status >= 500 || outcome.status === 401 || outcome.status === 429) {
      item.state = 'waiting';
      item.lastError = outcome.reason;
      await save(item);
      onChange(item);
      return outcome.status === 401 ? 'unauthenticated' : 'offline';
    } else {
      item.state = 'refused';
      item.reason = outcome.reason;
      item.answered = Date.now();
    }
    await save(item);
    bySeq.set(item.seq, item);
    onChange(item);
  }
  return 'done';
}
