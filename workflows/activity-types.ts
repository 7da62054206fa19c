/**
 * What the ticket workflow asks of its activities, as types: the workflow proxies this
 * interface and activities/ implements it, so imports run one way (activities → workflows).
 */
import type { BusinessCalendar } from '../rules/calendar-types.ts';
import type { Decision } from '../rules/index.ts';
import type { ClockName, ClockState, Mark } from './sla-state.ts';
import type { Notification, TicketEvent, TicketSnapshot } from './types.ts';

export interface ClassifyInput {
  ticket: { title: string; description: string; category: string | null; impact: 'high' | 'medium' | 'low'; urgency: 'high' | 'medium' | 'low'; channel: string; language: string };
  requesterEmail: string;
  /** The ticket's number: sealed fields are bound to it (absent in histories recorded before sealing). */
  number?: string;
  /** The requester's pseudonym when the ticket's personal fields are sealed. */
  requester?: string;
  /** The instant the decision is for (the ticket's creation, or the re-classification). */
  atMs: number;
  /** A specific rules version; the active one when omitted. */
  rulesVersion?: number;
}

export interface Classification {
  decision: Decision;
  tiers: Array<{ id: string; teams: string[] }>;
}

/** The policy and ladder for a new priority under the ticket's own rules version. */
export interface PolicyRequest {
  rulesVersion: number;
  serviceLevel: string;
  priority: string;
  ladderId: string | null;
}
export type PolicyChoice = Pick<Decision, 'policy' | 'ladder'>;

export interface ClockPlanInput {
  calendar: BusinessCalendar;
  clocks: ClockState[];
  marks: Mark[];
  nowMs: number;
}

export interface ClockPlan {
  clocks: Array<{ name: ClockName; elapsedMs: number; deadlineAt: number | null }>;
  marks: Array<{ id: string; at: number | null }>;
}

export interface RecordEventInput {
  snapshot: TicketSnapshot;
  event: TicketEvent;
  notify?: Notification;
}

export interface TicketActivities {
  /** Writes one event, the ticket after it and its notifications, idempotently (keyed by ticket and seq). */
  recordEvent(args: RecordEventInput): Promise<void>;
  /** The rules decision and its explanation; recorded in history, so replay never re-evaluates. */
  classifyTicket(input: ClassifyInput): Promise<Classification>;
  policyForPriority(input: PolicyRequest): Promise<PolicyChoice>;
  /** When, in the policy's business calendar, each clock's deadline and each mark fall due. */
  planClocks(input: ClockPlanInput): Promise<ClockPlan>;
}

/** One retention run: at this instant (the workflow's clock), under the active rules version. */
export interface RetentionRunInput {
  atMs: number;
}

/** What a retention run did (the workflow's result, kept in its history). Ticket numbers only: no personal data. */
export interface RetentionRunSummary {
  /** The instant the run planned for, ISO 8601. */
  at: string;
  /** The active rules version whose retention governed. */
  rulesVersion: number;
  /** Tickets whose personal data this run erased (the tickets stay). */
  erased: string[];
  /** Tickets this run deleted altogether. */
  deleted: string[];
  keysDestroyed: number;
  /** The next instant something more falls due among the closed tickets (null when nothing will). */
  nextDueAt: string | null;
}

export interface RetentionActivities {
  /** Plans retention at `atMs`, erases the personal data due and deletes the tickets due; idempotent. */
  applyRetention(input: RetentionRunInput): Promise<RetentionRunSummary>;
}
