// Small helpers shared by the API tests: moving the fake clock, checking problem+json answers,
// speaking to the server with the session cookie, and counting audit events.
import assert from 'node:assert/strict';
import { Client, demoPassword } from '../lib/server.mjs';

// Moves the server's fake clock forward, e.g. Advance(url, { minutes: 31 }).
export async function Advance(url, by) {
  const res = await fetch(`${url}/api/v1/clock/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(by),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

// Asserts that RES (a Client answer) is a problem+json error with STATUS and CODE (and FIELD
// when given), in the one stable shape {type, title, status, code, detail}.
export function AssertProblem(res, status, code, field) {
  const what = `${res.status} ${res.text}`;
  assert.equal(res.status, status, what);
  assert.equal(res.headers.get('content-type'), 'application/problem+json', what);
  assert.ok(res.json && typeof res.json === 'object', what);
  for (const key of ['type', 'title', 'detail', 'code']) {
    assert.equal(typeof res.json[key], 'string', `${key} in ${what}`);
    assert.ok(res.json[key].length > 0, `${key} in ${what}`);
  }
  assert.equal(res.json.status, status, what);
  if (code !== undefined) assert.equal(res.json.code, code, what);
  if (field !== undefined) assert.equal(res.json.field, field, what);
}

// Logs in and returns { client (Bearer), token, csrf, cookie, user, res }.
export async function LoginFull(url, username, password = demoPassword) {
  const anon = new Client(url);
  const res = await anon.post('/api/v1/auth/login', { username, password });
  assert.equal(res.status, 200, `login ${username}: ${res.text}`);
  return {
    client: new Client(url, res.json.token),
    token: res.json.token,
    csrf: res.json.csrf_token,
    user: res.json.user,
    res,
  };
}

// A client that authenticates with the session cookie, the way the browser does. It sends
// X-CSRF-Token only when given one.
export class CookieClient extends Client {
  constructor(url, token, csrf) {
    super(url, undefined);
    this.cookie = `xn_session=${token}`;
    this.csrf = csrf;
  }
  request(method, path, body, headers = {}) {
    const h = { cookie: this.cookie, ...headers };
    if (this.csrf) h['x-csrf-token'] = this.csrf;
    return super.request(method, path, body, h);
  }
}

// The number of events in the audit log, as the audit admin sees it.
export async function AuditTotal(auditor) {
  const r = await auditor.get('/api/v1/audit-log?page_size=1');
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

// Finds one item of a list route by a field, reading all pages as a system admin would.
export async function FindOne(client, path, pred) {
  const sep = path.includes('?') ? '&' : '?';
  const r = await client.get(`${path}${sep}page_size=200`);
  assert.equal(r.status, 200, r.text);
  const found = r.json.items.find(pred);
  assert.ok(found, `nothing in ${path} matched`);
  return found;
}

// Ids of the demo city objects the tests use: departments by code key, their windows, users.
export async function DemoIds(admin) {
  const depts = (await admin.get('/api/v1/departments?page_size=200')).json.items;
  const windows = (await admin.get('/api/v1/windows?page_size=200')).json.items;
  const users = (await admin.get('/api/v1/users?page_size=200')).json.items;
  const dept = Object.fromEntries(depts.map((d) => [d.code, d]));
  const user = Object.fromEntries(users.map((u) => [u.username, u]));
  const windowOf = (deptId) => windows.find((w) => w.department_id === deptId);
  return { depts, windows, users, dept, user, windowOf };
}

// Sends raw bytes over one connection and returns the parsed answer { status, headers, json }.
// Used where fetch cannot send what the test needs (a Content-Length larger than the bytes
// actually sent, so the server answers after the headers, with no race against the upload).
export async function RawHttp(url, text) {
  const { connect } = await import('node:net');
  const u = new URL(url);
  const data = await new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    const chunks = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    sock.write(text);
  });
  const split = data.indexOf('\r\n\r\n');
  assert.ok(split > 0, `no HTTP answer: ${JSON.stringify(data)}`);
  const [statusLine, ...lines] = data.slice(0, split).split('\r\n');
  const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  const body = data.slice(split + 4);
  let json;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return { status: Number(statusLine.split(' ')[1]), headers, json, text: body };
}
