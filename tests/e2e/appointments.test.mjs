// 预约办事: anyone sees a window's free seats; booking asks for a login and comes back; the
// booking shows in 我的预约 and can be cancelled, giving the seat back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoPassword } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Screenshot } from './browser.mjs';

describe('appointments', () => {
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

  it('an applicant books a slot at the market regulation window and cancels it', async () => {
    const page = await NewPage(browser);
    await page.goto(`${server.url}/portal`);
    await page.locator('[data-test="portal-appointments"]').click();
    await page.waitForURL(/\/portal\/appointments/);
    await page.locator('[data-test="appt-window"]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '市场监管局窗口' }).click();
    const grid = page.locator('[data-test="slot-grid"]');
    await grid.waitFor();
    assert.match(await grid.innerText(), /2月2日/);
    await Screenshot(page, 'appointments-public');

    // Booking needs a login, which comes back to the same window.
    const slot = grid.locator('[data-test^="slot-"]').first();
    const slotTest = await slot.getAttribute('data-test');
    assert.match(await slot.innerText(), /余 3/);
    await slot.click();
    await page.waitForURL(/\/login\?/);
    await page.getByPlaceholder('用户名').fill('applicant');
    await page.getByPlaceholder('密码').fill(demoPassword);
    await page.locator('[data-test="login-submit"]').click();
    await page.waitForURL(/\/portal\/appointments\?window=/);
    await page.locator(`[data-test="${slotTest}"]`).click();
    await page.locator('[data-test="book-matter"]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '食品经营许可' }).click();
    await page.locator('[data-test="book-phone"]').fill('13905951234');
    await page.locator('[data-test="book-confirm"]').click();

    const row = page.locator('[data-test="my-appointments-table"] .el-table__body tr', { hasText: '市场监管局窗口' });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /已预约/);
    assert.match(await row.first().innerText(), /食品经营许可/);
    await page.locator(`[data-test="${slotTest}"]`, { hasText: '余 2' }).waitFor();
    await Screenshot(page, 'appointments-booked');

    await row.first().locator('[data-test="appt-cancel"]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '取消预约' }).click();
    await page.locator('[data-test="my-appointments-table"] .el-table__body tr', { hasText: '已取消' }).waitFor();
    await page.locator(`[data-test="${slotTest}"]`, { hasText: '余 3' }).waitFor();
    await page.context().close();
  });
});
