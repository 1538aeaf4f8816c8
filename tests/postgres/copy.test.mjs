// `xiaoneng copy` (issue 5): an embedded deployment moved to PostgreSQL. A demo city on a SQLite
// file, with some activity, is copied into an empty PostgreSQL database; the copy reports the
// source's chain head, a server on PostgreSQL then answers as the SQLite one did, a second copy
// into the filled target is refused and changes nothing, and a source with an altered event is
// refused before anything is written.
//
// Needs both backends: XN_TEST_POSTGRES names a PostgreSQL server (scripts/test.sh starts one).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binary, postgres, freshDb, dropDb, sql, login, Client }
  from '../lib/server.mjs';

const kClockStart = '2026-03-02T09:00';
const kPdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 1, 0x7f, 0x80, 0xfe, 0xff]),
                            Buffer.from('\ntrailer <<>>\n%%EOF\n')]);

function Run(args) {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.error, undefined, String(r.error));
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Every table of the public schema with its row count, as "table rows" lines.
function PgCounts(url) {
  const tables = sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    .split('\n').filter(Boolean);
  return tables.map((t) => `${t} ${sql(url, `SELECT count(*) FROM "${t}"`)}`).join('\n');
}

// The answers compared between the two servers, read as the system admin (users), the
// efficiency office (cases and matters, all departments) and the clerk (one case).
async function Answers(url, caseId) {
  const sys = await login(url, 'sysadmin');
  const supervisor = await login(url, 'supervisor');
  const clerk = await login(url, 'clerk.scjg');
  const get = async (client, path) => {
    const r = await client.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json;
  };
  const material = (await get(clerk, `/api/v1/cases/${caseId}/materials`)).items[0];
  const content = await fetch(`${url}/api/v1/cases/${caseId}/materials/${material.id}/content`,
                              { headers: { authorization: `Bearer ${clerk.token}` } });
  assert.equal(content.status, 200);
  return {
    cases: await get(supervisor, '/api/v1/cases?page_size=20'),
    matters: await get(supervisor, '/api/v1/matters?page_size=200'),
    users: await get(sys, '/api/v1/users?page_size=200'),
    case: await get(clerk, `/api/v1/cases/${caseId}`),
    caseEvents: await get(clerk, `/api/v1/cases/${caseId}/events?page_size=200`),
    materials: await get(clerk, `/api/v1/cases/${caseId}/materials`),
    content: Buffer.from(await content.arrayBuffer()),
  };
}

