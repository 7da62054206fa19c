/**
 * The portal as one piece for createApp: its middleware, one router per resource
 * (routes/: each a table of contents of its pages and forms), its views and its static
 * files. Every form posts a CSRF token; every page works without JavaScript.
 */
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import { create } from 'express-handlebars';
import type { i18n } from 'i18next';
import { isLanguage } from '../i18n.ts';
import { createLimits } from './limits.ts';
import { csrfProtection, saveSessionBeforeRedirect, sameOriginOnly, securityHeaders, sessions, viewerContext } from './middleware.ts';
import type { Guards } from './pages.ts';
import { accountRoutes } from './routes/account.ts';
import { homeRoutes } from './routes/home.ts';
import { kbRoutes } from './routes/kb.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { reportRoutes } from './routes/report.ts';
import { ticketRoutes } from './routes/tickets.ts';
import type { PortalDeps } from './types.ts';

export type { PortalDeps, PortalOptions, PortalLimits } from './types.ts';

export const viewsDir = fileURLToPath(new URL('../views/', import.meta.url));
export const publicDir = fileURLToPath(new URL('../public/', import.meta.url));

interface HelperOptions {
  hash: Record<string, unknown>;
  data: { root: Record<string, unknown> };
  fn?: (ctx: unknown) => string;
  inverse?: (ctx: unknown) => string;
}

/** The handlebars engine with the portal's helpers: `{{t "key" count=n}}`, `{{eq a b}}`, `{{lower s}}`. */
export function viewEngine(i18n: i18n) {
  const hbs = create({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: `${viewsDir}layouts/`,
    // The admin pages' partials (admin-ui/views/partials/) beside the portal's and the staff pages'.
    partialsDir: [`${viewsDir}partials/`, fileURLToPath(new URL('../../admin-ui/views/partials/', import.meta.url))],
    helpers: {
      /** A portal message in the page's language; `api:`-prefixed keys come from the API namespace. */
      t(key: unknown, options: HelperOptions) {
        const lang = options.data.root.lang;
        return i18n.getFixedT(isLanguage(lang) ? lang : 'en', 'portal')(String(key), options.hash);
      },
      eq: (a: unknown, b: unknown) => a === b,
      startsWith: (a: unknown, b: unknown) => typeof a === 'string' && a.startsWith(String(b)),
      concat: (...args: unknown[]) => args.slice(0, -1).map(String).join(''),
    },
  });
  return hbs;
}

export function staticFiles(): Router {
  const router = express.Router();
  router.use('/static', express.static(publicDir, { maxAge: '1h', fallthrough: true, index: false }));
  return router;
}

export function portal(deps: PortalDeps): Router {
  const router = Router();
  const csrf = csrfProtection(deps.sessionSecret);
  const guards: Guards = { limits: createLimits(deps), requireCsrf: csrf.require };

  // The portal is everything but the JSON API and the health check.
  router.use((req, _res, next) => (req.path.startsWith('/api/') || req.path === '/healthz' ? next('router') : next()));
  // A form another site's page posts is refused (sameOriginOnly) before its body is read or a limit counts it.
  router.use(securityHeaders, cookieParser(), sessions(deps), saveSessionBeforeRedirect, csrf.context, viewerContext(deps), sameOriginOnly(deps));

  router.use(homeRoutes(deps));
  // Sign-up, sign-in, sign-out, the language switch.
  router.use(accountRoutes(deps, guards));
  router.use(reportRoutes(deps, guards));
  // My tickets, following a ticket, a ticket's page, attachments and actions.
  router.use(ticketRoutes(deps, guards));
  router.use(kbRoutes(deps, guards));
  // A requester's own data: the summary page and the JSON download.
  router.use(privacyRoutes(deps, guards));
  return router;
}
