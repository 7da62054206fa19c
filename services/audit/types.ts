/**
 * The auditors' data, shared by services/audit/ (histories, replay check, timeline, evidence),
 * the pages (api/auditor/), the API (api/routes/audit.ts) and the CLI (bin/audit-commands.ts).
 * Plain data only: no imports.
 */

/** A history as the Temporal CLI prints it (`temporal workflow show --output json`): `historyToJSON`'s text, parsed. */
export interface HistoryJson {
  events: Array<Record<string, unknown> & { eventId?: string; eventType?: string; eventTime?: string }>;
}

/** Where a run's history was read from: Temporal itself, or the archive in PostgreSQL (history_archive). */
export type HistoryOrigin = 'temporal' | 'archive';

/** One run of a ticket's workflow (a ticket has several after continue-as-new), oldest first. */
export interface RunHistory {
  workflowId: string;
  runId: string;
  /** running, completed, continued_as_new, failed, cancelled, terminated, timed_out */
  status: string;
  origin: HistoryOrigin;
  eventCount: number;
  /** sha256 (hex) of `text`. */
  sha256: string;
  /** The history's JSON text exactly as archived (or as historyToJSON printed it from Temporal). */
  text: string;
  history: HistoryJson;
  startedAt: string | null;
  closedAt: string | null;
  /** Archived runs only, and only when it differs from `sha256`: the sha256 recorded when the run was archived (its text changed since). */
  recordedSha256?: string;
}

export interface TicketHistories {
  number: string;
  workflowId: string;
  runs: RunHistory[];
  /** Runs known (from the archive's records or Temporal's visibility) whose history neither Temporal nor the archive holds any more. */
  missing: Array<{ runId: string; closedAt: string | null; why: string }>;
  /** What is wrong with a copy that was read (an archived text that no longer matches its recorded sha256), a sentence each; absent or empty when nothing. */
  problems?: Array<{ runId: string; why: string }>;
}

/** One difference the replay check found; `kind` says which check. */
export type Difference =
  | { kind: 'determinism'; runId: string; eventId: number | null; eventType: string | null; message: string }
  | { kind: 'decision' | 'deadline' | 'policy' | 'rules_version'; runId: string; eventId: number | null; field: string; recorded: unknown; recomputed: unknown }
  /** An archived history whose text no longer has the sha256 recorded when it was archived: `recorded` is that sha256, `recomputed` the text's now. */
  | { kind: 'integrity'; runId: string; eventId: null; field: 'sha256'; recorded: string; recomputed: string };

/** Something the check could not check, and why (an old history without the record it needs, a rules version gone…). */
export interface Unchecked {
  runId: string | null;
  what: string;
  why: string;
}

export interface ReplayVerdict {
  ticket: string;
  workflowId: string;
  checkedAt: string;
  /** True when every run replayed and every decision and deadline was reproduced (unchecked parts do not count against it). */
  reproducible: boolean;
  runs: Array<{ runId: string; origin: HistoryOrigin; eventCount: number; sha256: string; status: string }>;
  /** How many decisions (classifications, policy choices) and clock plans were recomputed and found equal. */
  checked: { decisions: number; plans: number };
  differences: Difference[];
  unchecked: Unchecked[];
}

/** Where a ticket's histories come from (services/audit/histories.ts: the archive, else Temporal). */
export interface HistorySource {
  forTicket(number: string): Promise<TicketHistories>;
}

/** What a period's replay check found, as it goes. */
export interface PeriodProgress {
  done: number;
  total: number;
  reproducible: number;
  differing: number;
  /** Tickets none of whose history could be read. */
  unreadable: number;
}
