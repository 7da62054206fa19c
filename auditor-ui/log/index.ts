/**
 * The auditors' audit-log page (/audit/log): the append-only, hash-chained log filtered by actor,
 * action (exact or `rules.*`), subject and period, newest first, a page at a time by `before` (as
 * GET /api/v1/audit/log pages), each entry in words; rules publications and rollbacks as the change
 * in words; the filtered entries as CSV. Auditors and admins only (AUDIT_READERS), decided before
 * anything the caller sent is read. Mounted by the staff router (api/staff/index.ts) after the
 * portal's middleware (sessions, language, viewer). See docs/audit-log.md.
 */
import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { stringify } from 'csv-stringify';
import type { AuditEntry } from '../../db/audit-repo.ts';
import type { StaffGuards } from '../../api/staff/guards.ts';
import { AUDIT_READERS, RULES_ADMINS, type StaffDeps } from '../../api/staff/types.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { auditorPages } from '../pages.ts';
import { shownEntries } from './entries.ts';
import { LOG_FIELDS, PAGE_SIZES, parseLogQuery, queryOf, type FieldProblem, type LogField } from './filter.ts';

export const LOG_NAMESPACE = 'auditor-log';
/** The most entries one CSV download holds (the API's page is 1000; a period's log is read in pages). */
export const CSV_MAX = 100_000;

const logPages = auditorPages({ views: new URL('./views/', import.meta.url), namespace: LOG_NAMESPACE, helper: 'lt' });

export type AuditLogDeps = Pick<StaffDeps, 'i18n' | 'audit' | 'users' | 'rulesAdmin'>;

export function auditLogPages(deps: AuditLogDeps, { access }: Pick<StaffGuards, 'access'>): Router {
  const router = Router();
  // The role first: nothing in the address is read before it is known to be an auditor's or an admin's.
  router.use('/audit/log', access.requireStaff(AUDIT_READERS), (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/audit/log', page);
  router.get('/audit/log/entries.csv', csv);
  return router;

  function t(req: Request) {
    return logPages.words(deps, req);
  }

  function render(req: Request, res: Response, model: Record<string, unknown>, status = 200) {
    logPages.render(deps, req, res, 'log', { title: t(req)('title'), ...model }, status);
  }

  /** The form with each field's text, its problems beside it, and the page sizes. */
  function formModel(req: Request, form: Record<LogField, string>, problems: readonly FieldProblem[] = []) {
    const lt = t(req);
    const said = problems.map((p) => ({ ...p, message: lt(`problem.${p.key}`, p.params) }));
    const fields = Object.fromEntries(LOG_FIELDS.map((f) => {
      const mine = said.filter((p) => p.field === f);
      return [f, { value: form[f], message: mine.map((p) => p.message).join(' '), invalid: mine.length > 0 }];
    }));
    const size = Number(form.limit) || 50;
    return {
      fields,
      sizes: [...new Set([...PAGE_SIZES, size])].sort((a, b) => a - b).map((n) => ({ value: n, selected: n === size })),
      errorList: said.length ? said.map((p) => ({ field: p.field === 'before' ? undefined : `log-${p.field}`, label: lt(`form.${p.field}`), message: p.message })) : undefined,
    };
  }

  async function page(req: Request, res: Response) {
    const { language, timeZone } = viewerOf(req);
    const parsed = parseLogQuery(req.query, timeZone);
    if (!parsed.ok) return render(req, res, { ...formModel(req, parsed.form, parsed.problems), refused: true }, 400);
    const { filter, form } = parsed;
    const [found, newest] = await Promise.all([deps.audit.search(filter), deps.audit.list(1)]);
    const role = req.staffUser?.role ?? '';
    const entries = await shownEntries(found, {
      t: t(req), rulesT: deps.i18n.getFixedT(language, 'rules'), language, timeZone,
      nameOf: async (id) => (await deps.users.findById(id))?.displayName,
      ...(deps.rulesAdmin ? { diff: (a: number, b: number) => deps.rulesAdmin!.versions.diff(a, b) } : {}),
      canOpenVersions: (RULES_ADMINS as readonly string[]).includes(role),
    });
    const last = found.at(-1);
    const filtered = LOG_FIELDS.some((f) => f !== 'limit' && form[f] !== '');
    render(req, res, {
      ...formModel(req, form),
      entries,
      filtered,
      paged: filter.before !== undefined,
      olderHref: last && last.seq > 1 && found.length === filter.limit ? `/audit/log${queryOf(form, { before: last.seq })}` : undefined,
      newestHref: filter.before !== undefined ? `/audit/log${queryOf(form)}` : undefined,
      csvHref: `/audit/log/entries.csv${queryOf({ ...form, limit: '' })}`,
      chain: newest[0] && { entries: newest[0].seq, hash: newest[0].hash.slice(0, 16) },
      range: last && { newest: found[0]!.seq, oldest: last.seq },
    });
  }

  /**
   * Every entry the filter finds (newest first, up to CSV_MAX), as CSV: ids and codes, as stored;
   * a cell that a spreadsheet would read as a formula (= + - @ …) is escaped. The first page is read
   * before anything is sent, so PostgreSQL out of reach is the 503 page; a fault later ends the
   * download broken (the connection is reset), never as a file that looks whole.
   */
  async function csv(req: Request, res: Response) {
    const parsed = parseLogQuery(req.query, viewerOf(req).timeZone);
    if (!parsed.ok) return render(req, res, { ...formModel(req, parsed.form, parsed.problems), refused: true }, 400);
    const page = (before: number | undefined): Promise<AuditEntry[]> => deps.audit.search({ ...parsed.filter, limit: 1000, ...(before !== undefined ? { before } : {}) });
    let batch = await page(parsed.filter.before);
    res.set('Content-Type', 'text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="audit-log.csv"');
    const out = stringify({ header: true, escape_formulas: true, columns: ['seq', 'occurredAt', 'actor', 'action', 'subject', 'details', 'prevHash', 'hash'] });
    out.pipe(res);
    try {
      for (let written = 0; ;) {
        for (const e of batch) {
          // Backpressure: wait while the client reads what is written already.
          if (!out.write({ ...e, details: JSON.stringify(e.details) })) await once(out, 'drain');
        }
        written += batch.length;
        if (batch.length < 1000 || written >= CSV_MAX) break;
        batch = await page(batch.at(-1)!.seq);
      }
      out.end();
    } catch (err) {
      out.unpipe(res);
      res.destroy(err instanceof Error ? err : undefined);
    }
  }
}
