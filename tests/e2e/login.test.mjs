// Signing in and out: the system admin's menu and users table, a wrong password, logout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, FillLogin, MenuItems, Screenshot } from './browser.mjs';

describe('login', () => {
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

  it('sysadmin sees the admin menu and the users table', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'sysadmin');
    const menu = await MenuItems(page);
    for (const item of ['工作台', '行政区划', '部门', '窗口', '用户管理', '工作日历']) {
      assert.ok(menu.includes(item), `menu has ${item}: ${menu.join(',')}`);
    }
    await page.locator('.side-menu').getByText('用户管理', { exact: true }).click();
    await page.waitForURL(/\/admin\/users$/);
    const rows = page.locator('[data-test="users-table"] .el-table__body tr');
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 0, 'users table has rows');
    assert.match(await page.locator('[data-test="users-table"]').innerText(), /sysadmin/);
    await Screenshot(page, 'sysadmin-users');
    await page.context().close();
  });

  it('a wrong password shows the error', async () => {
    const page = await NewPage(browser);
    await FillLogin(page, server.url, 'sysadmin', 'not-the-password');
    const error = page.locator('[data-test="login-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /用户名或密码错误/);
    assert.match(page.url(), /\/login/);
    await Screenshot(page, 'wrong-password');
    await page.context().close();
  });

  it('five wrong passwords lock the account and say so', async () => {
    const page = await NewPage(browser);
    const error = page.locator('[data-test="login-error"]');
    for (let i = 0; i < 5; i++) {
      await FillLogin(page, server.url, 'leader', `wrong-${i}`);
      await error.waitFor();
      assert.match(await error.innerText(), /用户名或密码错误|锁定/);
    }
    // The right password is refused while the account is locked.
    await FillLogin(page, server.url, 'leader');
    await page.waitForFunction(() => /锁定/.test(document.querySelector('[data-test="login-error"]')?.innerText || ''));
    assert.match(page.url(), /\/login/);
    await Screenshot(page, 'locked');
    await page.context().close();
  });

  it('logout returns to the login page and the session is gone', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'head.scjg');
    await page.locator('[data-test="logout"]').click();
    await page.waitForURL(/\/login/);
    await page.getByPlaceholder('用户名').waitFor();
    // The old session no longer opens the app.
    await page.goto(`${server.url}/calendar`);
    await page.waitForURL(/\/login/);
    await Screenshot(page, 'after-logout');
    await page.context().close();
  });
});
