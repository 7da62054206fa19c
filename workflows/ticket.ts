/**
 * A ticket's lifecycle: intake → classification by the rules → wait for the next SLA mark
 * (warning, breach, ladder step), the auto-close, or an action → … → closed, cancelled or merged.
 *
 * This file is the process: it registers the ticket's message handlers and waits. What each
 * action, mark and decision does to the ticket is in transitions/, plain functions over the
 * state in ticket-state.ts. Deterministic: every side effect and every decision that reads the
 * world (rules, calendars, the database) runs in an activity and its answer is recorded in
 * history. Actions run one at a time (a workflow-local lock), so events are numbered and
 * written to the read model in order.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TicketActivities } from './activity-types.ts';
import { FINAL } from './lifecycle.ts';
import { intakeRecordedUpdate, mergeReceivedSignal, reclassifySignal, requesterReplySignal, slaQuery, ticketActionUpdate, ticketQuery } from './messages.ts';
import { slaRecordOf } from './sla-state.ts';
import { created, initialState, numbered, type Recording, type Step, type TicketState } from './ticket-state.ts';
import { applyAction, dueEvents, refusalFor, requesterReplied, resume } from './transitions/actions.ts';
import { canReclassify, classified, classifyRequest, policyRequest, priorityChanged, reclassified } from './transitions/classification.ts';
import { adoptClockPlan, planRequest } from './transitions/clocks.ts';
import { mergeReceived } from './transitions/merge.ts';
import { nextDue } from './transitions/marks.ts';
import { RefusalType, TicketStatus, type MergeReceived, type RequesterReply, type TicketAction, type TicketInput, type TicketSnapshot } from './types.ts';

/** Rules decisions: they read the rules versions and the directory, so ordinary activities. */
const io = proxyActivities<TicketActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});
/**
 * Read-model writes and calendar planning are short and idempotent: local activities, run
 * by the worker inside the workflow task and recorded as markers. That is several times less
 * work for the server per event than an activity (see the README's performance section); a
 * worker that dies mid-write leaves the write to be run again by the next worker.
 */
const local = proxyLocalActivities<TicketActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

export type TicketWorkflowArgs = TicketInput | { continued: TicketState };

/** Throws the refusal as the failure the Update's caller gets (the API answers 409 or 422). */
function check(st: TicketState, a: TicketAction): void {
  const r = refusalFor(st, a);
  if (r) throw ApplicationFailure.create({ type: r.type, message: `${r.key} ${JSON.stringify(r.params)}`, nonRetryable: true, details: [{ key: r.key, params: r.params }] });
}

