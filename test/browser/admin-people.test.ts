/**
 * People and teams in chromium, in English, Polish and German: a process owner opens the page
 * from the admin home, adds an agent (first without a team: the problem is shown beside the
 * field, what was typed is kept), sets their team and language, sees their enrolment code once
 * (not again on the person's page), finds them in the filtered list with their team's tier, and
 * deactivates them; the auditor and admin roles are not offered to them, nor an auditor's account.
 * Then makes an agent their team's lead with the edit form's checkbox (the agent's /agent/team goes
 * from 403 to 200), is refused beside the field for a process owner, and clears it by a role change.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { formatDateTime } from '../../api/portal/format.ts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { PortalClient } from '../portal-client.ts';
import { makeUser, signInEnrolled, uniqueEmail } from '../support/staff.ts';

const LANGUAGES = [
  { language: 'en', locale: 'en-GB' },
  { language: 'pl', locale: 'pl-PL' },
  { language: 'de', locale: 'de-DE' },
] as const;

describe('people and teams in a browser: a process owner adds an agent, sets team and language, sees the enrolment code once, and deactivates them', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;

  before(async () => {
    stack = await isolatedStack('admin-people');
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
        const owner = await makeUser(stack.db, 'process_owner', `owner-${language}`, language);
        await signInStaffInBrowser(page, stack.web.url, owner);
      });

      after(async () => {
        await context?.close();
      });

      it('adds an agent in the infrastructure team speaking Polish, shows their enrolment code once, and deactivates them', async () => {
        const t = await localeT(language, 'admin-people');
        const api = await localeT(language, 'api');
        const staff = await localeT(language, 'staff');
        const email = uniqueEmail(`agent-${language}`);
        await page.click('nav a[href="/admin"]');
        await page.click('#people-link');
        await page.waitForURL(/\/admin\/people$/);
        expect(await page.locator('h1').innerText()).to.equal(t('heading'));
        expect(await page.locator('#teams tr[data-team="infrastructure"] td').first().innerText()).to.include('L2');
        // Only an admin gives the auditor or the admin role, or makes a requester's account staff.
        expect(await page.locator('#person-role option').evaluateAll((os) => os.map((o) => o.getAttribute('value')))).to.deep.equal(['agent', 'process_owner']);
        expect(await page.locator('#person-email-hint').innerText()).to.equal(t('form.emailHintNew'));

        // An agent without a team: refused beside the field, what was typed kept.
        await page.fill('#person-email', email);
        await page.fill('#person-name', 'Zofia Nowak');
        await page.selectOption('#person-role', 'agent');
        await page.selectOption('#person-team', '');
        await page.selectOption('#person-locale', 'pl');
        await page.selectOption('#person-timezone', 'Europe/Warsaw');
        await page.click('#add-person-submit');
        expect(await page.locator('#person-team-problem-0').innerText()).to.include(api('field.agentTeam', { field: t('form.teamId') }));
        expect(await page.locator('#person-team').getAttribute('aria-invalid')).to.equal('true');
        expect(await page.locator('#person-email').inputValue()).to.equal(email);
        expect(await stack.db.users.findByEmail(email)).to.equal(undefined);

        await page.selectOption('#person-team', 'infrastructure');
        await page.click('#add-person-submit');
        expect(await page.locator('h1').innerText()).to.equal('Zofia Nowak');
        const code = await page.locator('#enrolment-code-value').innerText();
        expect(code).to.match(/^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
        expect(await page.locator('#person-role').innerText()).to.equal(staff('role.agent'));
        expect(await page.locator('#person-team').innerText()).to.equal('Infrastructure');
        expect(await page.locator('#person-tier').innerText()).to.equal('L2');
        expect(await page.locator('#person-locale').innerText()).to.equal(t('language.pl'));
        await screenshot(page, `admin-person-added-${language}`);
        const made = (await stack.db.users.findByEmail(email))!;
        expect(made).to.deep.include({ role: 'agent', teamId: 'infrastructure', tier: 'L2', locale: 'pl', timeZone: 'Europe/Warsaw', active: true });
        expect((await stack.db.staffAuth.checkEnrolmentCode(made.id, code)).ok).to.equal(true);
        const [issued] = await stack.db.sequelize.query<{ expires_at: Date }>(`SELECT expires_at FROM staff_enrolment_codes WHERE user_id = :id`, { replacements: { id: made.id }, type: QueryTypes.SELECT });
        // In the process owner's time zone (their account's: Europe/Warsaw).
        expect(await page.locator('#enrolment-code-valid').innerText()).to.equal(t('code.valid', { count: 72, until: formatDateTime(issued!.expires_at.toISOString(), language, 'Europe/Warsaw') }));

        // Shown once: the person's page does not show it again.
        await page.goto(`${stack.web.url}/admin/people/${made.id}`);
        expect(await page.locator('#enrolment-code').count()).to.equal(0);
        expect(await page.content()).to.not.include(code);

        // In the list, filtered by team.
        await page.click(`.crumbs a[href="/admin/people"]`);
        await page.selectOption('#filter-team', 'infrastructure');
        await page.selectOption('#filter-role', 'agent');
        await page.click('#people-filter-submit');
        const row = page.locator(`#people tr[data-person="${made.id}"]`);
        expect(await row.locator('td').allInnerTexts()).to.deep.equal([email, staff('role.agent'), 'Infrastructure', 'L2', t('language.pl'), t('status.active')]);
        await screenshot(page, `admin-people-${language}`);

        // Deactivated.
        await row.locator('a').click();
        await page.click('#deactivate-submit');
        expect(await page.locator('#notice').innerText()).to.equal(t('notice.deactivated'));
        expect(await page.locator('#person-status').innerText()).to.include(t('status.deactivated'));
        expect(await page.locator('#deactivate-submit').count()).to.equal(0);
        expect(await page.locator('#reactivate-submit').count()).to.equal(1);
        expect((await stack.db.users.findById(made.id))!.active).to.equal(false);
        expect((await stack.db.staffAuth.checkEnrolmentCode(made.id, code)).ok).to.equal(false);
        await page.click(`.crumbs a[href="/admin/people"]`);
        expect(await page.locator(`#people tr[data-person="${made.id}"]`).count()).to.equal(0);

        // An auditor's page: what only an admin may do is not offered, and says so.
        const auditor = await makeUser(stack.db, 'auditor', `auditor-${language}`);
        await page.goto(`${stack.web.url}/admin/people/${auditor.id}`);
        expect(await page.locator('#admin-only').innerText()).to.equal(t('access.auditorOnly'));
        expect(await page.locator('#edit-person, #deactivate-submit, #issue-code-submit').count()).to.equal(0);
      });

      it('makes an agent their team\'s lead with the checkbox (their team page then opens), refuses it beside the field for a process owner, and a role change clears it', async () => {
        const t = await localeT(language, 'admin-people');
        const api = await localeT(language, 'api');
        const agent = await makeUser(stack.db, 'agent', `lead-${language}`, language);
        const agentBrowser = new PortalClient(stack.web.url, language);
        await signInEnrolled(agentBrowser, agent);
        expect((await agentBrowser.get('/agent/team')).status).to.equal(403);

        await page.goto(`${stack.web.url}/admin/people/${agent.id}`);
        expect(await page.locator('#person-team-lead').innerText()).to.equal(t('person.teamLeadNo'));
        expect(await page.locator('label[for="edit-team-lead"]').innerText()).to.equal(t('form.teamLead'));
        expect(await page.locator('#edit-team-lead').getAttribute('aria-describedby')).to.equal('edit-team-lead-hint');
        expect(await page.locator('#edit-team-lead-hint').innerText()).to.equal(t('form.teamLeadHint'));
        await page.check('#edit-team-lead');
        await page.click('#edit-person-submit');
        expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
        expect(await page.locator('#person-team-lead').innerText()).to.equal(t('person.teamLeadYes'));
        expect(await page.locator('#edit-team-lead').isChecked()).to.equal(true);
        expect((await agentBrowser.get('/agent/team')).status).to.equal(200);
        await page.goto(`${stack.web.url}/admin/people?role=agent`);
        expect(await page.locator(`#people tr[data-person="${agent.id}"] [data-team-lead]`).innerText()).to.equal(t('list.teamLead'));

        // A process owner leads no team: the sentence beside the checkbox, nothing saved.
        const owner = await makeUser(stack.db, 'process_owner', `no-lead-${language}`, language);
        await page.goto(`${stack.web.url}/admin/people/${owner.id}`);
        expect(await page.locator('#person-team-lead').count()).to.equal(0);
        await page.check('#edit-team-lead');
        await page.click('#edit-person-submit');
        expect(await page.locator('#edit-team-lead-problem-0').innerText()).to.include(api('field.teamLeadAgent', { field: t('form.teamLead') }));
        expect(await page.locator('#edit-team-lead').getAttribute('aria-invalid')).to.equal('true');
        expect(await page.locator('#edit-team-lead').getAttribute('aria-describedby')).to.equal('edit-team-lead-hint edit-team-lead-problem-0');
        expect(await page.locator('#error-summary a[href="#edit-team-lead"]').count()).to.equal(1);
        expect(await page.locator('#edit-team-lead').isChecked()).to.equal(true);
        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).to.deep.equal([]);
        await screenshot(page, `admin-person-team-lead-refused-${language}`);
        const [still] = await stack.db.sequelize.query<{ lead: boolean }>(`SELECT team_lead AS lead FROM users WHERE id = :id`, { replacements: { id: owner.id }, type: QueryTypes.SELECT });
        expect(still!.lead).to.equal(false);

        // The lead made a process owner, the box left ticked: saved, and they lead no team any more.
        await page.goto(`${stack.web.url}/admin/people/${agent.id}`);
        await page.selectOption('#edit-role', 'process_owner');
        await page.selectOption('#edit-team', '');
        await page.click('#edit-person-submit');
        expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
        expect(await page.locator('#edit-team-lead').isChecked()).to.equal(false);
        const [cleared] = await stack.db.sequelize.query<{ role: string; lead: boolean }>(`SELECT role, team_lead AS lead FROM users WHERE id = :id`, { replacements: { id: agent.id }, type: QueryTypes.SELECT });
        expect(cleared).to.deep.equal({ role: 'process_owner', lead: false });
      });
    });
  }
});
