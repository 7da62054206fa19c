/**
 * The SLA tiers form: a table of service level × priority, each cell a policy's response and
 * resolution targets ("15m", "4h", "2d"), its calendar and its warning thresholds ("75%, 90%").
 * A cell with no policy can be filled in to add one. What is typed is saved into the draft as
 * typed (a wrong value is kept, not lost) and the validator's and the checks' problems are shown
 * beside the cell they are about.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { parseFactPath } from '../../rules/paths.ts';
import { PRIORITIES } from '../../rules/types.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage, byField, shownProblems } from '../pages.ts';
import { actorOf, draftOf, revisionOf } from './load.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fractions as the form shows them: "75%, 90%"; anything else as it is. */
export function percentText(v: unknown): string {
  if (!Array.isArray(v)) return v === undefined ? '' : String(v);
  return v.map((f) => (typeof f === 'number' ? `${Math.round(f * 10000) / 100}%` : String(f))).join(', ');
}

/** "75%, 0.9" → [0.75, 0.9]; an item that is no number is kept as text, for the validator to name. */
export function parsePercents(s: string): unknown[] | undefined {
  if (s.trim() === '') return undefined;
  return s.split(/[,;]\s*|\s+/).filter(Boolean).map((part) => {
    const m = /^(\d+(?:[.,]\d+)?)\s*(%?)$/.exec(part.trim());
    if (!m) return part;
    const n = Number(m[1]!.replace(',', '.'));
    return m[2] === '%' || n > 1 ? Math.round(n * 100) / 10000 : n;
  });
}

/** The field id a problem's path is shown beside. */
function fieldFor(path: string, params: Obj): string | undefined {
  const segs = parseFactPath(path) ?? [];
  if (segs[0] === 'slaPolicies' && typeof segs[1] === 'number') {
    const f = segs[2];
    return `sla-${segs[1]}-${f === 'response' || f === 'resolution' || f === 'calendar' || f === 'warnAt' ? f : 'response'}`;
  }
  if (segs[0] === 'slaPolicies' && segs.length === 1 && typeof params.serviceLevel === 'string') return `sla-new-${params.serviceLevel}-${String(params.priority)}-response`;
  return undefined;
}

export function slaRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/sla', admins, show);
  router.post('/admin/drafts/:id/sla', formBody, requireCsrf, admins, save);
  return router;

  function render(req: Request, res: Response, draft: DraftView) {
    const t = deps.i18n.getFixedT(viewerOf(req).language, 'admin');
    const file = draft.review.parsed;
    // This page's problems: those about SLA policies and service levels, each beside its cell where it has one.
    const shown = shownProblems(deps, req, draft.review.items, (i) => fieldFor(i.path, i.params))
      .filter((p) => p.fieldId || p.path.startsWith('$.slaPolicies') || p.path.startsWith('$.serviceLevels'));
    const policies = Array.isArray(file?.slaPolicies) ? (file!.slaPolicies as unknown[]) : [];
    const levels = Array.isArray(file?.serviceLevels) ? (file!.serviceLevels as unknown[]).filter((s): s is string => typeof s === 'string') : [];
    const calendars = isObj(file?.calendars) ? Object.keys(file!.calendars as Obj) : [];
    const rows = levels.map((level) => ({
      level,
      cells: PRIORITIES.map((priority) => {
        const index = policies.findIndex((p) => isObj(p) && p.serviceLevel === level && p.priority === priority);
        const p = index >= 0 ? (policies[index] as Obj) : undefined;
        return {
          priority, index, exists: index >= 0, key: index >= 0 ? String(index) : `new-${level}-${priority}`,
          id: p?.id, response: p ? String(p.response ?? '') : '', resolution: p ? String(p.resolution ?? '') : '',
          calendar: p ? String(p.calendar ?? '') : '', warnAt: p ? percentText(p.warnAt) : '',
          // A calendar the file does not define stays chosen (the validator names it): saving never swaps it silently.
          calendars: [...calendars, ...(p && typeof p.calendar === 'string' && !calendars.includes(p.calendar) ? [p.calendar] : [])]
            .map((c) => ({ id: c, selected: p ? p.calendar === c : c === calendars[0] })),
        };
      }),
    }));
    adminPage(deps, req, res, 'sla', {
      title: t('sla.title', { title: draft.title }), draft, rows, priorities: PRIORITIES, broken: !file,
      problems: shown, byField: byField(shown), editable: draft.status === 'draft' || draft.status === 'shadow',
    });
  }

  async function show(req: Request, res: Response) {
    render(req, res, await draftOf(deps, req));
  }

  async function save(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    if (!file) return render(req, res, draft);
    const next = structuredClone(file);
    const policies = Array.isArray(next.slaPolicies) ? (next.slaPolicies as unknown[]) : [];
    policies.forEach((p, i) => {
      if (!isObj(p)) return;
      for (const f of ['response', 'resolution', 'calendar'] as const) if (body[`${f}:${i}`] !== undefined) p[f] = text(body, `${f}:${i}`).trim();
      if (body[`warnAt:${i}`] !== undefined) {
        const w = parsePercents(text(body, `warnAt:${i}`));
        if (w) p.warnAt = w;
        else delete p.warnAt;
      }
    });
    const levels = Array.isArray(next.serviceLevels) ? (next.serviceLevels as unknown[]) : [];
    for (const level of levels) {
      for (const priority of PRIORITIES) {
        const key = `new-${String(level)}-${priority}`;
        const response = text(body, `response:${key}`).trim();
        const resolution = text(body, `resolution:${key}`).trim();
        if (!response && !resolution) continue;
        const w = parsePercents(text(body, `warnAt:${key}`));
        policies.push({
          id: `${String(level)}-${priority.toLowerCase()}`, serviceLevel: level, priority, response, resolution,
          calendar: text(body, `calendar:${key}`), ...(w ? { warnAt: w } : {}),
        });
      }
    }
    next.slaPolicies = policies;
    await deps.rulesAdmin.drafts.save(draft.id, { revision: revisionOf(body), file: next }, actorOf(req));
    req.session.notice = { key: 'admin:notice.saved' };
    res.redirect(303, `/admin/drafts/${draft.id}/sla`);
  }
}
