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
} as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];

export const Level = { high: 'high', medium: 'medium', low: 'low' } as const;
export type Level = (typeof Level)[keyof typeof Level];

export const Channel = { portal: 'portal', api: 'api', email: 'email', phone: 'phone' } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

/** What intake hands the workflow: the requester's report as accepted by the API. */
export interface TicketInput {
  number: string;
  title: string;
  description: string;
  requesterEmail: string;
  locale: string;
  channel: Channel;
  impact: Level;
  urgency: Level;
  category: string | null;
  /** ISO instant the API accepted the report. */
  createdAt: string;
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
export interface TicketSnapshot {
  number: string;
  workflowId: string;
  title: string;
  description: string;
  requesterEmail: string;
  locale: string;
  channel: Channel;
  impact: Level;
  urgency: Level;
  category: string | null;
  priority: string | null;
  status: TicketStatus;
  tier: string | null;
  teamId: string | null;
  assignee: string | null;
  rulesVersion: number | null;
  createdAt: string;
  updatedAt: string;
  lastEventSeq: number;
}

export function workflowIdFor(ticketNumber: string): string {
  return `ticket-${ticketNumber}`;
}
