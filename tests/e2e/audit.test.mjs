// The audit admin reads the audit log, which records sign-ins.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, MenuItems, Screenshot } from './browser.mjs';

describe('audit log', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ demo: true });
    browser = await LaunchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('auditadmin sees 审计日志 with the login events', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'auditadmin');
    const menu = await MenuItems(page);
    assert.ok(menu.includes('审计日志'), menu.join(','));
    assert.ok(!menu.includes('用户管理'), `audit admin does not manage users: ${menu.join(',')}`);

    await page.locator('.side-menu').getByText('审计日志', { exact: true }).click();
    await page.waitForURL(/\/audit$/);
    const rows = page.locator('[data-test="audit-table"] .el-table__body tr');
    await rows.first().waitFor();
    const text = await page.locator('[data-test="audit-table"]').innerText();
    assert.match(text, /auditadmin/, 'the audit admin\'s own sign-in is recorded');
    assert.match(text, /login/i, 'a login event kind is shown');
    await Screenshot(page, 'audit-log');
    await page.context().close();
  });
});