export async function ticketWorkflow(args: TicketWorkflowArgs): Promise<TicketSnapshot> {
  const st: TicketState = 'continued' in args ? args.continued : initialState(args, workflowInfo().workflowId);
  // Sealed personal data (issue 10): people are pseudonyms from here on. Histories recorded before
  // it have no marker, so they replay on the address path; a continued run keeps its mode.
  if (!('continued' in args)) st.sealed = patched('sealed-personal-data') && args.requester !== undefined;
  const t = st.ticket;
  let busy = false;
  let changes = 0;

  async function exclusively<R>(fn: () => Promise<R>): Promise<R> {
    // The SDK resolves every waiting condition in one pass, so several waiters can see the lock
    // free at once: each checks again when it runs, and only the first one through takes it.
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      changes += 1;
    }
  }

  // ----- effects: the read model and the calendar ---------------------------------------------

  async function record(r: Recording): Promise<void> {
    await local.recordEvent(numbered(st, r, Date.now()));
  }

  /** Asks the calendar activity when each pending mark falls due; history keeps its answer. */
  async function replan(): Promise<void> {
    if (!st.plan) return;
    const now = Date.now();
    adoptClockPlan(st, await local.planClocks(planRequest(st, now)), now);
  }

  /** Carries out a transition's step: a new plan if the clocks changed, then its event. */
  async function run(step: Step): Promise<void> {
    if (step.replan) await replan();
    await record(step.event());
  }

  // ----- what arrives: decisions, actions, replies, due marks -----------------------------------

  async function classify(): Promise<void> {
    const createdMs = Date.parse(st.input.createdAt);
    const c = await io.classifyTicket(classifyRequest(st, createdMs));
    // Issue 14: the requester's acknowledgement goes out with the classification's SLA promise.
    await run(classified(st, c, createdMs, { acknowledge: patched('acknowledge-requester') }));
  }

  async function reclassify(by: { actor: string; reason: string }): Promise<void> {
    if (!canReclassify(st)) return;
    const c = await io.classifyTicket(classifyRequest(st, Date.now()));
    await run(reclassified(st, c, by));
  }

  async function perform(a: TicketAction): Promise<void> {
    // Merging (issue 13) is new code: no history before it holds a merge, and the marker keeps it so.
    if (a.action === 'merge' && !patched('merge-outcome')) {
      throw ApplicationFailure.create({ type: RefusalType.invalidArgument, message: 'unknownAction {"action":"merge"}', nonRetryable: true, details: [{ key: 'unknownAction', params: { action: 'merge' } }] });
    }
    if (a.action !== 'change_priority') {
      await run(applyAction(st, a, Date.now()));
      return;
    }
    const choice = await io.policyForPriority(policyRequest(st, a.priority));
    await run(priorityChanged(st, a, choice));
  }

  async function onReply(r: RequesterReply): Promise<void> {
    const replied = requesterReplied(st, r);
    if (!replied) return;
    await record(replied);
    if (t.status === TicketStatus.pending) await run(resume(st, replied.actor, 'requester replied', Date.now()));
  }

  async function onMergeReceived(m: MergeReceived): Promise<void> {
    if (!patched('merge-outcome')) return;
    const received = mergeReceived(st, m);
    if (received) await record(received);
  }

  /** Fires every warning, breach and ladder step that is due, each exactly once, then the auto-close. */
  async function fireDue(): Promise<void> {
    for (const event of dueEvents(st, Date.now())) await record(event);
  }

  // ----- handlers ----------------------------------------------------------------------------

  setHandler(ticketQuery, () => ({ ...t }));
  setHandler(slaQuery, () => slaRecordOf(st.plan, st.clocks, st.marks, Date.now(), st.merged));
  setHandler(intakeRecordedUpdate, async () => {
    await condition(() => st.recorded);
    return { ...t };
  });
  setHandler(
    ticketActionUpdate,
    (a) =>
      exclusively(async () => {
        check(st, a); // again: an earlier action may have changed the state since validation
        await perform(a);
        return { ...t };
      }),
    { validator: (a) => check(st, a) },
  );
  setHandler(requesterReplySignal, (r) => exclusively(() => onReply(r)));
  setHandler(reclassifySignal, (by) => exclusively(() => reclassify(by)));
  setHandler(mergeReceivedSignal, (m) => exclusively(() => onMergeReceived(m)));

  // ----- the lifecycle -----------------------------------------------------------------------

  if (!st.recorded) {
    await exclusively(async () => {
      await record(created(st));
      st.recorded = true;
    });
  }
  if (!st.plan) await exclusively(classify);

  while (!FINAL.has(t.status)) {
    const due = nextDue(st.clocks, st.marks, st.autoCloseAt);
    const now = Date.now();
    if (due !== null && due <= now) {
      await exclusively(fireDue);
      continue;
    }
    const seen = changes;
    if (due === null) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, due - now);
    if (workflowInfo().continueAsNewSuggested && !busy) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof ticketWorkflow>({ continued: st });
    }
  }

  // A closed ticket can still be rated (and commented on) for one more quiet period.
  if (t.status === TicketStatus.closed && !st.rating && st.plan) {
    await condition(() => st.rating !== null, st.plan.autoCloseAfterMs);
  }
  await condition(() => !busy && allHandlersFinished());
  return { ...t };
}
