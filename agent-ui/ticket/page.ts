/**
 * Rendering the agent's ticket page and its live part (`#ticket-live`: status, countdowns,
 * conversation, actions, timeline), from one model: the page shows the part in place, and
 * `GET /agent/tickets/:number/live` answers it alone for agent-ui/public/live.js, which swaps it
 * in when the ticket changes. The part's templates are partials given with each render.
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import type { StaffDeps } from '../../api/staff/types.ts';
import { publicBase, viewerOf } from '../../api/portal/pages.ts';
import { staffT } from '../../api/staff/pages.ts';
import { personLabel } from '../../api/agent/words.ts';
import { agentPages } from '../pages.ts';
import { allowedForms, PRIORITIES, RESOLUTION_CODES, type FormAction } from './actions.ts';
import { prefillOf, sideView, type PageServices } from './context-view.ts';
import type { TicketPageData } from './read.ts';
import { agentTicketView, conversationOf, type PageWords } from './view.ts';
import { staffTicketView } from '../../api/agent/ticket-view.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { OpenedAttachmentMeta } from '../../api/portal/use-cases/portal-data.ts';
import { recordTicketsListed, staffViewer } from '../../services/privacy/access-log.ts';

export const pages = agentPages(new URL('./views/', import.meta.url));

const PARTIALS = { 'agent-ticket-live': 'ticket-live.hbs', 'agent-ticket-actions': 'ticket-actions.hbs', 'agent-ticket-side': 'ticket-side.hbs' } as const;
let partials: Record<string, string> | undefined;

/** The partials' sources, read once (handlebars compiles them on first use). */
function partialSources(): Record<string, string> {
  partials ??= Object.fromEntries(Object.entries(PARTIALS).map(([name, file]) => [name, fs.readFileSync(new URL(`./views/${file}`, import.meta.url), 'utf8')]));
  return partials;
}

/** A form's problem as the page shows it: a sentence, and one per field. */
export interface FormProblem {
  action: FormAction | 'merge';
  message: string;
  fields: Record<string, string>;
  values: Record<string, string>;
}

/** A ticket merged into this one: its conversation and attachments, read from it (linked, not copied). */
export interface MergedSource {
  ticket: TicketRecord;
  attachments: OpenedAttachmentMeta[];
}

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

function choices<T extends string>(ids: readonly T[], current: string | null | undefined, name: (id: T) => string) {
  return ids.map((id) => ({ id, name: name(id), selected: id === current }));
}

export interface ModelOpts {
  problem?: FormProblem;
  notice?: string;
  merged?: MergedSource[];
}

/** Everything the page and its live part show. */
export async function ticketModel(deps: StaffDeps, req: Request, data: TicketPageData, opts: ModelOpts = {}): Promise<Record<string, unknown>> {
  const viewer = viewerOf(req);
  const w = pageWords(deps, req);
  const me = req.staffUser!;
  const t = data.ticket;
  const view = agentTicketView(t, data.sla, data.attachments, w, viewer);
  // Links put into a reply are followed by the requester: PUBLIC_URL, as in mails (the request's origin only without one).
  const base = publicBase(deps, req);
  const recordListed = (numbers: string[]) => recordTicketsListed(deps.personalData, staffViewer(me), numbers, { channel: 'web' });
  const side = await sideView(services(deps), t, w, viewer, { base, recordListed, ...(deps.log ? { log: deps.log } : {}) });
  const merged = (opts.merged ?? []).map((m) => {
    const v = staffTicketView(m.ticket, undefined, m.attachments, w, viewer);
    return {
      number: m.ticket.number,
      title: v.title,
      conversation: conversationOf(m.ticket, v, w, m.ticket.number),
      timeline: v.timeline,
      attachments: v.attachments.map((a, i) => ({ ...a, href: a.erased ? null : `/agent/tickets/${m.ticket.number}/attachments/${m.attachments[i]!.id}` })),
    };
  });
  const conversation = [...view.conversation, ...merged.flatMap((m) => m.conversation)].sort((a, b) => a.iso.localeCompare(b.iso));
  const forms = Object.fromEntries(allowedForms(t, me.email).map((a) => [a, true]));
  const p = opts.problem;
  const prefill = prefillOf(req.query as Record<string, unknown>, side);
  const tierIndex = data.tiers.findIndex((x) => x.id === t.tier);
  const tierChoice = (x: { id: string; name?: string }) => ({ id: x.id, name: x.name ? `${x.id} — ${x.name}` : x.id, selected: false });
  const higher = data.tiers.slice(tierIndex + 1).map(tierChoice);
  const lower = data.tiers.slice(0, Math.max(tierIndex, 0)).reverse().map(tierChoice);
  if (higher[0]) higher[0].selected = true;
  if (lower[0]) lower[0].selected = true;
  const values: Record<string, Record<string, string>> = p ? { [p.action]: p.values } : {};
  if (prefill && !values.respond?.message) values.respond = { message: prefill };
  return {
    title: w.tk('pageTitle', { number: t.number, title: view.title }),
    view,
    decision: view.decision,
    conversation,
    conversationCount: conversation.filter((c) => c.public).length,
    noteCount: conversation.filter((c) => !c.public).length,
    assigneeText: personLabel(t.assignee, w) ?? w.tk('live.unassigned'),
    tierText: t.tier ?? '—',
    priorityText: t.priority ?? '—',
    forms,
    anyForm: Object.keys(forms).length > 0,
    colleagues: data.colleagues.map((c) => ({ ...c, selected: c.email === (p?.values.assignee ?? t.assignee) })),
    priorities: choices(PRIORITIES, p?.values.priority ?? t.priority, (id) => id),
    resolutionCodes: choices(RESOLUTION_CODES, p?.values.code, (id) => w.staff(`ticket.resolutionCode.${id}`, { defaultValue: id })),
    higherTiers: higher,
    lowerTiers: lower,
    errors: p ? { [p.action]: { message: p.message, fields: p.fields } } : {},
    values,
    agentNotice: opts.notice,
    mergedSources: merged,
    mergedTimelines: merged,
    ...side,
    liveScript: true,
    partials: partialSources(),
  };
}

export function renderPage(deps: StaffDeps, req: Request, res: Response, model: Record<string, unknown>, status = 200): void {
  pages.render(deps, req, res, 'ticket', model, status);
}

/** The live part alone (no layout), for live.js. */
export function renderLive(deps: StaffDeps, req: Request, res: Response, model: Record<string, unknown>): void {
  res.set('Cache-Control', 'private, no-store');
  pages.render(deps, req, res, 'live', { ...model, layout: false });
}
