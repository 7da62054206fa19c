/**
 * The rules section's condition builder in chromium with JavaScript turned off (every button is a
 * form submit the server applies): a process owner builds the rule "VPN outage for VIPs is P1" —
 * an all-group with ticket category equal "network" and an any-group (requester VIP equal true, or
 * keywords containing any of vpn, tunnel), the event set-priority P1 — saves it and finds it in
 * the list where it applies (after the two priority-20 rules). A Polish process owner writes a
 * condition that can never hold (impact equal high and equal low in one all-group) and reads the
 * check's problem in Polish beside both tests; then deletes that rule after the confirmation.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkRulesFile } from '../../rules/checks.ts';
import { problemText } from '../../rules/problem-text.ts';
import type { RulesFile } from '../../rules/types.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';

describe('admin rules builder in a browser without JavaScript: build a rule from groups, see it in order, see an impossible condition beside its fields in Polish', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let draftUrl = '';

  before(async () => {
    stack = await isolatedStack('admin-rules-builder', undefined, { worker: false });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  async function signedIn(language: string, locale: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'process_owner', `rules-${language}`, language));
    return { context, page };
  }

  /** The draft's rules file as the raw view shows it (a plain text area without JavaScript). */
  async function draftFile(page: Page): Promise<RulesFile> {
    await page.goto(`${draftUrl}/raw`);
    return JSON.parse(await page.locator('#raw-source').inputValue()) as RulesFile;
  }

  it('builds "VPN outage for VIPs is P1" from an all-group and an any-group, saves it, and lists it where it applies', async () => {
    const { context, page } = await signedIn('en', 'en-GB');
    const t = await localeT('en', 'admin-rules');
    const admin = await localeT('en');
    await page.goto(`${stack.web.url}/admin`);
    await page.fill('#draft-title', 'VIP VPN outages');
    await page.click('#new-draft-submit');
    await page.waitForURL(/\/admin\/drafts\/\d+$/);
    draftUrl = page.url();

    await page.click('.sections a[href$="/rules"]');
    expect(await page.locator('h1').innerText()).to.equal(t('list.heading'));
    expect(await page.locator('#rules-table tbody tr[data-index]').count()).to.equal(8);

    await page.fill('#rule-add-name', 'VPN outage for VIPs is P1');
    await page.fill('#rule-add-priority', '15');
    await page.selectOption('#rule-add-type', 'set-priority');
    await page.click('#rule-add-submit');
    await page.waitForURL(/\/rules\/8$/);
    expect(await page.locator('#notice').innerText()).to.equal(t('notice.added', { name: 'VPN outage for VIPs is P1' }));
    expect(await page.locator('h1').innerText()).to.equal(t('rule.heading', { name: 'VPN outage for VIPs is P1' }));

    // The root all-group starts with one test to fill in: ticket category equal "network".
    expect(await page.locator('#cond-kind').inputValue()).to.equal('all');
    await page.selectOption('#cond-all-0-fact', 'ticket');
    await page.selectOption('#cond-all-0-path', '$.category');
    await page.selectOption('#cond-all-0-operator', 'equal');
    await page.fill('#cond-all-0-value', 'network');
    // Adding an any-group posts the form: what was typed is saved, the group comes back with a test to fill in.
    await page.click('#cond > .rules-adds button[value="add-any:all"]');
    await page.waitForURL(/#cond-all-1$/);
    expect(await page.locator('#cond-all-0-value').inputValue()).to.equal('network');
    expect(await page.locator('#cond-all-1 > legend').innerText()).to.equal(t('tree.numbered', { number: '2', words: t('tree.group.any') }));

    // A new fact shows its own properties once the form is posted (here by adding the group's second test).
    await page.selectOption('#cond-all-1-any-0-fact', 'requester');
    await page.click('#cond-all-1 > .rules-adds button[value="add-leaf:all.1.any"]');
    await page.selectOption('#cond-all-1-any-0-path', '$.vip');
    await page.selectOption('#cond-all-1-any-0-operator', 'equal');
    await page.fill('#cond-all-1-any-0-value', 'true');
    await page.selectOption('#cond-all-1-any-1-fact', 'keywords');
    await page.selectOption('#cond-all-1-any-1-operator', 'containsAny');
    await page.fill('#cond-all-1-any-1-value', 'vpn, tunnel');
    await page.selectOption('#ev-param-priority', 'P1');
    await page.click('#rule-save');
    expect(await page.locator('#notice').innerText()).to.equal(admin('notice.saved'));
    // Keywords have no properties: the path is free text, left empty.
    expect(await page.locator('#cond-all-1-any-1-path').inputValue()).to.equal('');
    expect(await page.locator('#error-summary').count()).to.equal(0);
    await screenshot(page, 'admin-rule-builder-en');

    const file = await draftFile(page);
    expect(file.rules[8]).to.deep.equal({
      name: 'VPN outage for VIPs is P1',
      priority: 15,
      conditions: { all: [
        { fact: 'ticket', path: '$.category', operator: 'equal', value: 'network' },
        { any: [
          { fact: 'requester', path: '$.vip', operator: 'equal', value: true },
          { fact: 'keywords', operator: 'containsAny', value: ['vpn', 'tunnel'] },
        ] },
      ] },
      event: { type: 'set-priority', params: { priority: 'P1' } },
    });

    // In the list: third, after the two rules of priority 20 and before those of priority 10.
    await page.goto(`${draftUrl}/rules`);
    const names = await page.locator('#rules-table tbody tr[data-index] .rule-name').allInnerTexts();
    expect(names.slice(0, 4)).to.deep.equal(['Major outage is P1', 'Major outage pages the duty manager', 'VPN outage for VIPs is P1', 'VIP first']);
    const row = page.locator('#rule-row-8');
    expect(await row.locator('.rules-order').innerText()).to.equal('3');
    expect(await row.locator('.rules-priority').innerText()).to.equal('15');
    expect(await row.locator('.rules-then').innerText()).to.include(t('words.event.set-priority', { priority: 'P1' }));
    // The one rule applied before it that sets the priority too is named: when both fire, it wins.
    expect(await row.locator('.rules-note').innerText()).to.equal(t('list.wins_one', { rules: t('words.quoted', { value: 'Major outage is P1' }), field: 'priority', count: 1 }));
    expect(await row.locator('.rules-conditions').innerText()).to.equal(
      `${t('words.leaf', { subject: t('words.subject', { fact: t('fact.ticket'), property: t('property.ticket.category') }), operator: t('operator.equal'), value: t('words.quoted', { value: 'network' }) })}${t('words.and')}(`
      + `${t('words.leaf', { subject: t('words.subject', { fact: t('fact.requester'), property: t('property.requester.vip') }), operator: t('operator.equal'), value: t('words.true') })}${t('words.or')}`
      + `${t('words.leaf', { subject: t('fact.keywords'), operator: t('operator.containsAny'), value: `${t('words.quoted', { value: 'vpn' })}, ${t('words.quoted', { value: 'tunnel' })}` })})`,
    );
    await screenshot(page, 'admin-rules-list-en');
    await context.close();
  });

  it('shows a condition that can never hold beside both of its tests, in Polish, and deletes the rule after a confirmation', async () => {
    const { context, page } = await signedIn('pl', 'pl-PL');
    const t = await localeT('pl', 'admin-rules');
    const rulesT = await localeT('pl', 'rules');
    await page.goto(`${draftUrl}/rules`);
    await page.fill('#rule-add-name', 'Wpływ wysoki i niski');
    await page.selectOption('#rule-add-type', 'add-tag');
    await page.click('#rule-add-submit');
    await page.waitForURL(/\/rules\/9$/);
    await page.selectOption('#cond-all-0-path', '$.impact');
    await page.fill('#cond-all-0-value', 'high');
    await page.click('#cond > .rules-adds button[value="add-leaf:all"]');
    await page.selectOption('#cond-all-1-path', '$.impact');
    await page.fill('#cond-all-1-value', 'low');
    await page.fill('#ev-param-tag', 'niemozliwe');
    await page.click('#rule-save');

    const file = await draftFile(page);
    const found = checkRulesFile(file).filter((p) => p.code === 'CONFLICTING_EQUALS');
    expect(found.map((p) => p.path)).to.deep.equal(['$.rules[9].conditions.all[1]']);
    const words = problemText(found[0]!, rulesT);
    expect(words).to.not.equal(found[0]!.message);

    await page.goto(`${draftUrl}/rules/9`);
    expect(await page.locator('h1').innerText()).to.equal(t('rule.heading', { name: 'Wpływ wysoki i niski' }));
    // Beside the second test (where the check puts it) and the first (the one it contradicts).
    for (const node of ['#cond-all-1', '#cond-all-0']) {
      const shown = page.locator(`${node} > .field-error[data-code="CONFLICTING_EQUALS"]`);
      expect(await shown.innerText()).to.include(words);
      const id = await shown.getAttribute('id');
      expect((await page.locator(`${node}-value`).getAttribute('aria-describedby'))?.split(' ')).to.include(id);
    }
    expect(await page.locator('#error-summary li[data-code="CONFLICTING_EQUALS"]').innerText()).to.equal(words);
    await screenshot(page, 'admin-rule-conflict-pl');

    // The list shows it beside the rule too; deleting asks first.
    await page.goto(`${draftUrl}/rules`);
    expect(await page.locator('#rule-problems-9 li[data-code="CONFLICTING_EQUALS"]').innerText()).to.include(words);
    await page.click('#rule-row-9 .rules-delete');
    expect(await page.locator('#rule-delete-confirm h2').innerText()).to.equal(t('delete.heading', { name: 'Wpływ wysoki i niski' }));
    expect(await page.locator('#rule-row-9').count()).to.equal(1);
    await page.click('#rule-delete-submit');
    expect(await page.locator('#notice').innerText()).to.equal(t('notice.deleted', { name: 'Wpływ wysoki i niski' }));
    expect(await page.locator('#rule-row-9').count()).to.equal(0);
    expect((await draftFile(page)).rules).to.have.length(9);
    await context.close();
  });
});
