// A window clerk sees only what the clerk's permissions allow; a typed URL shows 无权访问.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, MenuItems, Screenshot } from './browser.mjs';

describe('permissions', () => {
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

  it('clerk has no 用户管理 and /admin/users shows 无权访问', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'clerk.scjg');
    const menu = await MenuItems(page);
    assert.ok(menu.includes('工作台'), menu.join(','));
    assert.ok(!menu.includes('用户管理'), `no 用户管理: ${menu.join(',')}`);
    assert.ok(!menu.includes('审计日志'), `no 审计日志: ${menu.join(',')}`);

    await page.goto(`${server.url}/admin/users`);
    await page.getByText('无权访问').first().waitFor();
    assert.match(page.url(), /\/admin\/users$/);
    assert.equal(await page.locator('[data-test="users-table"]').count(), 0, 'users table not rendered');
    await Screenshot(page, 'clerk-forbidden');
    await page.context().close();
  });

  it('an unknown path inside the app shows 页面不存在', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'clerk.scjg');
    await page.goto(`${server.url}/no/such/page`);
    await page.getByText('页面不存在').first().waitFor();
    await page.context().close();
  });
});
