// `xiaoneng supervise replay` on the demo city's history: a new rule's count matches a hand count
// made with SQL over the same events, per department too; the stored rule set in force is used
// when no file is given; nothing is written.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, binary, backend, dropDb, sql } from '../lib/server.mjs';

function Run(args) {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.error, undefined, String(r.error));
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// A second and later completed step of a case submitted at the window: the case's facts
// (channel from case.submitted, steps_done folded from the steps) at each event.
const kRule = `rule T-REPLAY
  name     窗口收件办件的第二个及以后环节
  basis    回放测试
  level    reminder
  target   case
  on       case.step_completed
  when     case.steps_done >= 2 and case.channel = "window"
  message  {rule} {name}：办件 {case_no}
end
`;

// The same count by hand, in SQL both backends speak.
const kHandCount = `
  FROM events e JOIN events s ON s.subject = e.subject AND s.kind = 'case.submitted'
  WHERE e.kind = 'case.step_completed'
    AND json_extract(s.data, '$.channel') = 'window'
    AND (SELECT COUNT(*) FROM events p
         WHERE p.subject = e.subject AND p.kind = 'case.step_completed' AND p.seq <= e.seq) >= 2`;

describe(`supervise replay (${backend})`, () => {
  let server;
  let db;
  let rulesFile;
  before(async () => {
    server = await startServer({ demo: true });
    db = server.dbPath;
    await server.stop({ keep: true });
    rulesFile = join(server.dir, 'replay.rules');
    writeFileSync(rulesFile, kRule);
  });
  after(() => {
    if (server) {
      dropDb(db);
      rmSync(server.dir, { recursive: true, force: true });
    }
  });

  it('counts a new rule as a hand count over the events does, per department too', () => {
    const events = Number(sql(db, 'SELECT COUNT(*) FROM events'));
    const alerts = Number(sql(db, 'SELECT COUNT(*) FROM alerts'));
    const head = Number(sql(db, 'SELECT MAX(seq) FROM events'));

    const r = Run(['supervise', 'replay', '--db', db, '--from', '2020-01-01', '--to', '2030-01-01',
                   '--json', '--rules', rulesFile]);
    assert.equal(r.code, 0, r.out + r.err);
    const report = JSON.parse(r.out);

    const hand = Number(sql(db, `SELECT COUNT(*) ${kHandCount}`));
    assert.ok(hand > 10, `the demo history has second steps of window cases (${hand})`);
    assert.equal(report.alerts, hand);
    assert.deepEqual(report.by_rule.map((x) => [x.rule_id, x.count]), [['T-REPLAY', hand]]);
    assert.equal(report.by_rule[0].rule_name, '窗口收件办件的第二个及以后环节');

    const rows = sql(db, `SELECT json_extract(s.data, '$.department_id'), COUNT(*) ${kHandCount}
                          GROUP BY json_extract(s.data, '$.department_id')`);
    const byDepartment = new Map(rows.split('\n').filter(Boolean).map((line) => {
      const [d, n] = line.split('|');
      return [Number(d), Number(n)];
    }));
    assert.deepEqual(new Map(report.by_department.map((x) => [x.department_id, x.count])),
                     byDepartment);
    for (const x of report.by_department) {
      assert.equal(x.department_name,
                   sql(db, `SELECT name FROM departments WHERE id = ${x.department_id}`));
    }
    assert.equal(report.by_rule_department.reduce((n, x) => n + x.count, 0), hand);

    assert.equal(report.events, events);
    assert.equal(report.events_in_window, events);
    assert.equal(report.head_seq, head);
    assert.deepEqual(report.not_replayed, []);
    assert.deepEqual(report.rules, { source: 'file', file: rulesFile });

    // Nothing written.
    assert.equal(Number(sql(db, 'SELECT COUNT(*) FROM events')), events);
    assert.equal(Number(sql(db, 'SELECT MAX(seq) FROM events')), head);
    assert.equal(Number(sql(db, 'SELECT COUNT(*) FROM alerts')), alerts);
  });

  it('a window before the history counts nothing, but the events are still read', () => {
    const r = Run(['supervise', 'replay', '--db', db, '--from', '2020-01-01', '--to', '2020-12-31',
                   '--json', '--rules', rulesFile]);
    assert.equal(r.code, 0, r.out + r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.alerts, 0);
    assert.equal(report.events_in_window, 0);
    assert.equal(report.events, Number(sql(db, 'SELECT COUNT(*) FROM events')));
  });

  it('without --rules, replays the stored set in force and lists what it cannot replay', () => {
    const version = Number(sql(db, 'SELECT MAX(version) FROM rule_sets'));
    const r = Run(['supervise', 'replay', '--db', db, '--from', '2020-01-01', '--to', '2030-01-01',
                   '--json']);
    assert.equal(r.code, 0, r.out + r.err);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.rules, { source: 'stored', version });
    assert.ok(report.by_rule.some((x) => x.rule_id === 'ES-02'));
    assert.deepEqual(report.not_replayed.map((x) => x.rule_id), ['ES-03']);
    assert.equal(report.by_rule.reduce((n, x) => n + x.count, 0), report.alerts);

    const table = Run(['supervise', 'replay', '--db', db, '--from', '2020-01-01', '--to',
                       '2030-01-01']);
    assert.equal(table.code, 0, table.out + table.err);
    assert.match(table.out, new RegExp(`^rule set: stored version ${version}$`, 'm'));
    assert.match(table.out, new RegExp(`^alerts: ${report.alerts}\\b`, 'm'));
    assert.match(table.out, /^not replayed$/m);
  });

  it('refuses bad dates and a rule set that does not parse with exit code 2', () => {
    const bad = Run(['supervise', 'replay', '--db', db, '--from', '2026-02-30',
                     '--to', '2026-03-01']);
    assert.equal(bad.code, 2, bad.out + bad.err);
    const reversed = Run(['supervise', 'replay', '--db', db, '--from', '2026-03-02', '--to',
                          '2026-03-01']);
    assert.equal(reversed.code, 2, reversed.out + reversed.err);
    const broken = join(server.dir, 'broken.rules');
    writeFileSync(broken, 'rule X-1\n  name 坏\nend\n');
    const r = Run(['supervise', 'replay', '--db', db, '--from', '2026-01-01', '--to', '2026-12-31',
                   '--rules', broken]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /line 1/);
  });
});
