// The "Events" board: what happened, newest first, times in the HQ's time zone (UTC on
// hover). At sign-in it loads the recent history (GET /stream/recent: the newest events the
// role may see), then adds each stream event as it arrives, dropping any it already has.
// Each line names its subject ("Unit BEL-2BN-1 (2nd Battalion, 1st Company): en route",
// "Incident 'Drone strike on Grayvoron': active"), from the boards' records or the events
// themselves. Filters: by kind (incidents, tasks, units, reports, law, other) and a search.

import { num, t, words as wordsOf } from './i18n.js';
import { api } from './api.js';
import { allIncidents } from './incidents.js';
import { onEvent } from './events.js';
import { registerTab, selectedTab, setBadge } from './tabs.js';
import { formatHq, timeElement } from './time.js';
import { units } from './unitrecords.js';
import { regionName } from './regions.js';

const MAX_ROWS = 500;
const SUMMARY_KEYS = ['username', 'name', 'title', 'callsign', 'status', 'severity', 'role', 'scope', 'region'];

/** Every event type's name, through the catalogue (tests/unit/test_catalogues.py checks
 * that each event the server emits has one). */
function typeNames() {
  return {
    ActivationOrderIssued: t('eventType.ActivationOrderIssued', 'Activation order issued'),
    AgencyCreated: t('eventType.AgencyCreated', 'Agency created'),
    AlertApproved: t('eventType.AlertApproved', 'Alert approved'),
    AlertCancelled: t('eventType.AlertCancelled', 'Alert cancelled'),
    AlertDrafted: t('eventType.AlertDrafted', 'Alert drafted'),
    AlertImported: t('eventType.AlertImported', 'Alert imported'),
    AlertPublished: t('eventType.AlertPublished', 'Alert published'),
    CasualtiesRecorded: t('eventType.CasualtiesRecorded', 'Casualties recorded'),
    EvacuationOrdered: t('eventType.EvacuationOrdered', 'Evacuation ordered'),
    EvacuationProgressed: t('eventType.EvacuationProgressed', 'Evacuation progressed'),
    IncidentLogged: t('eventType.IncidentLogged', 'Incident log entry'),
    IncidentOpened: t('eventType.IncidentOpened', 'Incident opened'),
    IncidentStateChanged: t('eventType.IncidentStateChanged', 'Incident state changed'),
    IncidentUpdated: t('eventType.IncidentUpdated', 'Incident updated'),
    LegalActRecorded: t('eventType.LegalActRecorded', 'Legal act recorded'),
    LegalActStatusChanged: t('eventType.LegalActStatusChanged', 'Legal act status changed'),
    MemberChanged: t('eventType.MemberChanged', 'Member changed'),
    MemberRegistered: t('eventType.MemberRegistered', 'Member registered'),
    ReportAttached: t('eventType.ReportAttached', 'Report attached'),
    ReportClaimed: t('eventType.ReportClaimed', 'Report taken'),
    ReportPhotoAdded: t('eventType.ReportPhotoAdded', 'Report photo added'),
    ReportRejected: t('eventType.ReportRejected', 'Report rejected'),
    ReportReleased: t('eventType.ReportReleased', 'Report released'),
    ReportSubmitted: t('eventType.ReportSubmitted', 'Report submitted'),
    RosterImported: t('eventType.RosterImported', 'Roster imported'),
    ScenarioClockMoved: t('eventType.ScenarioClockMoved', 'Scenario clock moved'),
    SessionEnded: t('eventType.SessionEnded', 'Session ended'),
    SessionStarted: t('eventType.SessionStarted', 'Session started'),
    ShelterOccupancyChanged: t('eventType.ShelterOccupancyChanged', 'Shelter occupancy changed'),
    ShelterRegistered: t('eventType.ShelterRegistered', 'Shelter registered'),
    TakCertificateIssued: t('eventType.TakCertificateIssued', 'TAK certificate issued'),
    TakCertificateRevoked: t('eventType.TakCertificateRevoked', 'TAK certificate revoked'),
    TakChatSent: t('eventType.TakChatSent', 'TAK chat sent'),
    TaskAssigned: t('eventType.TaskAssigned', 'Task assigned'),
    TaskAssignmentRefused: t('eventType.TaskAssignmentRefused', 'Task assignment refused'),
    TaskCreated: t('eventType.TaskCreated', 'Task created'),
    TaskStatusChanged: t('eventType.TaskStatusChanged', 'Task status changed'),
    UnifiedCommandChanged: t('eventType.UnifiedCommandChanged', 'Unified command changed'),
    UnitCreated: t('eventType.UnitCreated', 'Unit created'),
    UnitPositionUpdated: t('eventType.UnitPositionUpdated', 'Unit position updated'),
    UnitStatusChanged: t('eventType.UnitStatusChanged', 'Unit status changed'),
    UnitUpdated: t('eventType.UnitUpdated', 'Unit updated'),
    UserCreated: t('eventType.UserCreated', 'User created'),
    UserDisabled: t('eventType.UserDisabled', 'User disabled'),
    UserLanguageSet: t('eventType.UserLanguageSet', 'User language set'),
  };
}

