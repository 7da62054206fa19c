/** Rules decisions for a ticket: classification at intake, re-classification, priority changes. */
import { ApplicationFailure } from '@temporalio/common';
import { evaluateRedacted, policyFor, tiersOf, type Priority, type TicketFacts } from '../rules/index.ts';
import type { Classification, ClassifyInput, PolicyChoice, PolicyRequest } from '../workflows/activity-types.ts';
import type { ActivityDeps } from './deps.ts';

export function createClassifyActivities(deps: ActivityDeps) {
  async function load(version?: number) {
    return version === undefined ? deps.rules.active() : deps.rules.compiled(version);
  }
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
