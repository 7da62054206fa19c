/**
 * Rendering the agent's ticket page and its live part (`#ticket-live`: status, countdowns,
 * conversation, actions, timeline): the page shows the part in place, and
 * `GET /agent/tickets/:number/live` answers it alone for agent-ui/public/live.js, which swaps it
 * in when the ticket changes. Both take the part's model from one function (live-part.ts); the
 * part alone reads and records only what it shows. The part's templates are partials given with
 * each render.
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import type { StaffDeps } from '../../api/staff/types.ts';
import { publicBase, viewerOf } from '../../api/portal/pages.ts';
import { staffT } from '../../api/staff/pages.ts';
import { agentPages } from '../pages.ts';
import { countdownsOf, prefillOf, sideView, type PageServices } from './context-view.ts';
import { livePartModel, type FormProblem } from './live-part.ts';
import { mergedBeyond, type MergedSource } from './merge.ts';
import type { LivePartData, TicketPageData } from './read.ts';
import { agentTicketView, type PageWords } from './view.ts';
import { recordTicketsListed, staffViewer } from '../../services/privacy/access-log.ts';

export const pages = agentPages(new URL('./views/', import.meta.url));

const PARTIALS = { 'agent-ticket-live': 'ticket-live.hbs', 'agent-ticket-actions': 'ticket-actions.hbs', 'agent-ticket-side': 'ticket-side.hbs' } as const;
let partials: Record<string, string> | undefined;

/** The partials' sources, read once (handlebars compiles them on first use). */
function partialSources(): Record<string, string> {
  partials ??= Object.fromEntries(Object.entries(PARTIALS).map(([name, file]) => [name, fs.readFileSync(new URL(`./views/${file}`, import.meta.url), 'utf8')]));
  return partials;
}

export type { FormProblem } from './live-part.ts';

export function pageWords(deps: StaffDeps, req: Request): PageWords {
  const language = viewerOf(req).language;
  return {
    language,
    staff: staffT(deps, req),
    api: deps.i18n.getFixedT(language, 'api'),
    portal: deps.i18n.getFixedT(language, 'portal'),
    tk: deps.i18n.getFixedT(language, 'agent-ticket'),
  };
}

const services = (deps: StaffDeps): PageServices => (deps.agent ?? {}) as PageServices;

export interface ModelOpts {
  problem?: FormProblem;
  notice?: string;
  merged?: MergedSource[];
}

/** Everything the page shows; its live part from livePartModel, as the live part alone (liveModel) has it. */
export async function ticketModel(deps: StaffDeps, req: Request, data: TicketPageData, opts: ModelOpts = {}): Promise<Record<string, unknown>> {
  const viewer = viewerOf(req);
  const w = pageWords(deps, req);
  const me = req.staffUser!;
  const t = data.ticket;
  const view = agentTicketView(t, data.sla, data.attachments, w, viewer);
  // Links put into a reply are followed by the requester: PUBLIC_URL, as in mails (the request's origin only without one).
  const base = publicBase(deps, req);
  const recordListed = (numbers: string[]) => recordTicketsListed(deps.personalData, staffViewer(me), numbers, { channel: 'web' });
  const [side, countdowns] = await Promise.all([
    sideView(services(deps), t, w, viewer, { base, recordListed, ...(deps.log ? { log: deps.log } : {}) }),
    countdownsOf(services(deps), t, w, viewer, deps.log),
  ]);
  const prefill = prefillOf(req.query as Record<string, unknown>, side);
  const part = livePartModel(w, viewer, me, { ...data, merged: opts.merged ?? [], view, countdowns, problem: opts.problem, prefill });
  return {
    title: w.tk('pageTitle', { number: t.number, title: view.title }),
    decision: view.decision,
    ...part,
    agentNotice: opts.notice,
    mergedSources: part.mergedTimelines,
    mergedMore: mergedBeyond(t),
    ...side,
    signedOutText: deps.i18n.getFixedT(w.language, 'agent-sla')('live.signedOut'),
    liveScript: true,
    partials: partialSources(),
  };
}

/**
 * The live part alone (GET /agent/tickets/:number/live), from what readLivePart read: the ticket
 * without the workflow's clocks or its attachments (the part shows neither), no side.
 */
export async function liveModel(deps: StaffDeps, req: Request, data: LivePartData): Promise<Record<string, unknown>> {
  const viewer = viewerOf(req);
  const w = pageWords(deps, req);
  const view = agentTicketView(data.ticket, undefined, [], w, viewer);
  const countdowns = await countdownsOf(services(deps), data.ticket, w, viewer, deps.log);
  return { ...livePartModel(w, viewer, req.staffUser!, { ...data, view, countdowns }), partials: partialSources() };
}

export function renderPage(deps: StaffDeps, req: Request, res: Response, model: Record<string, unknown>, status = 200): void {
  pages.render(deps, req, res, 'ticket', model, status);
}

/** The live part alone (no layout), for live.js. */
export function renderLive(deps: StaffDeps, req: Request, res: Response, model: Record<string, unknown>): void {
  res.set('Cache-Control', 'private, no-store');
  pages.render(deps, req, res, 'live', { ...model, layout: false });
}
