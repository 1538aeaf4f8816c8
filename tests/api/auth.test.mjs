// Login, sessions and their cookie, the lockout after 5 failures, idle expiry, logout and CSRF.
// Every test that moves the fake clock has its own server, so no other session is aged by it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, demoPassword } from '../lib/server.mjs';
import { Advance, AssertProblem, LoginFull, CookieClient } from './helpers.mjs';

describe('login and the session', () => {
  let server;
  before(async () => { server = await startServer({ demo: true, fakeClock: true }); });
  after(async () => { await server?.stop(); });

  it('returns token, csrf_token and user, and sets an HttpOnly SameSite=Strict cookie', async () => {
    const { res, token, csrf, user } = await LoginFull(server.url, 'clerk.scjg');
    assert.match(token, /^\S{20,}$/);
    assert.match(csrf, /^\S{16,}$/);
    assert.notEqual(token, csrf);
    assert.equal(user.username, 'clerk.scjg');
    assert.equal(user.display_name, '林晓燕');
    assert.equal(user.csrf_token, csrf);
    assert.deepEqual(user.roles.map((r) => r.name), ['clerk']);
    assert.equal(user.scope, 'department');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 1, cookies.join('\n'));
    const parts = cookies[0].split(';').map((p) => p.trim());
    assert.equal(parts[0], `xn_session=${token}`);
    assert.ok(parts.includes('HttpOnly'), cookies[0]);
    assert.ok(parts.includes('SameSite=Strict'), cookies[0]);
    assert.ok(parts.includes('Path=/'), cookies[0]);
  });

  it('GET /me answers the same user with the Bearer token and with the cookie', async () => {
    const { client, token, csrf, user } = await LoginFull(server.url, 'head.zrzy');
    const viaBearer = await client.get('/api/v1/me');
    assert.equal(viaBearer.status, 200, viaBearer.text);
    assert.equal(viaBearer.json.id, user.id);
    assert.equal(viaBearer.json.username, 'head.zrzy');
    assert.equal(viaBearer.json.department.code, '350582-zrzy');
    assert.equal(viaBearer.json.csrf_token, csrf);
    const viaCookie = await new CookieClient(server.url, token).get('/api/v1/me');
    assert.equal(viaCookie.status, 200, viaCookie.text);
    assert.deepEqual(viaCookie.json, viaBearer.json);
  });

  it('without a session, /me answers 401 auth.required', async () => {
    AssertProblem(await new Client(server.url).get('/api/v1/me'), 401, 'auth.required');
    AssertProblem(await new Client(server.url, 'not-a-token').get('/api/v1/me'), 401,
                  'auth.required');
    AssertProblem(await new CookieClient(server.url, 'not-a-token').get('/api/v1/me'), 401,
                  'auth.required');
  });

  it('a wrong password and an unknown user get the same 401 auth.invalid_credentials', async () => {
    const anon = new Client(server.url);
    const wrong = await anon.post('/api/v1/auth/login',
                                  { username: 'clerk.zjj', password: 'Wrong-password-1' });
    AssertProblem(wrong, 401, 'auth.invalid_credentials');
    assert.equal(wrong.headers.getSetCookie().length, 0);
    const unknown = await anon.post('/api/v1/auth/login',
                                    { username: 'nobody.here', password: 'Wrong-password-1' });
    AssertProblem(unknown, 401, 'auth.invalid_credentials');
    assert.deepEqual(unknown.json, wrong.json);
    // The right password still works after a single failure.
    await LoginFull(server.url, 'clerk.zjj');
  });

  it('logout ends the session and clears the cookie', async () => {
    const { client, token } = await LoginFull(server.url, 'handler.scjg');
    const out = await client.post('/api/v1/auth/logout');
    assert.equal(out.status, 204, out.text);
    const cleared = out.headers.getSetCookie();
    assert.equal(cleared.length, 1);
    assert.match(cleared[0], /^xn_session=;/);
    assert.match(cleared[0], /Max-Age=0/);
    AssertProblem(await client.get('/api/v1/me'), 401, 'auth.required');
    AssertProblem(await new CookieClient(server.url, token).get('/api/v1/me'), 401,
                  'auth.required');
  });

  it('logout of one session leaves the user\'s other sessions alone', async () => {
    const first = await LoginFull(server.url, 'handler.zrzy');
    const second = await LoginFull(server.url, 'handler.zrzy');
    assert.equal((await first.client.post('/api/v1/auth/logout')).status, 204);
    assert.equal((await second.client.get('/api/v1/me')).status, 200);
  });
});

