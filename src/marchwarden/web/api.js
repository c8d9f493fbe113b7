// The API client: fetch with the bearer token; problem+json errors in plain words.

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
      'The Marchwarden server cannot be reached. Check the connection to the HQ server and try again.');
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

/** A problem+json reply (or its absence) as a sentence a duty officer can act on. */
export function inPlainWords(status, problem, headers) {
  const code = problem && typeof problem.type === 'string' ? problem.type.replace(/^\/problems\//, '') : '';
  const detail = problem && problem.detail ? problem.detail : '';
  switch (code) {
    case 'unauthenticated':
      return `Not signed in: ${sentence(detail) || 'sign in again.'}`;
    case 'login-throttled': {
      const wait = (problem && problem.retry_after_seconds) || (headers && headers.get('Retry-After'));
      const after = wait ? ` Try again in ${wait} seconds.` : ' Wait a while and try again.';
      return `Too many failed sign-in attempts.${after}`;
    }
    case 'forbidden':
      return `Not allowed for your role or scope: ${sentence(detail) || 'ask an administrator.'}`;
    case 'not-found':
      return `Not found: ${sentence(detail)}`;
    case 'conflict':
      return `This clashes with the current state: ${sentence(detail)}`;
    case 'validation-error': {
      const items = problem && Array.isArray(problem.errors) ? problem.errors : [];
      if (items.length) {
        const parts = items.map((e) => `${String(e.loc || '').replace(/^body\./, '')}: ${e.message}`);
        return `Please correct: ${parts.join('; ')}.`;
      }
      return `Please correct the form: ${sentence(detail)}`;
    }
    case 'malformed-json':
    case 'body-too-large':
    case 'invalid':
      return sentence(detail) || 'The request was not accepted.';
    default:
      break;
  }
  if (status === 503) return 'The server cannot reach its database just now. Try again shortly.';
  if (status >= 500) {
    const ref = problem && problem.request_id ? ` (reference ${problem.request_id})` : '';
    return `The server failed to do this; it has been logged${ref}. Try again, and tell the administrator if it keeps happening.`;
  }
  return sentence(detail) || `The server refused the request (HTTP ${status}).`;
}
