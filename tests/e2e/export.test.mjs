// 导出Excel: the export buttons are download links carrying the page's filters; what they give
// is an .xlsx workbook (a ZIP file: it starts with 'PK').
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, Screenshot } from './browser.mjs';

async function Download(page) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-test="export-xlsx"]').click(),
  ]);
  const bytes = readFileSync(await download.path());
  return { name: download.suggestedFilename(), bytes };
}

describe('export', () => {
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

  it('the case list exports its filtered cases as xlsx', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'leader');
    await page.goto(`${server.url}/cases`);
    await page.locator('[data-test="cases-table"] .el-table__body tr').first().waitFor();
    await page.locator('[data-test="cases-q"]').fill('食品');
    const href = await page.locator('[data-test="export-xlsx"]').getAttribute('href');
    assert.match(href, /^\/api\/v1\/cases\/export\?/);
    assert.match(href, /format=xlsx/);
    assert.match(decodeURIComponent(href), /q=食品/);
    await Screenshot(page, 'cases-export');
    const { name, bytes } = await Download(page);
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    assert.match(name, /\.xlsx$/);
    await page.context().close();
  });

  it('the users, audit log and power list pages export xlsx', async () => {
    for (const [user, path] of [['sysadmin', '/admin/users'], ['auditadmin', '/audit'], ['sysadmin', '/catalog']]) {
      const page = await NewPage(browser);
      await Login(page, server.url, user);
      await page.goto(`${server.url}${path}`);
      await page.locator('[data-test="export-xlsx"]').waitFor();
      const { bytes } = await Download(page);
      assert.equal(bytes.subarray(0, 2).toString(), 'PK', `${path} exports a workbook`);
      await page.context().close();
    }
  });
});
