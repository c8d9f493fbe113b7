// Marchwarden's common operating picture: sign-in, the header, the map, the boards and
// the live stream. Plain ES modules, no build step.
//
// A board is a module with `install()` that registers a tab (tabs.js), layers
// (map.js) and event handlers (events.js); the BOARDS list below says which actions
// (from GET /api/v1/auth/me) a board needs. The server decides every access; the UI
// only leaves out what the role cannot use.

import { LANGUAGES, chooseLanguage, language, setLanguage, t, translateStatic } from './i18n.js';
import { install as installPanelSize } from './panelsize.js';
import { api, ApiError, clearToken, getToken, onUnauthenticated, setToken } from './api.js';
import { emit } from './events.js';
import * as alerts from './alerts.js';
import * as audit from './audit.js';
import * as eventLog from './eventlog.js';
import { install as installUrgentBar } from './urgentbar.js';
import * as incidents from './incidents.js';
import * as law from './law.js';
import * as legend from './legend.js';
import * as notify from './notify.js';
import { session } from './session.js';
import { EventStream } from './stream.js';
import { firstPictureDrawn, initTabs, selectTab } from './tabs.js';
import * as reports from './reports.js';
import { formatHqShort, formatUtc, setHqTimezone } from './time.js';
import * as units from './units.js';
import * as unitRecords from './unitrecords.js';
import { regionName } from './regions.js';

const NOTICE_KEY = 'marchwarden.notice';
const POSITION_KEY = 'marchwarden.lastEventId';

/** Boards shown when the role has every listed action. */
const BOARDS = [
  { module: eventLog, needs: ['stream.subscribe'] },
  { module: legend, needs: [] },
  { module: units, needs: ['unit.read'] },
  { module: law, needs: ['law.read'] },
  { module: reports, needs: ['report.read'] },
  { module: incidents, needs: ['incident.read'] },
  { module: alerts, needs: ['alert.read'] },
  { module: audit, needs: ['audit.read'] },
  // last: it watches the other boards' badges
  { module: notify, needs: ['stream.subscribe'] },
];

const $ = (id) => document.getElementById(id);

/** The board each role starts on (its work), unless this tab's session chose another:
 * HQ the incidents, a regional coordinator its region's report queue, a unit commander its
 * units, a field reporter the reports; others (admin, auditor, analyst) the event log. */
export const LANDING = {
  hq_commander: 'incidents',
  regional_coordinator: 'reports',
  agency_liaison: 'incidents',
  unit_commander: 'units',
  field_reporter: 'reports',
  personnel_officer: 'units',
  analyst: 'law',
};

/** The language menu in the header: the choice is the account's setting (PATCH
 * /auth/me, so the sitrep and every device follow it); the page reloads in it. */
function languageMenu() {
  const menu = document.createElement('select');
  menu.id = 'language';
  menu.setAttribute('aria-label', t('header.language', 'Language'));
  for (const [code, name] of Object.entries(LANGUAGES)) menu.append(new Option(name, code, false, code === language()));
  menu.addEventListener('change', async () => {
    menu.disabled = true;
    try {
      await api('/auth/me', { method: 'PATCH', body: { language: menu.value } });
      window.location.reload();
    } catch (err) {
      menu.disabled = false;
      menu.value = language();
      showNotice(err.message);
    }
  });
  $('sign-out').before(menu);
  $('sign-out').textContent = t('header.signOut', 'Sign out');
}

function landOnWork(role) {
  if (sessionStorage.getItem('marchwarden.tab')) return;
  const wanted = LANDING[role];
  if (wanted && document.getElementById(`tab-${wanted}`)) selectTab(wanted, { remember: false });
}

/** The running app, for the browser console and the browser tests. */
const app = { config: null, session, stream: null, map: null, geodata: null };
window.marchwarden = app;

const CONNECTION_WORDS = {
  offline: ['connection.offline', 'Not connected'],
  connecting: ['connection.connecting', 'Connecting…'],
  live: ['connection.live', 'Live'],
  'catching-up': ['connection.catchingUp', 'Catching up…'],
  'caught-up': ['connection.caughtUp', 'Caught up'],
  reconnecting: ['connection.reconnecting', 'Reconnecting'],
  denied: ['connection.denied', 'No live stream for this role'],
  unauthenticated: ['connection.signedOut', 'Signed out'],
  stopped: ['connection.offline', 'Not connected'],
};

let connection = { state: 'offline', info: {} };

