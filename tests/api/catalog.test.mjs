// The power list (issue 3): matters are versioned; an edit is a draft until published; a case
// keeps the version it started on; bad definitions and unsupported flows are refused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login, Client } from '../lib/server.mjs';

const unsupported = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="p">
    <startEvent id="s"/>
    <serviceTask id="auto_check" name="自动核验"/>
    <inclusiveGateway id="g"/>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="auto_check"/>
    <sequenceFlow id="f2" sourceRef="auto_check" targetRef="g"/>
    <sequenceFlow id="f3" sourceRef="g" targetRef="e"/>
  </process>
</definitions>`;

describe('the power list', () => {
  let server;
  let head;
  let dept;
  const base = () => ({
    code: '350582-SCJG-900', name: '测试许可事项', category: 'licensing',
    legal_basis: '《中华人民共和国行政许可法》第十二条', department_id: dept,
    statutory: { value: 20, unit: 'working_days' }, promised: { value: 10, unit: 'working_days' },
    fees: [{ name: '工本费', basis: '物价部门文件', amount_fen: 1000 }],
    materials: [{ name: '申请书', required: true, copies: 1 }],
  });

  before(async () => {
    server = await startServer({ demo: true });
    head = await login(server.url, 'head.scjg');
    dept = (await head.get('/api/v1/me')).json.department.id;
  });
  after(async () => server && server.stop());

  it('refuses a promised limit longer than the statutory one, and changes nothing', async () => {
    const before = (await head.get('/api/v1/matters')).json.total;
    const r = await head.post('/api/v1/matters', { ...base(), promised: { value: 25, unit: 'working_days' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.code, 'catalog.promised_exceeds_statutory');
    assert.equal(r.json.field, 'promised');
    const mixed = await head.post('/api/v1/matters', { ...base(), promised: { value: 5, unit: 'calendar_days' } });
    assert.equal(mixed.json.code, 'catalog.limit_unit_mismatch');
    const unknown = await head.post('/api/v1/matters', { ...base(), colour: 'red' });
    assert.equal(unknown.json.code, 'request.unknown_field');
    assert.equal((await head.get('/api/v1/matters')).json.total, before);
  });

  it('refuses a flow with unsupported elements, listing them', async () => {
    const r = await head.post('/api/v1/matters', { ...base(), flow_bpmn: unsupported });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.code, 'catalog.flow_unsupported');
    assert.equal(r.json.field, 'flow_bpmn');
    assert.match(r.json.detail, /serviceTask auto_check/);
    assert.match(r.json.detail, /inclusiveGateway g/);
  });

  it('keeps a case on the version it started on while a new version is published', async () => {
    const created = await head.post('/api/v1/matters', { ...base(), note: '首次发布' });
    assert.equal(created.status, 201, created.text);
    const mid = created.json.id;
    assert.equal(created.json.draft_version, 1);
    assert.equal(created.json.published_version, null);
    // Not published: not on the public list and nobody can apply.
    const pub = await new Client(server.url).get('/api/v1/public/matters?q=测试许可事项');
    assert.equal(pub.json.total, 0);
    const applicant = await login(server.url, 'applicant');
    const application = { matter_code: '350582-SCJG-900', applicant_kind: 'citizen',
                          applicant_code: '11010519491231002X', applicant_name: '张三' };
    assert.equal((await applicant.post('/api/v1/cases', application)).json.code, 'cases.unknown_matter');

    assert.equal((await head.post(`/api/v1/matters/${mid}/publish`)).status, 200);
    const first = await applicant.post('/api/v1/cases', application);
    assert.equal(first.status, 201, first.text);

    const edit = await head.put(`/api/v1/matters/${mid}/draft`,
                                { ...base(), promised: { value: 5, unit: 'working_days' }, note: '承诺时限压缩为5个工作日' });
    assert.equal(edit.status, 200, edit.text);
    assert.equal(edit.json.version, 2);
    assert.equal(edit.json.status, 'draft');
    assert.equal((await head.post(`/api/v1/matters/${mid}/publish`)).status, 200);
    const second = await applicant.post('/api/v1/cases', application);
    assert.notEqual(second.json.matter_version_id, first.json.matter_version_id);

    const clerk = await login(server.url, 'clerk.scjg');
    const a = await clerk.post(`/api/v1/cases/${first.json.id}/actions`, { action: 'accept' });
    const b = await clerk.post(`/api/v1/cases/${second.json.id}/actions`, { action: 'accept' });
    assert.equal(a.json.promised.limit.value, 10);  // the first case keeps version 1
    assert.equal(b.json.promised.limit.value, 5);

    const versions = await head.get(`/api/v1/matters/${mid}/versions`);
    assert.deepEqual(versions.json.items.map((v) => [v.version, v.status]),
                     [[2, 'published'], [1, 'superseded']]);
    assert.equal(versions.json.items[0].change_note, '承诺时限压缩为5个工作日');
    // The code and the department cannot change with an edit.
    const moved = await head.put(`/api/v1/matters/${mid}/draft`, { ...base(), code: '350582-SCJG-901' });
    assert.equal(moved.json.code, 'catalog.immutable_field');
    // Another department's head cannot edit it (it is outside their scope).
    const other = await login(server.url, 'head.zrzy');
    const r = await other.put(`/api/v1/matters/${mid}/draft`, base());
    assert.equal(r.status, 404);
  });

  it("publishes the demo city's power list with its service guides", async () => {
    const anyone = new Client(server.url);
    const list = await anyone.get('/api/v1/public/matters?page_size=100');
    assert.ok(list.json.total >= 30, `only ${list.json.total} matters`);
    const guide = await anyone.get('/api/v1/public/matters/350582-SCJG-001');
    assert.equal(guide.status, 200, guide.text);
    assert.equal(guide.json.definition.name, '食品经营许可');
    assert.ok(guide.json.definition.materials.length > 0);
    const licensing = await anyone.get('/api/v1/public/matters?category=licensing&page_size=100');
    assert.ok(licensing.json.items.every((m) => m.category === 'licensing'));
  });
});
