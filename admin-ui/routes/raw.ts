/**
 * The raw view: the draft's whole JSON text, for those who prefer it. Without JavaScript it is a
 * plain text area; with it, <rules-json-editor> (admin-ui/client/raw-editor.ts) adds CodeMirror
 * with the rules file's JSON Schema and shows the server's problems at their lines. The text is
 * saved as typed, valid or not (nothing typed is lost by switching views), and the server's
 * validator says what is wrong.
 */
import express, { Router, type Request, type Response } from 'express';
import { fileURLToPath } from 'node:url';
import { text, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { ADMIN_ASSETS_DIR } from '../assets.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { ServiceError } from '../../services/errors.ts';
import { adminPage, shownProblems } from '../pages.ts';
import { actorOf, draftOf, revisionOf } from './load.ts';

/** A rules file's text may be larger than the portal's forms allow. */
const rawBody = express.urlencoded({ extended: false, limit: '4mb' });
const schemaFile = fileURLToPath(new URL('../../rules/schema.json', import.meta.url));

export function rawRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/raw', admins, (req, res) => show(req, res));
  router.post('/admin/drafts/:id/raw', rawBody, requireCsrf, admins, save);
  // The editor's bundle and the schema it validates with; the pages work without either.
  router.use('/admin/assets', admins, express.static(ADMIN_ASSETS_DIR, { index: false, fallthrough: true, cacheControl: false }));
  router.get('/admin/assets/rules.schema.json', admins, (_req, res) => res.type('application/schema+json').sendFile(schemaFile));
  return router;

  async function show(req: Request, res: Response, kept?: { source: string }) {
    const draft = await draftOf(deps, req);
    const t = deps.i18n.getFixedT(viewerOf(req).language, 'admin');
    const problems = shownProblems(deps, req, draft.review.items);
    const markers = problems.filter((p) => p.line !== undefined).map((p) => ({ line: p.line, column: p.column ?? 1, message: p.text, severity: p.severity }));
    adminPage(deps, req, res, 'raw', {
      title: t('raw.title', { title: draft.title }), draft: kept ? { ...draft, source: kept.source } : draft, problems, stale: Boolean(kept),
      // Inside <script type="application/json">: "<" escaped so no text can close the element.
      markersJson: JSON.stringify(markers).replace(/</g, '\\u003c'),
      editable: draft.status === 'draft' || draft.status === 'shadow',
    });
  }

  async function save(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const source = text(body, 'source').replace(/\r\n/g, '\n');
    try {
      await deps.rulesAdmin.drafts.save(draft.id, { revision: revisionOf(body), source }, actorOf(req));
    } catch (err) {
      // Saved meanwhile by someone else: the text typed here is shown again, not lost.
      if (err instanceof ServiceError && err.code === 'DRAFT_CHANGED') {
        res.status(409);
        return show(req, res, { source });
      }
      throw err;
    }
    req.session.notice = { key: 'admin:notice.saved' };
    res.redirect(303, `/admin/drafts/${draft.id}/raw`);
  }
}
