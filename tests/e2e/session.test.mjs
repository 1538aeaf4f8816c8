// An idle session expires after 30 minutes: the next action returns to the login page with
// 登录已超时，请重新登录. Time is moved by the server's fake clock, never by sleeping.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, Screenshot } from './browser.mjs';

async function AdvanceClock(url, minutes) {
  const res = await fetch(`${url}/api/v1/clock/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ minutes }),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('session expiry', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    browser = await LaunchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an idle session sends the user to the login page with the timeout message', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'sysadmin');
    await AdvanceClock(server.url, 31);
    await page.locator('.side-menu').getByText('工作日历', { exact: true }).click();
    const notice = page.locator('[data-test="login-notice"]');
    await notice.waitFor();
    assert.match(await notice.innerText(), /登录已超时，请重新登录/);
    assert.match(page.url(), /\/login\?/);
    // Signing in again returns to the page the user was opening.
    await page.getByPlaceholder('用户名').fill('sysadmin');
    await page.getByPlaceholder('密码').fill('Xiaoneng@2026demo');
    await page.locator('[data-test="login-submit"]').click();
    await page.waitForURL(/\/calendar$/);
    await Screenshot(page, 'session-expired-relogin');
    await page.context().close();
  });
});