function showConnection(state, info = {}) {
  connection = { state, info };
  const box = $('connection');
  box.dataset.state = state;
  let words = CONNECTION_WORDS[state] ? t(...CONNECTION_WORDS[state]) : state;
  if (state === 'caught-up') {
    const n = info.missed ?? 0;
    words = n ? t('connection.caughtUpMissed', 'Caught up · {n} missed events', { n }) : t('connection.caughtUpNone', 'Caught up · nothing missed');
  } else if (state === 'reconnecting' && info.retryAt) {
    const seconds = Math.max(0, Math.ceil((info.retryAt - Date.now()) / 1000));
    words = seconds > 0 ? t('connection.reconnectingIn', 'Reconnecting in {s} s', { s: seconds }) : t('connection.reconnectingNow', 'Reconnecting…');
  }
  box.querySelector('.connection-label').textContent = words;
  box.title = info.lastEventId != null ? t('connection.lastEvent', 'Last event received: #{id}', { id: info.lastEventId }) : '';
  if (state === 'unauthenticated' && session.user) {
    signOut(signedOutBecause(info.reason), { tellServer: false });
  }
}

function signedOutBecause(reason) {
  return t('signin.signedOut', 'You were signed out: {reason}.', { reason: reason || t('signin.sessionInvalid', 'the session is no longer valid') });
}

function showNotice(text) {
  const box = $('notice');
  box.replaceChildren();
  const words = document.createElement('span');
  words.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'button-quiet';
  close.textContent = t('notify.dismiss', 'Dismiss');
  close.addEventListener('click', () => { box.hidden = true; });
  box.append(words, close);
  box.hidden = false;
}

function tickClock() {
  const now = new Date();
  const clock = $('hq-clock');
  clock.textContent = t('header.hqClock', 'HQ {time}', { time: formatHqShort(now) });
  clock.title = formatUtc(now);
  if (connection.state === 'reconnecting') showConnection(connection.state, connection.info);
}

function showSignIn() {
  $('workspace').hidden = true;
  $('who').hidden = true;
  $('skip-to-map').hidden = true;
  $('signin-view').hidden = false;
  document.title = t('signin.pageTitle', 'Sign in — Marchwarden');
  $('signin-username').focus();
}

async function onSignIn(event) {
  event.preventDefault();
  const username = $('signin-username').value.trim();
  const password = $('signin-password').value;
  const error = $('signin-error');
  if (!username || !password) {
    error.textContent = t('signin.enterBoth', 'Enter your username and your password.');
    (username ? $('signin-password') : $('signin-username')).focus();
    return;
  }
  const button = $('signin-submit');
  button.disabled = true;
  error.textContent = '';
  try {
    const issued = await api('/auth/login', { method: 'POST', body: { username, password }, auth: false });
    setToken(issued.access_token);
    sessionStorage.removeItem(POSITION_KEY);
    const me = await api('/auth/me');
    $('signin-password').value = '';
    await enter(me);
  } catch (err) {
    clearToken();
    if (err instanceof ApiError && err.code === 'unauthenticated' && err.problem.detail) {
      error.textContent = t('signin.failedBecause', 'Sign-in failed: {why}.', { why: err.problem.detail });
    } else {
      error.textContent = err instanceof ApiError ? err.message : t('signin.failed', 'Sign-in failed: {why}', { why: err });
    }
    $('signin-password').value = '';
    $('signin-password').focus();
  } finally {
    button.disabled = false;
  }
}

let signingOut = false;

async function signOut(reason = '', { tellServer = true } = {}) {
  if (signingOut) return;
  signingOut = true;
  if (app.stream) app.stream.stop();
  if (tellServer && getToken()) {
    try {
      await api('/auth/logout', { method: 'POST' });
    } catch {
      // the token is dropped here whatever the server says
    }
  }
  clearToken();
  sessionStorage.removeItem(POSITION_KEY);
  if (reason) sessionStorage.setItem(NOTICE_KEY, reason);
  session.clear();
  // a fresh page: nothing of this user's picture stays in memory
  window.location.replace('/');
}

/** An account's scope in words ("all regions", "Belgorod", "BEL-VSD-2BN and its
 * sub-units"), else the server's. An agency or unit is named once the units are loaded. */
function scopeWords(scope) {
  switch (scope.kind) {
    case 'all': return t('scope.all', 'all regions');
    case 'regions': return scope.regions.map(regionName).join(', ');
    case 'agency': {
      const agency = unitRecords.agencies.get(scope.agency_id);
      return agency ? agency.code ?? agency.name : t('scope.agency', 'agency {id}', { id: scope.agency_id });
    }
    case 'unit': {
      const unit = unitRecords.units.get(scope.unit_id);
      return t('scope.unit', 'unit {id} and its sub-units', { id: unit ? unit.code : scope.unit_id });
    }
    default: return scope.description;
  }
}

