// Separation of the three admin duties (三员分立): the system admin keeps accounts, the security
// admin grants roles, the audit admin reads the audit log, and none of them does another's work.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';
import { AssertProblem, LoginFull } from './helpers.mjs';

const kNewPassword = 'Duty-test-pass-2026';

describe('三员分立: separated admin duties', () => {
  let server;
  let sys, sec, audit, clerk;
  let created;  // the account the system admin creates
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    // One failed login first, so the audit log has one to show.
    const bad = await new Client(server.url).post('/api/v1/auth/login',
                                                   { username: 'clerk.zjj', password: 'nope-nope-nope' });
    assert.equal(bad.status, 401);
    sys = (await LoginFull(server.url, 'sysadmin')).client;
    sec = (await LoginFull(server.url, 'secadmin')).client;
    audit = (await LoginFull(server.url, 'auditadmin')).client;
    clerk = (await LoginFull(server.url, 'clerk.scjg')).client;
  });
  after(async () => { await server?.stop(); });

  it('the system admin creates users, with no roles', async () => {
    const r = await sys.post('/api/v1/users', {
      username: 'duty.newbie', display_name: '新同事', password: kNewPassword,
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.username, 'duty.newbie');
    assert.deepEqual(r.json.roles, []);
    created = r.json;
  });

  it('the system admin cannot grant roles, not even to the new account', async () => {
    AssertProblem(await sys.put(`/api/v1/users/${created.id}/roles`, { roles: ['clerk'] }), 403,
                  'auth.forbidden');
    AssertProblem(await sys.post('/api/v1/roles', {
      name: 'sys-made', title: '系统自建', scope: 'own', permissions: ['org.read'],
    }), 403, 'auth.forbidden');
    AssertProblem(await sys.get('/api/v1/roles'), 403, 'auth.forbidden');
    assert.deepEqual((await sys.get(`/api/v1/users/${created.id}`)).json.roles, []);
  });

  it('the system admin cannot read the audit log', async () => {
    AssertProblem(await sys.get('/api/v1/audit-log'), 403, 'auth.forbidden');
    AssertProblem(await sys.get('/api/v1/audit-log/verify'), 403, 'auth.forbidden');
  });

  it('the security admin grants roles and creates custom roles', async () => {
    const granted = await sec.put(`/api/v1/users/${created.id}/roles`, { roles: ['clerk'] });
    assert.equal(granted.status, 200, granted.text);
    assert.deepEqual(granted.json.roles.map((r) => r.name), ['clerk']);
    const role = await sec.post('/api/v1/roles', {
      name: 'calendar-reader', title: '日历查看', scope: 'own', permissions: ['calendar.read'],
    });
    assert.equal(role.status, 201, role.text);
    assert.equal(role.json.builtin, false);
    assert.equal(role.json.duty, 'business');
    const roles = await sec.get('/api/v1/roles?page_size=200');
    assert.ok(roles.json.items.some((r) => r.name === 'calendar-reader'));
  });

  it('the security admin cannot create users, change them, or read the audit log', async () => {
    const before = (await sys.get('/api/v1/users')).json.total;
    AssertProblem(await sec.post('/api/v1/users', {
      username: 'sec.made', display_name: '安全自建', password: kNewPassword,
    }), 403, 'auth.forbidden');
    AssertProblem(await sec.patch(`/api/v1/users/${created.id}`, { active: false }), 403,
                  'auth.forbidden');
    AssertProblem(await sec.post(`/api/v1/users/${created.id}/password`,
                                 { password: 'Another-pass-2026' }), 403, 'auth.forbidden');
    AssertProblem(await sec.get('/api/v1/audit-log'), 403, 'auth.forbidden');
    assert.equal((await sys.get('/api/v1/users')).json.total, before);
  });

  it('no one grants roles to themselves', async () => {
    const me = (await sec.get('/api/v1/me')).json;
    AssertProblem(await sec.put(`/api/v1/users/${me.id}/roles`,
                                { roles: ['security-admin', 'system-admin'] }),
                  409, 'identity.self_grant');
  });

  it('one account cannot hold two admin duties, nor an admin duty and a business role',
     async () => {
       for (const roles of [['system-admin', 'audit-admin'], ['system-admin', 'security-admin'],
                            ['security-admin', 'audit-admin'], ['system-admin', 'clerk'],
                            ['audit-admin', 'supervisor']]) {
         AssertProblem(await sec.put(`/api/v1/users/${created.id}/roles`, { roles }), 400,
                       'identity.duty_conflict', 'roles');
       }
       assert.deepEqual((await sec.get(`/api/v1/users/${created.id}`)).json.roles.map((r) => r.name),
                        ['clerk']);
       // A custom role may not mix the duties' permissions either.
       AssertProblem(await sec.post('/api/v1/roles', {
         name: 'mixed-up', title: '混合', scope: 'all', permissions: ['users.write', 'audit.read'],
       }), 400, 'identity.duty_conflict', 'permissions');
     });

  it('the audit admin reads the audit log with logins, failures, accounts and grants', async () => {
    const r = await audit.get('/api/v1/audit-log?page_size=200');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.total > 0);
    const kinds = new Set(r.json.items.map((e) => e.kind));
    for (const k of ['auth.login_succeeded', 'auth.login_failed', 'user.created',
                     'user.roles_granted', 'role.created']) {
      assert.ok(kinds.has(k), `${k} missing; kinds: ${[...kinds].join(', ')}`);
    }
    const sysId = (await sys.get('/api/v1/me')).json.id;
    const secId = (await sec.get('/api/v1/me')).json.id;
    const newUser = r.json.items.find((e) => e.kind === 'user.created' &&
                                             e.subject === `user:${created.id}`);
    assert.ok(newUser, 'the creation of the new account');
    assert.equal(newUser.actor, `user:${sysId}`);
    const grant = r.json.items.find((e) => e.kind === 'user.roles_granted' &&
                                           e.subject === `user:${created.id}`);
    assert.ok(grant, 'the grant to the new account');
    assert.equal(grant.actor, `user:${secId}`);
    // Newest first.
    const seqs = r.json.items.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    // The kind filter is a prefix.
    const failed = await audit.get('/api/v1/audit-log?kind=auth.login_failed');
    assert.ok(failed.json.total >= 1);
    assert.ok(failed.json.items.every((e) => e.kind === 'auth.login_failed'));
  });

  it('the audit log records denied accesses', async () => {
    const denied = await audit.get('/api/v1/audit-log?kind=access.denied&page_size=200');
    assert.equal(denied.status, 200, denied.text);
    assert.ok(denied.json.items.some((e) => e.subject === '/api/v1/audit-log' ||
                                            e.subject === 'route:/api/v1/audit-log'),
              JSON.stringify(denied.json.items.map((e) => e.subject)));
  });

  it('the audit admin can do nothing else', async () => {
    for (const path of ['/api/v1/users', '/api/v1/departments', '/api/v1/roles',
                        '/api/v1/windows', '/api/v1/regions']) {
      AssertProblem(await audit.get(path), 403, 'auth.forbidden');
    }
    AssertProblem(await audit.post('/api/v1/users', {
      username: 'audit.made', display_name: '审计自建', password: kNewPassword,
    }), 403, 'auth.forbidden');
    AssertProblem(await audit.put(`/api/v1/users/${created.id}/roles`, { roles: ['leader'] }), 403,
                  'auth.forbidden');
    AssertProblem(await audit.post('/api/v1/calendar/local-days',
                                   { date: '2025-06-10', kind: 'holiday', name: '审计假' }),
                  403, 'auth.forbidden');
    const verify = await audit.get('/api/v1/audit-log/verify');
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.json.ok, true);
  });

  it('a clerk has no access to the admin routes', async () => {
    const me = (await clerk.get('/api/v1/me')).json;
    const attempts = [
      ['POST', '/api/v1/users', { username: 'clerk.made', display_name: '窗口自建', password: kNewPassword }],
      ['PATCH', `/api/v1/users/${me.id}`, { display_name: '改名' }],
      ['POST', `/api/v1/users/${me.id}/password`, { password: 'Clerk-pass-20260' }],
      ['POST', `/api/v1/users/${me.id}/unlock`, undefined],
      ['PUT', `/api/v1/users/${me.id}/roles`, { roles: ['leader'] }],
      ['GET', '/api/v1/roles', undefined],
      ['GET', '/api/v1/permissions', undefined],
      ['POST', '/api/v1/roles', { name: 'clerk-made', title: '自建', scope: 'all', permissions: ['org.read'] }],
      ['GET', '/api/v1/audit-log', undefined],
      ['GET', '/api/v1/audit-log/verify', undefined],
      ['POST', '/api/v1/regions', { code: '350598', name: '某县', level: 'county', parent_code: '350500' }],
      ['POST', '/api/v1/departments', { code: 'x-1', name: '某局', region_code: '350582' }],
      ['PATCH', `/api/v1/departments/${me.department.id}`, { name: '改名局' }],
      ['POST', `/api/v1/departments/${me.department.id}/sections`, { name: '某股' }],
      ['POST', '/api/v1/windows', { code: 'Z9', name: '某窗口', department_id: me.department.id }],
      ['POST', '/api/v1/calendar/local-days', { date: '2025-06-10', kind: 'holiday', name: '某节' }],
      ['DELETE', '/api/v1/calendar/local-days/2025-06-10', undefined],
      ['POST', '/api/v1/calendar/reload', undefined],
    ];
    for (const [method, path, body] of attempts) {
      AssertProblem(await clerk.request(method, path, body), 403, 'auth.forbidden');
    }
    // Its own business reads still work.
    assert.equal((await clerk.get('/api/v1/me')).json.display_name, '林晓燕');
    assert.equal((await clerk.get('/api/v1/departments')).status, 200);
  });
});
