// Exports and imports (issue 3, PRODUCT.md "Excel export of every list"): the power list as JSON
// and Excel, the JSON imported back as drafts (all or nothing, within the caller's scope), and
// the case, user and audit lists in Excel with the same filters and scope as the lists.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { startServer, login } from '../lib/server.mjs';
import { AssertProblem } from './helpers.mjs';

const kXlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// The entries of a ZIP archive by name, read from its central directory (APPNOTE.TXT 4.3).
function ReadZip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); --i) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  assert.ok(eocd >= 0, 'no end of central directory: not a ZIP');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let n = 0; n < count; ++n) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'bad central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    assert.equal(buf.readUInt32LE(local), 0x04034b50, `bad local header of ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    assert.ok(method === 0 || method === 8, `${name}: compression ${method}`);
    entries.set(name, () => (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

// GET PATH as raw bytes (the Client reads text, which would spoil a binary body).
async function Download(client, path) {
  const res = await fetch(client.url + path, { headers: { authorization: `Bearer ${client.token}` } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// An xlsx download: its type, its Chinese file name, and its workbook parts.
async function Xlsx(client, path, title) {
  const r = await Download(client, path);
  assert.equal(r.status, 200, r.body.toString('utf8'));
  assert.equal(r.headers.get('content-type'), kXlsxType);
  const cd = r.headers.get('content-disposition');
  const m = /filename\*=UTF-8''([^;]+)/.exec(cd);
  assert.ok(m, cd);
  assert.match(decodeURIComponent(m[1]), new RegExp(`^${title}-\\d{4}-\\d{2}-\\d{2}\\.xlsx$`));
  const zip = ReadZip(r.body);
  for (const part of ['[Content_Types].xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml',
                      'xl/sharedStrings.xml']) {
    assert.ok(zip.has(part), `${path}: no ${part} in ${[...zip.keys()]}`);
  }
  const strings = zip.get('xl/sharedStrings.xml')();
  const rows = (sheet) => (zip.get(`xl/worksheets/sheet${sheet}.xml`)().match(/<row /g) || []).length;
  return { zip, strings, workbook: zip.get('xl/workbook.xml')(), rows, headers: r.headers };
}

function AssertHas(text, words) {
  for (const w of words) assert.ok(text.includes(`>${w}<`), `no "${w}"`);
}

describe('exports and imports', () => {
  let server;
  let head;
  let dept;

  before(async () => {
    server = await startServer({ demo: true });
    head = await login(server.url, 'head.scjg');
    dept = (await head.get('/api/v1/me')).json.department.id;
  });
  after(async () => server && server.stop());

  const Catalog = async () => {
    const r = await head.get('/api/v1/matters/export?format=json');
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const Snapshot = async () => {
    const r = await head.get('/api/v1/matters?page_size=200');
    return { total: r.json.total,
             items: r.json.items.map((m) => [m.code, m.name, m.published_version, m.draft_version]) };
  };

  it('exports the power list in Excel: three sheets with their headers', async () => {
    const x = await Xlsx(head, '/api/v1/matters/export?format=xlsx', '权力清单');
    AssertHas(x.workbook.replace(/name="([^"]+)"/g, '>$1<'), ['事项', '材料', '收费']);
    AssertHas(x.strings, ['编码', '名称', '权力类别', '实施部门', '设定依据', '法定时限', '承诺时限',
                          '收费', '材料数', '现行版本', '事项编码', '材料名称', '必需', '份数', '说明',
                          '收费项目', '依据', '金额（元）']);
    const published = (await head.get('/api/v1/public/matters?page_size=200')).json.total;
    assert.equal(x.rows(1), published + 1);
    assert.ok(x.zip.has('xl/worksheets/sheet3.xml'));
  });

  it('exports the power list as JSON: every published matter, in the import format', async () => {
    const doc = await Catalog();
    assert.equal(doc.format, 'xiaoneng.catalog');
    assert.equal(doc.version, 1);
    assert.match(doc.exported_at, /^\d{4}-\d{2}-\d{2}T/);
    const published = (await head.get('/api/v1/public/matters?page_size=200')).json.total;
    assert.equal(doc.matters.length, published);
    for (const m of doc.matters) {
      for (const k of ['code', 'name', 'category', 'department_id', 'statutory', 'promised']) {
        assert.ok(k in m, `${m.code} lacks ${k}`);
      }
    }
  });

  it('refuses an unknown format', async () => {
    AssertProblem(await head.get('/api/v1/matters/export?format=csv'), 400, 'validation.parameter', 'format');
    const clerk = await login(server.url, 'clerk.scjg');
    AssertProblem(await clerk.get('/api/v1/cases/export?format=json'), 400, 'validation.parameter', 'format');
  });

  it('imports its own export back: existing codes as new drafts, new codes created as drafts',
     async () => {
       const mine = (await Catalog()).matters.filter((m) => m.department_id === dept);
       assert.ok(mine.length >= 2, `only ${mine.length} matters of the department`);
       const before = await Snapshot();
       const edited = { ...mine[0], name: `${mine[0].name}（导入修订）` };
       const fresh = { ...mine[1], code: '350582-SCJG-IMPORT-1', name: '导入新增事项', note: '由导入新建' };
       const r = await head.post('/api/v1/matters/import',
                                 { format: 'xiaoneng.catalog', version: 1,
                                   matters: [edited, ...mine.slice(1), fresh] });
       assert.equal(r.status, 200, r.text);
       assert.deepEqual(r.json, { created: 1, drafted: mine.length });
       const after = await Snapshot();
       assert.equal(after.total, before.total + 1);
       const row = (s, code) => s.items.find((i) => i[0] === code);
       // The version in force is untouched: the import is a draft until published.
       const was = row(before, mine[0].code);
       const now = row(after, mine[0].code);
       assert.equal(now[2], was[2]);
       assert.equal(now[3], was[2] + 1);
       const created = row(after, fresh.code);
       assert.deepEqual(created.slice(2), [null, 1]);
       const list = await head.get(`/api/v1/matters?q=${encodeURIComponent(mine[0].code)}`);
       const detail = await head.get(`/api/v1/matters/${list.json.items[0].id}`);
       assert.equal(detail.json.draft.definition.name, edited.name);
       assert.equal(detail.json.published.definition.name, mine[0].name);
       // The export still shows the versions in force only.
       assert.ok(!(await Catalog()).matters.some((m) => m.code === fresh.code));
     });

  it('refuses the whole import when one matter is invalid, naming it, and changes nothing',
     async () => {
       const mine = (await Catalog()).matters.filter((m) => m.department_id === dept);
       const before = await Snapshot();
       const fresh = { ...mine[0], code: '350582-SCJG-IMPORT-2', name: '不应被导入' };
       const bad = { ...mine[1], promised: { value: mine[1].statutory.value + 5,
                                             unit: mine[1].statutory.unit } };
       const r = await head.post('/api/v1/matters/import',
                                 { format: 'xiaoneng.catalog', version: 1,
                                   matters: [fresh, mine[0], mine[2] ?? mine[0], bad] });
       AssertProblem(r, 400, 'catalog.promised_exceeds_statutory', 'matters[3].promised');
       assert.deepEqual(await Snapshot(), before);
       // Malformed entries and documents are refused the same way.
       const unknown = await head.post('/api/v1/matters/import',
                                       { format: 'xiaoneng.catalog', version: 1,
                                         matters: [fresh, { ...mine[0], colour: 'red' }] });
       AssertProblem(unknown, 400, 'request.unknown_field', 'matters[1].colour');
       const twice = await head.post('/api/v1/matters/import',
                                     { format: 'xiaoneng.catalog', version: 1, matters: [fresh, fresh] });
       AssertProblem(twice, 400, 'catalog.import_duplicate_code', 'matters[1].code');
       AssertProblem(await head.post('/api/v1/matters/import', { format: 'other', version: 1, matters: [] }),
                     400, undefined, 'format');
       AssertProblem(await head.post('/api/v1/matters/import', { format: 'xiaoneng.catalog', version: 2,
                                                                 matters: [] }),
                     400, undefined, 'version');
       assert.deepEqual(await Snapshot(), before);
     });

  it("refuses an import into another department's scope", async () => {
    const scjg = (await Catalog()).matters.filter((m) => m.department_id === dept);
    const before = await Snapshot();
    const other = await login(server.url, 'head.zrzy');
    const r = await other.post('/api/v1/matters/import',
                               { format: 'xiaoneng.catalog', version: 1,
                                 matters: [{ ...scjg[0], name: '越权修改' }] });
    AssertProblem(r, 400, 'catalog.department_out_of_scope', 'matters[0].department_id');
    // Without catalog.write, no import at all.
    const clerk = await login(server.url, 'clerk.scjg');
    const denied = await clerk.post('/api/v1/matters/import',
                                    { format: 'xiaoneng.catalog', version: 1, matters: [scjg[0]] });
    assert.equal(denied.status, 403, denied.text);
    assert.deepEqual(await Snapshot(), before);
  });

  it('exports the case list with as many rows as the list has, for the same filters', async () => {
    const clerk = await login(server.url, 'clerk.scjg');
    for (const filter of ['', 'state=in_progress', 'open=true', `q=${encodeURIComponent('SCJG')}`]) {
      const list = await clerk.get(`/api/v1/cases?page_size=1&${filter}`);
      assert.equal(list.status, 200, list.text);
      const x = await Xlsx(clerk, `/api/v1/cases/export?format=xlsx&${filter}`, '办件');
      assert.equal(x.rows(1) - 1, list.json.total, filter);
      assert.equal(x.headers.get('x-total-count'), String(list.json.total));
    }
    const x = await Xlsx(clerk, '/api/v1/cases/export', '办件');
    AssertHas(x.strings, ['办件编号', '事项', '部门', '申请人', '状态', '申报时间', '承诺期限', '法定期限',
                          '红黄绿灯']);
    assert.ok(x.rows(1) > 1, 'the demo department has cases');
    AssertProblem(await clerk.get('/api/v1/cases/export?state=nonsense'), 400, 'validation.parameter', 'state');
  });

  it('exports the users (scoped) and the audit log (filtered) in Excel', async () => {
    const sys = await login(server.url, 'sysadmin');
    const users = await sys.get('/api/v1/users?page_size=1');
    const xu = await Xlsx(sys, '/api/v1/users/export?format=xlsx', '用户');
    assert.equal(xu.rows(1) - 1, users.json.total);
    AssertHas(xu.strings, ['用户名', '姓名', '部门', '角色', '状态', 'head.scjg']);

    const audit = await login(server.url, 'auditadmin');
    const list = await audit.get('/api/v1/audit-log?page_size=1&kind=auth.');
    const xa = await Xlsx(audit, '/api/v1/audit-log/export?format=xlsx&kind=auth.', '审计日志');
    assert.equal(xa.rows(1) - 1, list.json.total);
    AssertHas(xa.strings, ['序号', '时间', '操作者', '事件类型', '详情']);
    AssertProblem(await audit.get('/api/v1/audit-log/export?from=yesterday'), 400, 'validation.parameter', 'from');
    // The audit log is the audit admin's alone.
    assert.equal((await sys.get('/api/v1/audit-log/export')).status, 403);
  });
});
