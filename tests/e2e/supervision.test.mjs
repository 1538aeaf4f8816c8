// 电子监察 in the browser: the supervisor watches the console while a demo case passes its promised
// deadline on the fake clock; the 红牌 arrives without a reload, and its page explains the deadline
// arithmetic beside the case's timeline. Then the board, charts and rules pages open with data.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, Screenshot } from './browser.mjs';

// The clock moves in steps shorter than the 30-minute idle timeout, the page's session renewed
// after each, so that the console stays signed in across the hours it skips.
const kStepMinutes = 25;

async function Advance(url, minutes) {
  const res = await fetch(`${url}/api/v1/clock/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ minutes }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text).now_ms;
}

// An open case in progress whose promised deadline is still ahead: the nearest one.
async function NextDeadlineCase(api, nowMs) {
  const r = await api.get('/api/v1/cases?open=true&page_size=200');
  assert.equal(r.status, 200, r.text);
  const ahead = r.json.items
    .filter((c) => c.state === 'in_progress' && c.promised_deadline && Date.parse(c.promised_deadline) > nowMs)
    .sort((a, b) => Date.parse(a.promised_deadline) - Date.parse(b.promised_deadline));
  assert.ok(ahead.length, 'the demo city has a case in progress before its promised deadline');
  return ahead[0];
}

// The console's rows about CASE_NO with a 红牌 tag.
function RedRows(page, caseNo) {
  return page.locator('[data-test="alerts-table"] .el-table__body tr', { hasText: caseNo })
    .filter({ has: page.locator('[data-level="red"]') });
}

describe('supervision', () => {
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

  it('a case past its promised deadline appears as 红牌 in the console without a reload', async () => {
    const api = await login(server.url, 'supervisor');
    const clock = await api.get('/api/v1/clock');
    assert.equal(clock.status, 200, clock.text);
    const target = await NextDeadlineCase(api, clock.json.now_ms);
    const deadlineMs = Date.parse(target.promised_deadline);

    const page = await NewPage(browser);
    await Login(page, server.url, 'supervisor');
    await page.locator('.side-menu').getByText('监察台', { exact: true }).click();
    await page.waitForURL(/\/supervision$/);
    await page.locator('[data-test="alerts-table"]').waitFor();
    // Only the red ones: the clock's hours also raise reminders that would push the row down.
    await page.locator('[data-test="count-red"]').click();
    await page.waitForURL(/level=red/);
    await page.locator('[data-test="alerts-table"] .el-loading-mask').waitFor({ state: 'hidden' }).catch(() => {});
    assert.equal(await RedRows(page, target.case_no).count(), 0, 'no red alert for the case before its deadline');
    // Anything that reloads the page loses this mark.
    await page.evaluate(() => { window.xnSameDocument = true; });

    let now = clock.json.now_ms;
    while (now <= deadlineMs) {
      now = await Advance(server.url, kStepMinutes);
      const status = await page.evaluate(() => fetch('/api/v1/me', { credentials: 'same-origin' }).then((r) => r.status));
      assert.equal(status, 200, 'the console stays signed in');
    }

    const row = RedRows(page, target.case_no);
    await row.first().waitFor({ timeout: 20000 });
    assert.match(await row.first().innerText(), /红牌/);
    assert.match(await row.first().innerText(), /ES-02/);
    assert.equal(await page.evaluate(() => window.xnSameDocument), true, 'the page was not reloaded');
    assert.match(page.url(), /\/supervision\?level=red$/);
    await Screenshot(page, 'supervision-console');

    // The alert page: level, message, the arithmetic, the case's timeline and a way to the case.
    await row.first().locator('a', { hasText: '查看' }).click();
    await page.waitForURL(/\/supervision\/alerts\/\d+$/);
    await page.locator('[data-test="alert-level"]', { hasText: '红牌' }).waitFor();
    assert.match(await page.locator('[data-test="alert-message"]').innerText(), new RegExp(target.case_no));
    const explanation = (await page.locator('[data-test="alert-explanation"]').innerText()).trim();
    assert.ok(explanation.length > 10 && explanation !== '（无）', `an explanation: ${explanation}`);
    assert.match(explanation, /承诺/);
    assert.match(await page.locator('[data-test="timeline"]').innerText(), /受理/);
    // The supervisor (supervision.write) may open an order or close; explaining is the department's.
    await page.locator('[data-test="alert-order"]').waitFor();
    await page.locator('[data-test="alert-close"]').waitFor();
    assert.equal(await page.locator('[data-test="alert-explain"]').count(), 0);
    assert.equal(await page.locator('[data-test="alert-case-link"]').innerText(), target.case_no);
    await Screenshot(page, 'supervision-alert');
    await page.context().close();
  });

  it('the board, charts and rules pages show the supervision data', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'supervisor');
    await page.goto(`${server.url}/supervision/board`);
    await page.locator('[data-test="board-cards"] .dept').first().waitFor();
    await Screenshot(page, 'supervision-board');

    await page.goto(`${server.url}/supervision/charts`);
    await page.locator('[data-test="stats-table"]').waitFor();
    await page.locator('.el-loading-mask').first().waitFor({ state: 'hidden' }).catch(() => {});
    await Screenshot(page, 'supervision-charts');

    await page.goto(`${server.url}/supervision/rules`);
    const rules = page.locator('[data-test="rules-table"]');
    await rules.locator('tr', { hasText: 'ES-02' }).waitFor();
    await page.locator('[data-test="rules-version"]').waitFor();
    // A text that does not parse is refused with its line, shown beside the editor.
    await page.getByRole('tab', { name: '编辑规则' }).click();
    const editor = page.locator('[data-test="rules-editor"]');
    await editor.fill(`${await editor.inputValue()}\nrule BROKEN\n  level purple\nend\n`);
    await page.locator('[data-test="rules-note"]').fill('测试：错误的规则');
    await page.locator('[data-test="rules-save"]').click();
    const error = page.locator('[data-test="rules-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /第 \d+ 行/);
    await Screenshot(page, 'supervision-rules-error');
    await page.context().close();
  });
});
