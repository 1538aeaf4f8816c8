// The working-day calendar for 2024: the Spring Festival holiday and its make-up workdays.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, Screenshot } from './browser.mjs';

describe('calendar', () => {
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

  it('2024 shows 春节 and a 班 day', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'sysadmin');
    await page.goto(`${server.url}/calendar?year=2024`);
    const springFestival = page.locator('.cell[data-date="2024-02-10"]');
    await springFestival.waitFor();
    assert.equal(await springFestival.getAttribute('data-kind'), 'holiday');
    assert.match(await springFestival.innerText(), /春节/);
    const makeup = page.locator('.cell[data-date="2024-02-04"]');
    assert.equal(await makeup.getAttribute('data-kind'), 'makeup-workday');
    assert.match(await makeup.innerText(), /班/);
    // An ordinary weekend with nothing declared is grey.
    assert.match(await page.locator('.cell[data-date="2024-03-02"]').getAttribute('class'), /weekend/);
    assert.equal(await page.locator('.month').count(), 12);
    await Screenshot(page, 'calendar-2024');
    await page.context().close();
  });
});
