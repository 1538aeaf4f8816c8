// Nothing acknowledged is ever lost: applications are sent without pause while the server is
// killed with SIGKILL (no shutdown, no flush); every application that was answered 201 is there
// after a restart on the same database, and the event chain is intact. Runs on each backend.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, binary, backend, login } from '../lib/server.mjs';

const kMatter = '350582-SCJG-001';

// An enterprise credit code with a valid check character (GB 32100-2015), from a number.
function CreditCode(n) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const body = `91350582MA${String(n % 10000000).padStart(7, '0')}`;
  let sum = 0;
  for (let i = 0; i < 17; ++i) sum += chars.indexOf(body[i]) * weights[i];
  return body + chars[(31 - (sum % 31)) % 31];
}

describe(`durability (${backend})`, () => {
  let first;
  let second;
  after(async () => {
    if (second) await second.stop();
    if (first) await first.stop();
  });

  it('keeps every acknowledged application across a SIGKILL during writes', async () => {
    first = await startServer({ demo: true });
    const applicant = await login(first.url, 'applicant');
    const acked = [];
    const unexpected = [];
    let sent = 0;
    const worker = async (w) => {
      for (let i = 0; ; ++i) {
        const n = w * 100000 + i;
        ++sent;
        let r;
        try {
          r = await applicant.post('/api/v1/cases', {
            matter_code: kMatter, applicant_kind: 'enterprise', applicant_code: CreditCode(n),
            applicant_name: `持久性测试企业${n}`,
          });
        } catch {
          return;  // the connection died with the server: this one was never acknowledged
        }
        if (r.status !== 201) {
          unexpected.push(`${r.status} ${r.text}`);
          return;
        }
        acked.push(r.json);
      }
    };
    const workers = [0, 1, 2, 3, 4, 5, 6, 7].map(worker);
    // Kill once a good number of writes has been acknowledged, while more are in flight.
    while (acked.length < 150 && unexpected.length === 0) await new Promise((r) => setTimeout(r, 10));
    // The workers go on sending until the dead server refuses them.
    first.child.kill('SIGKILL');
    await Promise.all(workers);
    await new Promise((r) => first.child.exitCode !== null || first.child.signalCode !== null
      ? r() : first.child.once('exit', r));
    assert.deepEqual(unexpected, [], 'every answer before the kill was 201');
    assert.ok(sent > acked.length, 'the server died while applications were being sent');

    second = await startServer({ demo: false, db: first.dbPath });
    const again = await login(second.url, 'applicant');
    for (const c of acked) {
      const r = await again.get(`/api/v1/cases/${c.id}`);
      assert.equal(r.status, 200, `acknowledged case ${c.case_no} lost: ${r.text}`);
      assert.equal(r.json.case_no, c.case_no);
    }
    await second.stop();
    second = undefined;
    const verify = spawnSync(binary, ['verify', '--db', first.dbPath], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^OK: \d+ events, chain intact/);
    await first.stop();  // drops the database with the first server's directory
    first = undefined;
  });
});
