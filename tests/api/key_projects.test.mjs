// Key projects (重点项目, 代办, issue 3 §4): the service center's head (or a supervisor) sets up a
// project under a proxy agent; the agent applies for its approvals across departments; the
// project's one view shows where each approval stands and what blocks it (corrections owed,
// a special procedure, an overdue limit, an application nobody has accepted yet).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login, Client } from '../lib/server.mjs';
import { AssertProblem, DemoIds } from './helpers.mjs';

// A valid unified social credit code (GB 32100-2015 check character) from a number.
function CreditCode(n) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const base = `91350582MA${String(n).padStart(7, '0')}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += chars.indexOf(base[i]) * weights[i];
  return base + chars[(31 - (sum % 31)) % 31];
}

const kEnterprise = CreditCode(4242);

describe('key projects and proxy handling', () => {
  let server;
  let ids;
  let project;
  const cases = {};
  const as = (user) => login(server.url, user);
  const act = async (user, id, body) => {
    const r = await (await as(user)).post(`/api/v1/cases/${id}/actions`, body);
    assert.equal(r.status, 200, `${user} ${body.action}: ${r.text}`);
    return r.json;
  };
  const apply = (client, matter, extra = {}) => client.post('/api/v1/cases', {
    matter_code: matter, applicant_kind: 'enterprise', applicant_code: kEnterprise,
    applicant_name: '晋江市恒达鞋业有限公司', key_project_id: project.id, ...extra,
  });
  const newProject = (overrides = {}) => ({
    code: 'KP-2024-001', name: '晋江市恒达鞋业年产500万双运动鞋智能制造项目',
    enterprise_code: kEnterprise, enterprise_name: '晋江市恒达鞋业有限公司',
    investment_fen: 32000000000, agent_user_id: ids.user.agent.id, ...overrides,
  });

  before(async () => {
    server = await startServer({ demo: true, fakeClock: true,
                                 extraArgs: ['--clock-start', '2024-02-01T09:00'] });
    ids = await DemoIds(await as('sysadmin'));
    // A second proxy agent of the service center, for the "not your project" checks.
    const sys = await as('sysadmin');
    const made = await sys.post('/api/v1/users', {
      username: 'agent.two', display_name: '蔡代办', password: 'Agent2@Xiaoneng2026',
      department_id: ids.dept['350582-xzfw'].id,
    });
    assert.equal(made.status, 201, made.text);
    const granted = await (await as('secadmin')).put(`/api/v1/users/${made.json.id}/roles`,
                                                     { roles: ['proxy-agent'] });
    assert.equal(granted.status, 200, granted.text);
    ids.user['agent.two'] = made.json;
  });
  after(async () => server && server.stop());

  it('is set up by the service center head under one of their agents', async () => {
    const r = await (await as('head.xzfw')).post('/api/v1/key-projects', newProject());
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.agent.id, ids.user.agent.id);
    assert.equal(r.json.investment_fen, 32000000000);
    project = r.json;
  });

  it('is set up only by that head or a supervisor', async () => {
    AssertProblem(await (await as('head.scjg')).post('/api/v1/key-projects',
                                                     newProject({ code: 'KP-X1' })),
                  403, 'key_projects.agent_not_yours');
    AssertProblem(await (await as('clerk.xzfw')).post('/api/v1/key-projects',
                                                      newProject({ code: 'KP-X2' })),
                  403, 'key_projects.role_not_allowed');
    AssertProblem(await (await as('agent')).post('/api/v1/key-projects',
                                                 newProject({ code: 'KP-X3' })),
                  403, 'key_projects.role_not_allowed');
    const bySupervisor = await (await as('supervisor')).post('/api/v1/key-projects', newProject({
      code: 'KP-2024-002', name: '晋江市华宇纺织智能化改造项目',
      agent_user_id: ids.user['agent.two'].id,
    }));
    assert.equal(bySupervisor.status, 201, bySupervisor.text);
  });

  it('refuses bad input with the field at fault and changes nothing', async () => {
    const head = await as('head.xzfw');
    const before = (await head.get('/api/v1/key-projects')).json.total;
    const bad = [
      [{ enterprise_code: '91350582MA0004242X' }, 400, 'validation.credit_code', 'enterprise_code'],
      [{ enterprise_code: 123 }, 400, 'validation.type', 'enterprise_code'],
      [{ agent_user_id: ids.user['clerk.scjg'].id }, 400, 'key_projects.not_an_agent', 'agent_user_id'],
      [{ agent_user_id: 999999 }, 400, 'key_projects.not_an_agent', 'agent_user_id'],
      [{ name: '' }, 400, 'validation.required', 'name'],
      [{ code: 'KP 1' }, 400, 'validation.pattern', 'code'],
      [{ investment_fen: -1 }, 400, 'validation.range', 'investment_fen'],
      [{ owner: 'x' }, 400, 'request.unknown_field', 'owner'],
      [{}, 409, 'key_projects.duplicate_code', 'code'],
    ];
    for (const [override, status, code, field] of bad) {
      const body = newProject({ code: 'KP-BAD', ...override });
      if (code === 'key_projects.duplicate_code') body.code = project.code;
      AssertProblem(await head.post('/api/v1/key-projects', body), status, code, field);
    }
    const { agent_user_id, ...noAgent } = newProject({ code: 'KP-BAD' });
    AssertProblem(await head.post('/api/v1/key-projects', noAgent), 400, 'validation.required',
                  'agent_user_id');
    assert.equal((await head.get('/api/v1/key-projects')).json.total, before);
  });

  it('lets its agent apply for its approvals, recorded as the agent', async () => {
    const agent = await as('agent');
    for (const matter of ['350582-FGJ-001', '350582-ZRZY-001', '350582-ZRZY-002',
                          '350582-STHJ-001', '350582-ZJJ-001']) {
      const r = await apply(agent, matter);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.agent_user_id, ids.user.agent.id);
      assert.equal(r.json.key_project_id, project.id);
      assert.equal(r.json.channel, 'proxy');
      cases[matter] = r.json;
    }
  });

  it('does not let another agent apply for it', async () => {
    const other = await login(server.url, 'agent.two', 'Agent2@Xiaoneng2026');
    const before = (await (await as('agent')).get(`/api/v1/key-projects/${project.id}`)).json.cases.length;
    AssertProblem(await apply(other, '350582-ZJJ-002'), 403, 'cases.not_project_agent',
                  'key_project_id');
    AssertProblem(await other.get(`/api/v1/key-projects/${project.id}`), 404, 'not_found');
    const list = await other.get('/api/v1/key-projects');
    assert.deepEqual(list.json.items.map((p) => p.code), ['KP-2024-002']);
    const after = (await (await as('agent')).get(`/api/v1/key-projects/${project.id}`)).json.cases.length;
    assert.equal(after, before);
  });

  it('shows where each approval stands and what blocks it', async () => {
    // 投资项目备案: handled to the end.
    const fgj = cases['350582-FGJ-001'].id;
    await act('clerk.fgj', fgj, { action: 'accept' });
    await act('handler.fgj', fgj, { action: 'complete_step', step_id: 'review', opinion: '符合产业政策' });
    await act('head.fgj', fgj, { action: 'complete_step', step_id: 'approve', opinion: '同意' });
    await act('head.fgj', fgj, { action: 'conclude', decision: 'grant' });
    await act('clerk.fgj', fgj, { action: 'deliver', reason: '代办员领取' });
    // 建设用地规划许可: accepted and reviewed, then left waiting past its promised limit.
    const land = cases['350582-ZRZY-001'].id;
    await act('clerk.zrzy', land, { action: 'accept' });
    await act('handler.zrzy', land, { action: 'complete_step', step_id: 'review', opinion: '同意' });
    // 建设工程规划许可: the applicant owes corrections.
    const plan = cases['350582-ZRZY-002'].id;
    const items = ['建设工程设计方案总平面图（须加盖出图章）', '土地权属证明'];
    await act('clerk.zrzy', plan, { action: 'accept' });
    await act('handler.zrzy', plan, { action: 'request_correction', items });
    // 环评: in an expert review (special procedure).
    const env = cases['350582-STHJ-001'].id;
    await act('clerk.sthj', env, { action: 'accept' });
    await act('handler.sthj', env, {
      action: 'start_special_procedure', reason: '专家评审', days: 10,
      basis: '《中华人民共和国环境影响评价法》第二十二条', notice: '已书面告知申请人专家评审约需10个工作日',
    });
    // Three weeks later (across the Spring Festival) the land-use permit is overdue.
    const moved = await new Client(server.url).post('/api/v1/clock/advance', { hours: 24 * 21 });
    assert.equal(moved.status, 200, moved.text);

    const r = await (await as('agent')).get(`/api/v1/key-projects/${project.id}`);
    assert.equal(r.status, 200, r.text);
    const v = r.json;
    assert.equal(v.project.code, project.code);
    assert.equal(v.cases.length, 5);
    const byMatter = Object.fromEntries(v.cases.map((c) => [c.matter_code, c]));
    assert.equal(byMatter['350582-FGJ-001'].state, 'delivered');
    assert.equal(byMatter['350582-FGJ-001'].blocking, null);
    assert.equal(byMatter['350582-FGJ-001'].department_name, '晋江市发展和改革局');
    assert.equal(byMatter['350582-ZRZY-001'].light, 'red');
    assert.equal(byMatter['350582-ZRZY-001'].blocking.kind, 'overdue');
    assert.deepEqual(byMatter['350582-ZRZY-001'].current_steps.map((s) => s.id), ['approve']);
    assert.equal(byMatter['350582-ZRZY-002'].state_title, '待补正');
    assert.deepEqual(byMatter['350582-ZRZY-002'].blocking.items, items);
    assert.equal(byMatter['350582-STHJ-001'].blocking.kind, 'special_procedure');
    assert.match(byMatter['350582-STHJ-001'].blocking.title, /专家评审/);
    assert.equal(byMatter['350582-ZJJ-001'].blocking.kind, 'awaiting_acceptance');
    assert.deepEqual(v.blocking.correction_pending.map((b) => b.case_id), [plan]);
    assert.deepEqual(v.blocking.correction_pending[0].items, items);
    assert.deepEqual(v.blocking.special_procedure.map((b) => b.case_id), [env]);
    assert.deepEqual(v.blocking.overdue.map((b) => b.case_id), [land]);
    assert.deepEqual(v.blocking.awaiting_acceptance.map((b) => b.case_id),
                     [cases['350582-ZJJ-001'].id]);
    assert.deepEqual(v.progress, { total: 5, concluded: 1, open: 4, blocked: 4 });
  });

  it('is seen by supervisors and leaders of the region, not by other departments', async () => {
    for (const who of ['supervisor', 'leader', 'head.xzfw']) {
      const r = await (await as(who)).get(`/api/v1/key-projects/${project.id}`);
      assert.equal(r.status, 200, `${who}: ${r.text}`);
      const list = await (await as(who)).get('/api/v1/key-projects');
      assert.ok(list.json.items.some((p) => p.id === project.id), who);
    }
    for (const who of ['clerk.scjg', 'head.scjg', 'applicant']) {
      AssertProblem(await (await as(who)).get(`/api/v1/key-projects/${project.id}`), 404,
                    'not_found');
      assert.equal((await (await as(who)).get('/api/v1/key-projects')).json.total, 0, who);
    }
    AssertProblem(await (await as('agent')).get('/api/v1/key-projects/999999'), 404, 'not_found');
  });
});
