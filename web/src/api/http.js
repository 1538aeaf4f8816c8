// A small JSON client for the xiaoneng API.
//
// The web app uses the HttpOnly session cookie (same-origin credentials). Every state-changing
// request carries the X-CSRF-Token header from the session store. Errors are problem+json
// bodies {type, title, status, code, detail, field}; they are thrown as ApiError so views can
// show `detail` and highlight `field`. Any 401 outside the login call hands control to the
// handler installed by the router (back to the login page with a message).

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `请求失败（${status}）`);
    this.status = status;
    this.code = (problem && problem.code) || '';
    this.field = (problem && problem.field) || '';
    this.problem = problem || {};
  }
}

let csrfTokenSource = () => '';
let unauthorizedHandler = () => {};

// The session store tells the client where the CSRF token lives.
export function SetCsrfTokenSource(fn) {
  csrfTokenSource = fn;
}

// The router decides what happens on a 401 (clear the session, go to the login page).
export function SetUnauthorizedHandler(fn) {
  unauthorizedHandler = fn;
}

const kUnsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function BuildQuery(params) {
  if (!params) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function Request(method, path, { body, raw, contentType, params, skipAuthRedirect = false } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (kUnsafeMethods.has(method)) {
    const token = csrfTokenSource();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let payload;
  if (raw !== undefined) {
    // A file sent as the request body itself (materials): its own media type.
    headers['Content-Type'] = contentType || 'application/octet-stream';
    payload = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}${BuildQuery(params)}`, {
      method,
      headers,
      body: payload,
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, { detail: '无法连接服务器，请检查网络后重试' });
  }
  const text = await res.text();
  let data;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !skipAuthRedirect) unauthorizedHandler(err);
    throw err;
  }
  return data;
}

export const api = {
  get: (path, params, opts = {}) => Request('GET', path, { ...opts, params }),
  post: (path, body, opts = {}) => Request('POST', path, { ...opts, body }),
  put: (path, body, opts = {}) => Request('PUT', path, { ...opts, body }),
  patch: (path, body, opts = {}) => Request('PATCH', path, { ...opts, body }),
  delete: (path, opts = {}) => Request('DELETE', path, opts),
  // POST with a File/Blob as the raw body and CONTENT_TYPE as its media type.
  upload: (path, file, contentType, params, opts = {}) => Request('POST', path, { ...opts, raw: file, contentType, params }),
};

// The URL of a GET download (exports, material content): the session cookie suffices, no CSRF.
export function DownloadUrl(path, params) {
  return `/api/v1${path}${BuildQuery(params)}`;
}
