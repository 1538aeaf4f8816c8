// Approval cases over HTTP (issue 3): a joint-handling matter with a BPMN flow, applied for,
// accepted, paused by a correction request across the Spring Festival, resubmitted, reviewed by
// two departments in parallel, approved, granted and delivered. Every deadline is checked
// against the calendar's own answer; actions by the wrong person or out of order are refused
// and change nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, login, Client } from '../lib/server.mjs';

const bpmn = readFileSync(new URL('./fixtures/joint_review.bpmn', import.meta.url), 'utf8');
const kMatter = '350582-ZRZY-901';

// The end of DATE (24:00 Asia/Shanghai) as the API writes it.
function EndOf(date) {
  const d = new Date(`${date}T00:00:00+08:00`);
  d.setUTCDate(d.getUTCDate() + 1);
  const next = new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  return `${next}T00:00:00+08:00`;
}

describe('an approval case from application to delivery', () => {
  let server;
  let id;
  let caseNo;
  let queryCode;
  const as = async (user) => login(server.url, user);
  const act = async (user, body) => (await as(user)).post(`/api/v1/cases/${id}/actions`, body);
  const advance = async (hours) => {
    const r = await new Client(server.url).post('/api/v1/clock/advance', { hours });
    assert.equal(r.status, 200, r.text);
  };
  const calendar = async (path) => {
    const r = await (await as('clerk.zrzy')).get(`/api/v1/calendar/${path}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const get = async (user = 'clerk.zrzy') => {
    const r = await (await as(user)).get(`/api/v1/cases/${id}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const eventCount = async () =>
    (await (await as('clerk.zrzy')).get(`/api/v1/cases/${id}/events?page_size=200`)).json.total;
  // A refused action answers a problem and changes neither the case nor its record.
  const refused = async (user, body, status, code) => {
    const before = await get();
    const events = await eventCount();
    const r = await act(user, body);
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.code, code, r.text);
    assert.match(r.headers.get('content-type'), /application\/problem\+json/);
    const afterCase = await get();
    assert.equal(afterCase.version, before.version);
    assert.equal(afterCase.state, before.state);
    assert.equal(await eventCount(), events);
    return r;
  };

  before(async () => {
    server = await startServer({ demo: true, fakeClock: true,
                                 extraArgs: ['--clock-start', '2024-02-01T09:00'] });
    const head = await as('head.zrzy');
    const me = (await head.get('/api/v1/me')).json;
    const created = await head.post('/api/v1/matters', {
      code: kMatter, name: '建设工程规划许可（联合审查）', category: 'licensing',
      legal_basis: '《中华人民共和国城乡规划法》第四十条', department_id: me.department.id,
      statutory: { value: 20, unit: 'working_days' }, promised: { value: 10, unit: 'working_days' },
      materials: [{ name: '建设工程设计方案', required: true }], flow_bpmn: bpmn,
      note: '联合审查流程',
    });
    assert.equal(created.status, 201, created.text);
    const published = await head.post(`/api/v1/matters/${created.json.id}/publish`);
    assert.equal(published.status, 200, published.text);
  });
  after(async () => server && server.stop());

  it('refuses an application with a wrong check character', async () => {
    const r = await (await as('applicant')).post('/api/v1/cases', {
      matter_code: kMatter, applicant_kind: 'enterprise', applicant_code: '91350582MA2XYK123V',
      applicant_name: '晋江市恒达鞋业有限公司',
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.code, 'validation.applicant_code');
    assert.equal(r.json.field, 'applicant_code');
  });

  it('takes an online application and numbers it', async () => {
    const r = await (await as('applicant')).post('/api/v1/cases', {
      matter_code: kMatter, applicant_kind: 'enterprise', applicant_code: '91350582MA2XYK123U',
      applicant_name: '晋江市恒达鞋业有限公司', contact_phone: '13805951234',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.state, 'submitted');
    assert.match(r.json.case_no, /^350582-ZRZY-90120240201\d{4}$/);
    assert.match(r.json.query_code, /^\d{6}$/);
    ({ id, case_no: caseNo, query_code: queryCode } = r.json);
  });

  it('lets only a clerk of the department accept it, and starts both clocks', async () => {
    await refused('handler.zrzy', { action: 'accept' }, 403, 'case.role_not_allowed');
    await refused('clerk.scjg', { action: 'accept' }, 404, 'not_found');
    const r = await act('clerk.zrzy', { action: 'accept' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'in_progress');
    const statutory = (await calendar('add-workdays?start=2024-02-01&n=20')).date;
    const promised = (await calendar('add-workdays?start=2024-02-01&n=10')).date;
    assert.equal(r.json.statutory_deadline, EndOf(statutory));
    assert.equal(r.json.promised_deadline, EndOf(promised));
    // Joint handling: both departments review at once; the housing bureau's step has its own limit.
    const steps = Object.fromEntries(r.json.active_steps.map((s) => [s.id, s]));
    assert.deepEqual(Object.keys(steps).sort(), ['Review_zjj', 'Review_zrzy']);
    const stepDue = (await calendar('add-workdays?start=2024-02-01&n=5')).date;
    assert.equal(steps.Review_zjj.deadline, EndOf(stepDue));
  });

  it('pauses both clocks for one complete correction request across the holiday', async () => {
    await advance(24 * 6);  // 2024-02-07 09:00
    await refused('handler.zrzy', { action: 'request_correction' }, 400, 'validation.required');
    const r = await act('handler.zrzy', { action: 'request_correction',
                                          items: ['建设工程设计方案（盖章版）', '土地权属证明'] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'correction_pending');
    assert.equal(r.json.statutory_deadline, null);
    assert.deepEqual(r.json.correction_items, ['建设工程设计方案（盖章版）', '土地权属证明']);
    await refused('head.zrzy', { action: 'complete_step', step_id: 'Approve_1' }, 409,
                  'case.not_allowed_now');
  });

  it('resumes with the working days that remained', async () => {
    await advance(24 * 12);  // 2024-02-19 09:00, after the Spring Festival
    const r = await act('applicant', { action: 'resubmit' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'in_progress');
    const remaining = (await calendar('between?from=2024-02-07&to=2024-03-05')).working_days;
    assert.equal(remaining, 15);
    const due = (await calendar(`add-workdays?start=2024-02-19&n=${remaining}`)).date;
    assert.equal(r.json.statutory_deadline, EndOf(due));
    assert.equal(due, '2024-03-11');
  });

  it('takes the two parallel reviews from their own departments, then the approval', async () => {
    await refused('handler.zrzy', { action: 'complete_step', step_id: 'Review_zjj' }, 403,
                  'case.not_your_step');
    await refused('head.zrzy', { action: 'complete_step', step_id: 'Approve_1' }, 409,
                  'case.step_not_active');
    // The housing bureau acts on its own step of the lead department's case (joint handling).
    let r = await act('handler.zjj', { action: 'complete_step', step_id: 'Review_zjj',
                                       opinion: '施工条件符合要求' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.active_steps.map((s) => s.id), ['Review_zrzy']);
    r = await act('handler.zrzy', { action: 'complete_step', step_id: 'Review_zrzy',
                                    opinion: '符合规划条件' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.active_steps.map((s) => s.id), ['Approve_1']);
  });

  it('grants with reasons required for a refusal, delivers, and keeps the whole record', async () => {
    let r = await act('head.zrzy', { action: 'complete_step', step_id: 'Approve_1', opinion: '同意' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'awaiting_decision');
    await refused('head.zrzy', { action: 'conclude', decision: 'refuse' }, 400, 'validation.required');
    await refused('clerk.zrzy', { action: 'deliver' }, 409, 'case.not_allowed_now');
    r = await act('head.zrzy', { action: 'conclude', decision: 'grant' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'concluded');
    r = await act('clerk.zrzy', { action: 'deliver', reason: '窗口领取' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'delivered');
    await refused('clerk.zrzy', { action: 'deliver' }, 409, 'case.not_allowed_now');
    const events = (await (await as('clerk.zrzy')).get(`/api/v1/cases/${id}/events?page_size=50`)).json;
    assert.deepEqual(events.items.map((e) => e.kind), [
      'case.submitted', 'case.accepted', 'case.correction_requested', 'case.resubmitted',
      'case.step_completed', 'case.step_completed', 'case.step_completed', 'case.concluded',
      'case.delivered']);
  });

  it('explains the deadline day by day: 20 counted working days, the holiday paused', async () => {
    const r = await (await as('head.zrzy')).get(`/api/v1/cases/${id}/deadline`);
    assert.equal(r.status, 200, r.text);
    const s = r.json.statutory;
    assert.equal(s.days.filter((d) => d.counted).length, 20);
    const last = s.days[s.days.length - 1];
    assert.equal(last.date, '2024-03-11');
    assert.equal(last.ordinal, 20);
    const festival = s.days.find((d) => d.date === '2024-02-12');
    assert.equal(festival.kind, 'holiday');
    assert.equal(festival.name, '春节');
    assert.equal(festival.paused, true);
    assert.equal(festival.counted, false);
    const makeup = s.days.find((d) => d.date === '2024-02-04');
    assert.equal(makeup.kind, 'makeup-workday');
    assert.equal(makeup.counted, true);
    assert.ok(s.notes.some((n) => n.includes('暂停')));
  });

  it('answers the public status query without personal data', async () => {
    const anyone = new Client(server.url);
    let r = await anyone.get(`/api/v1/public/cases/${caseNo}?query_code=000000`);
    assert.equal(r.status, 404);
    r = await anyone.get(`/api/v1/public/cases/${caseNo}?query_code=${queryCode}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'delivered');
    for (const secret of ['恒达', '91350582MA2XYK123U', '13805951234', 'applicant']) {
      assert.ok(!r.text.includes(secret), `public answer leaks ${secret}`);
    }
    r = await anyone.get('/api/v1/public/matters?q=联合审查');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, 1);
  });

  it('keeps the case out of other departments\' sight', async () => {
    const r = await (await as('clerk.scjg')).get(`/api/v1/cases/${id}`);
    assert.equal(r.status, 404);
    const list = await (await as('clerk.scjg')).get(`/api/v1/cases?q=${caseNo}`);
    assert.equal(list.json.total, 0);
    const mine = await (await as('applicant')).get(`/api/v1/cases?q=${caseNo}`);
    assert.equal(mine.json.total, 1);
  });
});
