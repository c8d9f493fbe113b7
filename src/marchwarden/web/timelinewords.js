// A timeline entry's line in the reader's language (the incident page's timeline and the
// sitrep's "what happened"): written from the structured `data` the server stores with
// each entry; older entries and free text keep the server's (English) line.

import { num, words } from './dom.js';
import { language, locale, t } from './i18n.js';
import { eligibilityWords, lawReasonWords } from './lawwords.js';
import { formatHq } from './time.js';

/** A latitude or longitude to four places, the language's decimal sign. */
function coordinate(x) {
  return x.toLocaleString(locale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 });
}

const TASK_STEP_WORDS = {
  accepted: () => t('incident.tl.step.accepted', 'accepted'),
  open: () => t('incident.tl.step.open', 'declined'),
  en_route: () => t('incident.tl.step.en_route', 'en route'),
  on_scene: () => t('incident.tl.step.on_scene', 'on scene'),
  completed: () => t('incident.tl.step.completed', 'completed; unit released'),
  cancelled: () => t('incident.tl.step.cancelled', 'cancelled'),
};

const CHANGED_FIELD_WORDS = {
  name: () => t('incident.tl.field.name', 'name'),
  description: () => t('incident.tl.field.description', 'description'),
  incident_type: () => t('incident.tl.field.incident_type', 'incident type'),
  severity: () => t('incident.tl.field.severity', 'severity'),
};

const powerWords = (p) => t(`power.${p}`, words(p));

/** A unified command in words: "lead Name (CODE); supporting none". */
function commandWords(lead, supporting) {
  return t('incident.tl.commandWords', 'lead {lead}; supporting {supporting}', {
    lead: lead ?? t('incident.none', 'none'),
    supporting: (supporting ?? []).join(', ') || t('incident.none', 'none'),
  });
}
const withNote = (text, note) => (note ? `${text}: ${note}` : text);

/** A timeline entry's line in the reader's language, from its structured `data` where the
 * server stored what the line needs; else (older entries, free text, other kinds) the line
 * the server wrote. English reads the server's line as written. */
export function timelineText(e) {
  const d = e.data ?? {};
  // a log entry is the officer's own words; the unit it is about, in the reader's language
  if (e.kind === 'log' && typeof d.note === 'string') return d.unit ? t('incident.tl.logUnit', '{note} (unit {unit})', { note: d.note, unit: d.unit }) : d.note;
  if (language() === 'en') return e.text;
  switch (e.kind) {
    case 'opened': {
      if (!d.incident_type || !d.command) break;
      const point = { lat: coordinate(d.lat), lon: coordinate(d.lon) };
      const facts = {
        from: d.report_id ? t('incident.tl.fromReport', ' from report {id}', { id: d.report_id }) : '',
        type: t(`incidentType.${d.incident_type}`, words(d.incident_type)),
        severity: words(d.severity),
        place: d.place_type === 'Polygon' ? t('incident.placeArea', 'area, centred {lat}° N, {lon}° E', point) : t('incident.placePoint', 'point {lat}° N, {lon}° E', point),
        n: num(d.settlements),
        people: num(d.people),
        km: num(d.radius_km),
        command: commandWords(d.command.lead, d.command.supporting),
      };
      return t('incident.tl.opened', 'Incident opened{from}: {type}, severity {severity}, {place}, {n} settlements ({people} people) within {km} km; unified command: {command}', facts);
    }
    case 'command_changed':
      if (!('lead' in d) || !('previous_lead' in d)) break;
      return t('incident.tl.command', 'Unified command: {now} (was {before})', {
        now: commandWords(d.lead, d.supporting), before: commandWords(d.previous_lead, d.previous_supporting),
      });
    case 'state_changed':
      if (!d.from || !d.to) break;
      return withNote(t('incident.tl.state', 'State {from} → {to}', { from: words(d.from), to: words(d.to) }), d.reason);
    case 'updated': {
      const changes = Object.entries(d.changes ?? {});
      if (!changes.length) break;
      const parts = changes.map(([key, value]) => {
        if (key === 'place') return t('incident.tl.placeMoved', 'place moved');
        const field = CHANGED_FIELD_WORDS[key]?.() ?? key.replace(/_/g, ' ');
        const shown = (v) => (key === 'severity' ? words(v) : key === 'incident_type' ? t(`incidentType.${v}`, words(v)) : v);
        return Array.isArray(value) && value.length === 2 ? `${field} ${shown(value[0])} → ${shown(value[1])}` : `${field} ${shown(value)}`;
      });
      return t('incident.tl.updated', 'Updated: {changes}', { changes: parts.join('; ') });
    }
    case 'casualties': {
      if (!d.counts || !d.as_of || !d.totals) break;
      const list = (counts) => Object.entries(counts).map(([c, n]) => `${words(c)} ${num(n)}`).join(', ');
      const source = d.source ? t('incident.tl.source', ' (source: {source})', { source: d.source }) : '';
      return t('incident.tl.casualties', 'Casualties as of {at}: {counts}{source}; now {totals}', { at: formatHq(d.as_of), counts: list(d.counts), source, totals: list(d.totals) });
    }
    case 'task_created': {
      if (!d.title || !d.priority) break;
      const needs = (d.required_powers ?? []).map(powerWords).join(', ') || t('incident.tl.noPower', 'no particular power');
      return t('incident.tl.taskCreated', 'Task {id} ({priority}): {title}; needs {needs}', { id: e.task_id, priority: words(d.priority), title: d.title, needs });
    }
    case 'task_assigned': {
      if (!d.unit) break;
      const grants = Object.entries(d.granted_powers ?? {}).map(([p, law]) => `${powerWords(p)} (${law})`).join(', ');
      const text = t('incident.tl.taskAssigned', 'Task {id} assigned to {unit} ({agency})', { id: e.task_id, unit: d.unit, agency: d.agency ?? '' })
        + (grants ? t('incident.tl.powers', '; powers: {powers}', { powers: grants }) : '');
      return withNote(text, d.note);
    }
    case 'task_status': {
      if (!('unit' in d) || !d.to) break;
      const step = TASK_STEP_WORDS[d.to]?.() ?? words(d.to);
      let text = t('incident.tl.taskStep', 'Task {id} {step}', { id: e.task_id, step });
      if (d.unit) text += t('incident.tl.byUnit', ' by {unit}', { unit: d.unit });
      if (d.unit_status) text += t('incident.tl.unitStatus', ' (unit status {status})', { status: words(d.unit_status) });
      return withNote(text, d.note);
    }
    case 'task_refused':
      if (!d.unit || !d.missing_powers) break;
      if (d.coded_reasons?.length) {
        const why = d.coded_reasons.map((r) => (r.power ? `${powerWords(r.power)}: ${lawReasonWords(r.power, r)}` : eligibilityWords(r) ?? r.code));
        return t('incident.tl.taskRefusedWhy', 'Assignment of task {id} to {unit} ({code}) refused: {why}', {
          id: e.task_id, unit: d.unit, code: d.unit_code ?? '', why: why.join('; '),
        });
      }
      return t('incident.tl.taskRefused', 'Assignment of task {id} to {unit} ({code}) refused: it lacks {powers}', {
        id: e.task_id, unit: d.unit, code: d.unit_code ?? '', powers: d.missing_powers.map(powerWords).join(', ') || '—',
      });
    case 'report_attached': {
      if (!d.report_id || !d.incident_type || !d.observed_at) break;
      const text = t('incident.tl.reportAttached', 'Verified report {id} ({type}, {rating}, {source}, observed {at})', {
        id: d.report_id,
        type: t(`incidentType.${d.incident_type}`, words(d.incident_type)).toLowerCase(),
        rating: d.rating ?? '',
        source: t(`source.${d.source_kind}`, words(d.source_kind)).toLowerCase(),
        at: formatHq(d.observed_at),
      });
      return withNote(text, d.note);
    }
    case 'alert':
      return alertText(d) ?? e.text;
    default:
      break;
  }
  return e.text;
}