/** "UserCreated" -> "User created" (in the reader's language; an unknown type from its
 * name's words). */
export function humanType(type) {
  const known = typeNames()[type];
  if (known) return known;
  const words = String(type).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const said = (v) => wordsOf(v);

/** An ISO 8601 time as the API writes it. */
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

/** A value of an event's data in words: times in the HQ's zone, numbers grouped, codes as
 * words ("cross_border_incursion" -> "cross-border incursion"), never a raw ISO string. */
function valueWords(v) {
  if (typeof v === 'string' && ISO_TIME.test(v)) return formatHq(v);
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return v ? t('log.yes', 'yes') : t('log.no', 'no');
  return said(v);
}

export function summarise(data) {
  if (!data || typeof data !== 'object') return '';
  const keys = SUMMARY_KEYS.filter((k) => data[k] !== undefined && data[k] !== null && data[k] !== '');
  const chosen = keys.length ? keys : Object.keys(data).filter((k) => typeof data[k] !== 'object').slice(0, 3);
  return chosen.map((k) => `${said(k)}: ${valueWords(data[k])}`).join(' · ');
}

/** Names learnt from events (an incident's name comes with IncidentOpened). */
const names = { incident: new Map(), unit: new Map() };

function unitName(id) {
  const u = units.get(id);
  if (u) return u.name && u.name !== u.code ? `${u.code} (${u.name})` : u.code;
  return names.unit.get(id) ?? `#${id}`;
}

function incidentName(id) {
  const i = allIncidents().get?.(id);
  return `'${i?.name ?? names.incident.get(id) ?? `#${id}`}'`;
}

/** Which filter an event falls under. */
export function kindOfEvent(type) {
  if (/^Task/.test(type)) return 'tasks';
  if (/^(Incident|UnifiedCommand|Casualties)/.test(type)) return 'incidents';
  if (/^(Unit|Member|Roster|Agency)/.test(type)) return 'units';
  if (/^Report/.test(type)) return 'reports';
  if (/^(LegalAct|Act|Law)/.test(type)) return 'law';
  return 'other';
}

/** The line for an event: its subject and what happened to it, in words. */
export function describeEvent(event) {
  const d = event.data || {};
  const type = event.type;
  if (type === 'IncidentOpened' && d.name) names.incident.set(d.incident_id, d.name);
  if ((type === 'UnitCreated' || type === 'UnitUpdated') && d.unit_id && (d.code || d.name)) names.unit.set(d.unit_id, d.code ?? d.name);
  const was = (v) => (v ? t('log.was', ' (was {v})', { v: said(v) }) : '');
  const unit = d.unit_id != null ? unitName(d.unit_id) : '';
  const incident = d.incident_id != null ? incidentName(d.incident_id) : '';
  if (type === 'UnitStatusChanged') return t('log.unitStatus', 'Unit {unit}: {status}', { unit, status: said(d.status) }) + was(d.previous);
  if (type === 'UnitPositionUpdated') return t('log.unitPosition', 'Unit {unit} reported its position', { unit });
  if (type === 'IncidentOpened') {
    return t('log.incidentOpened', 'Incident {incident} opened', { incident })
      + (d.severity ? `, ${said(d.severity)}` : '') + (d.region ? t('log.inRegion', ' in {region}', { region: regionName(d.region) }) : '');
  }
  if (type === 'IncidentStateChanged') return t('log.incidentState', 'Incident {incident}: {state}', { incident, state: said(d.state) }) + was(d.previous);
  if (type === 'TaskAssignmentRefused') return t('log.taskRefused', 'Incident {incident}: task {task} refused to unit {unit}', { incident, task: d.task_id, unit: d.unit_code ?? unit });
  if (type === 'TaskAssigned') return t('log.taskAssigned', 'Incident {incident}: task {task} given to unit {unit}', { incident, task: d.task_id, unit });
  if (type === 'TaskStatusChanged') {
    return t('log.taskStatus', 'Incident {incident}: task {task} {status}', { incident, task: d.task_id, status: said(d.status) })
      + (d.unit_id ? t('log.ofUnit', ' (unit {unit})', { unit }) : '');
  }
  if (type === 'TaskCreated') {
    return t('log.taskCreated', 'Incident {incident}: new task {task}', { incident, task: d.task_id })
      + (d.priority ? t('log.priority', ', {priority} priority', { priority: said(d.priority) }) : '');
  }
  if (type === 'ScenarioClockMoved' && d.before && d.at) {
    const times = { before: formatHq(d.before), at: formatHq(d.at) };
    return d.released
      ? t('log.clockReleased', 'Scenario clock handed back to the wall clock at {at} (it stood at {before})', times)
      : t('log.clockSet', 'Scenario clock moved from {before} to {at}', times);
  }
  if (d.incident_id != null) return t('log.incidentOther', 'Incident {incident}: {what}', { incident, what: humanType(type).toLowerCase() });
  if (d.report_id != null) return t('log.reportOther', 'Report #{id}: {what}', { id: d.report_id, what: humanType(type).replace(/^Report /, '').toLowerCase() });
  if (d.unit_id != null) return t('log.unitOther', 'Unit {unit}: {what}', { unit, what: humanType(type).replace(/^Unit /, '').toLowerCase() });
  const rest = summarise(d);
  return rest ? `${humanType(type)}: ${rest}` : humanType(type);
}

const FILTERS = [['all', 'Everything'], ['incidents', 'Incidents'], ['tasks', 'Tasks'], ['units', 'Units'], ['reports', 'Reports'], ['law', 'Law'], ['other', 'Other']];

export function install() {
  const panel = registerTab('events', t('tab.events', 'Events'), { order: 90 });
  const head = document.createElement('div');
  head.className = 'board-head';
  const title = document.createElement('h2');
  title.textContent = t('events.title', 'Events');
  const count = document.createElement('span');
  count.className = 'board-count';
  count.textContent = t('common.loading', 'loading…');
  head.append(title, count);

  const filters = document.createElement('div');
  filters.className = 'board-filters event-filters';
  const kind = document.createElement('select');
  kind.id = 'event-filter-kind';
  for (const [value, text] of FILTERS) kind.append(new Option(t(`events.${value}`, text), value));
  const kindLabel = Object.assign(document.createElement('label'), { htmlFor: kind.id, textContent: t('events.show', 'Show') });
  const find = Object.assign(document.createElement('input'), { id: 'event-filter-text', type: 'search', placeholder: t('events.placeholder', 'unit, incident…') });
  const findLabel = Object.assign(document.createElement('label'), { htmlFor: find.id, textContent: t('events.find', 'Find') });
  filters.append(kindLabel, kind, findLabel, find);

  const region = document.createElement('div');
  region.setAttribute('role', 'log');
  region.setAttribute('aria-label', t('events.newestFirst', 'Events, newest first'));
  const list = document.createElement('ol');
  list.id = 'event-log';
  list.className = 'event-log';
  region.append(list);
  const empty = document.createElement('p');
  empty.className = 'board-empty';
  empty.textContent = t('events.empty', 'Events appear here as they happen.');
  panel.append(head, filters, empty, region);

  const seen = new Set();
  let unseen = 0;
  panel.addEventListener('tab-shown', () => { unseen = 0; });

  const matches = (row) => (kind.value === 'all' || row.dataset.kind === kind.value)
    && (!find.value.trim() || row.textContent.toLowerCase().includes(find.value.trim().toLowerCase()));
  const applyFilters = () => {
    let shown = 0;
    for (const row of list.children) {
      row.hidden = !matches(row);
      if (!row.hidden) shown += 1;
    }
    count.textContent = t('events.count', '{n} events', { n: num(seen.size) })
      + (shown !== list.childElementCount ? `, ${t('events.shown', '{n} shown', { n: num(shown) })}` : '');
  };
  kind.addEventListener('change', applyFilters);
  find.addEventListener('input', applyFilters);

  const rowOf = (event) => {
    const row = document.createElement('li');
    row.className = 'event-row';
    row.dataset.id = String(event.id);
    row.dataset.type = event.type;
    row.dataset.kind = kindOfEvent(event.type);
    const type = document.createElement('span');
    type.className = 'event-type';
    type.textContent = humanType(event.type);
    const summary = document.createElement('span');
    summary.className = 'event-summary';
    summary.textContent = describeEvent(event);
    row.append(timeElement(event.at), summary, type);
    row.eventData = event;
    return row;
  };

  // the history arrives before the boards' records, so a line may name a unit "#127":
  // every line is written again once the units, and again once the incidents, are loaded
  const rename = () => {
    for (const row of list.children) row.querySelector('.event-summary').textContent = describeEvent(row.eventData);
    applyFilters();
  };
  window.addEventListener('marchwarden:units-loaded', rename);
  window.addEventListener('marchwarden:incidents-loaded', rename);

  const add = (event, { live }) => {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    empty.hidden = true;
    const row = rowOf(event);
    // newest first, by id (history and live events may interleave)
    const after = [...list.children].find((r) => Number(r.dataset.id) < event.id);
    list.insertBefore(row, after ?? null);
    row.hidden = !matches(row);
    while (list.childElementCount > MAX_ROWS) list.lastElementChild.remove();
    if (live && selectedTab() !== 'events') {
      unseen += 1;
      setBadge('events', unseen);
    }
  };

  onEvent('*', (event) => {
    add(event, { live: true });
    applyFilters();
  });
  api('/stream/recent?limit=200').then((r) => {
    if (list.childElementCount) {
      for (const e of r.items) add(e, { live: false });
    } else {
      // the history alone (oldest first, each described after those before it, which
      // name its units and incidents): put in newest first at once, not row by row
      const rows = r.items.filter((e) => !seen.has(e.id)).map((e) => {
        seen.add(e.id);
        return rowOf(e);
      });
      list.append(...rows.reverse().slice(0, MAX_ROWS));
      if (rows.length) empty.hidden = true;
    }
    applyFilters();
  }).catch((err) => {
    count.textContent = t('events.historyFailed', 'history not loaded: {why}', { why: err.message });
  });
}
