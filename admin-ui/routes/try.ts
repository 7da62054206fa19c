/**
 * Try it: a sample ticket — typed into a form, or an existing ticket's number (its recorded
 * facts) — evaluated under the draft and under the active version side by side, with the
 * explanation: the rules that fired in the order they applied, and for each rule that did not,
 * the condition that failed with the fact's value. The form is a GET (nothing changes), so the
 * result page can be bookmarked and reloaded.
 */
import { Router, type Request, type Response } from 'express';
import { viewerOf } from '../../api/portal/pages.ts';
import { LEVELS } from '../../rules/types.ts';
import type { TrialSample } from '../../services/rules-admin/index.ts';
import type { TryOutcome, TryResult } from '../../services/rules-admin/try.ts';
import { LANGUAGES } from '../../services/languages.ts';
import { Channel } from '../../workflows/types.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage } from '../pages.ts';
import { draftOf } from './load.ts';

type Query = Record<string, unknown>;
const q = (query: Query, name: string): string => (typeof query[name] === 'string' ? (query[name] as string) : '');

/** The form's fields as the sample the service reads; blank fields are left out. */
export function sampleOf(query: Query): TrialSample | undefined {
  if (q(query, 'ticket').trim()) return { ticket: q(query, 'ticket') };
  if (!q(query, 'impact')) return undefined;
  const put = (o: Record<string, unknown>, k: string, v: unknown) => {
    if (v !== '' && v !== undefined) o[k] = v;
  };
  const ticket: Record<string, unknown> = {};
  for (const f of ['title', 'description', 'category', 'impact', 'urgency', 'channel', 'language']) put(ticket, f, q(query, f).trim() || undefined);
  const requester: Record<string, unknown> = {};
  if (q(query, 'vip') === '1') requester.vip = true;
  for (const f of ['serviceLevel', 'organisation', 'department']) put(requester, f, q(query, `requester.${f}`).trim() || undefined);
  return { form: { ...ticket, ...(Object.keys(requester).length ? { requester } : {}) } };
}

const show = (v: unknown): string => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function outcomeRows(result: TryResult, label: (field: string) => string) {
  const fields: Array<keyof TryOutcome> = ['priority', 'category', 'team', 'tier', 'serviceLevel', 'policy', 'ladder', 'tags', 'notify', 'escalation'];
  const text = (o: TryOutcome, f: keyof TryOutcome): string => {
    if (f === 'policy') return `${o.policy.id}: ${o.policy.response ?? '?'} / ${o.policy.resolution ?? '?'} (${o.policy.calendar})`;
    if (f === 'ladder') return o.ladder.id;
    if (f === 'tags' || f === 'notify') return (o[f] as string[]).join(', ') || '—';
    if (f === 'escalation') return o.escalation ? show(o.escalation) : '—';
    return String(o[f]);
  };
  return fields.map((f) => ({ field: f, label: label(f), draft: text(result.draft.outcome, f), active: text(result.active.outcome, f), differs: result.differences.includes(f) }));
}

function explanationView(side: TryResult['draft']) {
  return {
    fired: side.explanation.fired.map((r) => ({ ...r, eventText: `${r.event.type} ${show(r.event.params)}` })),
    notFired: side.explanation.notFired.map((r) => ({
      ...r,
      failed: r.failed.map((c) => ({ ...c, where: c.path ? `${c.fact} ${c.path}` : c.fact, missing: c.actual === undefined, valueText: show(c.value), actualText: show(c.actual) })),
    })),
  };
}

export function tryRoutes(deps: AdminDeps, { admins }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/try', admins, tryPage);
  return router;

  async function tryPage(req: Request, res: Response) {
    const draft = await draftOf(deps, req);
    const t = deps.i18n.getFixedT(viewerOf(req).language, 'admin');
    const query = req.query as Query;
    const sample = sampleOf(query);
    const result = sample ? await deps.rulesAdmin.trials.tryDraft(draft.id, sample) : undefined;
    const file = draft.review.parsed ?? {};
    const levels = Array.isArray(file.serviceLevels) ? (file.serviceLevels as unknown[]).map(String) : [];
    const categories = Array.isArray(file.categories) ? (file.categories as unknown[]).map(String) : [];
    const option = (values: readonly string[], chosen: string) => values.map((v) => ({ v, selected: v === chosen }));
    adminPage(deps, req, res, 'try', {
      title: t('try.title', { title: draft.title }), draft,
      form: {
        ticket: q(query, 'ticket'), title: q(query, 'title'), description: q(query, 'description'),
        categories: option(categories, q(query, 'category')), impacts: option(LEVELS, q(query, 'impact') || 'medium'),
        urgencies: option(LEVELS, q(query, 'urgency') || 'medium'), channels: option(Object.values(Channel), q(query, 'channel') || 'portal'),
        languages: option(LANGUAGES, q(query, 'language') || viewerOf(req).language), vip: q(query, 'vip') === '1',
        serviceLevels: option(levels, q(query, 'requester.serviceLevel')), organisation: q(query, 'requester.organisation'), department: q(query, 'requester.department'),
      },
      invalid: draft.review.errors > 0,
      result: result && {
        ...result,
        rows: outcomeRows(result, (f) => t(`try.field.${f}`)),
        draftExplanation: explanationView(result.draft),
        activeExplanation: explanationView(result.active),
      },
    });
  }
}
