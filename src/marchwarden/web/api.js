// The API client: fetch with the bearer token; problem+json errors in plain words, in the
// reader's language (a problem's `code` and `params` where the server gives them).

import { language, said, t, words } from './i18n.js';

const TOKEN_KEY = 'marchwarden.token';
const BASE = '/api/v1';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** An API call that failed. `message` is for people; `problem` is the RFC 9457 body. */
export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** The stable problem type without its prefix, e.g. "forbidden" ("" if none). */
  get code() {
    const type = this.problem && typeof this.problem.type === 'string' ? this.problem.type : '';
    return type.replace(/^\/problems\//, '');
  }
}

const unauthenticatedHandlers = new Set();

/** Called when a signed-in call is refused with 401 (expired, revoked, account disabled). */
export function onUnauthenticated(handler) {
  unauthenticatedHandlers.add(handler);
  return () => unauthenticatedHandlers.delete(handler);
}

export function notifyUnauthenticated(reason) {
  for (const handler of unauthenticatedHandlers) handler(reason);
}

/**
 * Call the API. `path` is relative to /api/v1. Resolves to the parsed JSON body
 * (null for 204); rejects with an ApiError whose message is in plain words.
 */
export async function api(path, { method = 'GET', body, auth = true, signal } = {}) {
  const headers = { Accept: 'application/json, application/geo+json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = getToken();
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, null,
      t('problem.unreachable', 'The Marchwarden server cannot be reached. Check the connection to the HQ server and try again.'));
  }
  if (response.status === 204) return null;
  let data = null;
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data, inPlainWords(response.status, data, response.headers));
    if (response.status === 401 && auth && token) notifyUnauthenticated(error.message);
    throw error;
  }
  return data;
}

function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

const THING_WORDS = {
  unit: () => t('problem.thing.unit', 'unit'),
  incident: () => t('problem.thing.incident', 'incident'),
  report: () => t('problem.thing.report', 'report'),
  task: () => t('problem.thing.task', 'task'),
  member: () => t('problem.thing.member', 'member'),
  alert: () => t('problem.thing.alert', 'alert'),
  'evacuation order': () => t('problem.thing.evacuationOrder', 'evacuation order'),
  shelter: () => t('problem.thing.shelter', 'shelter'),
  settlement: () => t('problem.thing.settlement', 'settlement'),
  photo: () => t('problem.thing.photo', 'photo'),
  evacuation: () => t('problem.thing.evacuation', 'evacuation'),
};

const CLOSED_THEN = {
  no_new_tasks: () => t('problem.closed.noNewTasks', 'it takes no new tasks'),
  command_final: () => t('problem.closed.commandFinal', 'its command is final'),
  open_new_incident: () => t('problem.closed.openNew', 'open a new incident from the report instead'),
  no_tasking: () => t('problem.closed.noTasking', 'it takes no tasking'),
};

/** What a problem's `detail` says, in the reader's language: written from its `code` and
 * `params` (domain errors that carry them, docs/api.md); else the server's detail. */
export function detailWords(problem) {
  const detail = problem && problem.detail ? String(problem.detail) : '';
  if (!problem || typeof problem.code !== 'string' || language() === 'en') return detail;
  const p = problem.params ?? {};
  const thing = (x) => THING_WORDS[x]?.() ?? x;
  switch (problem.code) {
    case 'not_found.id':
      return t('problem.notFound.id', 'no {thing} with id {id}', { thing: thing(p.thing), id: p.id });
    case 'incident.closed':
      return t('problem.incident.closed', 'incident {incident} is {state}; {then}', { incident: p.incident, state: words(p.state), then: CLOSED_THEN[p.then]?.() ?? '' });
    case 'incident.unfinished_tasks':
      return t('problem.incident.unfinished', 'incident {incident} still has unfinished tasks ({tasks}); complete or cancel them before it is {to}', { incident: p.incident, tasks: p.tasks, to: words(p.to) });
    case 'incident.log_needs_text':
      return t('problem.incident.logText', 'a log entry needs text');
    case 'report.reason_needed':
      return t('problem.report.reason', 'rejecting a report needs a reason');
    case 'task.title_needed':
      return t('problem.task.title', 'a task needs a title (what is to be done)');
    case 'forbidden.role':
      return t('problem.forbidden.role', 'role {role} may not {action}', { role: t(`role.${p.role}`, words(p.role)), action: p.action });
    case 'forbidden.needs_scope':
      return t('problem.forbidden.needsScope', '{action} needs a resource inside the caller\'s scope', { action: p.action });
    case 'forbidden.outside_scope':
      return t('problem.forbidden.outsideScope', 'the {thing} is outside your scope ({scope})', { thing: thing(p.kind), scope: p.scope });
    case 'forbidden.unit_outside':
      return t('problem.forbidden.unitOutside', 'unit {unit} ({region}, {agency}) is outside your scope ({scope}) and its agency {code} is not part of incident {incident}\'s unified command', { unit: p.unit, region: p.region, agency: p.agency, scope: p.scope, code: p.agency_code, incident: p.incident });
    case 'forbidden.no_unit':
      return t('problem.forbidden.noUnit', 'the task has no unit to answer for it');
    case 'roster.invalid': {
      const items = Array.isArray(problem.errors) ? problem.errors : [];
      const lines = items.slice(0, 5).map((e) => t('error.item.line', 'line {line}, column {column}: {reason}', { line: e.line, column: e.column, reason: said(e.code, e.params, e.reason) }));
      const more = items.length > 5 ? ` (+${items.length - 5})` : '';
      return `${said(problem.code, p, detail)}: ${lines.join('; ')}${more}`;
    }
    default:
      return said(problem.code, p, detail);
  }
}

