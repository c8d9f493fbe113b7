// The live stream (/api/v1/stream over WebSocket): resume from the last event id,
// reconnect with exponential backoff, report the connection's state.
//
// It asks for the batched, compact stream (?batch=1&compact=1, docs/api.md): each message
// is every event waiting (at most one message per 100 ms however busy the headquarters
// is), a unit's positions superseded in the same message left out, and each position as
// the row [id, unit_id, lon, lat, at], which `expand` turns back into its event. A page
// following thousands of devices then costs the server one small message per wake-up,
// not one per event.
//
// States: "connecting" (first connection), "live", "catching-up" (resumed: the server is
// replaying what was missed), "caught-up" (the replay is over; back to "live" shortly),
// "reconnecting" (waiting before the next try), "denied" (the role may not subscribe),
// "unauthenticated" (the token is no longer valid), "stopped".

const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;
const CLOSE_BAD_REQUEST = 4400;
const CLOSE_FELL_BEHIND = 4408;

export class EventStream {
  /**
   * @param {object} options
   * @param {() => string|null} options.token  the bearer token (read at each connection)
   * @param {(event: object) => void} options.onEvent  each event, in id order, once
   * @param {(state: string, info: object) => void} [options.onState]
   * @param {string} [options.storageKey]  where the last event id is remembered (sessionStorage)
   * @param {number|null} [options.fromEventId]  where to start when nothing is remembered:
   *   the stream position read before the page loaded its snapshot (GET /stream/position)
   */
  constructor({
    token,
    onEvent,
    onState = () => {},
    storageKey = 'marchwarden.lastEventId',
    minDelayMs = 500,
    maxDelayMs = 10000,
    quietMs = 600,
    caughtUpShowMs = 5000,
    url = defaultUrl(),
    fromEventId = null,
  }) {
    this.tokenOf = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.storageKey = storageKey;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.quietMs = quietMs;
    this.caughtUpShowMs = caughtUpShowMs;
    this.url = url;
    this.socket = null;
    this.state = 'stopped';
    this.attempts = 0;
    this.connections = 0;
    this.missed = 0;
    this.running = false;
    this.retryTimer = null;
    this.quietTimer = null;
    this.caughtUpTimer = null;
    this.stableTimer = null;
    this.retryAt = null;
    const stored = Number.parseInt(sessionStorage.getItem(storageKey) ?? '', 10);
    this.lastEventId = Number.isFinite(stored) && stored >= 0 ? stored : null;
    // a position from a fresh snapshot is not a resumption: nothing was "missed"
    this.fromSnapshot = this.lastEventId === null && Number.isInteger(fromEventId);
    if (this.fromSnapshot) this.lastEventId = fromEventId;
    this.onOnline = () => {
      if (this.running && this.state === 'reconnecting') this.connectNow();
    };
  }

  start() {
    if (this.running) return;
    this.running = true;
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  /** Close for good (sign-out); nothing reconnects. */
  stop() {
    this.running = false;
    window.removeEventListener('online', this.onOnline);
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000, 'signed out');
    this.setState('stopped');
  }

  /** Forget the remembered position (the next connection starts from now). */
  forgetPosition() {
    this.lastEventId = null;
    sessionStorage.removeItem(this.storageKey);
  }

  /** Skip the wait and try to connect at once (e.g. a "retry now" button). */
  connectNow() {
    if (!this.running || this.socket) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  connect() {
    const token = this.tokenOf();
    if (!token) {
      this.running = false;
      this.setState('unauthenticated', { reason: 'not signed in' });
      return;
    }
    const resuming = this.lastEventId !== null;
    let url = `${this.url}?batch=1&compact=1&token=${encodeURIComponent(token)}`;
    if (resuming) url += `&last_event_id=${this.lastEventId}`;
    if (this.connections === 0 && this.state !== 'reconnecting') this.setState('connecting');
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return;
      this.connections += 1;
      // the backoff is reset only once a connection has stayed up a while
      this.stableTimer = setTimeout(() => { this.attempts = 0; }, 5000);
      if (resuming && !(this.connections === 1 && this.fromSnapshot)) {
        this.missed = 0;
        this.setState('catching-up', { missed: 0 });
        this.armQuietTimer();
      } else {
        this.setState('live');
      }
    });
    socket.addEventListener('message', (message) => {
      if (socket !== this.socket) return;
      let items;
      try {
        items = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!Array.isArray(items)) items = [items];
      const before = this.lastEventId;
      for (const item of items) {
        const event = expand(item);
        if (!event || typeof event.id !== 'number') continue;
        if (this.lastEventId !== null && event.id <= this.lastEventId) continue;
        this.lastEventId = event.id;
        if (this.state === 'catching-up') this.missed += 1;
        try {
          this.onEvent(event);
        } catch (err) {
          console.error('event handler failed', err);
        }
      }
      if (this.lastEventId === before) return;
      sessionStorage.setItem(this.storageKey, String(this.lastEventId));
      if (this.state === 'catching-up') this.armQuietTimer();
    });
    socket.addEventListener('close', (closing) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.clearTimers();
      if (!this.running) return;
      if (closing.code === CLOSE_UNAUTHENTICATED) {
        this.running = false;
        this.setState('unauthenticated', { reason: closing.reason || 'the token is no longer valid' });
        return;
      }
      if (closing.code === CLOSE_FORBIDDEN) {
        this.running = false;
        this.setState('denied', { reason: closing.reason });
        return;
      }
      if (closing.code === CLOSE_BAD_REQUEST) this.forgetPosition();
      const immediately = closing.code === CLOSE_FELL_BEHIND;
      this.scheduleReconnect(immediately);
    });
  }

  scheduleReconnect(immediately = false) {
    const base = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.attempts);
    // "equal jitter": half fixed, half random, so that many screens do not retry in step
    const delay = immediately ? 0 : Math.round(base / 2 + Math.random() * (base / 2));
    this.attempts += 1;
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting', { attempt: this.attempts, retryAt: this.retryAt });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.running && !this.socket) this.connect();
    }, delay);
  }

  armQuietTimer() {
    clearTimeout(this.quietTimer);
    // the server sends what was missed first, at once; a quiet spell means it is done
    this.quietTimer = setTimeout(() => {
      if (this.state !== 'catching-up') return;
      this.setState('caught-up', { missed: this.missed });
      this.caughtUpTimer = setTimeout(() => {
        if (this.state === 'caught-up') this.setState('live');
      }, this.caughtUpShowMs);
    }, this.quietMs);
  }

  clearTimers() {
    for (const name of ['retryTimer', 'quietTimer', 'caughtUpTimer', 'stableTimer']) {
      clearTimeout(this[name]);
      this[name] = null;
    }
  }

  setState(state, info = {}) {
    this.state = state;
    try {
      this.onState(state, { lastEventId: this.lastEventId, ...info });
    } catch (err) {
      console.error('stream state handler failed', err);
    }
  }
}

/**
 * An item of a compact batched message as the event it stands for: a position row
 * [id, unit_id, lon, lat, at] as its UnitPositionUpdated (the event's time is the
 * position's own), any other item as it is.
 */
export function expand(item) {
  if (!Array.isArray(item)) return item;
  const [id, unitId, lon, lat, at] = item;
  return { id, type: 'UnitPositionUpdated', at, data: { unit_id: unitId, lon, lat, at } };
}

function defaultUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/api/v1/stream`;
}