function showHeader(me) {
  const user = me.user;
  $('who-name').textContent = user.display_name || user.username;
  $('who-name').title = t('header.signedInAs', 'Signed in as {username}', { username: user.username });
  $('who-role').textContent = session.roleLabel;
  const scope = () => {
    const words = scopeWords(user.scope);
    $('who-scope').textContent = words;
    $('who-scope').title = words;
  };
  scope();
  window.addEventListener('marchwarden:units-loaded', scope);
  $('who').hidden = false;
}

function mapMessage(text) {
  const box = $('map-message');
  box.textContent = text;
  box.hidden = false;
}

async function showMap() {
  if (!session.can('geo.read')) {
    mapMessage(t('map.noRole', 'Your role does not include the map.'));
    return;
  }
  let mapModule;
  try {
    mapModule = await import('./map.js');
  } catch (err) {
    console.error(err);
    mapMessage(t('map.noLeaflet', 'The map library (Leaflet) is not installed on this server; an administrator can install it with "make setup". The boards work without it.'));
    return;
  }
  app.map = mapModule;
  mapModule.createMap($('map'));
  try {
    app.geodata = await mapModule.loadGeodata(api);
    $('map').dataset.loaded = 'true';
  } catch (err) {
    mapMessage(`${t('map.dataFailed', 'The map data could not be loaded.')} ${err instanceof ApiError ? err.message : err}`);
  }
}

/** Fetch and compile the map's canvas layers (and what they import) while the person
 * signs in: units.js and incidents.js import them once the map is made, which on the first
 * render was a chain of requests (unitlayer.js, then supercluster, then kdbush) queued behind
 * the snapshots at the server. A failure here is the boards' to report, when they import. */
function warmMapLayers() {
  for (const layer of ['./unitlayer.js', './incidentlayer.js']) import(layer).catch(() => {});
}

let entered = false;

async function enter(me) {
  if (entered) {
    // a second sign-in on the same page (after a failed start): begin from a clean page
    window.location.reload();
    return;
  }
  entered = true;
  session.set(me);
  await setLanguage(chooseLanguage(me.user));
  translateStatic();
  tickClock(); // the header clock in the account's language now, not at the next tick
  showHeader(me);
  $('signin-view').hidden = true;
  $('workspace').hidden = false;
  installPanelSize(me.user.username);
  $('skip-to-map').hidden = false;
  document.title = t('page.title', 'Marchwarden — common operating picture');
  onUnauthenticated((reason) => signOut(signedOutBecause(reason), { tellServer: false }));

  // the stream position first, then the snapshots (the boards load them as they are
  // installed): nothing in between is missed. The map and its geodata, which no event
  // changes, load meanwhile; the first picture waits for whichever comes last.
  const positionRead = session.can('stream.subscribe') ? api('/stream/position') : null;
  const mapShown = showMap();
  let position = null;
  if (positionRead) {
    try {
      position = (await positionRead).last_event_id;
    } catch (err) {
      showNotice(err.message);
    }
  }
  languageMenu();
  initTabs($('tablist'), $('tabpanels'));
  for (const board of BOARDS) {
    if (board.needs.every((action) => session.can(action))) board.module.install();
  }
  landOnWork(me.user.role);
  if (session.can('stream.subscribe') && session.can('incident.read')) installUrgentBar();
  await mapShown;
  // the boards' own reads behind other tabs wait for the map's first picture (tabs.js)
  const drawn = app.map?.getMap() ? [window.marchwarden.units?.drawn, window.marchwarden.incidents?.drawn].filter(Boolean) : [];
  Promise.all(drawn).then(firstPictureDrawn);
  if (session.can('stream.subscribe')) {
    app.stream = new EventStream({
      token: getToken,
      onEvent: emit,
      onState: showConnection,
      fromEventId: position,
      storageKey: POSITION_KEY,
    });
    app.stream.start();
  } else {
    showConnection('denied');
  }
  document.body.dataset.ready = 'true';
}

async function boot() {
  const notice = sessionStorage.getItem(NOTICE_KEY);
  if (notice) {
    sessionStorage.removeItem(NOTICE_KEY);
    showNotice(notice);
  }
  try {
    app.config = await api('/config', { auth: false });
    setHqTimezone(app.config.hq_timezone);
    document.documentElement.dataset.version = app.config.version;
  } catch (err) {
    showNotice(err.message);
  }
  tickClock();
  setInterval(tickClock, 1000);
  warmMapLayers();
  $('signin-form').addEventListener('submit', onSignIn);
  $('sign-out').addEventListener('click', () => signOut());
  $('skip-to-map').addEventListener('click', (event) => {
    event.preventDefault();
    $('map').focus();
  });
  if (getToken()) {
    try {
      await enter(await api('/auth/me'));
      return;
    } catch (err) {
      clearToken();
      if (!(err instanceof ApiError && err.status === 401)) showNotice(err.message);
    }
  }
  await setLanguage(chooseLanguage(null));
  translateStatic();
  showSignIn();
}

boot();
