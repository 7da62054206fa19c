/**
 * A ticket's lifecycle. Deterministic: every side effect and every decision that
 * reads the world (rules, calendars, the database) runs in an activity and its
 * answer is recorded in history.
 */
import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import { intakeRecordedUpdate, ticketQuery } from './messages.ts';
import { TicketStatus, type TicketEvent, type TicketInput, type TicketSnapshot } from './types.ts';

type Activities = ReturnType<typeof createActivities>;

const projection = proxyActivities<Activities>({
  // Short enough that a ticket whose worker died mid-write is picked up again quickly.
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

const TERMINAL: ReadonlySet<TicketStatus> = new Set([TicketStatus.closed, TicketStatus.cancelled]);

export async function ticketWorkflow(input: TicketInput): Promise<TicketSnapshot> {
  const ticket: TicketSnapshot = {
    number: input.number,
    workflowId: workflowInfo().workflowId,
    title: input.title,
    description: input.description,
    requesterEmail: input.requesterEmail,
    locale: input.locale,
    channel: input.channel,
    impact: input.impact,
    urgency: input.urgency,
    category: input.category,
    priority: null,
    status: TicketStatus.new,
    tier: null,
    teamId: null,
    assignee: null,
    rulesVersion: null,
    createdAt: input.createdAt,
    updatedAt: input.createdAt,
    lastEventSeq: 0,
  };
  let recorded = false;

  setHandler(ticketQuery, () => ({ ...ticket }));
  setHandler(intakeRecordedUpdate, async () => {
    await condition(() => recorded);
    return { ...ticket };
  });

  /** Applies an event to the ticket and writes it to the read model (idempotently, keyed by seq). */
  async function record(type: string, actor: string, reason: string | null, data: Record<string, unknown>, at: string): Promise<void> {
    ticket.lastEventSeq += 1;
    ticket.updatedAt = at;
    const event: TicketEvent = { seq: ticket.lastEventSeq, type, actor, reason, data, occurredAt: at };
    await projection.projectTicket({ snapshot: { ...ticket }, event });
  }

  await record('created', input.requesterEmail, null, { channel: input.channel, impact: input.impact, urgency: input.urgency, category: input.category }, input.createdAt);
  recorded = true;

  await condition(() => TERMINAL.has(ticket.status));
  return { ...ticket };
}
