// Building the organisation and its accounts through the API: a region, a department, a section,
// a window and a user placed in them; changes; paging and search; password reset; a custom role
// that a live session picks up without logging in again.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';
import { AssertProblem, LoginFull } from './helpers.mjs';

describe('organisation and users', () => {
  let server;
  let sys, sec;
  let region, dept, section, window, user;
  const kPassword = 'Start-pass-2026!';

  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    sys = (await LoginFull(server.url, 'sysadmin')).client;
    sec = (await LoginFull(server.url, 'secadmin')).client;
  });
  after(async () => { await server?.stop(); });

  describe('regions: the code and the level agree', () => {
    it('350599 as a county under 泉州 350500 is created', async () => {
      const r = await sys.post('/api/v1/regions',
                               { code: '350599', name: '测试县', level: 'county', parent_code: '350500' });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json, { code: '350599', name: '测试县', level: 'county', parent_code: '350500' });
      region = r.json;
      assert.deepEqual((await sys.get('/api/v1/regions/350599')).json, region);
      const children = await sys.get('/api/v1/regions?parent_code=350500&page_size=200');
      assert.ok(children.json.items.some((x) => x.code === '350599'));
    });

    it('a code whose shape does not fit the level is refused', async () => {
      AssertProblem(await sys.post('/api/v1/regions',
                                   { code: '350000', name: '错级', level: 'county', parent_code: '350500' }),
                    400, 'validation.region_level', 'level');
      AssertProblem(await sys.post('/api/v1/regions',
                                   { code: '350598', name: '错级', level: 'city', parent_code: '350000' }),
                    400, 'validation.region_level', 'level');
      AssertProblem(await sys.post('/api/v1/regions',
                                   { code: '35059', name: '短码', level: 'county', parent_code: '350500' }),
                    400, 'validation.region_code', 'code');
      AssertProblem(await sys.post('/api/v1/regions',
                                   { code: '350598', name: '无级', level: 'town', parent_code: '350500' }),
                    400, 'validation.enum', 'level');
    });

    it('a county must lie under its parent, and a province has none', async () => {
      AssertProblem(await sys.post('/api/v1/regions',
                                   { code: '360198', name: '跨省', level: 'county', parent_code: '350500' }),
                    400, 'validation.parent_region', 'parent_code');
      AssertProblem(await sys.post('/api/v1/regions',
                                   { code: '350598', name: '无上级', level: 'county' }),
                    400, 'validation.required', 'parent_code');
      AssertProblem(await sys.post('/api/v1/regions',
                                   { code: '360000', name: '江西省', level: 'province', parent_code: '350000' }),
                    400, 'validation.parent_region', 'parent_code');
      const province = await sys.post('/api/v1/regions', { code: '360000', name: '江西省', level: 'province' });
      assert.equal(province.status, 201, province.text);
      assert.equal(province.json.parent_code, null);
      assert.equal((await sys.get('/api/v1/regions?page_size=200')).json.total, 7);
    });

    it('a region can be renamed; an unknown region answers 404', async () => {
      const r = await sys.patch('/api/v1/regions/350599', { name: '测试新县' });
      assert.equal(r.status, 200, r.text);
      assert.equal((await sys.get('/api/v1/regions/350599')).json.name, '测试新县');
      AssertProblem(await sys.get('/api/v1/regions/350597'), 404);
    });
  });

  describe('a department with a section, a window and a user', () => {
    it('creates the department in the new region', async () => {
      const r = await sys.post('/api/v1/departments', {
        code: '350599-scjg', name: '测试县市场监督管理局', short_name: '测试市场监管', region_code: '350599',
      });
      assert.equal(r.status, 201, r.text);
      dept = r.json;
      assert.equal(dept.region_code, '350599');
      AssertProblem(await sys.post('/api/v1/departments',
                                   { code: 'nowhere-1', name: '无地局', region_code: '350597' }),
                    400, 'validation.unknown_region', 'region_code');
    });

    it('creates a section and a window in it', async () => {
      const s = await sys.post(`/api/v1/departments/${dept.id}/sections`, { name: '登记股' });
      assert.equal(s.status, 201, s.text);
      section = s.json;
      assert.equal(section.department_id, dept.id);
      const w = await sys.post('/api/v1/windows',
                               { code: 'T01', name: '测试窗口', department_id: dept.id, hall: '一楼' });
      assert.equal(w.status, 201, w.text);
      window = w.json;
      assert.equal(window.department_id, dept.id);
      assert.equal(window.department_name, '测试县市场监督管理局');
      assert.equal(window.active, true);
      AssertProblem(await sys.post('/api/v1/windows', { code: 'T02', name: '无部门', department_id: 999999 }),
                    400, 'validation.unknown_department', 'department_id');
      AssertProblem(await sys.post('/api/v1/departments/999999/sections', { name: '孤股' }), 404);
    });

    it('creates a user placed in them', async () => {
      const r = await sys.post('/api/v1/users', {
        username: 'clerk.test', display_name: '测试员', password: kPassword,
        department_id: dept.id, section_id: section.id, window_id: window.id,
      });
      assert.equal(r.status, 201, r.text);
      user = r.json;
      assert.equal(user.department_id, dept.id);
      assert.equal(user.department_name, '测试县市场监督管理局');
      assert.equal(user.section_id, section.id);
      assert.equal(user.window_id, window.id);
      assert.equal(user.region_code, '350599');
      assert.equal(user.active, true);
      assert.equal(user.locked_until, null);
      assert.deepEqual((await sys.get(`/api/v1/users/${user.id}`)).json, user);
    });

    it('refuses a section or window of another department', async () => {
      const scjg = (await sys.get('/api/v1/departments?q=350582-scjg')).json.items[0];
      const otherSection = (await sys.get(`/api/v1/departments/${scjg.id}/sections`)).json.items[0];
      AssertProblem(await sys.post('/api/v1/users', {
        username: 'misplaced', display_name: '错位', password: kPassword,
        department_id: dept.id, section_id: otherSection.id,
      }), 400, 'validation.section_department', 'section_id');
      AssertProblem(await sys.patch(`/api/v1/users/${user.id}`, { section_id: otherSection.id }),
                    400, 'validation.section_department', 'section_id');
    });

    it('PATCH changes the department, the window and the user', async () => {
      const d = await sys.patch(`/api/v1/departments/${dept.id}`, { short_name: '测试局' });
      assert.equal(d.status, 200, d.text);
      assert.equal(d.json.short_name, '测试局');
      assert.equal(d.json.name, '测试县市场监督管理局');
      const w = await sys.patch(`/api/v1/windows/${window.id}`, { hall: '二楼', active: false });
      assert.equal(w.status, 200, w.text);
      assert.equal(w.json.hall, '二楼');
      assert.equal(w.json.active, false);
      assert.equal(w.json.name, '测试窗口');
      const u = await sys.patch(`/api/v1/users/${user.id}`, { display_name: '测试员甲' });
      assert.equal(u.status, 200, u.text);
      assert.equal(u.json.display_name, '测试员甲');
      assert.equal(u.json.window_id, window.id, 'fields not given stay');
      assert.equal((await sys.get(`/api/v1/users/${user.id}`)).json.display_name, '测试员甲');
      AssertProblem(await sys.patch(`/api/v1/departments/${dept.id}`, { name: '' }), 400,
                    'validation.length', 'name');
      AssertProblem(await sys.patch('/api/v1/users/999999', { display_name: 'x' }), 404);
    });

    it('moving a user to another department clears its old section and window', async () => {
      const czj = (await sys.get('/api/v1/departments?q=350582-czj')).json.items[0];
      const moved = await sys.patch(`/api/v1/users/${user.id}`, { department_id: czj.id });
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.json.department_id, czj.id);
      assert.equal(moved.json.section_id, null);
      assert.equal(moved.json.window_id, null);
      const back = await sys.patch(`/api/v1/users/${user.id}`,
                                   { department_id: dept.id, section_id: section.id });
      assert.equal(back.status, 200, back.text);
      assert.equal(back.json.section_id, section.id);
    });

    it('the system admin cannot disable its own account', async () => {
      const me = (await sys.get('/api/v1/me')).json;
      AssertProblem(await sys.patch(`/api/v1/users/${me.id}`, { active: false }), 409,
                    'identity.self_disable', 'active');
    });
  });

  describe('paging and search', () => {
    it('pages through the users: the same total, no gaps, no repeats', async () => {
      const full = await sys.get('/api/v1/users?page_size=200');
      const total = full.json.total;
      assert.ok(total >= 17, `total ${total}`);
      const seen = [];
      const pages = Math.ceil(total / 5);
      for (let page = 1; page <= pages; page++) {
        const r = await sys.get(`/api/v1/users?page=${page}&page_size=5`);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.total, total);
        assert.equal(r.json.items.length, page < pages ? 5 : total - 5 * (pages - 1));
        seen.push(...r.json.items.map((u) => u.id));
      }
      assert.deepEqual(seen, full.json.items.map((u) => u.id));
      const beyond = await sys.get(`/api/v1/users?page=${pages + 1}&page_size=5`);
      assert.equal(beyond.status, 200);
      assert.deepEqual(beyond.json, { items: [], total });
    });

    it('the default page has 20 items', async () => {
      const r = await sys.get('/api/v1/departments');
      assert.equal(r.json.total, 22);
      assert.equal(r.json.items.length, 20);
      assert.equal((await sys.get('/api/v1/departments?page=2')).json.items.length, 2);
    });

    it('pages the departments and windows the same way', async () => {
      for (const path of ['/api/v1/departments', '/api/v1/windows', '/api/v1/regions']) {
        const full = (await sys.get(`${path}?page_size=200`)).json;
        const p1 = (await sys.get(`${path}?page=1&page_size=3`)).json;
        const p2 = (await sys.get(`${path}?page=2&page_size=3`)).json;
        assert.equal(p1.total, full.total);
        assert.equal(p2.total, full.total);
        assert.deepEqual([...p1.items, ...p2.items], full.items.slice(0, 6), path);
      }
    });

    it('q searches users by username and by name; filters combine with paging', async () => {
      const byName = await sys.get('/api/v1/users?q=scjg');
      assert.deepEqual(byName.json.items.map((u) => u.username).sort(),
                       ['clerk.scjg', 'handler.scjg', 'head.scjg']);
      assert.equal(byName.json.total, 3);
      const byDisplay = await sys.get(`/api/v1/users?q=${encodeURIComponent('林晓燕')}`);
      assert.deepEqual(byDisplay.json.items.map((u) => u.username), ['clerk.scjg']);
      const paged = await sys.get('/api/v1/users?q=scjg&page=2&page_size=2');
      assert.equal(paged.json.total, 3);
      assert.equal(paged.json.items.length, 1);
      const inDept = await sys.get(`/api/v1/users?department_id=${dept.id}`);
      assert.deepEqual(inDept.json.items.map((u) => u.username), ['clerk.test']);
      assert.deepEqual((await sys.get('/api/v1/users?q=no-such-person')).json, { items: [], total: 0 });
    });

    it('q searches departments and windows by name and by code', async () => {
      const d = await sys.get(`/api/v1/departments?q=${encodeURIComponent('自然资源')}`);
      assert.deepEqual(d.json.items.map((x) => x.code), ['350582-zrzy']);
      const byCode = await sys.get('/api/v1/departments?q=350599');
      assert.deepEqual(byCode.json.items.map((x) => x.id), [dept.id]);
      const inRegion = await sys.get('/api/v1/departments?region_code=350581');
      assert.deepEqual(inRegion.json.items.map((x) => x.code), ['350581-scjg']);
      const w = await sys.get('/api/v1/windows?q=T01');
      assert.deepEqual(w.json.items.map((x) => x.id), [window.id]);
      const wd = await sys.get(`/api/v1/windows?department_id=${dept.id}`);
      assert.deepEqual(wd.json.items.map((x) => x.id), [window.id]);
      const counties = await sys.get('/api/v1/regions?level=county&page_size=200');
      assert.deepEqual(counties.json.items.map((x) => x.code).sort(),
                       ['350581', '350582', '350583', '350599']);
    });
  });

  describe('passwords and logins of a new account', () => {
    it('the new user logs in with the password the admin set', async () => {
      const { user: me } = await LoginFull(server.url, 'clerk.test', kPassword);
      assert.equal(me.id, user.id);
      assert.deepEqual(me.roles, []);
      assert.deepEqual(me.permissions, []);
    });

    it('a password reset replaces the old password', async () => {
      const r = await sys.post(`/api/v1/users/${user.id}/password`, { password: 'Reset-pass-2026#' });
      assert.equal(r.status, 204, r.text);
      AssertProblem(await new Client(server.url).post('/api/v1/auth/login',
                                                      { username: 'clerk.test', password: kPassword }),
                    401, 'auth.invalid_credentials');
      await LoginFull(server.url, 'clerk.test', 'Reset-pass-2026#');
    });

    it('the user changes its own password', async () => {
      const self = (await LoginFull(server.url, 'clerk.test', 'Reset-pass-2026#')).client;
      const r = await self.post('/api/v1/me/password',
                                { old_password: 'Reset-pass-2026#', new_password: 'Own-choice-2026%' });
      assert.equal(r.status, 204, r.text);
      await LoginFull(server.url, 'clerk.test', 'Own-choice-2026%');
    });

    it('a disabled account cannot log in, and its sessions end', async () => {
      const live = (await LoginFull(server.url, 'clerk.test', 'Own-choice-2026%')).client;
      const off = await sys.patch(`/api/v1/users/${user.id}`, { active: false });
      assert.equal(off.status, 200, off.text);
      assert.equal(off.json.active, false);
      AssertProblem(await live.get('/api/v1/me'), 401);
      AssertProblem(await new Client(server.url).post('/api/v1/auth/login',
                                                      { username: 'clerk.test', password: 'Own-choice-2026%' }),
                    401, 'auth.invalid_credentials');
      assert.equal((await sys.patch(`/api/v1/users/${user.id}`, { active: true })).status, 200);
    });
  });

  describe('custom roles', () => {
    let role;
    let session;

    it('a custom role granted by the security admin appears in /me of a live session', async () => {
      session = (await LoginFull(server.url, 'clerk.test', 'Own-choice-2026%')).client;
      AssertProblem(await session.get('/api/v1/departments'), 403, 'auth.forbidden');

      const created = await sec.post('/api/v1/roles', {
        name: 'window-viewer', title: '窗口查看', scope: 'department',
        permissions: ['org.read', 'calendar.read'],
      });
      assert.equal(created.status, 201, created.text);
      role = created.json;
      assert.deepEqual(role.permissions.sort(), ['calendar.read', 'org.read']);
      const granted = await sec.put(`/api/v1/users/${user.id}/roles`, { roles: ['window-viewer'] });
      assert.equal(granted.status, 200, granted.text);
      assert.deepEqual(granted.json.roles, [{ name: 'window-viewer', title: '窗口查看' }]);

      const me = await session.get('/api/v1/me');
      assert.equal(me.status, 200, me.text);
      assert.deepEqual(me.json.roles.map((r) => r.name), ['window-viewer']);
      assert.deepEqual(me.json.permissions.sort(), ['calendar.read', 'org.read']);
      assert.equal(me.json.scope, 'department');
      const depts = await session.get('/api/v1/departments');
      assert.equal(depts.status, 200, depts.text);
      assert.deepEqual(depts.json.items.map((d) => d.id), [dept.id]);
    });

    it('a change of the role reaches the live session too', async () => {
      const r = await sec.patch(`/api/v1/roles/${role.id}`, { permissions: ['calendar.read'] });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await session.get('/api/v1/me')).json.permissions, ['calendar.read']);
      AssertProblem(await session.get('/api/v1/departments'), 403, 'auth.forbidden');
    });

    it('revoking the roles takes effect at once', async () => {
      const r = await sec.put(`/api/v1/users/${user.id}/roles`, { roles: [] });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await session.get('/api/v1/me')).json.permissions, []);
    });

    it('built-in roles cannot be changed; unknown roles and permissions are refused', async () => {
      const clerkRole = (await sec.get('/api/v1/roles?page_size=200')).json.items
          .find((x) => x.name === 'clerk');
      AssertProblem(await sec.patch(`/api/v1/roles/${clerkRole.id}`, { title: '改名' }), 409,
                    'identity.builtin_role');
      AssertProblem(await sec.post('/api/v1/roles', {
        name: 'bad-perm', title: '坏权限', scope: 'own', permissions: ['org.destroy'],
      }), 400, 'validation.unknown_permission', 'permissions');
      AssertProblem(await sec.post('/api/v1/roles', {
        name: 'Bad Name', title: '坏名', scope: 'own', permissions: ['org.read'],
      }), 400, 'validation.role_name', 'name');
      AssertProblem(await sec.post('/api/v1/roles', {
        name: 'bad-scope', title: '坏范围', scope: 'galaxy', permissions: ['org.read'],
      }), 400, 'validation.enum', 'scope');
      const unknownRole = await sec.put(`/api/v1/users/${user.id}/roles`, { roles: ['no-such-role'] });
      assert.equal(unknownRole.status, 400, unknownRole.text);
      assert.equal(unknownRole.json.field, 'roles');
    });
  });
});
