// Appointments (预约办, issue 3 §4): a window's department opens slots (repeated over working
// days by the calendar), the public sees free seats, logged-in applicants book them with no
// double booking even when twenty requests race for the last seat, and bookings are cancelled
// (freeing the seat) or attended. Refused requests change nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login, Client } from '../lib/server.mjs';
import { AssertProblem, DemoIds } from './helpers.mjs';

const kMatter = '350582-SCJG-001';  // 食品经营许可, at the market regulation window

describe('appointments', () => {
  let server;
  let ids;
  let windowId;
  let clerk;
  let applicant;
  const anon = () => new Client(server.url);
  const publicSlots = async (from, to) => {
    const r = await anon().get(`/api/v1/public/windows/${windowId}/slots?from=${from}&to=${to}`);
    assert.equal(r.status, 200, r.text);
    return r.json.items;
  };
  const open = (who, body) => who.post(`/api/v1/windows/${windowId}/slots`, body);
  const book = (who, slotId, extra = {}) => who.post('/api/v1/appointments', {
    slot_id: slotId, matter_code: kMatter, contact_name: '陈先生', contact_phone: '13905951234',
    ...extra,
  });

  before(async () => {
    server = await startServer({ demo: true, fakeClock: true,
                                 extraArgs: ['--clock-start', '2024-02-01T09:00'] });
    ids = await DemoIds(await login(server.url, 'sysadmin'));
    windowId = ids.windowOf(ids.dept['350582-scjg'].id).id;
    clerk = await login(server.url, 'clerk.scjg');
    applicant = await login(server.url, 'applicant');
  });
  after(async () => server && server.stop());

  it('opens a slot on the next working days, skipping the Spring Festival and counting the make-up Sunday', async () => {
    const r = await open(clerk, { starts_at: '2024-02-08T08:00:00+08:00', minutes: 30,
                                  capacity: 2, repeat_days: 3 });
    assert.equal(r.status, 201, r.text);
    // 2024: 10–17 February are the Spring Festival holiday, Sunday 18 February is worked.
    assert.deepEqual(r.json.items.map((s) => s.date),
                     ['2024-02-08', '2024-02-09', '2024-02-18', '2024-02-19']);
    assert.deepEqual(r.json.items.map((s) => s.starts_at.slice(11)),
                     Array(4).fill('08:00:00+08:00'));
    assert.equal(r.json.items[0].ends_at, '2024-02-08T08:30:00+08:00');
    const day = await clerk.get('/api/v1/calendar/days/2024-02-18');
    assert.equal(day.status, 200, day.text);
    assert.match(JSON.stringify(day.json), /makeup/);
    const listed = (await publicSlots('2024-02-08', '2024-02-19'))
      .filter((s) => s.starts_at.endsWith('08:00:00+08:00'));
    assert.equal(listed.length, 4);
    assert.ok(listed.every((s) => s.capacity === 2 && s.free === 2));
  });

  it('lets exactly one of twenty concurrent bookings take the last seat', async () => {
    const opened = await open(clerk, { starts_at: '2024-02-05T08:00:00+08:00', minutes: 30,
                                       capacity: 1 });
    assert.equal(opened.status, 201, opened.text);
    const slotId = opened.json.items[0].id;
    // Twenty different accounts that may book (cases.apply): so a refusal can only be the
    // full slot, never the one-booking-per-person rule.
    const names = ['applicant', 'agent', ...ids.users.map((u) => u.username)
      .filter((n) => n.startsWith('clerk.')).sort()].slice(0, 20);
    assert.equal(names.length, 20);
    const clients = await Promise.all(names.map((n) => login(server.url, n)));
    const answers = await Promise.all(clients.map((c) => book(c, slotId)));
    const won = answers.filter((a) => a.status === 201);
    assert.equal(won.length, 1, answers.map((a) => a.status).join(','));
    for (const a of answers.filter((x) => x.status !== 201)) {
      AssertProblem(a, 409, 'appointments.slot_full', 'slot_id');
    }
    assert.equal(won[0].json.seat, 1);
    const slot = (await publicSlots('2024-02-05', '2024-02-05')).find((s) => s.id === slotId);
    assert.equal(slot.free, 0);
    assert.equal(slot.booked, 1);
  });

  it('cancelling frees the seat for someone else', async () => {
    const opened = await open(clerk, { starts_at: '2024-02-06T08:00:00+08:00', minutes: 30,
                                       capacity: 1 });
    const slotId = opened.json.items[0].id;
    const first = await book(applicant, slotId);
    assert.equal(first.status, 201, first.text);
    const agent = await login(server.url, 'agent');
    AssertProblem(await book(agent, slotId), 409, 'appointments.slot_full');
    const cancelled = await applicant.post(`/api/v1/appointments/${first.json.id}/cancel`,
                                           { reason: '行程有变' });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.json.state, 'cancelled');
    assert.equal(cancelled.json.seat, null);
    let slot = (await publicSlots('2024-02-06', '2024-02-06')).find((s) => s.id === slotId);
    assert.equal(slot.free, 1);
    const second = await book(agent, slotId);
    assert.equal(second.status, 201, second.text);
    assert.equal(second.json.seat, 1);
    slot = (await publicSlots('2024-02-06', '2024-02-06')).find((s) => s.id === slotId);
    assert.equal(slot.free, 0);
    AssertProblem(await applicant.post(`/api/v1/appointments/${first.json.id}/cancel`), 409,
                  'appointments.not_booked');
    // The clerk of the window's department may cancel too; a clerk elsewhere does not see it.
    AssertProblem(await (await login(server.url, 'clerk.zrzy'))
      .post(`/api/v1/appointments/${second.json.id}/cancel`), 404, 'not_found');
    const byClerk = await clerk.post(`/api/v1/appointments/${second.json.id}/cancel`);
    assert.equal(byClerk.status, 200, byClerk.text);
  });

  it('holds one booking per person per slot', async () => {
    const slot = (await publicSlots('2024-02-08', '2024-02-08'))
      .find((s) => s.starts_at === '2024-02-08T08:00:00+08:00');
    const r = await book(applicant, slot.id);
    assert.equal(r.status, 201, r.text);
    AssertProblem(await book(applicant, slot.id), 409, 'appointments.already_booked', 'slot_id');
    const after = (await publicSlots('2024-02-08', '2024-02-08')).find((s) => s.id === slot.id);
    assert.equal(after.free, 1);
  });

  it('lists bookings: the applicant their own, the department its own by date', async () => {
    const mine = await applicant.get('/api/v1/appointments');
    assert.equal(mine.status, 200, mine.text);
    assert.ok(mine.json.items.length >= 2);
    assert.ok(mine.json.items.every((a) => a.booker_user_id === ids.user.applicant.id));
    const day = await clerk.get('/api/v1/appointments?date=2024-02-08');
    assert.equal(day.status, 200, day.text);
    assert.equal(day.json.total, 1);
    assert.equal(day.json.items[0].contact_phone, '13905951234');
    assert.equal(day.json.items[0].window.id, windowId);
    const other = await (await login(server.url, 'clerk.zrzy')).get('/api/v1/appointments?date=2024-02-08');
    assert.equal(other.json.total, 0);
    AssertProblem(await clerk.get('/api/v1/appointments?date=2024-2-8'), 400,
                  'validation.parameter', 'date');
  });

  it('records attendance by a clerk of the department only', async () => {
    const day = await clerk.get('/api/v1/appointments?date=2024-02-08');
    const id = day.json.items[0].id;
    AssertProblem(await applicant.post(`/api/v1/appointments/${id}/attend`), 403,
                  'appointments.role_not_allowed');
    AssertProblem(await (await login(server.url, 'head.scjg')).post(`/api/v1/appointments/${id}/attend`),
                  403, 'appointments.role_not_allowed');
    const r = await clerk.post(`/api/v1/appointments/${id}/attend`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'attended');
    AssertProblem(await applicant.post(`/api/v1/appointments/${id}/cancel`), 409,
                  'appointments.not_booked');
  });

  it('lets only the window department open slots', async () => {
    const body = { starts_at: '2024-02-07T08:00:00+08:00', minutes: 30 };
    AssertProblem(await open(await login(server.url, 'clerk.zrzy'), body), 404, 'not_found');
    AssertProblem(await open(await login(server.url, 'head.zrzy'), body), 404, 'not_found');
    AssertProblem(await open(applicant, body), 403, 'appointments.role_not_allowed');
    AssertProblem(await anon().post(`/api/v1/windows/${windowId}/slots`, body), 401);
    const head = await open(await login(server.url, 'head.scjg'), body);
    assert.equal(head.status, 201, head.text);
    AssertProblem(await open(clerk, { ...body, starts_at: '2024-02-07T08:15:00+08:00' }), 409,
                  'appointments.slot_overlap', 'starts_at');
    AssertProblem(await anon().get('/api/v1/public/windows/999999/slots'), 404, 'not_found');
  });

  it('refuses bad input with the field at fault and changes nothing', async () => {
    const before = await publicSlots('2024-02-01', '2024-03-01');
    const mineBefore = (await applicant.get('/api/v1/appointments')).json.total;
    const cases = [
      [{ minutes: 30 }, 'validation.required', 'starts_at'],
      [{ starts_at: '2024-02-07T09:00:00', minutes: 30 }, 'validation.datetime', 'starts_at'],
      [{ starts_at: '2024-02-30T09:00:00+08:00', minutes: 30 }, 'validation.datetime', 'starts_at'],
      [{ starts_at: '2024-02-07T13:00:00+08:00', minutes: 5 }, 'validation.range', 'minutes'],
      [{ starts_at: '2024-02-07T13:00:00+08:00', minutes: 300 }, 'validation.range', 'minutes'],
      [{ starts_at: '2024-02-07T13:00:00+08:00', minutes: 30, capacity: 0 }, 'validation.range', 'capacity'],
      [{ starts_at: '2024-02-07T13:00:00+08:00', minutes: 30, capacity: 21 }, 'validation.range', 'capacity'],
      [{ starts_at: '2024-02-07T13:00:00+08:00', minutes: '30' }, 'validation.type', 'minutes'],
      [{ starts_at: '2024-02-07T13:00:00+08:00', minutes: 30, seats: 2 }, 'request.unknown_field', 'seats'],
      [{ starts_at: '2024-02-10T09:00:00+08:00', minutes: 30 }, 'appointments.not_working_day', 'starts_at'],
      [{ starts_at: '2024-01-31T09:00:00+08:00', minutes: 30 }, 'appointments.slot_in_past', 'starts_at'],
      [{ starts_at: '2024-02-07T23:00:00+08:00', minutes: 120 }, 'appointments.crosses_midnight', 'minutes'],
    ];
    for (const [body, code, field] of cases) {
      AssertProblem(await open(clerk, body), 400, code, field);
    }
    const slot = before.find((s) => s.free > 0);
    const bookings = [
      [{ contact_phone: '12345' }, 'validation.phone', 'contact_phone'],
      [{ contact_name: '' }, 'validation.required', 'contact_name'],
      [{ matter_code: '350582-ZRZY-001' }, 'appointments.matter_not_at_window', 'matter_code'],
      [{ matter_code: 'NOPE' }, 'appointments.matter_not_at_window', 'matter_code'],
      [{ slot_id: 999999 }, 'appointments.unknown_slot', 'slot_id'],
      [{ slot_id: 'x' }, 'validation.type', 'slot_id'],
      [{ note: 'hi' }, 'request.unknown_field', 'note'],
    ];
    for (const [extra, code, field] of bookings) {
      AssertProblem(await book(applicant, slot.id, extra), 400, code, field);
    }
    AssertProblem(await anon().get(`/api/v1/public/windows/${windowId}/slots?from=2024-02-09&to=2024-02-01`),
                  400, 'validation.parameter', 'to');
    assert.deepEqual(await publicSlots('2024-02-01', '2024-03-01'), before);
    assert.equal((await applicant.get('/api/v1/appointments')).json.total, mineBefore);
  });

  it('shows only future slots and refuses a slot that has begun', async () => {
    const opened = await open(clerk, { starts_at: '2024-02-01T10:00:00+08:00', minutes: 30 });
    assert.equal(opened.status, 201, opened.text);
    const slotId = opened.json.items[0].id;
    assert.ok((await publicSlots('2024-02-01', '2024-02-01')).some((s) => s.id === slotId));
    const moved = await anon().post('/api/v1/clock/advance', { hours: 2 });
    assert.equal(moved.status, 200, moved.text);
    assert.ok(!(await publicSlots('2024-02-01', '2024-02-01')).some((s) => s.id === slotId));
    // Sessions idle for two hours have ended: log in again.
    applicant = await login(server.url, 'applicant');
    AssertProblem(await book(applicant, slotId), 409, 'appointments.slot_past', 'slot_id');
  });

  it('lists the active windows publicly, for the portal', async () => {
    const r = await fetch(`${server.url}/api/v1/public/windows?page_size=200`);
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.ok(body.total >= 18, `only ${body.total} windows`);
    assert.ok(body.items.every((w) => w.active === true && w.department_name));
  });
});
