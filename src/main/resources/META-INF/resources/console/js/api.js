// The console's only way to the server: same-origin fetches with the signed-in token as
// "Authorization: Bearer" and, when a tenant is picked, X-Scope-OrgID.

const TOKEN_KEY = 'meshlens.token';
const SCOPE_KEY = 'meshlens.scope';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const auth = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  setToken: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  scope: () => sessionStorage.getItem(SCOPE_KEY) || '',
  setScope: (s) => (s ? sessionStorage.setItem(SCOPE_KEY, s) : sessionStorage.removeItem(SCOPE_KEY)),
  signOut: () => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(SCOPE_KEY);
  },
};

/** Called with the error when the server says the token is no good (401). */
let onUnauthorized = () => {};
export function setUnauthorizedHandler(f) {
  onUnauthorized = f;
}

/**
 * GET path with query parameters (arrays repeat the key). Options: token (instead of the stored
 * one), scope (instead of the picked tenant; '' for none).
 */
export async function get(path, params = {}, opts = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.append(k, v);
  }
  const headers = { Accept: 'application/json' };
  const token = opts.token ?? auth.token();
  if (token) headers.Authorization = 'Bearer ' + token;
  const scope = opts.scope ?? auth.scope();
  if (scope) headers['X-Scope-OrgID'] = scope;
  const url = path + (q.toString() ? '?' + q : '');
  const res = await fetch(url, { headers, cache: 'no-store' });
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = null;
  }
  if (!res.ok) {
    const msg =
      (body && (body.error || (body.errors && body.errors[0] && body.errors[0].msg))) || text || res.statusText;
    const err = new ApiError(res.status, msg);
    if (res.status === 401 && !opts.token) onUnauthorized(err);
    throw err;
  }
  return body;
}

/** Prometheus instant query: the result vector. */
export async function promQuery(query, timeSec) {
  const b = await get('/api/v1/query', { query, time: timeSec });
  return b.data.result;
}

/** Prometheus range query: the result matrix. */
export async function promRange(query, start, end, step) {
  const b = await get('/api/v1/query_range', { query, start, end, step });
  return b.data.result;
}

/** The single value of a one-element instant vector, or null. */
export function scalarOf(result) {
  if (!result || !result.length) return null;
  const v = parseFloat(result[0].value[1]);
  return Number.isFinite(v) ? v : null;
}
