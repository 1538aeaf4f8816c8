// Bad requests on the write routes: malformed JSON, wrong types, unknown and missing fields,
// oversized bodies, the wrong content type, weak passwords, bad paging. Each answers a
// problem+json error with a stable code (and the field), and none of them changes anything:
// the lists and the audit log are the same before and after.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';
import { AssertProblem, LoginFull, AuditTotal, DemoIds, RawHttp } from './helpers.mjs';

describe('request validation', () => {
  let server;
  let sys, sec, audit;
  let ids;
  let target;  // a demo user the PATCH and grant routes aim at

  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    sys = (await LoginFull(server.url, 'sysadmin')).client;
    sec = (await LoginFull(server.url, 'secadmin')).client;
    audit = (await LoginFull(server.url, 'auditadmin')).client;
    ids = await DemoIds(sys);
    target = ids.user['clerk.zjj'];
  });
  after(async () => { await server?.stop(); });

  // Everything a bad request might have changed.
  async function Snapshot() {
    const get = async (c, p) => {
      const r = await c.get(p);
      assert.equal(r.status, 200, `${p}: ${r.text}`);
      return r.json;
    };
    return {
      users: (await get(sys, '/api/v1/users?page_size=200')).items,
      departments: (await get(sys, '/api/v1/departments?page_size=200')).items,
      windows: (await get(sys, '/api/v1/windows?page_size=200')).items,
      regions: (await get(sys, '/api/v1/regions?page_size=200')).items,
      localDays: (await get(sys, '/api/v1/calendar/local-days')).total,
      roles: (await get(sec, '/api/v1/roles?page_size=200')).items,
      audit: await AuditTotal(audit),
    };
  }

  // The write routes, each with a valid body and the client allowed to call it.
  const routes = () => [
    { name: 'POST /users', client: sys, method: 'POST', path: '/api/v1/users',
      body: { username: 'valid.user', display_name: '合规', password: 'Valid-pass-2026' },
      wrongType: ['username', 5], required: 'display_name' },
    { name: 'PATCH /users/{id}', client: sys, method: 'PATCH', path: `/api/v1/users/${target.id}`,
      body: { display_name: '改名' }, wrongType: ['active', 'yes'] },
    { name: 'POST /users/{id}/password', client: sys, method: 'POST',
      path: `/api/v1/users/${target.id}/password`, body: { password: 'Reset-pass-2026' },
      wrongType: ['password', 123456789012], required: 'password' },
    { name: 'POST /departments', client: sys, method: 'POST', path: '/api/v1/departments',
      body: { code: 'valid-1', name: '合规局', region_code: '350582' },
      wrongType: ['name', ['合规局']], required: 'region_code' },
    { name: 'PATCH /departments/{id}', client: sys, method: 'PATCH',
      path: `/api/v1/departments/${ids.dept['350582-czj'].id}`, body: { short_name: '财政' },
      wrongType: ['name', { zh: '财政局' }] },
    { name: 'POST /windows', client: sys, method: 'POST', path: '/api/v1/windows',
      body: { code: 'V1', name: '合规窗口', department_id: ids.dept['350582-czj'].id },
      wrongType: ['department_id', String(ids.dept['350582-czj'].id)], required: 'code' },
    { name: 'POST /regions', client: sys, method: 'POST', path: '/api/v1/regions',
      body: { code: '350597', name: '合规县', level: 'county', parent_code: '350500' },
      wrongType: ['code', 350597], required: 'level' },
    { name: 'POST /departments/{id}/sections', client: sys, method: 'POST',
      path: `/api/v1/departments/${ids.dept['350582-czj'].id}/sections`, body: { name: '合规股' },
      wrongType: ['name', true], required: 'name' },
    { name: 'POST /calendar/local-days', client: sys, method: 'POST',
      path: '/api/v1/calendar/local-days',
      body: { date: '2025-06-10', kind: 'holiday', name: '合规节' },
      wrongType: ['name', 1], required: 'kind' },
    { name: 'POST /roles', client: sec, method: 'POST', path: '/api/v1/roles',
      body: { name: 'valid-role', title: '合规角色', scope: 'own', permissions: ['org.read'] },
      wrongType: ['permissions', 'org.read'], required: 'scope' },
    { name: 'PUT /users/{id}/roles', client: sec, method: 'PUT',
      path: `/api/v1/users/${target.id}/roles`, body: { roles: ['handler'] },
      wrongType: ['roles', 'handler'], required: 'roles' },
  ];

  it('every route answers the bad requests with the right problem and changes nothing',
     async () => {
       const before = await Snapshot();
       for (const r of routes()) {
         const send = (body, headers) => r.client.request(r.method, r.path, body, headers);
         const tag = (what) => `${r.name}: ${what}`;
         const check = async (res, status, code, field, what) => {
           try {
             AssertProblem(res, status, code, field);
           } catch (e) {
             e.message = tag(what) + '\n' + e.message;
             throw e;
           }
         };
         await check(await send('{"name": '), 400, 'request.malformed_json', undefined, 'truncated');
         await check(await send("{'name': 'x'}"), 400, 'request.malformed_json', undefined, 'quotes');
         await check(await send(''), 400, 'request.malformed_json', undefined, 'empty');
         await check(await send('[]'), 400, 'request.not_object', undefined, 'array');
         await check(await send('"text"'), 400, 'request.not_object', undefined, 'string');
         const [field, value] = r.wrongType;
         await check(await send({ ...r.body, [field]: value }), 400, 'validation.type', field,
                     'wrong type');
         await check(await send({ ...r.body, surprise: 1 }), 400, 'request.unknown_field',
                     'surprise', 'unknown field');
         if (r.required) {
           const body = { ...r.body };
           delete body[r.required];
           await check(await send(body), 400, 'validation.required', r.required, 'missing');
         }
         // Over 1 MiB: the server answers 413 as soon as it reads the Content-Length.
         const head = `${r.method} ${r.path} HTTP/1.1\r\nHost: test\r\n` +
                      `Authorization: Bearer ${r.client.token}\r\n` +
                      'Content-Type: application/json\r\nContent-Length: 1048577\r\n\r\n';
         await check(await RawHttp(server.url, head + JSON.stringify(r.body).slice(0, -1)), 413,
                     'request.too_large', undefined, 'too large');
         const res = await fetch(server.url + r.path, {
           method: r.method,
           headers: { authorization: `Bearer ${r.client.token}`, 'content-type': 'text/plain' },
           body: JSON.stringify(r.body),
         });
         const text = await res.text();
         assert.equal(res.status, 415, tag(`text/plain: ${text}`));
         assert.equal(res.headers.get('content-type'), 'application/problem+json');
         assert.equal(JSON.parse(text).code, 'request.unsupported_media_type');
       }
       assert.deepEqual(await Snapshot(), before);
     });

  it('the 415 problem body carries status 415, like the response',
     async () => {
       const res = await fetch(server.url + '/api/v1/users', {
         method: 'POST',
         headers: { authorization: `Bearer ${sys.token}`, 'content-type': 'text/plain' },
         body: '{}',
       });
       const text = await res.text();
       AssertProblem({ status: res.status, headers: res.headers, json: JSON.parse(text), text },
                     415, 'request.unsupported_media_type');
     });

  const PostUser = (contentType, username) => fetch(server.url + '/api/v1/users', {
    method: 'POST',
    headers: { authorization: `Bearer ${sys.token}`, 'content-type': contentType },
    body: JSON.stringify({ username, display_name: '类型', password: 'Type-pass-2026' }),
  });

  it('a JSON content type with a charset parameter is accepted', async () => {
    const r = await PostUser('application/json; charset=utf-8', 'ct.charset');
    assert.equal(r.status, 201, await r.text());
  });

  it('media types compare case-insensitively, and only application/json is JSON',
     async () => {
       const upper = await PostUser('Application/JSON', 'ct.upper');
       assert.equal(upper.status, 201, await upper.text());
       const jsonp = await PostUser('application/jsonp', 'ct.jsonp');
       assert.equal(jsonp.status, 415, await jsonp.text());
     });

  it('a request body of exactly 1 MiB is still read', async () => {
    const base = JSON.stringify({ name: '' });
    const name = 'x'.repeat(1024 * 1024 - base.length);
    const res = await sys.post(`/api/v1/departments/${ids.dept['350582-czj'].id}/sections`,
                               `{"name":"${name}"}`);
    // Read and refused by the length rule, not by the size limit.
    AssertProblem(res, 400, 'validation.length', 'name');
  });

  it('a client that uploads more than 1 MiB reads the 413 answer, every time',
     async () => {
       const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) });
       const path = `/api/v1/departments/${ids.dept['350582-czj'].id}/sections`;
       for (let i = 0; i < 40; i++) {
         AssertProblem(await sys.post(path, huge), 413, 'request.too_large');
       }
     });

  it('a password under 12 characters is refused with validation.password_policy', async () => {
    const before = await Snapshot();
    for (const password of ['Short-1', 'Abcdefg-123', '']) {
      const create = await sys.post('/api/v1/users',
                                    { username: 'weak.pass', display_name: '弱密码', password });
      AssertProblem(create, 400, password ? 'validation.password_policy' : 'validation.required',
                    'password');
      const reset = await sys.post(`/api/v1/users/${target.id}/password`, { password });
      AssertProblem(reset, 400, password ? 'validation.password_policy' : 'validation.required',
                    'password');
    }
    // Twelve characters of one class, or containing the username, are refused too.
    AssertProblem(await sys.post('/api/v1/users', { username: 'weak.pass', display_name: '弱密码',
                                                    password: 'abcdefghijkl' }),
                  400, 'validation.password_policy', 'password');
    AssertProblem(await sys.post('/api/v1/users', { username: 'weak.pass', display_name: '弱密码',
                                                    password: 'weak.pass-2026' }),
                  400, 'validation.password_policy', 'password');
    // Changing one's own password follows the same policy, on new_password.
    const self = await LoginFull(server.url, 'clerk.fgj');
    AssertProblem(await self.client.post('/api/v1/me/password',
                                         { old_password: 'Xiaoneng@2026demo', new_password: 'Short-1' }),
                  400, 'validation.password_policy', 'new_password');
    AssertProblem(await self.client.post('/api/v1/me/password',
                                         { old_password: 'wrong-old-pass', new_password: 'Long-enough-2026' }),
                  400, 'auth.wrong_password', 'old_password');
    const after = await Snapshot();
    // The clerk's login adds its audit entries; nothing else may change.
    assert.deepEqual({ ...after, audit: 0 }, { ...before, audit: 0 });
    const kinds = (await audit.get(`/api/v1/audit-log?page_size=${after.audit - before.audit}`))
        .json.items.map((e) => e.kind);
    assert.deepEqual(kinds, ['auth.login_succeeded']);
  });

  it('a bad username is refused', async () => {
    for (const username of ['ab', 'Upper.case', '1starts.with.digit', 'has space', 'x'.repeat(41)]) {
      const r = await sys.post('/api/v1/users', { username, display_name: '坏名', password: 'Good-pass-2026' });
      assert.equal(r.status, 400, `${username}: ${r.text}`);
      assert.ok(['validation.username', 'validation.length'].includes(r.json.code), r.text);
      assert.equal(r.json.field, 'username');
    }
  });

  it('bad page and page_size answer 400 validation.parameter naming the parameter', async () => {
    const before = await Snapshot();
    const lists = [
      [sys, '/api/v1/users'], [sys, '/api/v1/departments'], [sys, '/api/v1/windows'],
      [sys, '/api/v1/regions'], [sys, `/api/v1/departments/${ids.dept['350582-scjg'].id}/sections`],
      [sys, '/api/v1/calendar/years'], [sys, '/api/v1/calendar/local-days'],
      [sec, '/api/v1/roles'], [audit, '/api/v1/audit-log'],
    ];
    const bad = [['page', '0'], ['page', '-1'], ['page', 'abc'], ['page', '1.5'], ['page', '2x'],
                 ['page_size', '0'], ['page_size', '201'], ['page_size', 'ten'], ['page_size', '1e2']];
    for (const [client, path] of lists) {
      for (const [param, value] of bad) {
        const r = await client.get(`${path}?${param}=${value}`);
        try {
          AssertProblem(r, 400, 'validation.parameter', param);
        } catch (e) {
          e.message = `${path}?${param}=${value}\n${e.message}`;
          throw e;
        }
      }
      const ok = await client.get(`${path}?page=1&page_size=200`);
      assert.equal(ok.status, 200, `${path}: ${ok.text}`);
    }
    const after = await Snapshot();
    assert.deepEqual(after, before);
  });

  it('a non-numeric department_id filter answers 400',
     async () => {
       AssertProblem(await sys.get('/api/v1/users?department_id=abc'), 400, 'validation.parameter',
                     'department_id');
       AssertProblem(await sys.get(`/api/v1/users?department_id=${ids.dept['350582-scjg'].id}abc`),
                     400, 'validation.parameter', 'department_id');
       AssertProblem(await sys.get(`/api/v1/windows?department_id=${ids.dept['350582-scjg'].id}abc`),
                     400, 'validation.parameter', 'department_id');
     });

  it('duplicates answer 409 and change nothing', async () => {
    const before = await Snapshot();
    AssertProblem(await sys.post('/api/v1/users', {
      username: 'clerk.scjg', display_name: '重名', password: 'Duplicate-2026',
    }), 409, 'identity.duplicate_username', 'username');
    AssertProblem(await sys.post('/api/v1/departments', {
      code: '350582-scjg', name: '重复局', region_code: '350582',
    }), 409, undefined, 'code');
    AssertProblem(await sys.post('/api/v1/regions', {
      code: '350581', name: '重复市', level: 'county', parent_code: '350500',
    }), 409);
    AssertProblem(await sec.post('/api/v1/roles', {
      name: 'clerk', title: '重名角色', scope: 'own', permissions: ['org.read'],
    }), 409, 'identity.builtin_role', 'name');
    assert.deepEqual(await Snapshot(), before);
  });

  it('unknown routes answer 404 and unknown methods 405, both as problem+json', async () => {
    AssertProblem(await sys.get('/api/v1/no-such-thing'), 404, 'request.no_route');
    AssertProblem(await sys.get('/api/v1/users/abc'), 404, 'not_found');
    const r = await sys.delete('/api/v1/users');
    assert.equal(r.status, 405, r.text);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.equal(r.json.code, 'request.method_not_allowed');
  });

  it('the 405 problem body carries status 405, like the response',
     async () => {
       AssertProblem(await sys.delete('/api/v1/users'), 405, 'request.method_not_allowed');
     });

  it('an anonymous login with a wrong type or an unknown field answers 400', async () => {
    const anon = new Client(server.url);
    AssertProblem(await anon.post('/api/v1/auth/login', { username: 1, password: 'x' }), 400,
                  'validation.type', 'username');
    AssertProblem(await anon.post('/api/v1/auth/login',
                                  { username: 'sysadmin', password: 'x', remember: true }),
                  400, 'request.unknown_field', 'remember');
    AssertProblem(await anon.post('/api/v1/auth/login', { username: 'sysadmin' }), 400,
                  'validation.required', 'password');
  });
});
