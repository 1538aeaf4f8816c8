// Starts a real xiaoneng server on port 0 with a fresh database, for API and browser tests.
// The server prints "xiaoneng listening on http://HOST:PORT" once it accepts connections.
//
// The backend: a SQLite file in a temporary directory, or, when XN_TEST_POSTGRES holds the URL of
// a PostgreSQL server's maintenance database (scripts/test.sh starts one), a database of its own
// created on that server for each test server and dropped when it stops.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = process.env.XN_BIN || join(root, 'build', 'xiaoneng');
export const demoPassword = 'Xiaoneng@2026demo';
export const postgres = process.env.XN_TEST_POSTGRES || '';
export const backend = postgres ? 'postgresql' : 'sqlite';

let databases = 0;

// A new, empty database: a file path in DIR for SQLite, a postgresql:// URL for PostgreSQL.
export function freshDb(dir, name = 'xiaoneng') {
  if (!postgres) return join(dir, `${name}.db`);
  const db = `xn_${process.pid}_${++databases}_${name.replace(/[^a-z0-9_]/gi, '_')}`.toLowerCase();
  sql(postgres, `CREATE DATABASE "${db}"`);
  return postgres.replace(/\/[^/]*$/, `/${db}`);
}

// Drops a database made by freshDb (a file goes with its directory).
export function dropDb(db) {
  if (!db.startsWith('postgresql://')) return;
  const name = db.replace(/^.*\//, '');
  sql(postgres, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

// Runs one SQL statement on DB with the backend's own client; returns its output, trimmed.
export function sql(db, text) {
  const r = db.startsWith('postgresql://')
    ? spawnSync('psql', [db, '-v', 'ON_ERROR_STOP=1', '-qAtc', text], { encoding: 'utf8' })
    : spawnSync('sqlite3', [db, text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${text}: ${r.stderr}`);
  return r.stdout.trim();
}

// The SQL that reads and sets the schema version, per backend.
export const schemaVersionSql = postgres
  ? { read: 'SELECT version FROM xn_schema', set: (v) => `UPDATE xn_schema SET version = ${v}` }
  : { read: 'PRAGMA user_version', set: (v) => `PRAGMA user_version = ${v}` };

// Options: demo (seed the demo city), fakeClock (serve --fake-clock), db (reuse a file),
// extraArgs. Returns { url, dbPath, dir, stop(), output() }.
export async function startServer({ demo = true, fakeClock = false, db, extraArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xn-test-'));
  const owned = !db;
  const dbPath = db || freshDb(dir);
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
      if (!keep) {
        if (owned) dropDb(dbPath);
        rmSync(dir, { recursive: true, force: true });
      }
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
