/**
 * Rules administration, the use cases behind the process owners' pages (admin-ui/), the REST
 * API (api/routes/rules-admin.ts) and the command line: drafts, their review, publication,
 * versions, diff and rollback. runtime/compose.ts builds it once.
 */
import { createDrafts, type Drafts, type DraftsDeps } from './drafts.ts';
import { createVersionsAdmin, type VersionsAdmin } from './versions.ts';

export type { Actor, DraftView, PublishOutcome, ThreeWayDiff } from './drafts.ts';
export type { Review, ReviewItem } from './review.ts';

export interface RulesAdmin {
  drafts: Drafts;
  versions: VersionsAdmin;
}

export function createRulesAdmin(deps: DraftsDeps): RulesAdmin {
  return { drafts: createDrafts(deps), versions: createVersionsAdmin(deps) };
}