/** A problem+json reply (or its absence) as a sentence a duty officer can act on. */
export function inPlainWords(status, problem, headers) {
  const code = problem && typeof problem.type === 'string' ? problem.type.replace(/^\/problems\//, '') : '';
  const detail = detailWords(problem);
  switch (code) {
    case 'unauthenticated':
      return t('problem.notSignedIn', 'Not signed in: {why}', { why: sentence(detail) || t('problem.signInAgain', 'sign in again.') });
    case 'login-throttled': {
      const wait = (problem && problem.retry_after_seconds) || (headers && headers.get('Retry-After'));
      const after = wait ? t('problem.tryIn', ' Try again in {n} seconds.', { n: wait }) : t('problem.tryLater', ' Wait a while and try again.');
      return t('problem.throttled', 'Too many failed sign-in attempts.{after}', { after });
    }
    case 'forbidden':
      return t('problem.forbidden', 'Not allowed for your role or scope: {why}', { why: sentence(detail) || t('problem.askAdmin', 'ask an administrator.') });
    case 'not-found':
      return t('problem.notFound', 'Not found: {why}', { why: sentence(detail) });
    case 'conflict':
      return t('problem.conflict', 'This clashes with the current state: {why}', { why: sentence(detail) });
    case 'validation-error': {
      const items = problem && Array.isArray(problem.errors) ? problem.errors : [];
      if (items.length) {
        const parts = items.map((e) => `${String(e.loc || '').replace(/^body\./, '')}: ${language() === 'en' ? e.message : said(e.code, e.params, e.message)}`);
        return t('problem.correct', 'Please correct: {what}.', { what: parts.join('; ') });
      }
      return t('problem.correctForm', 'Please correct the form: {why}', { why: sentence(detail) });
    }
    case 'illegal-task-transition':
    case 'illegal-status-transition': {
      if (!problem.current || !problem.requested || language() === 'en') break;
      const allowed = Array.isArray(problem.allowed) ? problem.allowed : [];
      const what = code === 'illegal-task-transition' ? t('problem.step.task', 'The task') : t('problem.step.unit', 'The unit');
      const next = allowed.length
        ? t('problem.step.only', 'from {current} it can only go to {allowed}', { current: words(problem.current), allowed: allowed.map(words).join(', ') })
        : t('problem.step.none', 'nothing follows {current}', { current: words(problem.current) });
      return t('problem.step', '{what} cannot go from {current} to {requested}: {next}.', { what, current: words(problem.current), requested: words(problem.requested ?? ''), next });
    }
    case 'malformed-json':
    case 'body-too-large':
    case 'invalid':
      return sentence(detail) || t('problem.notAccepted', 'The request was not accepted.');
    default:
      break;
  }
  if (status === 503) return t('problem.busy', 'The server cannot reach its database just now. Try again shortly.');
  if (status >= 500) {
    const ref = problem && problem.request_id ? t('problem.reference', ' (reference {id})', { id: problem.request_id }) : '';
    return t('problem.failed', 'The server failed to do this; it has been logged{ref}. Try again, and tell the administrator if it keeps happening.', { ref });
  }
  return sentence(detail) || t('problem.refused', 'The server refused the request (HTTP {status}).', { status });
}
