/**
 * A draft put to the test: "try it" on one sample ticket (a form's fields or an existing
 * ticket's recorded facts) under the draft and the active version side by side, and the
 * what-if over the tickets of a period, run durably on the worker (what-if-runs.ts). Both need
 * a valid draft: one with errors is refused with 422 and the advice to fix them first.
 */
import type { TicketDecisionsRepo } from '../../db/ticket-decisions-repo.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import { ServiceError, UnavailableError } from '../errors.ts';
import type { Actor, Drafts } from './drafts.ts';
import { reviewText } from './review.ts';
import { rulesUnderTest, sampleFromForm, sampleFromTicket, tryTicket, type TryResult } from './try.ts';
import type { WhatIfPeriodInput, WhatIfRuns, WhatIfRunView } from './what-if-runs.ts';

export interface TrialsDeps {
  drafts: Drafts;
  rules: RulesVersions;
  decisions: Pick<TicketDecisionsRepo, 'forTicket'>;
  /** Without it (no Temporal client: the CLI), no what-if can be started. */
  whatIfRuns?: WhatIfRuns;
  clock?: () => number;
}

/** A sample: the form's fields, or the number of a ticket whose recorded facts to use. */
export type TrialSample = { ticket: string } | { form: unknown };

export function createTrials(deps: TrialsDeps) {
  const now = deps.clock ?? Date.now;

  async function validDraft(id: number) {
    const draft = await deps.drafts.get(id);
    const file = reviewText(draft.source).file;
    if (!file) throw new ServiceError(422, 'DRAFT_INVALID', 'admin:errors.draftInvalidForTrial', { count: draft.review.errors });
    return { draft, file };
  }

  function runs(): WhatIfRuns {
    if (!deps.whatIfRuns) throw new UnavailableError(new Error('no Temporal client: what-if runs need the web process'));
    return deps.whatIfRuns;
  }

  return {
    /** The sample under the draft and under the active version, with the explanation of both. */
    async tryDraft(id: number, sample: TrialSample): Promise<TryResult> {
      const { file } = await validDraft(id);
      const active = await deps.rules.active();
      const input = 'ticket' in sample ? await sampleFromTicket(deps, sample.ticket) : sampleFromForm(sample.form);
      const atMs = input.kind === 'recorded' ? input.atMs : now();
      return tryTicket(rulesUnderTest(file), active, input, atMs);
    },

    /** Starts a what-if of the draft over the tickets created in the period; returns the run's id. */
    async startWhatIf(id: number, period: WhatIfPeriodInput, by: Actor): Promise<string> {
      const { file } = await validDraft(id);
      return runs().start(file, period, by, { draftId: id });
    },

    whatIfRun: (runId: string): Promise<WhatIfRunView> => runs().get(runId),
    cancelWhatIf: (runId: string): Promise<WhatIfRunView> => runs().cancel(runId),
  };
}

export type Trials = ReturnType<typeof createTrials>;
