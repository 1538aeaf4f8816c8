// Several server processes against one PostgreSQL database serve the same data: a session made
// on one is good on the other, what one writes the other reads at once, writes from both at the
// same time form one intact event chain. Exactly one process is the leader (it will run the
// supervision engine's timers); when it is killed, another takes over within seconds.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, binary, postgres, Client } from '../lib/server.mjs';
import { LoginFull } from "../api/helpers.mjs";

async function Leader(server) {
  const r = await fetch(`${server.url}/healthz`);
  assert.equal(r.status, 200);
  return (await r.json()).leader;
}

// Polls until PRED holds, for at most MS milliseconds; returns how long it took.
async function Within(ms, pred) {
  const start = Date.now();
  for (;;) {
    if (await pred()) return Date.now() - start;
    if (Date.now() - start > ms) assert.fail(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('several processes against one PostgreSQL', () => {
  let a;
  let b;
  let c;
  before(async () => {
    assert.ok(postgres, 'these tests need PostgreSQL: set XN_TEST_POSTGRES (scripts/test.sh does)');
    a = await startServer({ demo: true });
    b = await startServer({ demo: false, db: a.dbPath });
  });
  after(async () => {
    for (const s of [c, b, a]) if (s) await s.stop();
  });

  it('shares sessions and data: written on one, read on the other at once', async () => {
    const { token } = await LoginFull(a.url, 'sysadmin');
    const onB = new Client(b.url, token);
    const me = await onB.get('/api/v1/me');
    assert.equal(me.status, 200, 'a session made on A is good on B: ' + me.text);
    assert.equal(me.json.username, 'sysadmin');

    const onA = new Client(a.url, token);
    const made = await onA.post('/api/v1/calendar/local-days',
                                { date: '2026-12-30', kind: 'holiday', name: '两进程测试日' });
    assert.equal(made.status, 201, made.text);
    const list = await onB.get('/api/v1/calendar/local-days');
    assert.equal(list.status, 200, list.text);
    const items = list.json.items ?? list.json;
    assert.ok(items.some((d) => d.date === '2026-12-30'), 'B reads what A wrote');

    const out = await onB.post('/api/v1/auth/logout');
    assert.ok(out.status === 200 || out.status === 204, out.text);
    // A follows B's events within its feed's poll (200 ms).
    await Within(1000, async () => (await onA.get('/api/v1/me')).status === 401);
  });

  it('appends one intact event chain from writes on both at the same time', async () => {
    const { token } = await LoginFull(a.url, 'sysadmin');
    const clients = [new Client(a.url, token), new Client(b.url, token)];
    const writes = [];
    for (let i = 0; i < 40; ++i) {
      writes.push(clients[i % 2].post('/api/v1/users', {
        username: `proc.user${i}`, display_name: `进程${i}`, password: 'Two-processes-2026',
      }));
    }
    const answers = await Promise.all(writes);
    const created = answers.filter((r) => r.status === 201).length;
    assert.equal(created, 40, answers.map((r) => `${r.status} ${r.text}`).join('\n'));
    const verify = spawnSync(binary, ['verify', '--db', a.dbPath], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^OK: \d+ events, chain intact/);
  });

  it('has exactly one leader, and another takes over within seconds when it is killed', async () => {
    await Within(5000, async () => (await Leader(a)) !== (await Leader(b)));
    const [leader, follower] = (await Leader(a)) ? [a, b] : [b, a];
    // A third process joins as a follower.
    c = await startServer({ demo: false, db: a.dbPath });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await Leader(c), false, 'a newcomer does not take leadership from a live leader');
    assert.equal(await Leader(leader), true);

    leader.child.kill('SIGKILL');
    await new Promise((r) => leader.child.once('exit', r));
    const took = await Within(5000, async () => (await Leader(follower)) || (await Leader(c)));
    const leaders = [await Leader(follower), await Leader(c)].filter(Boolean).length;
    assert.equal(leaders, 1, 'exactly one of the survivors leads');
    assert.ok(took < 5000, `took over in ${took} ms`);
  });
});