describe('lockout after 5 failed logins', () => {
  let server;
  before(async () => { server = await startServer({ demo: true, fakeClock: true }); });
  after(async () => { await server?.stop(); });

  async function FailFiveTimes(username) {
    const anon = new Client(server.url);
    const bad = { username, password: 'Wrong-password-1' };
    for (let i = 1; i <= 4; i++) {
      AssertProblem(await anon.post('/api/v1/auth/login', bad), 401, 'auth.invalid_credentials');
    }
    // The fifth failure locks the account and says so.
    AssertProblem(await anon.post('/api/v1/auth/login', bad), 423, 'auth.locked');
  }

  it('locks the account: even the right password is refused; 30 minutes later it works',
     async () => {
       await FailFiveTimes('clerk.fgj');
       const anon = new Client(server.url);
       const locked = await anon.post('/api/v1/auth/login',
                                      { username: 'clerk.fgj', password: demoPassword });
       AssertProblem(locked, 423, 'auth.locked');
       assert.equal(locked.headers.getSetCookie().length, 0);
       assert.match(locked.json.detail, /锁定/);
       // Other accounts are not affected.
       await LoginFull(server.url, 'clerk.zjj');

       await Advance(server.url, { minutes: 29 });
       AssertProblem(await anon.post('/api/v1/auth/login',
                                     { username: 'clerk.fgj', password: demoPassword }),
                     423, 'auth.locked');
       await Advance(server.url, { minutes: 1 });
       const { user } = await LoginFull(server.url, 'clerk.fgj');
       assert.equal(user.username, 'clerk.fgj');
     });

  it('after the lock expires the failure count starts again from zero', async () => {
    // clerk.fgj was unlocked by time above: one more failure must not lock it again.
    const anon = new Client(server.url);
    AssertProblem(await anon.post('/api/v1/auth/login',
                                  { username: 'clerk.fgj', password: 'Wrong-password-1' }),
                  401, 'auth.invalid_credentials');
    await LoginFull(server.url, 'clerk.fgj');
  });

  it('a system admin can unlock the account before the 30 minutes are over', async () => {
    await FailFiveTimes('head.scjg');
    const admin = (await LoginFull(server.url, 'sysadmin')).client;
    const users = await admin.get('/api/v1/users?q=head.scjg');
    assert.equal(users.status, 200, users.text);
    const target = users.json.items.find((u) => u.username === 'head.scjg');
    assert.ok(target);
    assert.equal(typeof target.locked_until, 'string', 'the user list shows the lock');

    // A clerk may not unlock anyone.
    const clerk = (await LoginFull(server.url, 'clerk.scjg')).client;
    AssertProblem(await clerk.post(`/api/v1/users/${target.id}/unlock`), 403, 'auth.forbidden');
    AssertProblem(await new Client(server.url).post('/api/v1/auth/login',
                                                    { username: 'head.scjg', password: demoPassword }),
                  423, 'auth.locked');

    const unlocked = await admin.post(`/api/v1/users/${target.id}/unlock`);
    assert.equal(unlocked.status, 204, unlocked.text);
    assert.equal((await admin.get(`/api/v1/users/${target.id}`)).json.locked_until, null);
    const { user } = await LoginFull(server.url, 'head.scjg');
    assert.equal(user.id, target.id);
  });
});

