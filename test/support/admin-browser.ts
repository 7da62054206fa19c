/**
 * The admin pages' browser tests' shared steps: a staff member's sign-in in chromium (password,
 * the operator's enrolment code, an authenticator code) and the locale texts a page must show.
 */
import type { Page } from 'playwright-core';
import type { TFunction } from 'i18next';
import { createI18n } from '../../api/i18n.ts';
import { PASSWORD, totpCode, type TestUser } from './staff.ts';

/** Signs `user` in on the staff pages and enrols their authenticator; ends on the staff home. */
export async function signInStaffInBrowser(page: Page, url: string, user: TestUser): Promise<void> {
  await page.goto(`${url}/staff`);
  await page.fill('#email', user.email);
  await page.fill('#password', PASSWORD);
  await page.click('form[action="/staff/sign-in"] button[type="submit"]');
  await page.fill('#enrolmentCode', user.enrolmentCode!);
  await page.click('form[action="/staff/sign-in/enrol/code"] button[type="submit"]');
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
  await page.fill('#code', totpCode(secret));
  await page.click('form[action="/staff/sign-in/enrol"] button[type="submit"]');
  await page.click('#continue');
}

let i18nPromise: ReturnType<typeof createI18n> | undefined;

/** The admin namespace (or another) in `language`, as the pages read it. */
export async function localeT(language: string, ns = 'admin'): Promise<TFunction> {
  i18nPromise ??= createI18n();
  return (await i18nPromise).getFixedT(language, ns);
}
