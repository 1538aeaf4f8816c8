// The ladder's notifications reach an SMS gateway through the webhook (`serve --webhook-url`):
// one JSON POST per notification, and a gateway that fails is retried until it takes it — a
// notification once committed is never lost. The gateway here is a fake (a local HTTP server).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, login } from '../lib/server.mjs';

describe('webhook to an SMS gateway', () => {
  let gateway;
  let server;
  const received = [];
  let failFirst = 2;  // the gateway is down for its first two requests

  before(async () => {
    gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        if (failFirst > 0) {
          --failFirst;
          res.writeHead(503).end('busy');
          return;
        }
        received.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise((r) => gateway.listen(0, '127.0.0.1', r));
    const port = gateway.address().port;
    server = await startServer({ demo: true, fakeClock: true,
                                 extraArgs: ['--webhook-url', `http://127.0.0.1:${port}/sms/send`] });
  });
  after(async () => {
    if (server) await server.stop();
    if (gateway) gateway.close();
  });

  it('refuses a webhook URL it cannot use, saying so', async () => {
    await assert.rejects(startServer({ demo: false, extraArgs: ['--webhook-url', 'ftp://x/y'] }),
                         /webhook-url/);
  });

  it('delivers an alert to the gateway, after retrying while it fails', async () => {
    const as = (u) => login(server.url, u);
    const applicant = await as('applicant');
    const c = await applicant.post('/api/v1/cases', {
      matter_code: '350582-SCJG-001', applicant_kind: 'enterprise',
      applicant_code: '91350582MA2XYK123U', applicant_name: '晋江市短信测试有限公司',
    });
    assert.equal(c.status, 201, c.text);
    const act = async (u, body) => {
      const r = await (await as(u)).post(`/api/v1/cases/${c.json.id}/actions`, body);
      assert.equal(r.status, 200, r.text);
    };
    await act('clerk.scjg', { action: 'accept' });
    await act('handler.scjg', { action: 'complete_step', step_id: 'review' });
    await act('head.scjg', { action: 'complete_step', step_id: 'approve' });
    await act('head.scjg', { action: 'conclude', decision: 'grant' });
    await act('clerk.scjg', { action: 'collect_fee', fee_item: '加急费', amount_fen: 8800 });
    // ES-07 is raised at once; its notifications go out, the first attempts refused.
    const start = Date.now();
    let fee;
    while (Date.now() - start < 15000 && !fee) {
      fee = received.find((m) => m.body.rule_id === 'ES-07' && m.body.case_id === c.json.id);
      if (!fee) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(fee, 'the ES-07 notification reached the gateway');
    assert.equal(failFirst, 0, 'the gateway refused twice before');
    assert.equal(fee.path, '/sms/send');
    assert.match(fee.type, /application\/json/);
    assert.equal(fee.body.kind, 'alert');
    assert.equal(fee.body.level, 'red');
    assert.match(fee.body.title, /ES-07|收费|红牌/);
    assert.ok(fee.body.user_id > 0 && fee.body.notification_id > 0);
    // Each notification is delivered once.
    const ids = received.map((m) => m.body.notification_id);
    assert.equal(new Set(ids).size, ids.length);
  });
});
