/**
 * The side of the ticket page, and the countdowns of its live part, from the agents' workspace
 * services: E's context (services/agent/context.ts: the requester's card, knowledge-base
 * suggestions, reply templates in the ticket's language, likely duplicates) and C's countdowns
 * (services/agent/countdown.ts; countdownsOf, read for the page and for the live part alone). Each
 * piece is read on its own: one that fails leaves its box saying so, and the rest of the page
 * stands (the ticket itself was read and recorded first, read.ts).
 *
 * A suggestion or template is inserted into the reply box by agent-ui/public/ticket.js (its
 * `data-insert` text); without JavaScript its link reloads the page with `?kb=<id>` or
 * `?template=<id>`, and the page prefills the reply with the same text.
 */
import type { TicketRecord } from '../../db/tickets-repo.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import type { ViewerPlace } from '../../api/agent/ticket-view.ts';
import { statusWord } from '../../api/agent/words.ts';
import { OPEN } from '../../workflows/lifecycle.ts';
import type { PageWords } from './view.ts';

/** The parts of the workspace's services the page reads (services/agent/*.ts have these shapes). */
export interface Brief { number: string; title: string; status: string; createdAt: string; updatedAt: string }
export interface Card {
  displayName: string | null; email: string | null; organisation: string | null; department: string | null;
  serviceLevel: string | null; vip: boolean; language: string | null; open: Brief[]; past: Brief[];
}
export interface Suggestion { id: string; title: string; excerpt: string; url: string }
export interface Template { id: string; name: string; body: string }
export interface Duplicate { number: string; title: string; status: string; createdAt: string; similarity: number; sameRequester: boolean; sameOrganisation: boolean }
export interface CountdownLike { clock: string; risk: string; text: string; title: string }

export interface PageServices {
  countdowns?: { forTicket(t: TicketRecord, viewer: ViewerPlace): Promise<CountdownLike[]> };
  context?: {
    requesterCard(t: TicketRecord): Promise<Card | null>;
    kbSuggestions(t: TicketRecord, limit?: number): Promise<Suggestion[]>;
    replyTemplates(t: TicketRecord, agentLanguage: string, requesterName?: string | null): Template[];
    duplicates(t: TicketRecord, limit?: number): Promise<Duplicate[]>;
  };
}

export interface SideView {
  card: (Omit<Card, 'open' | 'past'> & { open: BriefItem[]; past: BriefItem[] }) | null;
  cardPending: boolean;
  contextPending: boolean;
  suggestions: Array<Suggestion & { insertText: string; prefillHref: string }>;
  templates: Array<Template & { insertText: string; prefillHref: string }>;
  duplicates: Array<Duplicate & { statusText: string; when: string; why: string }>;
  mergeOpen: boolean;
}

export type CountdownView = CountdownLike & { name: string };

type BriefItem = Brief & { statusText: string; when: string };

/** A piece that cannot be read is left out; the line names the piece, never the ticket's contents. */
async function piece<T>(name: string, fallback: T, fn: () => Promise<T> | T, log?: (line: string) => void): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    log?.(`[agent] the ticket page's ${name} could not be read: ${err instanceof Error ? err.name : 'error'}`);
    return fallback;
  }
}

/** The text a suggestion puts into the reply: its title and its link (absolute, as the requester will follow it). */
export const suggestionText = (s: Suggestion, base: string): string => `${s.title}: ${new URL(s.url, base).href}`;

/**
 * `recordListed` records the other tickets the side shows by title (the requester's open and past
 * ones, the likely duplicates) as listed to the viewer (services/privacy/access-log.ts); when that
 * cannot be written, those lists are left out: nothing is shown unrecorded.
 */
export async function sideView(services: PageServices, t: TicketRecord, w: PageWords, at: ViewerPlace, opts: { base: string; log?: (line: string) => void; recordListed?: (numbers: string[]) => Promise<void> }): Promise<SideView> {
  const { context } = services;
  const open = OPEN.includes(t.status);
  const brief = (b: Brief): BriefItem => ({ ...b, statusText: statusWord(b.status, w), when: formatDateTime(b.updatedAt, at.language, at.timeZone) });
  const [card, suggestions, duplicates] = await Promise.all([
    context ? piece('requester card', null, () => context.requesterCard(t), opts.log) : null,
    context ? piece('suggestions', [] as Suggestion[], () => context.kbSuggestions(t, 5), opts.log) : [],
    context && open ? piece('duplicates', [] as Duplicate[], () => context.duplicates(t, 5), opts.log) : [],
  ]);
  const listed = [...(card ? [...card.open, ...card.past] : []), ...duplicates].map((x) => x.number);
  const recorded = listed.length === 0 || !opts.recordListed || (await piece('access-log entry of its lists', false, async () => (await opts.recordListed!(listed), true), opts.log));
  if (card && !recorded) card.open = card.past = [];
  if (!recorded) duplicates.length = 0;
  const templates = context ? await piece('templates', [] as Template[], () => context.replyTemplates(t, at.language, card?.displayName ?? null), opts.log) : [];
  const href = (param: string, id: string) => `/agent/tickets/${t.number}?${param}=${encodeURIComponent(id)}#form-respond`;
  return {
    card: card && { ...card, open: card.open.map(brief), past: card.past.map(brief) },
    cardPending: !context,
    contextPending: !context,
    suggestions: suggestions.map((s) => ({ ...s, insertText: suggestionText(s, opts.base), prefillHref: href('kb', s.id) })),
    templates: templates.map((x) => ({ ...x, insertText: x.body, prefillHref: href('template', x.id) })),
    duplicates: duplicates.map((d) => ({
      ...d,
      statusText: statusWord(d.status, w),
      when: formatDateTime(d.createdAt, at.language, at.timeZone),
      why: w.tk(d.sameRequester ? 'duplicates.sameRequester' : 'duplicates.sameOrganisation', { percent: new Intl.NumberFormat(at.language, { style: 'percent' }).format(d.similarity) }),
    })),
    mergeOpen: open,
  };
}

/** The ticket's response and resolution countdowns with their names (none when they cannot be computed: the line says so). */
export async function countdownsOf(services: PageServices, t: TicketRecord, w: PageWords, at: ViewerPlace, log?: (line: string) => void): Promise<CountdownView[]> {
  const { countdowns } = services;
  const clocks = countdowns ? await piece('countdowns', [] as CountdownLike[], () => countdowns.forTicket(t, at), log) : [];
  return clocks.map((c) => ({ ...c, name: w.tk(`sla.clockName.${c.clock}`) }));
}

/** The reply's prefill from `?kb=` or `?template=` (the links that work without JavaScript). */
export function prefillOf(query: Record<string, unknown>, side: SideView): string | undefined {
  if (typeof query.kb === 'string') return side.suggestions.find((s) => s.id === query.kb)?.insertText;
  if (typeof query.template === 'string') return side.templates.find((s) => s.id === query.template)?.insertText;
  return undefined;
}
