/**
 * Retention: how long a closed ticket's personal data, and the ticket itself, are kept, and the
 * pure plan of what is due at an instant. Semantics and the decisions behind them are in
 * rules/README.md ("Retention") and docs/retention.md.
 *
 * - Periods are whole days of 24 hours counted from the ticket's closing instant (its latest
 *   `closed` event), in UTC: calendar time, not business time, and no time zone enters.
 * - The **active** rules version's retention governs every closed ticket, whichever version the
 *   ticket was classified under: retention is the organisation's data-keeping policy now, so a
 *   shortened period reaches the data already kept and a lengthened one (a legal hold) protects it.
 * - A rules file without `retention` gets {@link DEFAULT_RETENTION}.
 */
import type { Retention, RulesFile } from './types.ts';

export const DAY_MS = 86_400_000;

/**
 * The retention of a rules file that has no `retention` section: personal data 730 days (two
 * years) after closing, the ticket itself 2555 days (seven years of 365 days), no category of its
 * own. The shipped default file writes these and keeps access requests' personal data 365 days.
 * Why these: rules/README.md, "Retention".
 */
export const DEFAULT_RETENTION: Readonly<Retention> = Object.freeze({
  personalData: Object.freeze({ defaultDays: 730 }),
  closedTicketDays: 2555,
});

/** The retention a rules file says, or the defaults when it has no `retention` section. */
export function retentionOf(file: Pick<RulesFile, 'retention'>): Retention {
  return file.retention ?? DEFAULT_RETENTION;
}

/** Days a ticket of `category` keeps its personal data after closing. */
export function personalDataDays(retention: Retention, category: string | null): number {
  const byCategory = retention.personalData.byCategory ?? {};
  return category !== null && Object.hasOwn(byCategory, category) ? (byCategory[category] as number) : retention.personalData.defaultDays;
}

/** A closed ticket, as the plan needs it (db/retention-repo.ts reads these). */
export interface ClosedTicket {
  number: string;
  category: string | null;
  /** The closing instant (the latest `closed` event), ISO 8601. */
  closedAt: string;
  /** The rules version the ticket is bound to; shown, it does not govern (the active one does). */
  rulesVersion: number | null;
}

/** One closed ticket with its retention due dates. */
export interface RetentionEntry extends ClosedTicket {
  personalDataDays: number;
  /** When the ticket's personal data falls due for erasure, ISO 8601. */
  personalDataDueAt: string;
  /** When the ticket falls due for deletion altogether, ISO 8601. */
  ticketDueAt: string;
}

export const RetentionAction = {
  /** The personal-data period has ended; the ticket is kept (its personal data shown as erased). */
  erasePersonalData: 'erase-personal-data',
  /** The ticket's period has ended: it goes altogether, its personal data with it. */
  deleteTicket: 'delete-ticket',
} as const;
export type RetentionAction = (typeof RetentionAction)[keyof typeof RetentionAction];

export interface DueEntry extends RetentionEntry {
  action: RetentionAction;
  /** When this action fell due: personalDataDueAt or ticketDueAt. */
  dueAt: string;
}

export interface RetentionPlanInput {
  tickets: readonly ClosedTicket[];
  /**
   * The governing retention (the active rules version's: {@link retentionOf}) and its version;
   * null for a rules file not published (a draft's dry run).
   */
  policy: { version: number | null; retention: Retention };
  /** Tickets whose personal data was already erased: listed only when their deletion is due. */
  alreadyErased?: ReadonlySet<string>;
  /** The instant the plan is made for, in ms since the epoch. */
  now: number;
}

export interface RetentionPlan {
  /** The instant the plan is for, ISO 8601. */
  at: string;
  /** The governing version; null for an unpublished rules file. */
  rulesVersion: number | null;
  retention: Retention;
  /** Everything due at `at`, one action a ticket, in the order it fell due (then by number). */
  due: DueEntry[];
  /** How many of `due` are erasures and how many deletions. */
  counts: { erasePersonalData: number; deleteTicket: number };
  /** The next instant after `at` when something more falls due (null when nothing will). */
  nextDueAt: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The due dates of one closed ticket under a retention. */
export function retentionEntry(ticket: ClosedTicket, retention: Retention): RetentionEntry {
  const closed = Date.parse(ticket.closedAt);
  if (!Number.isFinite(closed)) throw new RangeError(`ticket ${ticket.number} has no valid closing instant`);
  const days = personalDataDays(retention, ticket.category);
  return {
    ...ticket,
    personalDataDays: days,
    personalDataDueAt: iso(closed + days * DAY_MS),
    ticketDueAt: iso(closed + retention.closedTicketDays * DAY_MS),
  };
}

/**
 * What is due at `now`: tickets whose personal-data period has ended (and is not yet erased) are
 * due for erasure; tickets whose ticket period has ended are due for deletion (and only that: a
 * deletion removes the personal data with it). A period ends at its due instant, inclusive.
 */
export function planRetention(input: RetentionPlanInput): RetentionPlan {
  const { retention, version } = input.policy;
  const erased = input.alreadyErased ?? new Set<string>();
  const due: DueEntry[] = [];
  let next = Number.POSITIVE_INFINITY;
  for (const ticket of input.tickets) {
    const entry = retentionEntry(ticket, retention);
    const ticketDue = Date.parse(entry.ticketDueAt);
    const dataDue = Date.parse(entry.personalDataDueAt);
    if (ticketDue <= input.now) {
      due.push({ ...entry, action: RetentionAction.deleteTicket, dueAt: entry.ticketDueAt });
      continue;
    }
    next = Math.min(next, ticketDue);
    if (erased.has(ticket.number)) continue;
    if (dataDue <= input.now) due.push({ ...entry, action: RetentionAction.erasePersonalData, dueAt: entry.personalDataDueAt });
    else next = Math.min(next, dataDue);
  }
  due.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  const deletions = due.filter((d) => d.action === RetentionAction.deleteTicket).length;
  return {
    at: iso(input.now),
    rulesVersion: version,
    retention,
    due,
    counts: { erasePersonalData: due.length - deletions, deleteTicket: deletions },
    nextDueAt: Number.isFinite(next) ? iso(next) : null,
  };
}

/** The retention in words, e.g. "personal data 730 days after closing (access: 365 days); closed tickets 2555 days". */
export function describeRetention(retention: Retention): string {
  const days = (n: number): string => `${n} ${n === 1 ? 'day' : 'days'}`;
  const overrides = Object.entries(retention.personalData.byCategory ?? {}).map(([c, n]) => `${c}: ${days(n)}`);
  return `personal data ${days(retention.personalData.defaultDays)} after closing${overrides.length ? ` (${overrides.join(', ')})` : ''}; `
    + `closed tickets ${days(retention.closedTicketDays)}`;
}
