// The working-day calendar over HTTP: day kinds, adding working days, counting them, the years and
// their notices, and local days that the system admin adds and removes without a restart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { AssertProblem, LoginFull } from './helpers.mjs';

describe('the working-day calendar', () => {
  let server;
  let sys, clerk;
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    sys = (await LoginFull(server.url, 'sysadmin')).client;
    clerk = (await LoginFull(server.url, 'clerk.scjg')).client;
  });
  after(async () => { await server?.stop(); });

  const day = async (date, client = clerk) => {
    const r = await client.get(`/api/v1/calendar/days/${date}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const addWorkdays = async (start, n, client = clerk) => {
    const r = await client.get(`/api/v1/calendar/add-workdays?start=${start}&n=${n}`);
    assert.equal(r.status, 200, r.text);
    return r.json.date;
  };

  it('2024-02-04 is a 春节 make-up workday; the holiday itself is not', async () => {
    const d = await day('2024-02-04');
    assert.equal(d.date, '2024-02-04');
    assert.equal(d.kind, 'makeup-workday');
    assert.match(d.name, /春节/);
    assert.equal(d.local, false);
    const h = await day('2024-02-12');
    assert.equal(h.kind, 'holiday');
    assert.match(h.name, /春节/);
    assert.equal((await day('2024-02-07')).kind, 'workday');
    assert.equal((await day('2024-02-24')).kind, 'weekend');
  });

  it('add-workdays 2024-02-08 n=3 crosses 春节 and lands on 2024-02-19', async () => {
    const r = await clerk.get('/api/v1/calendar/add-workdays?start=2024-02-08&n=3');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.start, '2024-02-08');
    assert.equal(r.json.n, 3);
    assert.equal(r.json.date, '2024-02-19');
    assert.equal(r.json.provisional, false);
    assert.equal(await addWorkdays('2024-02-08', 1), '2024-02-09');
    assert.equal(await addWorkdays('2024-02-08', 2), '2024-02-18', 'the Sunday make-up workday counts');
    assert.equal(await addWorkdays('2024-09-30', 1), '2024-10-08', 'over 国庆');
  });

  it('between counts the working days, the start excluded and the end included', async () => {
    const r = await clerk.get('/api/v1/calendar/between?from=2024-02-08&to=2024-02-19');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { from: '2024-02-08', to: '2024-02-19', working_days: 3, provisional: false });
    const week = await clerk.get('/api/v1/calendar/between?from=2024-03-01&to=2024-03-08');
    assert.equal(week.json.working_days, 5);
  });

  it('the years list covers 2008 to 2026, each with its notice', async () => {
    const r = await clerk.get('/api/v1/calendar/years?page_size=200');
    assert.equal(r.status, 200, r.text);
    const years = new Map(r.json.items.map((y) => [y.year, y]));
    for (let y = 2008; y <= 2026; y++) {
      const info = years.get(y);
      assert.ok(info, `year ${y} missing`);
      assert.match(info.notice, /国务院办公厅/, `notice of ${y}`);
      assert.equal(info.provisional, false, `${y}`);
      assert.equal(typeof info.notice_detail.title, 'string');
    }
    const y2024 = await clerk.get('/api/v1/calendar/years/2024');
    assert.equal(y2024.status, 200, y2024.text);
    assert.ok(y2024.json.days.some((d) => d.date === '2024-02-04' && d.kind === 'makeup-workday'));
    assert.ok(y2024.json.days.some((d) => d.date === '2024-02-10' && d.kind === 'holiday'));
  });

  it('a local holiday on a working day changes the answers at once, and DELETE restores them',
     async () => {
       // 2025-06-10 is a Tuesday and a working day.
       assert.equal((await day('2025-06-10')).kind, 'workday');
       assert.equal(await addWorkdays('2025-06-09', 1), '2025-06-10');
       const before = (await clerk.get('/api/v1/calendar/between?from=2025-06-09&to=2025-06-13')).json;
       assert.equal(before.working_days, 4);

       const added = await sys.post('/api/v1/calendar/local-days',
                                    { date: '2025-06-10', kind: 'holiday', name: '地方节日', reason: '测试' });
       assert.equal(added.status, 201, added.text);
       assert.deepEqual(added.json, { date: '2025-06-10', kind: 'holiday', name: '地方节日', reason: '测试' });
       const d = await day('2025-06-10');
       assert.equal(d.kind, 'holiday');
       assert.equal(d.local, true);
       assert.equal(d.name, '地方节日');
       assert.equal(await addWorkdays('2025-06-09', 1), '2025-06-11');
       assert.equal((await clerk.get('/api/v1/calendar/between?from=2025-06-09&to=2025-06-13')).json
                        .working_days, 3);
       const y = (await clerk.get('/api/v1/calendar/years/2025')).json;
       assert.ok(y.days.some((x) => x.date === '2025-06-10' && x.kind === 'local-holiday'));
       const list = (await clerk.get('/api/v1/calendar/local-days')).json;
       assert.deepEqual(list.items, [{ date: '2025-06-10', kind: 'holiday', name: '地方节日', reason: '测试' }]);
       AssertProblem(await sys.post('/api/v1/calendar/local-days',
                                    { date: '2025-06-10', kind: 'holiday', name: '再来' }),
                     409, 'calendar.duplicate_day', 'date');

       const removed = await sys.delete('/api/v1/calendar/local-days/2025-06-10');
       assert.equal(removed.status, 204, removed.text);
       assert.equal((await day('2025-06-10')).kind, 'workday');
       assert.equal(await addWorkdays('2025-06-09', 1), '2025-06-10');
       assert.deepEqual((await clerk.get('/api/v1/calendar/local-days')).json, { items: [], total: 0 });
       AssertProblem(await sys.delete('/api/v1/calendar/local-days/2025-06-10'), 404);
     });

  it('a local workday on a weekend counts at once', async () => {
    // 2025-06-14 is a Saturday.
    assert.equal(await addWorkdays('2025-06-13', 1), '2025-06-16');
    const added = await sys.post('/api/v1/calendar/local-days',
                                 { date: '2025-06-14', kind: 'workday', name: '临时上班' });
    assert.equal(added.status, 201, added.text);
    assert.equal(await addWorkdays('2025-06-13', 1), '2025-06-14');
    assert.equal((await sys.delete('/api/v1/calendar/local-days/2025-06-14')).status, 204);
    assert.equal(await addWorkdays('2025-06-13', 1), '2025-06-16');
  });

  it('local days that change nothing are refused', async () => {
    AssertProblem(await sys.post('/api/v1/calendar/local-days',
                                 { date: '2025-06-14', kind: 'holiday', name: '周六放假' }),
                  400, 'calendar.not_a_working_day', 'date');
    AssertProblem(await sys.post('/api/v1/calendar/local-days',
                                 { date: '2025-06-10', kind: 'workday', name: '周二上班' }),
                  400, 'calendar.already_working_day', 'date');
    AssertProblem(await sys.post('/api/v1/calendar/local-days',
                                 { date: '2025-06-10', kind: 'vacation', name: '放假' }),
                  400, 'validation.enum', 'kind');
  });

  it('a clerk cannot add or remove local days', async () => {
    AssertProblem(await clerk.post('/api/v1/calendar/local-days',
                                   { date: '2025-06-10', kind: 'holiday', name: '窗口自定' }),
                  403, 'auth.forbidden');
    AssertProblem(await clerk.delete('/api/v1/calendar/local-days/2025-06-10'), 403, 'auth.forbidden');
    AssertProblem(await clerk.post('/api/v1/calendar/reload'), 403, 'auth.forbidden');
    assert.equal((await day('2025-06-10')).kind, 'workday');
  });

  it('a reload keeps the answers', async () => {
    const r = await sys.post('/api/v1/calendar/reload');
    assert.equal(r.status, 204, r.text);
    assert.equal(await addWorkdays('2024-02-08', 3), '2024-02-19');
  });

  it('a malformed date answers 400 validation.date naming the parameter', async () => {
    for (const bad of ['2024-13-01', '2024-02-30', '2024-2-4', '20240204', 'tomorrow']) {
      AssertProblem(await clerk.get(`/api/v1/calendar/days/${bad}`), 400, 'validation.date', 'date');
      AssertProblem(await clerk.get(`/api/v1/calendar/add-workdays?start=${bad}&n=1`), 400,
                    'validation.date', 'start');
      AssertProblem(await clerk.get(`/api/v1/calendar/between?from=2024-01-01&to=${bad}`), 400,
                    'validation.date', 'to');
      AssertProblem(await sys.post('/api/v1/calendar/local-days', { date: bad, kind: 'holiday', name: '坏日' }),
                    400, 'validation.date', 'date');
    }
    AssertProblem(await clerk.get('/api/v1/calendar/add-workdays?n=1'), 400, 'validation.required', 'start');
    AssertProblem(await clerk.get('/api/v1/calendar/add-workdays?start=2024-02-08&n=three'), 400,
                  'validation.parameter', 'n');
    AssertProblem(await clerk.get('/api/v1/calendar/add-workdays?start=2024-02-08'), 400,
                  'validation.parameter', 'n');
    assert.deepEqual((await clerk.get('/api/v1/calendar/local-days')).json, { items: [], total: 0 });
  });

  it('a year without calendar data is an error, not a guess', async () => {
    const r = await clerk.get('/api/v1/calendar/days/1999-05-01');
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
  });
});
