// Materials (issue 3): stored with type and size limits and a SHA-256; an applicant never hands
// the same document twice: the same bytes are reused and say where they came from.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, login } from '../lib/server.mjs';

const pdf = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const application = { matter_code: '350582-SCJG-001', applicant_kind: 'enterprise',
                      applicant_code: '91350582MA2XYK123U', applicant_name: '晋江市恒达鞋业有限公司' };

async function upload(client, caseId, name, body, type = 'application/pdf') {
  const res = await fetch(`${client.url}/api/v1/materials?case_id=${caseId}&name=${encodeURIComponent(name)}`,
                          { method: 'POST', headers: { authorization: `Bearer ${client.token}`,
                                                       'content-type': type }, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

describe('materials', () => {
  let server;
  let applicant;
  let first;
  let second;
  before(async () => {
    server = await startServer({ demo: true });
    applicant = await login(server.url, 'applicant');
    first = (await applicant.post('/api/v1/cases', application)).json;
    second = (await applicant.post('/api/v1/cases', application)).json;
  });
  after(async () => server && server.stop());

  it('stores a PDF with its SHA-256 and serves the same bytes back', async () => {
    const r = await upload(applicant, first.id, '营业执照', pdf);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.sha256, createHash('sha256').update(pdf).digest('hex'));
    assert.equal(r.json.reused, false);
    assert.equal(r.json.trust, 'uploaded');
    const back = await fetch(`${server.url}/api/v1/cases/${first.id}/materials/${r.json.id}/content`,
                             { headers: { authorization: `Bearer ${applicant.token}` } });
    assert.equal(back.status, 200);
    assert.deepEqual(Buffer.from(await back.arrayBuffer()), pdf);
  });

  it('reuses the same document on the next case and says where it came from', async () => {
    const r = await upload(applicant, second.id, '营业执照', pdf);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.reused, true);
    assert.equal(r.json.source_case_no, first.case_no);
    const library = await applicant.get('/api/v1/materials?owner_code=91350582MA2XYK123U');
    assert.equal(library.json.total, 1);  // kept once
    const list = await applicant.get(`/api/v1/cases/${second.id}/materials`);
    assert.equal(list.json.items[0].reused, true);
  });

  it('refuses a file that is not what it says, too large, or of another type; nothing stored', async () => {
    const fake = await upload(applicant, first.id, '申请书', Buffer.from('hello'), 'application/pdf');
    assert.equal(fake.status, 400);
    assert.equal(fake.json.code, 'materials.type');
    const exe = await upload(applicant, first.id, '申请书', Buffer.from('MZ....'), 'application/x-msdownload');
    assert.equal(exe.json.code, 'materials.type');
    const big = Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(21 * 1024 * 1024)]);
    const tooBig = await upload(applicant, first.id, '申请书', big);
    assert.equal(tooBig.status, 413);
    const list = await applicant.get(`/api/v1/cases/${first.id}/materials`);
    assert.equal(list.json.total, 1);
  });

  it("keeps materials out of other departments' and applicants' reach", async () => {
    const other = await login(server.url, 'clerk.zrzy');
    const r = await other.get(`/api/v1/cases/${first.id}/materials`);
    assert.equal(r.status, 404);
    const agent = await login(server.url, 'agent');
    const lib = await agent.get('/api/v1/materials?owner_code=91350582MA2XYK123U');
    assert.equal(lib.json.total, 0);
  });
});
