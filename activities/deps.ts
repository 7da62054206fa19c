/**
 * What the activities read and write (repositories built once in runtime/compose.ts), handed to
 * createActivities (activities/index.ts) and each group of activities (classify.ts, …).
 * Its own module, so a group of activities does not import the index that imports it.
 */
import type { DirectoryRepo } from '../db/directory-repo.ts';
import type { TicketsRepo } from '../db/tickets-repo.ts';
import type { RulesVersions } from '../rules/versions.ts';
import type { SearchRepo } from '../db/search-repo.ts';
import type { Vault } from '../db/vault.ts';

export interface ActivityDeps {
  tickets: TicketsRepo;
  rules: RulesVersions;
  directory: DirectoryRepo;
  /** Opens the sealed fields an activity needs in plain text (classification, the search projection). */
  vault: Vault;
  /** The plain-text search projection (erasure and retention delete it). */
  search: SearchRepo;
}
