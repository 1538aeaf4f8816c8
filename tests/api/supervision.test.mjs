// Electronic supervision on the fake clock (docs/supervision.md): a case one working day before
// its promised deadline gets its ES-08 reminder, and turns red (ES-02) within a second of the
// deadline; a restart raises no duplicate; a case concluded in time gets nothing; a fee outside
// the standard raises ES-07 at once; an unexplained red alert becomes a supervision order, which
// is replied to and verified; an order past its deadline climbs the ladder; rules are data
// (a rule set that does not parse is refused with its line); scope holds.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login } from '../lib/server.mjs';
import { Advance, AssertProblem } from './helpers.mjs';

const kMatter = '350582-SCJG-001';

describe('electronic supervision', () => {
  let server;
  const tokens = {};
  const as = async (user) => (tokens[user] ??= await login(server.url, user));
  // Moves the fake clock; sessions idle past 30 minutes have expired, so everyone logs in again.
  const Move = async (by) => {
    await Advance(server.url, by);
    for (const k of Object.keys(tokens)) delete tokens[k];
  };

  // Moves the clock a minute past the instant MS.
  async function MovePast(ms) {
    const left = Math.max(0, ms - (await Now()));
    const hours = Math.floor(left / 3600000);
    await Move({ hours, minutes: Math.ceil((left - hours * 3600000) / 60000) + 1 });
  }
  async function Submit(name) {
    const r = await (await as('applicant')).post('/api/v1/cases', {
      matter_code: kMatter, applicant_kind: 'enterprise', applicant_code: '91350582MA2XYK123U',
      applicant_name: name,
    });
    assert.equal(r.status, 201, r.text);
    return r.json;
  }
  async function Act(user, id, body) {
    const r = await (await as(user)).post(`/api/v1/cases/${id}/actions`, body);
    assert.equal(r.status, 200, `${user} ${JSON.stringify(body)}: ${r.text}`);
    return r.json;
  }
  async function Alerts(query) {
    const r = await (await as('supervisor')).get(`/api/v1/alerts?page_size=200&${query}`);
    assert.equal(r.status, 200, r.text);
    return r.json.items;
  }
  async function Now() {
    const r = await fetch(`${server.url}/api/v1/clock`);
    return (await r.json()).now_ms;
  }
  // Polls for up to MS real milliseconds until FN returns something truthy.
  async function Within(ms, fn) {
    const start = Date.now();
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() - start > ms) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  let retired;   // the server stopped for the restart test
  let late;      // accepted, left to run late
  let deadline;  // its promised deadline, ms
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    late = await Submit('晋江市迟办测试有限公司');
    const accepted = await Act('clerk.scjg', late.id, { action: 'accept' });
    assert.ok(accepted.promised_deadline, 'the promised clock runs');
    deadline = Date.parse(accepted.promised_deadline);
  });
  after(async () => {
    if (server) await server.stop();
    if (retired) await retired.stop();
  });

  it('reminds one working day before the promised deadline, not earlier (ES-08)', async () => {
    // Jump to six days before the deadline (no reminder can be due yet), then step three hours
    // at a time: the reminder must not come before its moment and must come when it passes.
    const jump = Math.floor((deadline - 6 * 86400 * 1000 - (await Now())) / 3600000);
    if (jump > 0) await Move({ hours: jump });
    assert.equal((await Alerts(`case_id=${late.id}&rule=ES-08`)).length, 0, 'not six days early');
    let reminder;
    for (let i = 0; i < 8 * 6 && !reminder; ++i) {
      const before = await Now();
      await Move({ hours: 3 });
      const found = await Within(300, async () =>
        (await Alerts(`case_id=${late.id}&rule=ES-08`))[0]);
      if (found) {
        reminder = found;
        const moment = Date.parse(reminder.moment);
        assert.ok(moment > before && moment <= before + 3 * 3600 * 1000,
                  'raised when its moment passed, not before');
      }
    }
    assert.ok(reminder, 'the ES-08 reminder came');
    assert.equal(reminder.level, 'reminder');
    const moment = Date.parse(reminder.moment);
    assert.ok(moment < deadline, 'before the deadline');
    assert.ok(deadline - moment <= 5 * 86400 * 1000, 'one working day (at most a long weekend) before');
    assert.match(reminder.explanation, /承诺时限/);
    assert.match(reminder.message, /ES-08/);
    assert.equal((await Alerts(`case_id=${late.id}&rule=ES-02`)).length, 0, 'not red yet');
  });

  it('turns red within a second of the deadline (ES-02), explaining the arithmetic', async () => {
    const now = await Now();
    const hours = Math.ceil((deadline - now) / 3600000);
    if (hours > 1) await Move({ hours: hours - 1 });
    assert.equal((await Alerts(`case_id=${late.id}&rule=ES-02`)).length, 0, 'not before');
    await MovePast(deadline);
    const started = Date.now();
    const red = await Within(1000, async () => (await Alerts(`case_id=${late.id}&rule=ES-02`))[0]);
    assert.ok(red, 'red within a second');
    assert.ok(Date.now() - started <= 1000);
    assert.equal(red.level, 'red');
    assert.equal(Date.parse(red.moment), deadline);
    assert.ok(red.explain_by, 'an explanation is due');
    assert.match(red.explanation, /承诺时限 .* 24:00|承诺时限 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    // The handler and the head of the department were told.
    const inbox = await (await as('head.scjg')).get('/api/v1/notifications?unread=true');
    assert.equal(inbox.status, 200, inbox.text);
    assert.ok(inbox.json.items.some((n) => n.alert_id === red.id), 'the head has it in the inbox');
  });

  it('raises nothing for a case concluded in time', async () => {
    // Handled at a working pace (an hour between steps: a decision minutes after acceptance
    // would itself be suspect, ES-06).
    const done = await Submit('晋江市按时办结测试有限公司');
    await Act('clerk.scjg', done.id, { action: 'accept' });
    await Move({ hours: 1 });
    await Act('handler.scjg', done.id, { action: 'complete_step', step_id: 'review' });
    await Move({ hours: 1 });
    await Act('head.scjg', done.id, { action: 'complete_step', step_id: 'approve' });
    await Move({ hours: 1 });
    await Act('head.scjg', done.id, { action: 'conclude', decision: 'grant' });
    await Act('clerk.scjg', done.id, { action: 'deliver' });
    await Move({ hours: 24 * 30 });
    await new Promise((r) => setTimeout(r, 500));
    const mine = await Alerts(`case_id=${done.id}`);
    assert.deepEqual(mine.map((a) => a.rule_id), [], 'no alert at all');
  });

  it('raises ES-07 at once for a fee outside the standard', async () => {
    const c = await Submit('晋江市收费测试有限公司');
    await Act('clerk.scjg', c.id, { action: 'accept' });
    await Act('handler.scjg', c.id, { action: 'complete_step', step_id: 'review' });
    await Act('head.scjg', c.id, { action: 'complete_step', step_id: 'approve' });
    await Act('head.scjg', c.id, { action: 'conclude', decision: 'grant' });
    await Act('clerk.scjg', c.id, { action: 'collect_fee', fee_item: '加急费', amount_fen: 5000 });
    const fee = await Within(1000, async () => (await Alerts(`case_id=${c.id}&rule=ES-07`))[0]);
    assert.ok(fee, 'ES-07 within a second');
    assert.equal(fee.level, 'red');
    assert.match(fee.message, /加急费/);
  });

  it('turns an unexplained red alert into a supervision order, replied to and verified', async () => {
    const red = (await Alerts(`case_id=${late.id}&rule=ES-02`))[0];
    // Explaining is for the department's own staff.
    const other = await (await as('head.zrzy')).post(`/api/v1/alerts/${red.id}/explain`, { text: '不是我们的' });
    assert.equal(other.status, 404, 'out of scope: not found');
    // Nobody explains; past explain_by the ladder opens an order.
    await MovePast(Date.parse(red.explain_by));
    const order = await Within(1500, async () => {
      const r = await (await as('supervisor')).get(`/api/v1/supervision-orders?case_id=${late.id}`);
      return r.json.items.find((o) => o.alert_id === red.id);
    });
    assert.ok(order, 'an order was opened');
    assert.equal(order.level, 'red');
    assert.equal(order.state, 'open');
    assert.equal((await (await as('supervisor')).get(`/api/v1/alerts/${red.id}`)).json.state, 'ordered');

    const reply = await (await as('head.scjg')).post(`/api/v1/supervision-orders/${order.id}/reply`,
                                                     { text: '已督促承办人当日办结，并说明原因。' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json.state, 'replied');
    AssertProblem(await (await as('head.scjg')).post(`/api/v1/supervision-orders/${order.id}/verify`,
                                                     { accepted: true }), 403);
    const verified = await (await as('supervisor')).post(`/api/v1/supervision-orders/${order.id}/verify`,
                                                         { accepted: true, note: '核实属实' });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.json.state, 'verified');
    assert.equal((await (await as('supervisor')).get(`/api/v1/alerts/${red.id}`)).json.state, 'closed');
  });

  it('escalates an order past its deadline: yellow → red → accountability dossier', async () => {
    const c = await Submit('晋江市督办升级测试有限公司');
    const opened = await (await as('supervisor')).post('/api/v1/supervision-orders', {
      case_id: c.id, reason: '群众反映办理拖延，请核查。', level: 'yellow', deadline_days: 1,
    });
    assert.equal(opened.status, 201, opened.text);
    assert.match(opened.json.order_no, /^DB-\d{8}-\d{4}$/);
    const climb = async (from) => {
      await MovePast(Date.parse(from.deadline));
      return Within(1500, async () => {
        const r = await (await as('supervisor')).get(`/api/v1/supervision-orders?case_id=${c.id}`);
        return r.json.items.find((o) => o.parent_id === from.id);
      });
    };
    const red = await climb(opened.json);
    assert.ok(red, 'escalated to red');
    assert.equal(red.level, 'red');
    const first = await (await as('supervisor')).get(`/api/v1/supervision-orders/${opened.json.id}`);
    assert.equal(first.json.state, 'escalated');
    const dossier = await climb(red);
    assert.ok(dossier, 'escalated to the accountability dossier');
    assert.equal(dossier.level, 'dossier');
  });

  it('lists alerts with filters and refuses bad ones; scope holds', async () => {
    const reds = await Alerts('level=red');
    assert.ok(reds.length > 0 && reds.every((a) => a.level === 'red'));
    AssertProblem(await (await as('supervisor')).get('/api/v1/alerts?level=orange'), 400,
                  'validation.parameter', 'level');
    const head = await (await as('head.zrzy')).get('/api/v1/alerts?page_size=200');
    assert.equal(head.status, 200, head.text);
    assert.ok(head.json.items.every((a) => a.department_name === '晋江市自然资源局'),
              'a department head sees their own department only');
    AssertProblem(await (await as('applicant')).get('/api/v1/alerts'), 403);
    const board = await (await as('supervisor')).get('/api/v1/alerts/board');
    assert.equal(board.status, 200, board.text);
    const scjg = board.json.items.find((d) => d.department_name === '晋江市市场监督管理局');
    assert.ok(scjg && scjg.open_cases > 0 && scjg.red > 0);
    for (const path of ['/api/v1/alerts/export?level=red', '/api/v1/supervision-orders/export']) {
      const x = await fetch(server.url + path, { headers: { authorization: `Bearer ${(await as('supervisor')).token}` } });
      assert.equal(x.status, 200, path);
      assert.match(x.headers.get('content-type'), /spreadsheetml/);
      const bytes = Buffer.from(await x.arrayBuffer());
      assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an .xlsx (zip) file');
    }
    AssertProblem(await (await as('supervisor')).get('/api/v1/alerts/export?level=orange'), 400,
                  'validation.parameter', 'level');
    const stats = await (await as('supervisor')).get('/api/v1/alerts/stats?by=rule&from=2020-01-01&to=2030-12-31');
    assert.equal(stats.status, 200, stats.text);
    const es02 = stats.json.items.find((s) => s.key === 'ES-02');
    assert.ok(es02 && es02.red >= 1);
  });

  it('keeps rules as versioned data and refuses a rule set that does not parse, naming the line', async () => {
    const sup = await as('supervisor');
    const current = await sup.get('/api/v1/rules');
    assert.equal(current.status, 200, current.text);
    assert.ok(current.json.rules.some((r) => r.id === 'ES-08' && r.enabled));
    const bad = await sup.put('/api/v1/rules', { text: current.json.text + '\nrule ES-99\n  name 坏规则\n  levle red\nend\n' });
    AssertProblem(bad, 400);
    assert.match(bad.json.code, /^rules\./);
    assert.match(bad.json.field, /^line \d+$/);
    assert.equal((await sup.get('/api/v1/rules')).json.version, current.json.version, 'nothing saved');
    const tuned = current.json.text.replace(/(rule ES-08[\s\S]*?)enabled\s+yes/, '$1enabled  no');
    assert.notEqual(tuned, current.json.text);
    const saved = await sup.put('/api/v1/rules', { text: tuned, note: '暂停 ES-08' });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.json.version, current.json.version + 1);
    assert.equal(saved.json.rules.find((r) => r.id === 'ES-08').enabled, false);
    const versions = await sup.get('/api/v1/rules/versions');
    assert.equal(versions.json.items[0].note, '暂停 ES-08');
    AssertProblem(await (await as('head.scjg')).put('/api/v1/rules', { text: tuned }), 403);
  });

  it('replays a rule set over the stored history, writing nothing', async () => {
    const sup = await as('supervisor');
    const before = await Alerts('');
    const r = await sup.post('/api/v1/rules/replay', { from: '2020-01-01', to: '2030-12-31' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.events > 0 && r.json.alerts > 0);
    const es07 = r.json.by_rule.find((x) => x.rule_id === 'ES-07');
    assert.ok(es07 && es07.count >= 1, 'the fee outside the standard is found again');
    assert.deepEqual((await Alerts('')).map((a) => a.id), before.map((a) => a.id), 'nothing raised');
    AssertProblem(await sup.post('/api/v1/rules/replay', { from: '2026-13-01', to: '2026-12-01' }),
                  400, 'validation.date', 'from');
    AssertProblem(await sup.post('/api/v1/rules/replay', { from: '2026-01-01', to: '2026-12-01',
                                                            text: 'rule X\n' }), 400);
    AssertProblem(await (await as('head.scjg')).post('/api/v1/rules/replay',
                                                     { from: '2026-01-01', to: '2026-12-01' }), 403);
  });

  it('raises no duplicate after a restart, and catches up on what fell due while down', async () => {
    const before = await Alerts(`case_id=${late.id}`);
    const now = await Now();
    await server.stop({ keep: true });
    retired = server;
    const clockStart = new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 16);
    server = await startServer({ demo: false, fakeClock: true, db: server.dbPath,
                                 extraArgs: ['--clock-start', clockStart] });
    for (const k of Object.keys(tokens)) delete tokens[k];
    await new Promise((r) => setTimeout(r, 1000));
    const after = await Alerts(`case_id=${late.id}`);
    assert.deepEqual(after.map((a) => a.id).sort(), before.map((a) => a.id).sort(),
                     'the same alerts, none twice');
  });
});
