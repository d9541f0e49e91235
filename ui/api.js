// The HTTP API client: every call sends `Authorization: Bearer <token>`. The token lives in sessionStorage
// (this tab only, gone when it closes) and is never put in a URL.

const KEY = 'sluice.token';

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(t) { if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY); },
  /** {name, role} from GET /api/v1/whoami once signed in. */
  caller: null,
};

const RANK = {viewer: 0, operator: 1, admin: 2};

/** Whether the signed-in token's role is at least `role` (the server checks again). */
export function can(role) {
  return session.caller !== null && RANK[session.caller.role] >= RANK[role];
}

/** An API error: the server's `{error: {code, message, field}}` or what went wrong on the way. */
export class APIError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const listeners = new Set();
/** Called with no arguments when the server says the token is no longer good (401). */
export function onUnauthorized(f) { listeners.add(f); }
export function unauthorized() { for (const f of listeners) f(); }

/** Headers for a call with the session's token. */
export function authHeaders(extra = {}) {
  const headers = {...extra};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  return headers;
}

/** Fetches `path` with the token; the raw Response when it succeeded, else throws APIError. */
export async function request(path, {method = 'GET', body, signal, headers = {}} = {}) {
  const init = {method, headers: authHeaders(headers), signal, cache: 'no-store'};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new APIError(0, 'unreachable', `the server did not answer (${e.message})`);
  }
  if (response.ok) return response;
  let code = 'http-' + response.status, message = `${method} ${path} answered ${response.status}`, field;
  try {
    const err = (await response.json()).error;
    if (err) ({code, message, field} = err);
  } catch { /* not a JSON error body */ }
  if (response.status === 401) unauthorized();
  throw new APIError(response.status, code, message, field);
}

/** GET or POST returning the JSON body. */
export async function api(path, options) {
  const response = await request(path, options);
  if (response.status === 204) return null;
  return response.json();
}

/** A path segment: run ids, node ids (`sub/child`, `fit[3]`) and names, percent-encoded. */
export const seg = encodeURIComponent;
