/**
 * The facts a rules version's conditions read (rules/README.md, "Facts"), built from what the
 * evaluator is told about a ticket and the decision instant. Pure: the calendar and the matrix
 * priority are passed in.
 */
import { isOpenAt, localClockAt } from './calendar.ts';
import type { BusinessCalendar } from './calendar.ts';
import type { Level, Priority, TicketFacts } from './types.ts';

/** The facts json-rules-engine is run on; each key is a fact name of {@link FactName}. */
export interface RuleFacts {
  ticket: Partial<TicketFacts['ticket']>;
  requester: Partial<TicketFacts['requester']>;
  /** Distinct lowercase words of title + description (or, re-evaluating, the recorded ones). */
  keywords: string[];
  calendar: { open: boolean };
  time: { hour: number; weekday: string };
  matrix: { impact: Level; urgency: Level; priority: Priority };
}

/** What facts are built from: a ticket as {@link TicketFacts}, or without its text (derived facts). */
export interface FactsInput {
  ticket: Partial<TicketFacts['ticket']> & Pick<TicketFacts['ticket'], 'impact' | 'urgency'>;
  requester?: Partial<TicketFacts['requester']>;
}

const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Lowercase words of the text, each once, in order of first appearance. */
export function keywordsOf(...texts: Array<string | undefined>): string[] {
  const out: string[] = [];
  let seen: Set<string> | null = null;
  for (const text of texts) {
    if (!text) continue;
    for (const w of text.toLowerCase().split(NOT_A_WORD)) {
      if (!w) continue;
      // A short text's words are checked against the list, a long one's through a set.
      if (seen === null && out.length >= 16) seen = new Set(out);
      if (seen ? seen.has(w) : out.includes(w)) continue;
      out.push(w);
      seen?.add(w);
    }
  }
  return out;
}

const NOT_A_WORD = /[^\p{L}\p{N}]+/u;

/** Own properties of `obj` named in `keys` that are not undefined. */
export function pick<T extends object>(obj: T | undefined, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  if (!obj) return out;
  for (const k of keys) if (Object.hasOwn(obj, k) && obj[k] !== undefined) out[k] = obj[k];
  return out;
}

export const TICKET_KEYS = ['title', 'description', 'category', 'impact', 'urgency', 'channel', 'language'] as const;
export const REQUESTER_KEYS = ['email', 'vip', 'serviceLevel', 'organisation', 'department'] as const;

/**
 * The facts for `input` at `atMs` in `calendar` (the rules' default calendar). `keywords` defaults
 * to the words of the title and description.
 */
export function buildFacts(
  input: FactsInput,
  atMs: number,
  calendar: BusinessCalendar,
  matrix: RuleFacts['matrix'],
  keywords: string[] = keywordsOf(input.ticket.title, input.ticket.description),
): RuleFacts {
  const local = localClockAt(calendar, atMs);
  return {
    ticket: pick(input.ticket, TICKET_KEYS),
    requester: pick(input.requester, REQUESTER_KEYS),
    keywords,
    calendar: { open: isOpenAt(calendar, atMs) },
    time: { hour: local.hour, weekday: WEEKDAY_NAMES[local.weekday] as string },
    matrix,
  };
}
