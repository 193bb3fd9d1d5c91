// api.js - the one way the RA web UI talks to the RA service (docs/ra-api.md).
// Same-origin fetch with the session cookie; every request that is not a GET carries
// X-CSRF-Token with the csrf value of /api/me; every failure becomes an ApiError holding
// the API's own code and message, which the pages show as they are.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status; // HTTP status, 0 when the service could not be reached
    this.code = code;     // GC_E_… from the API
    this.field = field;   // the request member the error is about, when the API names one
  }
}

let csrf = null;
let onUnauthorized = null;

export function setCsrf(token) { csrf = token; }
export function onSessionLost(f) { onUnauthorized = f; }

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'NETWORK', e.message);
  }
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (type.includes('json')) {
    try { data = await res.json(); } catch (e) { data = null; }
  } else if (res.ok) {
    data = await res.blob();
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    const e = new ApiError(res.status, err.code || `HTTP_${res.status}`,
      err.message || `${res.status} ${res.statusText}`, err.field);
    if (res.status === 401 && path !== '/api/login' && onUnauthorized) onUnauthorized(e);
    throw e;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
