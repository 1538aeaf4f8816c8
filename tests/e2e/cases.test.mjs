// An application from the portal to delivery, through every hand it passes; the case page's
// day-by-day deadline explanation across the 2024 Spring Festival; and no personal data on the
// public pages.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { LaunchBrowser, NewPage, Login, Screenshot } from './browser.mjs';
import { demoPassword } from '../lib/server.mjs';

const kMatter = '350582-SCJG-001';
const kApplicantName = '晋江市海滨食品有限公司';
const kApplicantCode = '91350582MA2XYK123U';

// Opens a case from 我的待办 by its number.
async function OpenFromInbox(page, url, caseNo) {
  await page.goto(`${url}/cases/inbox`);
  const row = page.locator('[data-test="inbox-table"] .el-table__body tr', { hasText: caseNo });
  await row.first().waitFor();
  await row.first().locator('a', { hasText: caseNo }).click();
  await page.waitForURL(/\/cases\/\d+/);
  await page.locator('[data-test="case-no"]', { hasText: caseNo }).waitFor();
}

async function ConfirmBox(page, name) {
  await page.locator('.el-message-box').getByRole('button', { name }).click();
}

async function WaitState(page, title) {
  await page.locator('[data-test="case-state"]', { hasText: title }).waitFor();
}