describe('idle sessions', () => {
  let server;
  before(async () => { server = await startServer({ demo: true, fakeClock: true }); });
  after(async () => { await server?.stop(); });

  it('activity within 30 minutes keeps the session alive; 31 idle minutes end it', async () => {
    const busy = (await LoginFull(server.url, 'clerk.scjg')).client;
    const idle = await LoginFull(server.url, 'clerk.zrzy');
    const idleCookie = new CookieClient(server.url, idle.token);
    await Advance(server.url, { minutes: 20 });
    assert.equal((await busy.get('/api/v1/me')).status, 200);
    await Advance(server.url, { minutes: 11 });
    // 31 minutes since the idle session's last request; 11 since the busy one's.
    AssertProblem(await idle.client.get('/api/v1/me'), 401, 'auth.session_expired');
    assert.match((await idle.client.get('/api/v1/me')).json.code, /^auth\./);
    AssertProblem(await idleCookie.get('/api/v1/me'), 401);
    await Advance(server.url, { minutes: 9 });
    const alive = await busy.get('/api/v1/me');
    assert.equal(alive.status, 200, '40 minutes after login, 20 after the last request');
  });

  it('exactly 30 idle minutes already end the session', async () => {
    const s = (await LoginFull(server.url, 'handler.scjg')).client;
    await Advance(server.url, { minutes: 30 });
    AssertProblem(await s.get('/api/v1/me'), 401, 'auth.session_expired');
  });

  it('an expired session stays expired and a new login works', async () => {
    const s = (await LoginFull(server.url, 'head.zrzy')).client;
    await Advance(server.url, { hours: 2 });
    AssertProblem(await s.get('/api/v1/me'), 401, 'auth.session_expired');
    AssertProblem(await s.get('/api/v1/me'), 401, 'auth.required');
    const again = (await LoginFull(server.url, 'head.zrzy')).client;
    assert.equal((await again.get('/api/v1/me')).status, 200);
  });
});

describe('CSRF protection of cookie sessions', () => {
  let server;
  let session;
  let deptId;
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    session = await LoginFull(server.url, 'sysadmin');
    const depts = await session.client.get('/api/v1/departments?q=350582-czj');
    deptId = depts.json.items[0].id;
  });
  after(async () => { await server?.stop(); });

  const sections = () => session.client.get(`/api/v1/departments/${deptId}/sections`);

  it('a cookie POST without X-CSRF-Token answers 403 auth.csrf and changes nothing', async () => {
    const before = (await sections()).json;
    const noHeader = new CookieClient(server.url, session.token);
    AssertProblem(await noHeader.post(`/api/v1/departments/${deptId}/sections`, { name: '预算股' }),
                  403, 'auth.csrf');
    const wrongHeader = new CookieClient(server.url, session.token, 'x'.repeat(32));
    AssertProblem(await wrongHeader.post(`/api/v1/departments/${deptId}/sections`,
                                         { name: '预算股' }),
                  403, 'auth.csrf');
    // The other unsafe methods too: PATCH and DELETE.
    AssertProblem(await noHeader.patch(`/api/v1/departments/${deptId}`, { short_name: '改' }),
                  403, 'auth.csrf');
    AssertProblem(await noHeader.delete('/api/v1/calendar/local-days/2025-06-10'), 403,
                  'auth.csrf');
    AssertProblem(await noHeader.post('/api/v1/auth/logout'), 403, 'auth.csrf');
    assert.deepEqual((await sections()).json, before);
    assert.equal((await session.client.get(`/api/v1/departments/${deptId}`)).json.short_name,
                 '财政局');
    // GET needs no token, and the session survived the refused logout.
    assert.equal((await noHeader.get('/api/v1/me')).status, 200);
  });

  it('a cookie POST with the session\'s X-CSRF-Token works', async () => {
    const before = (await sections()).json.total;
    const withHeader = new CookieClient(server.url, session.token, session.csrf);
    const created = await withHeader.post(`/api/v1/departments/${deptId}/sections`,
                                          { name: '国库股' });
    assert.equal(created.status, 201, created.text);
    assert.equal((await sections()).json.total, before + 1);
  });

  it('another session\'s CSRF token does not fit', async () => {
    const other = await LoginFull(server.url, 'sysadmin');
    const mixed = new CookieClient(server.url, session.token, other.csrf);
    AssertProblem(await mixed.post(`/api/v1/departments/${deptId}/sections`, { name: '预算股' }),
                  403, 'auth.csrf');
  });

  it('a Bearer POST needs no CSRF header', async () => {
    const before = (await sections()).json.total;
    const created = await session.client.post(`/api/v1/departments/${deptId}/sections`,
                                              { name: '综合股' });
    assert.equal(created.status, 201, created.text);
    assert.equal((await sections()).json.total, before + 1);
  });

  it('a cookie logout with the header ends the session', async () => {
    const s = await LoginFull(server.url, 'clerk.scjg');
    const c = new CookieClient(server.url, s.token, s.csrf);
    assert.equal((await c.post('/api/v1/auth/logout')).status, 204);
    AssertProblem(await c.get('/api/v1/me'), 401, 'auth.required');
  });
});
