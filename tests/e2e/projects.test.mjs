// 重点项目: the menu entry, the list of key projects, and one project's approvals with what
// blocks each of them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, MenuItems, Screenshot } from './browser.mjs';

describe('key projects', () => {
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

  it('the leader opens a project and sees its blocked approvals', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'leader');
    assert.ok((await MenuItems(page)).includes('重点项目'));
    await page.locator('.side-menu').getByText('重点项目', { exact: true }).click();
    await page.waitForURL(/\/cases\/projects$/);
    const row = page.locator('[data-test="projects-table"] .el-table__body tr', { hasText: '运动鞋智能制造项目' });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /32,000\.00 万元/);
    await row.first().locator('a').click();
    await page.waitForURL(/\/cases\/projects\/\d+$/);
    const table = page.locator('[data-test="project-cases"]');
    await table.locator('.el-table__body tr').first().waitFor();
    const text = await table.innerText();
    for (const word of ['建设用地规划许可证核发', '晋江市自然资源局', '已超过承诺时限', '等待申请人补正材料', '特别程序']) {
      assert.ok(text.includes(word), `the approvals show ${word}`);
    }
    await Screenshot(page, 'key-project');
    await page.context().close();
  });
});
