// Starts a real xiaoneng server on port 0 with a fresh SQLite file, for API and browser tests.
// The server prints "xiaoneng listening on http://HOST:PORT" once it accepts connections.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = process.env.XN_BIN || join(root, 'build', 'xiaoneng');
export const demoPassword = 'Xiaoneng@2026demo';

// Options: demo (seed the demo city), fakeClock (serve --fake-clock), db (reuse a file),
// extraArgs. Returns { url, dbPath, dir, stop(), output() }.
export async function startServer({ demo = true, fakeClock = false, db, extraArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xn-test-'));
  const dbPath = db || join(dir, 'xiaoneng.db');
  const args = ['serve', '--db', dbPath, '--bind', '127.0.0.1', '--port', '0'];
  if (demo) args.push('--demo');
  if (fakeClock) args.push('--fake-clock');
  args.push(...extraArgs);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('server did not start:\n' + out)), 30000);
    const onData = (chunk) => {
      out += chunk.toString();
      const m = out.match(/xiaoneng listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => { out += c.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited ${code}:\n${out}`)); });
  });
  return {
    url, dbPath, dir, child,
    output: () => out,
    async stop({ keep = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A small JSON client that keeps a bearer token.
export class Client {
  constructor(url, token) { this.url = url; this.token = token; }
  async request(method, path, body, headers = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload;
    if (body !== undefined) {
      h['content-type'] = 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(this.url + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, headers: res.headers, json, text };
  }
  get(p, h) { return this.request('GET', p, undefined, h); }
  post(p, b, h) { return this.request('POST', p, b, h); }
  patch(p, b, h) { return this.request('PATCH', p, b, h); }
  put(p, b, h) { return this.request('PUT', p, b, h); }
  delete(p, h) { return this.request('DELETE', p, undefined, h); }
}

export async function login(url, username, password = demoPassword) {
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/login', { username, password });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return new Client(url, r.json.token);
}
