/**
 * The admins' integrations page and each staff member's notification settings, in chromium, in
 * Polish, English and German. An admin opens the integrations from the admin home; a private
 * address is refused beside its field in their language and nothing is saved; a receiver the test
 * runs (let through by HELPDESK_OUTBOUND_ALLOW) is registered, its page shows the signing secret;
 * a ticket's event appears in the delivery log with its attempt (HTTP 204), a replay adds a
 * delivery with the same webhook-id, disabling shows the state; an SMS alert and a duty manager are
 * saved. An agent sets their phone number and choices on /staff/notifications: a number that is
 * not one is refused beside its field, a good one is saved and shown again. The pages pass axe.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, onCleanup, type IsolatedStack } from '../support/env.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.ts';
import { startTestMailServer } from '../support/mail.ts';
import { makeUser } from '../support/staff.ts';
import { openTicket } from '../support/tickets.ts';
import { waitFor } from '../support/processes.ts';

const LANGUAGES = [
  { language: 'pl', locale: 'pl-PL' },
  { language: 'en', locale: 'en-GB' },
  { language: 'de', locale: 'de-DE' },
] as const;

async function axe(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).to.deep.equal([]);
}

describe('integrations and notification settings in the browser (pl, en, de)', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let hooks: HttpReceiver;
  let browser: Browser;

  before(async () => {
    const mail = await startTestMailServer();
    onCleanup(() => mail.close());
    hooks = await startHttpReceiver(() => ({ status: 204 }));
    onCleanup(() => hooks.close());
    stack = await isolatedStack('integrations-ui', undefined, { env: { HELPDESK_SMTP_URL: mail.sink.url, HELPDESK_OUTBOUND_ALLOW: '127.0.0.1' } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const { language, locale } of LANGUAGES) {
    describe(`in ${language}`, () => {
      let context: BrowserContext;
      let page: Page;

      before(async () => {
        context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
        page = await context.newPage();
      });

      after(async () => {
        await context?.close();
      });

      it('an admin registers a webhook endpoint (a private address refused first), sees its secret and its delivery log, replays a delivery and disables it', async () => {
        const t = await localeT(language, 'admin-integrations');
        const admin = await makeUser(stack.db, 'admin', `hooks-admin-${language}`, language);
        await signInStaffInBrowser(page, stack.web.url, admin);
        await page.click('nav a[href="/admin"]');
        expect(await page.locator('#integrations-heading').innerText()).to.equal(t('home.heading'));
        await page.click('#integrations-link');
        expect(await page.locator('h1').innerText()).to.equal(t('heading'));
        await axe(page);

        // A private address: refused beside its field, in the admin's language; nothing saved.
        const before = (await stack.db.webhooks.endpoints()).length;
        await page.fill('#endpoint-name', `Ops ${language}`);
        await page.fill('#endpoint-url', 'http://10.20.30.40/hook');
        await page.check('#event-created');
        await page.click('#add-endpoint-submit');
        expect(await page.locator('#endpoint-url-problem').innerText()).to.equal(t('api:field.integrations.url.private', { host: '10.20.30.40' }));
        expect(await page.locator('#endpoint-url').getAttribute('aria-invalid')).to.equal('true');
        expect(await page.locator('#error-summary li').count()).to.equal(1);
        expect((await stack.db.webhooks.endpoints()).length).to.equal(before);
        // What was typed stays, the box stays ticked.
        expect(await page.locator('#endpoint-name').inputValue()).to.equal(`Ops ${language}`);
        expect(await page.locator('#event-created').isChecked()).to.equal(true);

        await page.fill('#endpoint-url', `${hooks.url}/${language}`);
        await page.click('#add-endpoint-submit');
        expect(await page.locator('h1').innerText()).to.equal(`Ops ${language}`);
        const secret = await page.locator('#endpoint-secret').innerText();
        expect(secret).to.match(/^whsec_/);
        expect(await page.locator('#no-deliveries').innerText()).to.equal(t('endpoint.logNone'));
        await axe(page);

        const number = await openTicket(stack, { title: `Webhook ticket ${language}`, impact: 'low', urgency: 'low' });
        const [first] = await hooks.waitFor('the delivery', (r) => r.path === `/${language}` && r.body.includes(number), 1, 20_000);
        await waitFor('the delivery marked', async () => (await stack.db.webhooks.log((await stack.db.webhooks.endpoints()).find((e) => e.name === `Ops ${language}`)!.id)).some((d) => d.status === 'delivered') || undefined, 10_000);
        await page.reload();
        const row = page.locator('#deliveries tbody tr').first();
        expect(await row.getAttribute('data-status')).to.equal('delivered');
        expect(await row.locator('th').innerText()).to.equal('ticket.created');
        expect(await row.locator('ol.attempts li').innerText()).to.include(t('endpoint.attemptStatus', { status: 204, ms: 0 }).split(' ')[0]).and.include('204');
        if (language === 'en') await screenshot(page, 'admin-integration-endpoint');

        await row.locator('button[data-replay]').click();
        expect(await page.locator('#done').innerText()).to.equal(t('endpoint.replayed'));
        const replays = await hooks.waitFor('the replay', (r) => r.path === `/${language}` && r.body.includes(number), 2, 20_000);
        expect(replays[1]!.headers['webhook-id']).to.equal(first!.headers['webhook-id']);

        await page.click('#disable-endpoint');
        expect(await page.locator('#endpoint-state').getAttribute('data-enabled')).to.equal('false');
        expect(await page.locator('#done').innerText()).to.equal(t('endpoint.stateChanged'));
        await page.click('#enable-endpoint');
        expect(await page.locator('#endpoint-state').getAttribute('data-enabled')).to.equal('true');
      });

      it('an admin adds an SMS alert for P1 breaches to the duty managers and names a duty manager', async () => {
        const t = await localeT(language, 'admin-integrations');
        const duty = await makeUser(stack.db, 'agent', `duty-${language}`, language);
        await page.goto(`${stack.web.url}/admin/integrations`);
        // Nothing ticked: refused, with the problems named.
        await page.click('#add-alert-submit');
        expect(await page.locator('#alert-errors li').allInnerTexts()).to.deep.equal([t('api:field.integrations.kinds'), t('api:field.integrations.roles')]);
        await page.check('#alert-kind-sla_breached');
        await page.check('#alert-kind-escalated');
        await page.check('#alert-priority-P1');
        await page.check('#alert-role-duty_manager');
        await page.click('#add-alert-submit');
        expect(await page.locator('#saved').innerText()).to.equal(t('saved.alert'));
        const alertRow = page.locator('#sms-alerts tbody tr').last();
        expect(await alertRow.locator('th').innerText()).to.equal(`${t('kinds.sla_breached')}, ${t('kinds.escalated')}`);
        expect(await alertRow.locator('td').first().innerText()).to.equal('P1');
        expect(await page.locator('#sms-gateway').innerText()).to.equal(t('sms.noGateway'));

        await page.check(`#duty-${duty.id}`);
        await page.click('#duty-submit');
        expect(await page.locator('#saved').innerText()).to.equal(t('saved.duty'));
        expect(await page.locator(`#duty-${duty.id}`).isChecked()).to.equal(true);
        expect((await stack.db.notificationSettings.profile(duty.id)).dutyManager).to.equal(true);
        await axe(page);
        if (language === 'en') await screenshot(page, 'admin-integrations');
      });

      it('an agent sets their phone number and how each kind of notification reaches them; a number that is not one is refused beside its field', async () => {
        const t = await localeT(language, 'staff-notifications');
        const agent = await makeUser(stack.db, 'agent', `settings-${language}`, language);
        const agentContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
        onCleanup(() => agentContext.close());
        const p = await agentContext.newPage();
        await signInStaffInBrowser(p, stack.web.url, agent);
        await p.click('#nav-notifications');
        expect(await p.locator('h1').innerText()).to.equal(t('heading'));
        expect(await p.locator('#choice-assigned-default').isChecked()).to.equal(true);
        await axe(p);

        await p.fill('#phone', '600 100 200');
        await p.check('#choice-assigned-none');
        await p.click('#notification-settings-submit');
        expect(await p.locator('#phone-problem').innerText()).to.equal(t('api:field.notifications.phone'));
        expect(await p.locator('#phone').getAttribute('aria-invalid')).to.equal('true');
        expect(await p.locator('#choice-assigned-none').isChecked(), 'the choice made stays on the page').to.equal(true);
        expect((await stack.db.notificationSettings.choices(agent.id)).assigned).to.equal(undefined);

        await p.fill('#phone', '+48 600 100 200');
        await p.check('#choice-classified-digest');
        await p.click('#notification-settings-submit');
        expect(await p.locator('#saved').innerText()).to.equal(t('saved'));
        expect(await p.locator('#phone').inputValue()).to.equal('+48600100200');
        expect(await p.locator('#choice-assigned-none').isChecked()).to.equal(true);
        expect(await p.locator('#choice-classified-digest').isChecked()).to.equal(true);
        expect(await stack.db.notificationSettings.choices(agent.id)).to.deep.equal({ assigned: 'none', classified: 'digest' });
        expect(await p.locator('#choices-hint').innerText()).to.include(t('every.hours', { count: 1 }));
        if (language === 'en') await screenshot(p, 'staff-notifications');
      });
    });
  }

  it('a requester gets 403 on the notification settings, and a visitor is sent to the staff sign-in', async () => {
    const { PortalClient } = await import('../portal-client.ts');
    const { PASSWORD } = await import('../support/staff.ts');
    const requester = await makeUser(stack.db, 'requester', 'settings-requester');
    const c = new PortalClient(stack.web.url, 'en');
    expect((await c.signIn(requester.email, PASSWORD)).status).to.equal(303);
    expect((await c.get('/staff/notifications')).status).to.equal(403);
    const visitor = await new PortalClient(stack.web.url, 'en').get('/staff/notifications');
    expect(visitor.status).to.equal(303);
    expect(visitor.location).to.match(/\/staff\/sign-in/);
  });
});
