/**
 * What the history archive's workflow (archive.ts) asks of its activities, as types: the workflow
 * proxies this interface; activities/archive.ts implements `archiveClosedHistories` and
 * activities/audit-checkpoint.ts `writeAuditCheckpoint`. Ticket numbers and counts only: no
 * history and no personal data ever goes through the workflow's own history.
 */

export interface ArchiveSweepInput {
  /** The sweep's instant (the workflow's clock): closed runs are listed up to it. */
  atMs: number;
  /** One ticket only (its workflow's closed runs, whatever the last sweep listed); otherwise every ticket of the task queue. */
  ticket?: string;
}

/** What one sweep did. */
export interface ArchiveSweepSummary {
  /** Closed runs considered: listed by Temporal's visibility since the last complete sweep, and the ones that failed before. */
  considered: number;
  /** Archived now. */
  archived: number;
  /** Found in the archive already. */
  alreadyArchived: number;
  /** Not archived, recorded as failures (retried by the next sweep). */
  failed: number;
  /** Not archived by design: the ticket is not in the database (deleted by retention), or it was reported before sealing (its history holds personal data in plain text). */
  skipped: { noTicket: number; legacy: number };
  /** Instant (ISO) up to which closed runs were listed; null for a one-ticket sweep. */
  listedUntil: string | null;
}

export interface ArchiveActivities {
  /** Archives the closed runs not archived yet; heartbeats between runs. */
  archiveClosedHistories(input: ArchiveSweepInput): Promise<ArchiveSweepSummary>;
  /** Signs a checkpoint of the audit log when it has grown since the last one (activities/audit-checkpoint.ts). */
  writeAuditCheckpoint(input: { reason: 'periodic' }): Promise<{ seq: number } | null>;
}

export interface HistoryArchiveRunResult {
  sweep: ArchiveSweepSummary;
  /** The audit-log checkpoint this run signed, or null when the log had not grown. */
  checkpoint: { seq: number } | null;
}