if (!postgres) {
  describe('copy (sqlite → postgresql)', () => {
    it('needs PostgreSQL', () => {
      assert.fail('PostgreSQL is required for the copy test: set XN_TEST_POSTGRES to the URL of a ' +
                  "PostgreSQL server's maintenance database (scripts/test.sh starts one and sets it)");
    });
  });
} else {
  describe('copy (sqlite → postgresql)', () => {
    let dir;
    let source;       // the SQLite file
    let target;       // the PostgreSQL URL
    let caseId;       // the case accepted on the SQLite server
    let token;        // a session issued by the SQLite server
    let before_;      // the SQLite server's answers
    let head;         // the source's chain head, as verify prints it
    let events;       // the source's event count
    const extra = [];  // other PostgreSQL databases to drop

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'xn-copy-'));
      source = join(dir, 'x.db');
      const server = await startServer({ demo: true, fakeClock: true, db: source,
                                         extraArgs: ['--clock-start', kClockStart] });
      try {
        // Some activity: an application with a binary material, accepted by the clerk; a failed
        // login.
        const applicant = await login(server.url, 'applicant');
        const created = await applicant.post('/api/v1/cases', {
          matter_code: '350582-SCJG-001', applicant_kind: 'enterprise',
          applicant_code: '91350582MA2XYK123U', applicant_name: '晋江市恒达鞋业有限公司' });
        assert.equal(created.status, 201, created.text);
        caseId = created.json.id;
        const name = encodeURIComponent('营业执照');
        const up = await fetch(`${server.url}/api/v1/materials?case_id=${caseId}&name=${name}`,
                               { method: 'POST', body: kPdf,
                                 headers: { authorization: `Bearer ${applicant.token}`,
                                            'content-type': 'application/pdf' } });
        assert.equal(up.status, 201, await up.text());
        const clerk = await login(server.url, 'clerk.scjg');
        token = clerk.token;
        const accepted = await clerk.post(`/api/v1/cases/${caseId}/actions`, { action: 'accept' });
        assert.equal(accepted.status, 200, accepted.text);
        const bad = await new Client(server.url).post('/api/v1/auth/login',
                                                      { username: 'leader', password: 'not-the-password-1' });
        assert.equal(bad.status, 401);
        before_ = await Answers(server.url, caseId);
      } finally {
        await server.stop();
      }
      const v = Run(['verify', '--db', source]);
      assert.equal(v.code, 0, v.out + v.err);
      const m = v.out.match(/^OK: (\d+) events, chain intact, head ([0-9a-f]{64})$/m);
      assert.ok(m, v.out);
      events = Number(m[1]);
      head = m[2];
      target = freshDb(dir, 'copy_target');
    });

    after(() => {
      if (target) dropDb(target);
      for (const db of extra) dropDb(db);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('copies into an empty database: every table, the counts, and the source chain head', () => {
      const r = Run(['copy', '--from', `sqlite:${source}`, '--to', target]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, new RegExp(`^OK: ${events} events, chain intact, head ${head}$`, 'm'));
      const tables = ['events', 'regions', 'users', 'sessions', 'cases', 'materials', 'case_materials'];
      for (const table of tables) {
        assert.match(r.out, new RegExp(`^copying ${table} \\.\\.\\. \\d+ rows?$`, 'm'), table);
        const count = sql(source, `SELECT count(*) FROM ${table}`);
        assert.match(r.out, new RegExp(`^  ${table} +${count} +${count}$`, 'm'), table);
        assert.equal(sql(target, `SELECT count(*) FROM ${table}`), count, table);
      }
      assert.doesNotMatch(r.out, /sqlite_/, 'SQLite internal tables are not copied');
      // The events arrived as they were: seq, hashes and all.
      const last = "SELECT encode(hash, 'hex') FROM events ORDER BY seq DESC LIMIT 1";
      assert.equal(sql(target, last), head);
      assert.equal(sql(target, 'SELECT max(seq) FROM events'), String(events));
      const v = Run(['verify', '--db', target]);
      assert.equal(v.code, 0, v.out + v.err);
      assert.match(v.out, new RegExp(`^OK: ${events} events, chain intact, head ${head}$`, 'm'));
    });

    it('refuses to copy again into the filled target, exit 2, and changes nothing', () => {
      const counts = PgCounts(target);
      const r = Run(['copy', '--from', source, '--to', target]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /target is not empty: table \w+ has [1-9]\d* rows/);
      assert.doesNotMatch(r.out, /^OK/m);
      assert.equal(PgCounts(target), counts);
    });

    it('serves the same answers from PostgreSQL, takes the old session and new logins', async () => {
      const server = await startServer({ demo: false, fakeClock: true, db: target,
                                         extraArgs: ['--clock-start', kClockStart] });
      try {
        const after_ = await Answers(server.url, caseId);
        for (const key of ['cases', 'matters', 'users', 'case', 'caseEvents', 'materials']) {
          assert.deepEqual(after_[key], before_[key], key);
        }
        assert.ok(before_.cases.items.length > 0 && before_.users.total > 10);
        assert.ok(before_.caseEvents.items.some((e) => e.kind === 'case.accepted'));
        assert.deepEqual(after_.content, kPdf, 'the material bytes, zero bytes included');

        // The clerk's session, issued by the SQLite server, is still good.
        const me = await new Client(server.url, token).get('/api/v1/me');
        assert.equal(me.status, 200, me.text);
        assert.equal(me.json.username, 'clerk.scjg');

        // New rows get new ids: the identity sequences moved past the copied ones.
        const maxUser = Number(sql(target, 'SELECT max(id) FROM users'));
        const sys = await login(server.url, 'sysadmin');
        const u = await sys.post('/api/v1/users', { username: 'copy.user', display_name: '迁移后',
                                                    password: 'After-copy-2026' });
        assert.equal(u.status, 201, u.text);
        assert.equal(u.json.id, maxUser + 1);
        const applicant = await login(server.url, 'applicant');
        const c = await applicant.post('/api/v1/cases', {
          matter_code: '350582-SCJG-001', applicant_kind: 'enterprise',
          applicant_code: '91350582MA2XYK123U', applicant_name: '晋江市恒达鞋业有限公司' });
        assert.equal(c.status, 201, c.text);
        assert.ok(c.json.id > caseId);
      } finally {
        await server.stop();
      }
      // The chain continued on PostgreSQL from the copied head.
      const v = Run(['verify', '--db', target]);
      assert.equal(v.code, 0, v.out + v.err);
      assert.ok(Number(v.out.match(/^OK: (\d+) events/m)[1]) > events, v.out);
    });

    it('refuses a source whose chain is broken, naming the event, and writes nothing', () => {
      const tampered = join(dir, 'tampered.db');
      sql(source, `VACUUM INTO '${tampered}'`);
      sql(tampered, "UPDATE events SET data = replace(data, 'a', 'b') WHERE seq = 3");
      const empty = freshDb(dir, 'copy_tampered');
      extra.push(empty);
      const r = Run(['copy', '--from', tampered, '--to', empty]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /event 3\b/);
      assert.match(r.err, /nothing copied/);
      assert.doesNotMatch(r.out, /^OK/m);
      assert.equal(PgCounts(empty), '', 'the target was not even migrated');
    });

    it('refuses a source that is not a SQLite file and a target that is not PostgreSQL', () => {
      const secret = target.replace('postgresql://xn@', 'postgresql://xn:hunter2-secret@');
      let r = Run(['copy', '--from', secret, '--to', target]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /--from must be a SQLite file/);
      assert.doesNotMatch(r.out + r.err, /hunter2-secret/, 'the password is never printed');
      r = Run(['copy', '--from', source, '--to', join(dir, 'other.db')]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /--to must be a postgresql:\/\/ URL/);
      r = Run(['copy', '--from', join(dir, 'missing.db'), '--to', target]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /no SQLite file/);
    });
  });
}
