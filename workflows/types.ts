/**
 * Plain data shared by the ticket workflow, its activities and the API. Pure: no
 * imports, so workflow code may use it.
 */

export const TicketStatus = {
  new: 'new',
  assigned: 'assigned',
  in_progress: 'in_progress',
  pending: 'pending',
  resolved: 'resolved',
  closed: 'closed',
  reopened: 'reopened',
  cancelled: 'cancelled',
  /** Merged into another ticket (the `merge` action, patch `merge-outcome`): terminal, its clocks frozen. */
  merged: 'merged',
} as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];

export const Level = { high: 'high', medium: 'medium', low: 'low' } as const;
export type Level = (typeof Level)[keyof typeof Level];

export const Channel = { portal: 'portal', api: 'api', email: 'email', phone: 'phone' } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

/** The requester's report as the API accepted it; the ticket keeps it as reported. */
export interface TicketReport {
  title: string;
  description: string;
  requesterEmail: string;
  locale: string;
  channel: Channel;
  impact: Level;
  urgency: Level;
  category: string | null;
  /**
   * The requester's pseudonym (persons.id), when the report's personal fields are sealed (title,
   * description and requesterEmail are then opaque `sealed:v1:` strings, and every person on
   * the ticket — actors, assignee, filer — is a pseudonym). Absent in histories recorded before
   * sealing: those carry plain text and addresses.
   */
  requester?: string;
}

/** What intake hands the workflow: the report, its number and when it was accepted. */
export interface TicketInput extends TicketReport {
  number: string;
  /** ISO instant the API accepted the report. */
  createdAt: string;
  /**
   * Who filed the report (the API token's user, the portal's signed-in account); the
   * `created` event's actor. Absent in histories recorded before it was kept, and for a
   * portal report without an account: then the requester is the actor, as before.
   */
  filedBy?: string;
}

/** One thing that happened to a ticket. `seq` is assigned by the workflow, so a retried write is recognised. */
export interface TicketEvent {
  seq: number;
  type: string;
  actor: string;
  reason: string | null;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** The ticket as the workflow knows it; the projection in PostgreSQL is a copy of this. */
export interface TicketSnapshot extends TicketReport {
  number: string;
  workflowId: string;
  priority: string | null;
  status: TicketStatus;
  tier: string | null;
  teamId: string | null;
  assignee: string | null;
  rulesVersion: number | null;
  /** Who filed the ticket (TicketInput.filedBy); null or absent when not recorded. */
  filedBy?: string | null;
  /** The SLA in force, for lists and the portal's promise; null until classified. */
  sla: TicketSla | null;
  createdAt: string;
  updatedAt: string;
  lastEventSeq: number;
}

export interface TicketSla {
  policyId: string;
  calendarId: string;
  /** False for a 24×7 calendar: targets count every hour. */
  businessHours: boolean;
  responseTargetMs: number;
  resolutionTargetMs: number;
  /** ISO instants; null once the clock has stopped or while it is paused. */
  responseDueAt: string | null;
  resolutionDueAt: string | null;
  responded: boolean;
  paused: boolean;
  breached: Array<'response' | 'resolution'>;
  /**
   * Set once the ticket was merged into another (patch `merge-outcome`): its clocks stopped at
   * `at` and stay frozen there; the SLA is reported as merged, neither met nor breached since.
   * Absent on every other ticket.
   */
  merged?: { into: string; at: string };
}

export function workflowIdFor(ticketNumber: string): string {
  return `ticket-${ticketNumber}`;
}

export const ResolutionCode = {
  solved: 'solved',
  workaround: 'workaround',
  not_reproducible: 'not_reproducible',
  duplicate: 'duplicate',
  no_response: 'no_response',
} as const;
export type ResolutionCode = (typeof ResolutionCode)[keyof typeof ResolutionCode];

/**
 * What agents and requesters can do to a ticket, each one workflow Update. `actor`
 * is who does it (an e-mail address); reasons are required where an auditor would ask "why?".
 */
export type TicketAction =
  | { action: 'assign'; actor: string; assignee: string; team?: string }
  | { action: 'start'; actor: string }
  | { action: 'respond'; actor: string; message: string }
  | { action: 'comment'; actor: string; message: string }
  | { action: 'set_pending'; actor: string; reason: string }
  | { action: 'resume'; actor: string; reason: string }
  | { action: 'resolve'; actor: string; code: ResolutionCode; note?: string }
  | { action: 'reopen'; actor: string; reason: string }
  | { action: 'close'; actor: string; reason?: string }
  | { action: 'cancel'; actor: string; reason: string }
  | { action: 'escalate'; actor: string; reason: string; tier?: string }
  | { action: 'deescalate'; actor: string; reason: string; tier?: string }
  | { action: 'change_priority'; actor: string; priority: string; reason: string }
  | { action: 'rate'; actor: string; score: number; comment?: string }
  /**
   * Ends this ticket as a duplicate of `into` (patch `merge-outcome`). Not one of TICKET_ACTIONS:
   * the API sends it from its own route (services/tickets/merge.ts), which checks the target first
   * and then signals it (`mergeReceived`).
   */
  | { action: 'merge'; actor: string; into: string; reason: string };

export type TicketActionName = TicketAction['action'];

export const TICKET_ACTIONS: readonly TicketActionName[] = [
  'assign', 'start', 'respond', 'comment', 'set_pending', 'resume', 'resolve', 'reopen', 'close', 'cancel',
  'escalate', 'deescalate', 'change_priority', 'rate',
];

/**
 * Whom an event concerns: one row of the notification outbox per role (`requester`, `assignee`,
 * `team`, `team_lead`, `duty_manager`, …), written with the event. The data layer stores it.
 */
export interface Notification {
  kind: string;
  roles: string[];
  data: Record<string, unknown>;
}

/** What a merge target is told (the `mergeReceived` signal): which ticket was merged into it, by whom and why. */
export interface MergeReceived {
  from: string;
  actor: string;
  reason: string;
}

/** A requester's reply (portal, e-mail): a public comment that resumes a pending ticket. */
export interface RequesterReply {
  author: string;
  message: string;
}

/** Failure types a refused action leaves the workflow with; the API answers 409 or 422. */
export const RefusalType = {
  /** Not allowed in the ticket's current state (409). */
  invalidTransition: 'InvalidTransition',
  /** Malformed or out-of-range arguments (422). */
  invalidArgument: 'InvalidArgument',
} as const;
