/**
 * i18next for the web process: resources from locales/{lng}/{ns}.json through the
 * file backend, language from the user's explicit choice (cookie, `lng` query)
 * then Accept-Language, falling back to English.
 */
import { fileURLToPath } from 'node:url';
import i18next, { type i18n } from 'i18next';
import Backend from 'i18next-fs-backend';
import * as middleware from 'i18next-http-middleware';

import { LANGUAGES, type Language } from '../services/languages.ts';

export { LANGUAGES, type Language };
/** One namespace per surface: the REST API's messages, the portal's pages, the Temporal codec endpoint's answers, the staff sign-in and pages, personal data (exports, the access log), the process owners' admin pages, the rules file's problems (rules/problem-text.ts), the auditors' timeline (services/audit/timeline.ts), the auditors' audit-log page (auditor-ui/log/), the mails the helpdesk sends (services/notifications/compose.ts). */
export const NAMESPACES = ['api', 'portal', 'codec', 'staff', 'privacy', 'admin', 'rules', 'admin-people', 'admin-forms', 'admin-rules', 'admin-shadow', 'admin-apply', 'audit', 'auditor-log', 'auditor', 'auditor-runs', 'agent', 'agent-ticket', 'agent-sla', 'agent-templates', 'mail', 'admin-mail', 'integrations', 'admin-integrations', 'staff-notifications'] as const;

export const localesDir = fileURLToPath(new URL('../locales/', import.meta.url));

export async function createI18n(): Promise<i18n> {
  const instance = i18next.createInstance();
  await instance
    .use(Backend)
    .use(middleware.LanguageDetector)
    .init({
      supportedLngs: [...LANGUAGES],
      fallbackLng: 'en',
      nonExplicitSupportedLngs: true,
      load: 'languageOnly',
      ns: [...NAMESPACES],
      defaultNS: 'api',
      preload: [...LANGUAGES],
      returnEmptyString: false,
      interpolation: { escapeValue: false },
      backend: { loadPath: `${localesDir}{{lng}}/{{ns}}.json` },
      detection: { order: ['querystring', 'cookie', 'header'], lookupQuerystring: 'lng', lookupCookie: 'lang', caches: false },
    });
  return instance;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}
