// Browser helpers for the e2e tests: a headless system Chromium (never downloaded), sign-in,
// and screenshots written outside the repository.
import { chromium } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoPassword } from '../lib/server.mjs';

export const executablePath = process.env.XN_CHROMIUM || '/usr/bin/chromium';

export async function LaunchBrowser() {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu',
      '--disable-component-update', '--disable-sync'],
  });
}

// A fresh context (own cookies) and page at a desktop size, Chinese locale.
export async function NewPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  return page;
}

export async function FillLogin(page, url, username, password = demoPassword) {
  await page.goto(`${url}/login`);
  await page.getByPlaceholder('用户名').fill(username);
  await page.getByPlaceholder('密码').fill(password);
  await page.locator('[data-test="login-submit"]').click();
}

// Signs in and waits for the layout (the user's name in the header).
export async function Login(page, url, username, password = demoPassword) {
  await FillLogin(page, url, username, password);
  await page.locator('[data-test="user-name"]').waitFor();
}

export function MenuItems(page) {
  return page.locator('.side-menu .el-menu-item, .side-menu .el-sub-menu__title').allInnerTexts()
    .then((t) => t.map((s) => s.trim()));
}

export async function Screenshot(page, name) {
  const path = join(tmpdir(), `xiaoneng-e2e-${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
