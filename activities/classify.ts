/** Rules decisions for a ticket: classification at intake, re-classification, priority changes. */
import { ApplicationFailure } from '@temporalio/common';
import type { DecisionRecordInput } from '../db/ticket-decisions-repo.ts';
import { decisionOutcome, evaluateRedacted, policyFor, tiersOf, type Priority, type RedactedDecision, type TicketFacts } from '../rules/index.ts';
import type { Classification, ClassifyInput, PolicyChoice, PolicyRequest } from '../workflows/activity-types.ts';
import type { ActivityDeps } from './deps.ts';
import { createShadowRecorder } from './shadow.ts';

/**
 * How long a classification waits for its shadow decisions to be written (activities/shadow.ts)
 * before it answers anyway; they are still written afterwards. They are decided and written
 * beside the live decision's own row, so they usually add nothing to its time.
 */
const SHADOW_WAIT_MS = 1_000;

/** Waits for `work` at most `ms`; never rejects. */
async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work.then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
}

/** What ticket_decisions keeps of a decision: its derived facts and outcome (no text, no address), nothing else. */
export function decisionRecordOf(ticketNumber: string, decision: RedactedDecision, atMs: number): DecisionRecordInput {
  return {
    ticketNumber,
    atMs,
    rulesVersion: decision.rulesVersion,
    rulesHash: decision.rulesHash,
    facts: decision.explanation.facts,
    outcome: {
      ...decisionOutcome(decision),
      responseMs: decision.policy.responseMs,
      resolutionMs: decision.policy.resolutionMs,
      calendar: decision.policy.calendar.id,
    },
  };
}

export function createClassifyActivities(deps: ActivityDeps) {
  async function load(version?: number) {
    return version === undefined ? deps.rules.active() : deps.rules.compiled(version);
  }
  // Drafts in shadow mode decide each new ticket too, silently (their compiled texts kept here).
  const shadow = createShadowRecorder(deps.shadowDecisions);
  return {
    /** The rules decision and its explanation; recorded in history, so replay never re-evaluates. */
    async classifyTicket(input: ClassifyInput): Promise<Classification> {
      const rules = await load(input.rulesVersion);
      // A sealed ticket's words and address are opened here, for this decision only (bound to the ticket's number).
      const ctx = input.number ?? '';
      const [title, description, email] = [
        await deps.vault.open(input.ticket.title, 'title', ctx),
        await deps.vault.open(input.ticket.description, 'description', ctx),
        await deps.vault.open(input.requesterEmail, 'email', ctx),
      ];
      const requester = await deps.directory.requesterFacts(email ?? '');
      const facts: TicketFacts = {
        ticket: {
          title: title ?? '',
          description: description ?? '',
          ...(input.ticket.category ? { category: input.ticket.category } : {}),
          impact: input.ticket.impact,
          urgency: input.ticket.urgency,
          channel: input.ticket.channel,
          language: input.ticket.language,
        },
        requester,
      };
      // Recorded without the words or the address: the derived facts it used instead (rules/derived-facts.ts).
      const decision = await evaluateRedacted(rules.compiled, facts, input.atMs);
      // The read model keeps the derived facts and the outcome too (ticket_decisions), for the
      // what-if and "try it"; once per decision (a retry writes nothing), and the result is unchanged.
      if (input.number) {
        // Shadow mode: the same facts decided by every shadow draft, recorded and never acted on
        // (only a first classification is; the result below is the live decision alone).
        const shadowing = shadow.record({ number: input.number, atMs: input.atMs, facts, live: decision });
        await deps.decisions.record(decisionRecordOf(input.number, decision, input.atMs));
        await atMost(shadowing, SHADOW_WAIT_MS);
      }
      return { decision, tiers: tiersOf(rules.compiled) };
    },

    /** The policy and ladder for a new priority under the ticket's own rules version. */
    async policyForPriority(input: PolicyRequest): Promise<PolicyChoice> {
      const rules = await load(input.rulesVersion);
      try {
        return policyFor(rules.compiled, input.serviceLevel, input.priority as Priority, input.ladderId ?? undefined);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'NoPolicy');
      }
    },
  };
}
