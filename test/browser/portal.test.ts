/**
 * The portal in a real browser (Debian's chromium, headless, driven by
 * playwright-core): report in Polish and in German, see a knowledge-base suggestion
 * while typing, follow the ticket by its number, reply, and rate it after an agent
 * resolved it. `npm run screenshots` saves the main pages to docs/screenshots/.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext } from 'playwright-core';
import { performTicketAction } from '../../services/tickets/actions.ts';
import { seedKnowledgeBase } from '../../db/kb-seed.ts';
import { launchChromium, screenshot as shot } from '../support/browser.ts';
import { actionDeps, getEnv, type TestEnv } from '../support/env.ts';
import { signUpLink } from '../portal-client.ts';

const agent = 'l1.agent@example.com';

describe('portal in a real browser', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let browser: Browser;

  before(async function () {
    env = await getEnv();
    await seedKnowledgeBase(env.db.sequelize);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  const context = (locale: string, opts: { phone?: boolean } = {}): Promise<BrowserContext> =>
    browser.newContext({
      baseURL: env.web.url,
      locale,
      timezoneId: 'Europe/Warsaw',
      ...(opts.phone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 } : { viewport: { width: 1100, height: 900 } }),
    });

  /** Waits until the workflow has classified the ticket (actions need its SLA). */
  async function classified(number: string) {
    for (let i = 0; i < 100; i++) {
      if ((await env.db.tickets.get(number))?.sla) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function resolveAsAgent(number: string, note: string) {
    await classified(number);
    await performTicketAction(actionDeps(env), number, { action: 'respond', actor: agent, message: note });
    await performTicketAction(actionDeps(env), number, { action: 'resolve', actor: agent, code: 'solved', note });
  }

  it('in Polish: a suggestion appears while typing, the report is sent, followed by its number and code in a new browser, answered and rated', async () => {
    const requester = await context('pl-PL');
    const page = await requester.newPage();
    await page.goto('/');
    expect(await page.getAttribute('html', 'lang')).to.equal('pl');
    await shot(page, 'portal-home-pl');

    // Keyboard: the first Tab reaches the skip link, which is visible when focused.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { className: string } | null } }).document.activeElement?.className)).to.equal('skip');

    await page.getByRole('link', { name: 'Zgłoś problem' }).first().click();
    await page.getByLabel('Na czym polega problem? (w kilku słowach)').pressSequentially('Drukarka nie drukuje', { delay: 20 });
    const suggestion = page.locator('#suggestions a', { hasText: 'Drukarka nie drukuje' });
    await suggestion.waitFor({ timeout: 10_000 });
    await page.getByLabel('Czego dotyczy problem?').selectOption('hardware');
    await page.getByLabel('Mój zespół').check();
    await page.getByLabel('Nie mogę pracować').check();
    await page.getByLabel('Opisz problem').fill('Drukarka HP na 2. piętrze pokazuje „zacięcie papieru”, choć nic nie utknęło. <script>alert(1)</script>');
    await page.getByLabel('Adres e-mail').fill('anna.browser@example.com');
    await shot(page, 'portal-report-pl');
    await page.getByRole('button', { name: 'Wyślij zgłoszenie' }).click();

    await page.waitForURL(/\/tickets\/HD-\d{4}-\d{6}$/);
    const number = (await page.locator('h1 .number').textContent())!.trim();
    const code = (await page.locator('#follow-code').textContent())!.trim();
    expect(await page.locator('#ticket-description').textContent()).to.include('<script>alert(1)</script>');
    await shot(page, 'portal-ticket-created-pl');
    await requester.close();

    // Later, on another device: follow by number and code.
    const later = await context('pl-PL', { phone: true });
    const p2 = await later.newPage();
    await p2.goto('/follow');
    await p2.getByLabel('Numer zgłoszenia').fill(number);
    await p2.getByLabel('Kod').fill(code);
    await p2.getByRole('button', { name: 'Pokaż zgłoszenie' }).click();
    await p2.waitForURL(`**/tickets/${number}`);
    await p2.getByLabel('Twoja wiadomość').fill('Wyłączyłam i włączyłam drukarkę – bez zmian.');
    await p2.getByRole('button', { name: 'Wyślij', exact: true }).click();
    await p2.locator('#timeline', { hasText: 'Wyłączyłam i włączyłam drukarkę' }).waitFor();

    await resolveAsAgent(number, 'Wymieniliśmy czujnik papieru w podajniku 2.');
    await p2.reload();
    expect((await p2.locator('#ticket-status').textContent())!.trim()).to.equal('Rozwiązane – potwierdź, proszę');
    await p2.getByLabel('5 – bardzo zadowolony(-a)').check();
    await p2.getByLabel('Chcesz nam coś przekazać? (opcjonalnie)').fill('Szybko i sprawnie, dziękuję!');
    await p2.getByRole('button', { name: 'Wyślij ocenę' }).click();
    await p2.locator('#rated').waitFor();
    expect((await p2.locator('#rated').textContent())!.trim()).to.equal('Dziękujemy – Twoja ocena: 5 na 5.');
    await shot(p2, 'portal-ticket-phone-pl');
    await later.close();
  });

  it('in German: sign up, see a suggestion, report, find it in "Meine Tickets", reply, and rate after resolution', async () => {
    const ctx = await context('de-DE');
    const page = await ctx.newPage();
    await page.goto('/sign-up');
    expect(await page.getAttribute('html', 'lang')).to.equal('de');
    const jonas = `jonas.${Date.now()}@example.com`;
    await page.getByLabel('E-Mail-Adresse').fill(jonas);
    await page.getByLabel('Ihr Name').fill('Jonas Weber');
    await page.getByLabel('Passwort wählen').fill('ein langes Passwort');
    await page.getByLabel('Passwort wiederholen').fill('ein langes Passwort');
    await page.getByRole('button', { name: 'Konto anlegen' }).click();
    // The account is finished through the link mailed to the address (from the outbox, as the mail carries it).
    await page.locator('#sign-up-sent', { hasText: jonas }).waitFor();
    await page.goto(new URL(await signUpLink(env.db, jonas)).pathname);
    await page.getByLabel('Ihr Passwort').fill('ein langes Passwort');
    await page.getByRole('button', { name: 'Mein Konto anlegen' }).click();
    await page.locator('.notice', { hasText: 'Willkommen, Jonas Weber.' }).waitFor();
    expect(new URL(page.url()).pathname).to.equal('/tickets');

    await page.goto('/report');
    await page.getByLabel('Worum geht es, in wenigen Worten?').pressSequentially('VPN trennt sich ständig', { delay: 20 });
    await page.locator('#suggestions a', { hasText: 'VPN trennt sich alle paar Minuten' }).waitFor({ timeout: 10_000 });
    await shot(page, 'portal-report-suggestion-de');
    await page.getByLabel('Worum geht es?').selectOption('network');
    await page.getByLabel('Nur mich').check();
    await page.getByLabel('Es bremst meine Arbeit').check();
    await page.getByLabel('Beschreiben Sie das Problem').fill('Seit heute Morgen bricht das VPN alle paar Minuten ab.');
    await page.getByRole('button', { name: 'Meldung absenden' }).click();
    await page.waitForURL(/\/tickets\/HD-\d{4}-\d{6}$/);
    const number = (await page.locator('h1 .number').textContent())!.trim();

    await page.getByRole('link', { name: 'Meine Tickets' }).first().click();
    await page.locator('.ticket-row', { hasText: number }).waitFor();
    expect(await page.locator('.lead').first().textContent()).to.include('Sie haben 1 Ticket.');
    await shot(page, 'portal-my-tickets-de');

    await page.getByRole('link', { name: number }).click();
    await page.getByLabel('Ihre Nachricht').fill('Es passiert auch im Büro.');
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await page.locator('#timeline', { hasText: 'Es passiert auch im Büro.' }).waitFor();

    await resolveAsAgent(number, 'Der VPN-Client wurde aktualisiert.');
    await page.reload();
    await page.getByLabel('4 – zufrieden').check();
    await page.getByRole('button', { name: 'Bewertung senden' }).click();
    await page.locator('#rated').waitFor();
    expect((await page.locator('#rated').textContent())!.trim()).to.equal('Danke – Ihre Bewertung: 4 von 5.');
    await shot(page, 'portal-ticket-rated-de');

    await page.goto('/kb/guest-wifi');
    expect(await page.locator('.badge').first().textContent()).to.equal('auf Englisch');
    await shot(page, 'portal-kb-fallback-de');
    await page.goto('/report');
    await page.getByRole('button', { name: 'Meldung absenden' }).click();
    await page.locator('#error-summary').waitFor();
    expect((await page.locator('#title-error').textContent())!.trim()).to.include('Bitte füllen Sie dieses Feld aus.');
    await shot(page, 'portal-report-errors-de');
    await ctx.close();
  });
});
