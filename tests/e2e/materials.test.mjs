// 申请材料: the applicant uploads a PDF on one case, then the same file on a second case, which
// is kept once and shown as 复用 with the first case's number as its source.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, Screenshot } from './browser.mjs';

const kMatter = '350582-SCJG-001';
const kApplicantName = '晋江市海滨食品有限公司';
const kApplicantCode = '91350582MA2XYK123U';

// Applies for the matter from the form; returns {caseNo, href} from the receipt.
async function Apply(page, url) {
  await page.goto(`${url}/cases/apply?matter=${kMatter}`);
  await page.locator('[data-test="apply-form"]').waitFor();
  await page.locator('[data-test="apply-code"]').fill(kApplicantCode);
  await page.locator('[data-test="apply-name"]').fill(kApplicantName);
  await page.locator('[data-test="apply-submit"]').click();
  await page.locator('[data-test="receipt"]').waitFor();
  const caseNo = (await page.locator('[data-test="receipt-case-no"]').innerText()).trim();
  await page.locator('[data-test="receipt-materials-hint"]').waitFor();
  return caseNo;
}

async function UploadFirstRequirement(page, file) {
  await page.locator('[data-test="materials-tab"]').waitFor();
  const first = page.locator('[data-test="material-requirements"] .el-table__body tr').first();
  await first.waitFor();
  const name = (await first.locator('td').first().innerText()).trim();
  const chooser = page.waitForEvent('filechooser');
  await first.locator('[data-test^="upload-"]').click();
  await (await chooser).setFiles(file);
  await page.locator('[data-test="materials-table"] .el-table__body tr', { hasText: name }).waitFor();
  return name;
}

describe('materials', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true, extraArgs: ['--clock-start', '2024-02-01T09:00'] });
    browser = await LaunchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a PDF uploaded on one case is reused on the next, with its source case', async () => {
    const pdf = join(tmpdir(), 'xiaoneng-e2e-license.pdf');
    writeFileSync(pdf, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const page = await NewPage(browser);
    await Login(page, server.url, 'applicant');

    const first = await Apply(page, server.url);
    await Screenshot(page, 'receipt-materials-hint');
    await page.locator('[data-test="receipt-upload-link"]').click();
    await page.waitForURL(/\/cases\/\d+\?tab=materials/);
    await page.locator('[data-test="case-no"]', { hasText: first }).waitFor();
    const name = await UploadFirstRequirement(page, pdf);
    const row1 = page.locator('[data-test="materials-table"] .el-table__body tr', { hasText: name });
    assert.equal(await row1.locator('[data-test="material-reused"]').count(), 0, 'a first upload is not reused');
    assert.match(await row1.innerText(), /上传核验/);
    const req = page.locator('[data-test="material-requirements"] .el-table__body tr', { hasText: name });
    assert.match(await req.innerText(), /已提交/);
    const href = await row1.locator('[data-test="material-download"]').getAttribute('href');
    const res = await page.request.get(`${server.url}${href}`);
    assert.equal(res.status(), 200);
    assert.equal((await res.body()).subarray(0, 4).toString(), '%PDF');

    const second = await Apply(page, server.url);
    assert.notEqual(second, first);
    await page.locator('[data-test="receipt-upload-link"]').click();
    await page.locator('[data-test="case-no"]', { hasText: second }).waitFor();
    await UploadFirstRequirement(page, pdf);
    const row2 = page.locator('[data-test="materials-table"] .el-table__body tr', { hasText: name });
    await row2.locator('[data-test="material-reused"]').waitFor();
    assert.equal((await row2.locator('[data-test="material-source"]').innerText()).trim(), first);
    await Screenshot(page, 'case-materials-reused');

    // The library offers the same material for one-click reuse.
    await page.locator('[data-test="reuse-open"]').click();
    const lib = page.locator('[data-test="library-table"] .el-table__body tr', { hasText: first });
    await lib.first().waitFor();
    await Screenshot(page, 'materials-library');
    // The file is on this case already: the library says so instead of offering it again.
    await lib.first().locator('[data-test="library-attached"]').waitFor();
    await page.context().close();
  });
});
