/**
 * Rules administration, the use cases behind the process owners' pages (admin-ui/), the REST
 * API (api/routes/rules-admin.ts) and the command line: drafts, their review, publication,
 * versions, diff and rollback. runtime/compose.ts builds it once.
 */
import type { TicketDecisionsRepo } from '../../db/ticket-decisions-repo.ts';
import { createDrafts, type Drafts, type DraftsDeps } from './drafts.ts';
import { createShadowAdmin, type ShadowAdmin, type ShadowDeps } from './shadow.ts';
import { createTrials, type Trials } from './trials.ts';
import { createVersionsAdmin, type VersionsAdmin } from './versions.ts';
import type { WhatIfRuns } from './what-if-runs.ts';
import type { RulesApply } from './apply-runs.ts';

export type { Actor, DraftView, PublishOutcome, ThreeWayDiff } from './drafts.ts';
export type { Review, ReviewItem } from './review.ts';
export type { TrialSample } from './trials.ts';
export type { Divergence, ShadowExample } from './shadow.ts';

export interface RulesAdmin {
  drafts: Drafts;
  versions: VersionsAdmin;
  /** Try it and the what-if. */
  trials: Trials;
  /** Shadow mode's divergence from the live decisions. */
  shadow: ShadowAdmin;
  /** Applying the active version to open tickets: preview and runs (apply.ts, apply-runs.ts). */
  apply?: RulesApply;
}

export interface RulesAdminDeps extends DraftsDeps {
  decisions: Pick<TicketDecisionsRepo, 'forTicket'>;
  whatIfRuns?: WhatIfRuns;
  shadowDecisions: ShadowDeps['shadowDecisions'];
  apply?: RulesApply;
}

export function createRulesAdmin(deps: RulesAdminDeps): RulesAdmin {
  const drafts = createDrafts(deps);
  return {
    drafts,
    versions: createVersionsAdmin(deps),
    shadow: createShadowAdmin({ drafts: deps.drafts, shadowDecisions: deps.shadowDecisions, rules: deps.rules }),
    ...(deps.apply ? { apply: deps.apply } : {}),
    trials: createTrials({ drafts, rules: deps.rules, decisions: deps.decisions, ...(deps.whatIfRuns ? { whatIfRuns: deps.whatIfRuns } : {}) }),
  };
}