describe('cases', () => {
  let server;
  let browser;
  let caseNo = '';
  let queryCode = '';
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true, extraArgs: ['--clock-start', '2024-02-01T09:00'] });
    browser = await LaunchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an application goes from the portal to delivery', async () => {
    // The applicant finds the guide from the login page, without signing in.
    const page = await NewPage(browser);
    await page.goto(`${server.url}/login`);
    await page.locator('[data-test="login-portal"]').click();
    await page.waitForURL(/\/portal$/);
    await page.getByText('晋江市网上办事大厅').first().waitFor();
    await page.locator('[data-test="portal-search"]').fill('食品经营');
    await page.keyboard.press('Enter');
    const link = page.locator('[data-test="power-list"] a', { hasText: '食品经营许可' });
    await link.first().waitFor();
    await link.first().click();
    await page.waitForURL(new RegExp(`/portal/matters/${kMatter}$`));
    await page.locator('[data-test="guide-title"]', { hasText: '食品经营许可' }).waitFor();
    assert.match(await page.locator('[data-test="statutory"]').innerText(), /20 个工作日/);
    assert.match(await page.locator('[data-test="promised"]').innerText(), /10 个工作日/);
    assert.match(await page.locator('[data-test="materials"]').innerText(), /营业执照/);
    await page.locator('[data-test="default-flow"]').waitFor();
    await Screenshot(page, 'portal-guide');

    // 在线申报 asks for a login first, then comes back to the form for this matter.
    await page.locator('[data-test="apply-online"]').click();
    await page.waitForURL(/\/login\?/);
    await page.getByPlaceholder('用户名').fill('applicant');
    await page.getByPlaceholder('密码').fill(demoPassword);
    await page.locator('[data-test="login-submit"]').click();
    await page.waitForURL(/\/cases\/apply\?matter=/);
    await page.locator('[data-test="apply-form"]').waitFor();

    // A wrong check character is caught before the server is asked.
    const code = page.locator('[data-test="apply-code"]');
    await code.fill('91350582MA2XYK1230');
    await code.blur();
    await page.getByText('校验码不符').first().waitFor();
    await code.fill(kApplicantCode);
    await code.blur();
    await page.locator('[data-test="apply-name"]').fill(kApplicantName);
    await page.locator('[data-test="apply-phone"]').fill('13905951234');
    await page.locator('[data-test="apply-submit"]').click();
    await page.locator('[data-test="receipt"]').waitFor();
    caseNo = (await page.locator('[data-test="receipt-case-no"]').innerText()).trim();
    queryCode = (await page.locator('[data-test="receipt-query-code"]').innerText()).trim();
    assert.match(caseNo, /^350582-SCJG-001/);
    assert.match(queryCode, /^\d{6}$/);
    await Screenshot(page, 'apply-receipt');
    await page.context().close();

    // The window clerk sees it in 我的待办 and accepts it.
    const clerk = await NewPage(browser);
    await Login(clerk, server.url, 'clerk.scjg');
    await clerk.goto(`${server.url}/cases/inbox`);
    const row = clerk.locator('[data-test="inbox-table"] .el-table__body tr', { hasText: caseNo });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /待受理/);
    await Screenshot(clerk, 'inbox');
    await OpenFromInbox(clerk, server.url, caseNo);
    await clerk.locator('[data-test="action-accept"]').click();
    await ConfirmBox(clerk, '受理');
    await WaitState(clerk, '办理中');
    assert.match(await clerk.locator('[data-test="promised-deadline"]').innerText(), /2024-02-20 24:00/);

    // The handler completes 审核.
    const handler = await NewPage(browser);
    await Login(handler, server.url, 'handler.scjg');
    await OpenFromInbox(handler, server.url, caseNo);
    await handler.locator('[data-test="action-step-review"]').click();
    await handler.locator('[data-test="step-opinion"]').fill('材料齐全，符合条件，同意。');
    await handler.locator('[data-test="action-confirm"]').click();
    await handler.locator('.el-timeline', { hasText: '环节办结' }).waitFor();
    await handler.context().close();

    // The department head completes 审批 and concludes 准予.
    const head = await NewPage(browser);
    await Login(head, server.url, 'head.scjg');
    await OpenFromInbox(head, server.url, caseNo);
    await head.locator('[data-test="action-step-approve"]').click();
    await head.locator('[data-test="step-opinion"]').fill('同意。');
    await head.locator('[data-test="action-confirm"]').click();
    await WaitState(head, '待决定');
    await head.locator('[data-test="action-conclude"]').click();
    await head.locator('[data-test="decision"]').getByText('准予许可').click();
    await head.locator('[data-test="decision-reason"]').fill('符合《食品经营许可管理办法》规定的条件');
    await head.locator('[data-test="action-confirm"]').click();
    await WaitState(head, '已办结');
    await head.context().close();

    // The clerk delivers.
    await OpenFromInbox(clerk, server.url, caseNo);
    await clerk.locator('[data-test="action-deliver"]').click();
    await clerk.locator('[data-test="action-confirm"]').click();
    await WaitState(clerk, '已送达');
    const timeline = await clerk.locator('[data-test="timeline"]').innerText();
    for (const word of ['申报', '受理', '环节办结', '办结', '送达']) assert.ok(timeline.includes(word), `timeline has ${word}`);
    await Screenshot(clerk, 'case-delivered');
    await clerk.context().close();

    // Anyone with the number and the query code sees 已送达, and nothing personal.
    const pub = await NewPage(browser);
    await pub.goto(`${server.url}/portal/query`);
    await pub.locator('[data-test="query-case-no"]').fill(caseNo);
    await pub.locator('[data-test="query-code"]').fill(queryCode);
    await pub.locator('[data-test="query-submit"]').click();
    await pub.locator('[data-test="query-state"]', { hasText: '已送达' }).waitFor();
    const body = await pub.locator('body').innerText();
    assert.ok(!body.includes(kApplicantName), 'the applicant name is not shown');
    assert.ok(!body.includes(kApplicantCode), 'the applicant code is not shown');
    assert.ok(!body.includes('13905951234'), 'the phone number is not shown');
    await Screenshot(pub, 'portal-query');

    // A wrong query code shows nothing but the error.
    await pub.locator('[data-test="query-code"]').fill('000000');
    await pub.locator('[data-test="query-submit"]').click();
    await pub.locator('[data-test="query-error"]').waitFor();
    assert.equal(await pub.locator('[data-test="query-result"]').count(), 0);
    await pub.context().close();
  });

  it('the 时限说明 tab explains the Spring Festival for a case accepted on 2024-02-01', async () => {
    assert.ok(caseNo, 'the first test made a case');
    const page = await NewPage(browser);
    await Login(page, server.url, 'clerk.scjg');
    await page.goto(`${server.url}/cases?q=${encodeURIComponent(caseNo)}`);
    const row = page.locator('[data-test="cases-table"] .el-table__body tr', { hasText: caseNo });
    await row.first().waitFor();
    await row.first().locator('a').click();
    await page.waitForURL(/\/cases\/\d+/);
    await page.getByRole('tab', { name: '时限说明' }).click();
    const promised = page.locator('[data-test="deadline-promised"]');
    await promised.waitFor();
    const holiday = promised.locator('.cell[data-date="2024-02-10"]');
    assert.equal(await holiday.getAttribute('data-kind'), 'holiday');
    assert.match(await holiday.innerText(), /春节/);
    const makeup = promised.locator('.cell[data-date="2024-02-04"]');
    assert.equal(await makeup.getAttribute('data-kind'), 'makeup-workday');
    assert.match(await makeup.innerText(), /班/);
    assert.match(await makeup.innerText(), /第2个工作日/);
    // 10 working days from 2024-02-01: the 10th is 2024-02-20, the deadline day.
    const due = promised.locator('.cell[data-date="2024-02-20"]');
    assert.match(await due.getAttribute('class'), /deadline/);
    assert.match(await due.innerText(), /第10个工作日/);
    assert.match(await promised.innerText(), /起算当日不计/);
    await Screenshot(page, 'case-deadline');
    await page.getByRole('tab', { name: '流程图' }).click();
    await page.locator('[data-test="default-flow"]').waitFor();
    await page.context().close();
  });

  it('the power-list admin shows versions and saves a draft', async () => {
    const page = await NewPage(browser);
    await Login(page, server.url, 'head.scjg');
    await page.locator('.side-menu').getByText('权力清单', { exact: true }).click();
    await page.waitForURL(/\/catalog$/);
    await page.locator(`[data-test="matter-open-${kMatter}"]`).click();
    await page.locator('[data-test="matter-name"]').waitFor();
    assert.equal(await page.locator('[data-test="matter-name"]').inputValue(), '食品经营许可');
    await page.locator('[data-test="change-note"]').fill('补充受理条件');
    await page.locator('[data-test="save-draft"]').click();
    await page.locator('[data-test="draft-tag"]', { hasText: '草稿 v2' }).waitFor();
    await page.getByRole('tab', { name: '版本记录' }).click();
    const versions = await page.locator('[data-test="versions-table"]').innerText();
    assert.match(versions, /补充受理条件/);
    assert.match(versions, /首次发布/);
    await Screenshot(page, 'catalog-versions');
    await page.context().close();
  });
});