const ALERT_STEP_WORDS = {
  drafted: () => t('incident.tl.alert.drafted', 'drafted'),
  revised: () => t('incident.tl.alert.revised', 'revised'),
  approved: () => t('incident.tl.alert.approved', 'approved'),
  published: () => t('incident.tl.alert.published', 'published'),
  updated: () => t('incident.tl.alert.updated', 'updated'),
  cancelled: () => t('incident.tl.alert.cancelled', 'cancelled'),
};

/** An alert's or an evacuation order's entry (kind `alert`) from its data; null: the
 * server's line (an entry from before the data was stored). */
function alertText(d) {
  switch (d.step) {
    case 'drafted':
    case 'revised':
      if (d.settlements == null || d.population == null) return null;
      return t('incident.tl.alertDrafted', 'Alert #{id} {step}: {event} ({severity}, {instruction}) for {area} — {n} settlements, {people} people', {
        id: d.alert_id, step: ALERT_STEP_WORDS[d.step](), event: d.event, severity: words(String(d.severity ?? '').toLowerCase()),
        instruction: words(d.instruction), area: d.area, n: num(d.settlements), people: num(d.population),
      });
    case 'approved':
      return t('incident.tl.alertApproved', 'Alert #{id} approved by {by}', { id: d.alert_id, by: d.by ?? '' });
    case 'published':
    case 'updated':
      return t('incident.tl.alertPublished', 'Alert #{id} {step} as CAP {cap}', { id: d.alert_id, step: ALERT_STEP_WORDS[d.step](), cap: d.identifier ?? '' });
    case 'cancelled':
      return t('incident.tl.alertCancelled', 'Alert #{id} cancelled (CAP {cap})', { id: d.alert_id, cap: d.identifier ?? '' });
    case 'evacuation_ordered':
      return t('incident.tl.evacuationOrdered', 'Evacuation ({kind}) ordered for {area}: {n} people to move', { kind: words(d.order_kind), area: d.area ?? '', n: num(d.to_move) });
    case 'evacuation_progressed':
      return t('incident.tl.evacuationProgressed', 'Evacuation order #{id}: {state} ({moved} of {n} moved)', { id: d.evacuation_order, state: words(d.state), moved: num(d.moved), n: num(d.to_move) });
    default:
      return null;
  }
}
