/**
 * The portal as one piece for createApp: its routes, its views and its static files.
 */
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { create } from 'express-handlebars';
import type { i18n } from 'i18next';
import { isLanguage } from '../i18n.ts';
import { portalRoutes } from './routes.ts';
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
    partialsDir: `${viewsDir}partials/`,
    helpers: {
      /** A portal message in the page's language; `api:`-prefixed keys come from the API namespace. */
      t(key: unknown, options: HelperOptions) {
        const lang = options.data.root.lang;
        return i18n.getFixedT(isLanguage(lang) ? lang : 'en', 'portal')(String(key), options.hash);
      },
      eq: (a: unknown, b: unknown) => a === b,
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
  return portalRoutes(deps);
}
