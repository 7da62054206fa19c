/**
 * The proofs an auditor takes from the home, in a browser (Debian's chromium): a period's
 * population for sampling — a period the wrong way round comes back with its problem beside the
 * field in Polish and German and writes nothing; a right one downloads a signed bundle that
 * verifies offline, its export in the audit log by the auditor — and the audit log's proof page,
 * which says the chain is intact, in the viewer's language.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { verifyBundle } from '../../services/audit/bundle.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';
import { act, openTicket, waitForEvent } from '../support/tickets.ts';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('auditor proofs in a browser: the population for sampling and the audit log\'s proof', function () {
  this.timeout(240_000);
  let stack: IsolatedStack;
  let browser: Browser;

  before(async () => {
    stack = await isolatedStack('auditor-proof');
    const number = await openTicket(stack, { title: 'Duplicate report' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    expect((await act(stack, number, 'cancel', { reason: 'duplicate' })).status).to.equal(200);
    await waitForEvent(stack, number, (e) => e.type === 'cancelled');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const { language, locale, wrongWay, intact } of [
    { language: 'pl', locale: 'pl-PL', wrongWay: /^Do \(wyłącznie\): /, intact: 'Dziennik audytu się zgadza' },
    { language: 'de', locale: 'de-DE', wrongWay: /^Bis \(ausschließlich\): /, intact: 'Das Audit-Log stimmt' },
  ]) {
    it(`in ${language}: a wrong period is refused beside its field, a right one downloads a bundle that verifies, and the log's proof says intact`, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Warsaw', acceptDownloads: true });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditor-proof-'));
      try {
        const page = await context.newPage();
        const auditor = await makeUser(stack.db, 'auditor', `proof-${language}`, language);
        await signInStaffInBrowser(page, stack.web.url, auditor);
        const exports = async () => (await stack.db.audit.search({ action: 'audit.population_exported', limit: 1000 })).length;
        const before = await exports();

        await page.goto(`${stack.web.url}/audit`);
        await page.fill('#population-from', day(1));
        await page.fill('#population-to', day(0));
        await page.click('#population-submit');
        await page.waitForSelector('#population-errors');
        expect((await page.textContent('#population-errors li'))!.trim()).to.match(wrongWay);
        expect(await page.getAttribute('#population-to', 'aria-invalid')).to.equal('true');
        expect(await exports()).to.equal(before);

        await page.fill('#population-from', day(0));
        await page.fill('#population-to', day(1));
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#population-submit')]);
        const file = path.join(dir, download.suggestedFilename());
        await download.saveAs(file);
        expect(download.suggestedFilename()).to.equal(`population-${day(0)}-${day(1)}.json`);
        const checked = verifyBundle(fs.readFileSync(file, 'utf8'));
        expect(checked.problems, checked.problems.join('\n')).to.deep.equal([]);
        expect(await exports()).to.equal(before + 1);
        const [entry] = await stack.db.audit.search({ action: 'audit.population_exported', limit: 1 });
        expect(entry!.actor).to.match(/^user:\d+$/);

        await page.goto(`${stack.web.url}/audit`);
        await page.click('#link-verify');
        await page.waitForURL(/\/audit\/verify$/);
        expect((await page.textContent('#verify-outcome'))!.trim()).to.equal(intact);
        expect(await page.getAttribute('#verify-result', 'data-ok')).to.equal('true');
        if (language === 'pl') await screenshot(page, 'auditor-verify-pl');
      } finally {
        await context.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
