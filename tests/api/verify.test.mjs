// The command line around the database: `verify` walks the event hash chain and names an altered
// event; `user add` creates the first admin with the password read from standard input;
// `migrate` reports the schema version and refuses a database from a newer version.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binary, backend, Client, freshDb, dropDb, sql, schemaVersionSql } from '../lib/server.mjs';
import { LoginFull } from './helpers.mjs';

function Run(args, input) {
  const r = spawnSync(binary, args, { input: input ?? '', encoding: 'utf8', timeout: 30000 });
  assert.equal(r.error, undefined, String(r.error));
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const Sql = sql;

describe(`command line (${backend})`, () => {
  let dir;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'xn-cli-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  describe('verify', () => {
    let server;
    let db;
    let tampered;  // the verify output after the change
    before(async () => {
      server = await startServer({ demo: true, fakeClock: true });
      db = server.dbPath;
      // Some activity: logins, a failure, a new account, a grant, a local day.
      const sys = (await LoginFull(server.url, 'sysadmin')).client;
      const sec = (await LoginFull(server.url, 'secadmin')).client;
      await new Client(server.url).post('/api/v1/auth/login', { username: 'sysadmin', password: 'not-it-at-all' });
      const u = await sys.post('/api/v1/users', { username: 'chain.user', display_name: '链', password: 'Chain-pass-2026' });
      assert.equal(u.status, 201, u.text);
      assert.equal((await sec.put(`/api/v1/users/${u.json.id}/roles`, { roles: ['clerk'] })).status, 200);
      assert.equal((await sys.post('/api/v1/calendar/local-days',
                                   { date: '2025-06-10', kind: 'holiday', name: '链日' })).status, 201);
      await server.stop({ keep: true });
    });
    after(() => {
      if (server) {
        dropDb(db);
        rmSync(server.dir, { recursive: true, force: true });
      }
    });

    it('an untouched database verifies: exit 0 and OK', () => {
      const r = Run(['verify', '--db', db]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /^OK: \d+ events, chain intact/);
      const events = Number(Sql(db, 'SELECT count(*) FROM events'));
      assert.ok(events > 20);
      assert.match(r.out, new RegExp(`^OK: ${events} events`));
    });

    it('one changed byte in event 3 fails verify, which names event 3', async () => {
      const before = Sql(db, 'SELECT data FROM events WHERE seq = 3');
      assert.match(before, /a/, 'event 3 has an "a" to change');
      Sql(db, "UPDATE events SET data = replace(data, 'a', 'b') WHERE seq = 3");
      assert.notEqual(Sql(db, 'SELECT data FROM events WHERE seq = 3'), before);
      const r = Run(['verify', '--db', db]);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, /ALTERED: event 3\b/);
      assert.doesNotMatch(r.out, /^OK/);
      tampered = r.out;

      // The audit admin sees the same through the API.
      const again = await startServer({ demo: false, fakeClock: true, db });
      try {
        const audit = (await LoginFull(again.url, 'auditadmin')).client;
        const v = await audit.get('/api/v1/audit-log/verify');
        assert.equal(v.status, 200, v.text);
        assert.equal(v.json.ok, false);
        assert.equal(v.json.first_bad_seq, 3);
      } finally {
        await again.stop();
      }
    });
    it('says how many events were checked before the altered one',
       () => {
         assert.match(tampered, /ALTERED: event 3: .*\(2 events checked before it\)/);
       });
  });

  describe('user add', () => {
    it('creates a user from the password on standard input, who can then log in', async () => {
      const db = freshDb(dir, 'first');
      const r = Run(['user', 'add', '--db', db, '--username', 'rootadmin', '--role', 'system-admin',
                     '--display-name', '首任管理员'], 'First-admin-2026\n');
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /user rootadmin created \(id \d+, role system-admin\)/);
      assert.doesNotMatch(r.out + r.err, /First-admin-2026/, 'the password is never echoed');
      const server = await startServer({ demo: false, fakeClock: true, db });
      try {
        const { user } = await LoginFull(server.url, 'rootadmin', 'First-admin-2026');
        assert.equal(user.display_name, '首任管理员');
        assert.deepEqual(user.roles.map((x) => x.name), ['system-admin']);
        assert.equal(user.scope, 'all');
        const bad = await new Client(server.url).post('/api/v1/auth/login',
                                                      { username: 'rootadmin', password: 'First-admin-2027' });
        assert.equal(bad.status, 401);
      } finally {
        await server.stop();
      }
    });

    it('refuses a weak password with exit code 2 and creates nothing', () => {
      const db = freshDb(dir, 'weak');
      for (const password of ['short-1', 'abcdefghijklmn', 'weakadmin-2026-x']) {
        const r = Run(['user', 'add', '--db', db, '--username', 'weakadmin', '--role', 'system-admin'],
                      `${password}\n`);
        assert.equal(r.code, 2, `${password}: ${r.out}${r.err}`);
        assert.match(r.err, /^error: /);
      }
      const none = Run(['user', 'add', '--db', db, '--username', 'weakadmin', '--role', 'system-admin']);
      assert.equal(none.code, 2, 'no password on stdin');
      const ok = Run(['user', 'add', '--db', db, '--username', 'weakadmin', '--role', 'system-admin'],
                     'Strong-enough-2026\n');
      assert.equal(ok.code, 0, 'the refused attempts left no account behind: ' + ok.err);
    });

    it('refuses a bad username, an unknown role and a duplicate with exit code 2', () => {
      const db = freshDb(dir, 'refuse');
      const add = (username, role) => Run(['user', 'add', '--db', db, '--username', username, '--role', role],
                                          'Valid-pass-2026\n');
      assert.equal(add('x', 'system-admin').code, 2, 'username under 3 characters');
      assert.equal(add('okadmin', 'no-such-role').code, 2);
      assert.equal(add('okadmin', 'system-admin').code, 0);
      assert.equal(add('okadmin', 'system-admin').code, 2, 'duplicate');
    });
  });

  describe('migrate', () => {
    it('prints the schema version', () => {
      const db = freshDb(dir, 'migrate');
      const r = Run(['migrate', '--db', db]);
      assert.equal(r.code, 0, r.out + r.err);
      const m = r.out.match(/schema version (\d+)/);
      assert.ok(m, r.out);
      assert.equal(Number(Sql(db, schemaVersionSql.read)), Number(m[1]));
      // Migrating again is a no-op with the same answer.
      const again = Run(['migrate', '--db', db]);
      assert.equal(again.code, 0);
      assert.equal(again.out, r.out);
    });

    it('refuses a database from a newer version (user_version 999)', async () => {
      const db = freshDb(dir, 'future');
      assert.equal(Run(['migrate', '--db', db]).code, 0);
      Sql(db, schemaVersionSql.set(999));
      const r = Run(['migrate', '--db', db]);
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.err, /schema version 999/);
      assert.match(r.err, /newer/);
      assert.equal(Sql(db, schemaVersionSql.read), '999', 'left as it was');
      assert.notEqual(Run(['verify', '--db', db]).code, 0);
      await assert.rejects(startServer({ demo: false, db }), /999/);
    });
  });
});
