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
import type { RetentionRepo } from '../db/retention-repo.ts';
import type { TicketDecisionsRepo } from '../db/ticket-decisions-repo.ts';
import type { WhatIfRunsRepo } from '../db/what-if-runs-repo.ts';
import type { ApplyRulesActivityDeps } from './apply-rules.ts';
import type { RulesFile } from '../rules/types.ts';
import type { ShadowStore } from './shadow.ts';
import type { AuditCheckpointActivityDeps } from './audit-checkpoint.ts';
import type { ArchiveActivityDeps } from './archive.ts';
import type { AuditPeriodActivityDeps } from './audit-run.ts';
import type { NotificationActivityDeps } from './notify.ts';
import type { MailPollActivityDeps } from './mail-poll.ts';
import type { WebhookActivityDeps } from './webhooks.ts';

/** `applyRuns` and `applyRules`: the rules-apply runs' rows and the run itself (apply-rules.ts). */
export interface ActivityDeps extends ApplyRulesActivityDeps, AuditCheckpointActivityDeps, ArchiveActivityDeps, AuditPeriodActivityDeps, NotificationActivityDeps, MailPollActivityDeps, WebhookActivityDeps {
  tickets: TicketsRepo;
  rules: RulesVersions;
  directory: DirectoryRepo;
  /** Opens the sealed fields an activity needs in plain text (classification, the search projection). */
  vault: Vault;
  /** The plain-text search projection (erasure and retention delete it). */
  search: SearchRepo;
  /** The closed tickets and which of them are erased (the retention run's plan reads them). */
  retention: RetentionRepo;
  /**
   * Erasure and deletion of tickets, for the retention run: services/privacy/erase.ts's
   * eraseTicketData and deleteTickets, bound to their dependencies in runtime/ (activities sit
   * below the services and do not import them).
   */
  erasure: TicketErasure;
  /** The rules' decisions with their derived facts (ticket_decisions): the classification writes each one. */
  decisions: Pick<TicketDecisionsRepo, 'record'>;
  /** Shadow mode: the drafts in shadow and their decisions beside the live one (db/shadow-decisions-repo.ts). */
  shadowDecisions: ShadowStore;
  /** What-if runs' rows: the what-if activity claims one, writes its progress and settles it. */
  whatIfRuns: Pick<WhatIfRunsRepo, 'claim' | 'progress' | 'finish' | 'settle'>;
  /** The what-if itself: services/rules-admin/what-if.ts's runWhatIf, bound to its dependencies in runtime/. */
  whatIf: WhatIfEngine;
}

export interface WhatIfEngine {
  /** The figures (plain JSON) of `candidate` over the tickets created in the period; rejects with the signal's reason when aborted. */
  run(
    candidate: RulesFile,
    period: { fromMs: number; toMs: number },
    opts: { onProgress: (done: number, total: number) => Promise<void>; signal: AbortSignal },
  ): Promise<{ seen: number }>;
}

export interface TicketErasure {
  /** Destroys the tickets' data keys and scrubs their read model; the tickets stay. Skips tickets already erased. */
  eraseTicketData(tickets: string[], actor: string): Promise<{ tickets: string[]; keysDestroyed: number }>;
  /** Deletes closed tickets altogether (their data keys destroyed first). Skips tickets already gone. */
  deleteTickets(tickets: string[], actor: string): Promise<{ tickets: string[]; keysDestroyed: number }>;
}
