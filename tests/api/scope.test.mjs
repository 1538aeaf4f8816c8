// Data scopes: a clerk sees its own department only, the 效能办 supervisor and the leader see the
// departments of their region (晋江 350582, not 石狮 350581), the system admin sees everything.
// An object outside the scope answers 404, as if it did not exist.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { AssertProblem, LoginFull, DemoIds } from './helpers.mjs';

describe('data scopes', () => {
  let server;
  let sys, clerk, supervisor, leader;
  let ids;
  let shishi;        // the 石狮 department
  let shishiWindow;  // a window there
  let shishiUser;    // a user there
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    [sys, clerk, supervisor, leader] = await Promise.all(
        ['sysadmin', 'clerk.scjg', 'supervisor', 'leader'].map(
            async (u) => (await LoginFull(server.url, u)).client));
    ids = await DemoIds(sys);
    shishi = ids.dept['350581-scjg'];
    assert.ok(shishi, 'the demo has a 石狮 department');
    const w = await sys.post('/api/v1/windows',
                             { code: 'SS01', name: '石狮市场监管窗口', department_id: shishi.id });
    assert.equal(w.status, 201, w.text);
    shishiWindow = w.json;
    const u = await sys.post('/api/v1/users', {
      username: 'clerk.shishi', display_name: '石狮窗口', password: 'Shishi-pass-2026',
      department_id: shishi.id,
    });
    assert.equal(u.status, 201, u.text);
    shishiUser = u.json;
  });
  after(async () => { await server?.stop(); });

  const all = async (client, path) => {
    const r = await client.get(`${path}${path.includes('?') ? '&' : '?'}page_size=200`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, r.json.items.length);
    return r.json.items;
  };

  describe('a clerk of 市场监管局', () => {
    it('gets 404 for another department, its window and its clerk', async () => {
      const zrzy = ids.dept['350582-zrzy'];
      AssertProblem(await clerk.get(`/api/v1/departments/${zrzy.id}`), 404, 'not_found');
      AssertProblem(await clerk.get(`/api/v1/departments/${zrzy.id}/sections`), 404, 'not_found');
      AssertProblem(await clerk.get(`/api/v1/windows/${ids.windowOf(zrzy.id).id}`), 404,
                    'not_found');
      AssertProblem(await clerk.get(`/api/v1/users/${ids.user['clerk.zrzy'].id}`), 404,
                    'not_found');
      AssertProblem(await clerk.get(`/api/v1/departments/${shishi.id}`), 404, 'not_found');
      // The answer for a hidden object is the answer for a missing one.
      const missing = await clerk.get('/api/v1/departments/999999');
      AssertProblem(missing, 404, 'not_found');
      assert.deepEqual((await clerk.get(`/api/v1/departments/${zrzy.id}`)).json, missing.json);
    });

    it('reads its own department, window, sections and colleagues', async () => {
      const scjg = ids.dept['350582-scjg'];
      const d = await clerk.get(`/api/v1/departments/${scjg.id}`);
      assert.equal(d.status, 200, d.text);
      assert.equal(d.json.name, '晋江市市场监督管理局');
      assert.equal((await clerk.get(`/api/v1/windows/${ids.windowOf(scjg.id).id}`)).status, 200);
      const sections = await all(clerk, `/api/v1/departments/${scjg.id}/sections`);
      assert.deepEqual(sections.map((s) => s.name).sort(), ['登记注册股', '食品经营许可股'].sort());
      assert.equal((await clerk.get(`/api/v1/users/${ids.user['head.scjg'].id}`)).status, 200);
    });

    it('lists only its own department, windows and users', async () => {
      const scjg = ids.dept['350582-scjg'];
      assert.deepEqual((await all(clerk, '/api/v1/departments')).map((d) => d.id), [scjg.id]);
      const windows = await all(clerk, '/api/v1/windows');
      assert.ok(windows.length >= 1);
      assert.ok(windows.every((w) => w.department_id === scjg.id), JSON.stringify(windows));
      const users = await all(clerk, '/api/v1/users');
      assert.deepEqual(users.map((u) => u.username).sort(),
                       ['clerk.scjg', 'handler.scjg', 'head.scjg']);
      // Filters cannot widen the scope.
      assert.deepEqual(await all(clerk, `/api/v1/users?department_id=${ids.dept['350582-zrzy'].id}`),
                       []);
      assert.deepEqual(await all(clerk, '/api/v1/departments?q=自然资源'), []);
      assert.deepEqual(await all(clerk, '/api/v1/users?q=zrzy'), []);
    });
  });

  for (const who of ['supervisor', 'leader']) {
    describe(`the ${who} of 晋江 (region 350582)`, () => {
      const client = () => (who === 'supervisor' ? supervisor : leader);

      it('sees every 晋江 department, window and user, but nothing of 石狮', async () => {
        const depts = await all(client(), '/api/v1/departments');
        const jinjiang = ids.depts.filter((d) => d.region_code === '350582');
        assert.equal(jinjiang.length, 20);
        assert.deepEqual(depts.map((d) => d.id).sort((a, b) => a - b),
                         jinjiang.map((d) => d.id).sort((a, b) => a - b));
        assert.ok(!depts.some((d) => d.id === shishi.id));
        const windows = await all(client(), '/api/v1/windows');
        // ids.windows was read before the 石狮 window was added: the 18 windows of 晋江.
        assert.deepEqual(windows.map((w) => w.id).sort((a, b) => a - b),
                         ids.windows.map((w) => w.id).sort((a, b) => a - b));
        assert.ok(!windows.some((w) => w.id === shishiWindow.id));
        const users = await all(client(), '/api/v1/users');
        assert.ok(users.some((u) => u.username === 'clerk.zrzy'));
        assert.ok(users.some((u) => u.username === 'clerk.scjg'));
        assert.ok(!users.some((u) => u.username === 'clerk.shishi'));
      });

      it('gets 404 for the 石狮 department, its window and its user', async () => {
        AssertProblem(await client().get(`/api/v1/departments/${shishi.id}`), 404, 'not_found');
        AssertProblem(await client().get(`/api/v1/windows/${shishiWindow.id}`), 404, 'not_found');
        AssertProblem(await client().get(`/api/v1/users/${shishiUser.id}`), 404, 'not_found');
        assert.equal((await client().get(`/api/v1/departments/${ids.dept['350582-zrzy'].id}`)).status,
                     200);
      });

      it('cannot change what it can see', async () => {
        AssertProblem(await client().patch(`/api/v1/departments/${ids.dept['350582-zrzy'].id}`,
                                           { name: '改名' }), 403, 'auth.forbidden');
      });
    });
  }

  describe('the system admin', () => {
    it('sees everything, 石狮 included', async () => {
      const depts = await all(sys, '/api/v1/departments');
      assert.equal(depts.length, 21);
      assert.ok(depts.some((d) => d.id === shishi.id));
      assert.equal((await sys.get(`/api/v1/departments/${shishi.id}`)).status, 200);
      assert.equal((await sys.get(`/api/v1/windows/${shishiWindow.id}`)).status, 200);
      assert.equal((await sys.get(`/api/v1/users/${shishiUser.id}`)).status, 200);
      const users = await all(sys, '/api/v1/users');
      assert.ok(users.some((u) => u.username === 'applicant'));
      assert.ok(users.some((u) => u.username === 'clerk.shishi'));
      assert.equal((await all(sys, '/api/v1/regions')).length, 5);
    });
  });
});
