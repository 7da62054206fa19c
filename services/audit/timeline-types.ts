/**
 * A ticket's timeline as auditors read it (services/audit/timeline.ts builds it; docs/audit-timeline.md
 * says where each item comes from): plain data for the pages, the API and the CLI, every sentence
 * already in the reader's language, every figure beside it as data. Types only.
 */
import type { ConditionCheck } from '../rules-admin/explain.ts';
import type { TimeRange, Weekday } from '../../rules/calendar-types.ts';
import type { ClockName } from '../../workflows/sla-state.ts';
import type { HistoryOrigin, TicketHistories } from './types.ts';

export interface Timeline {
  ticket: string;
  workflowId: string;
  language: string;
  /** The time zone the sentences' times are written in (ISO instants are beside them). */
  timeZone: string;
  status: string;
  statusText: string;
  builtAt: string;
  history: HistoryStatus;
  /** Every event of the read model (ticket_events), in order. */
  entries: TimelineEntry[];
  /** Each classification and re-classification, in order; entries point here through `why.decision`. */
  decisions: DecisionView[];
  /** Each pause (pending until resumed, resolved or cancelled), in order. */
  pauses: PauseView[];
  /** Every calendar the ticket's decisions named, by id. */
  calendars: CalendarView[];
}

export interface HistoryStatus {
  /** Every run of the ticket's workflow was there and could be read. */
  complete: boolean;
  runs: Array<{ runId: string; origin: HistoryOrigin; status: string; eventCount: number; sha256: string; readable: boolean; problem: string | null }>;
  missing: TicketHistories['missing'];
  /** Where the history came from, and what is not shown because a part of it is not there. */
  notes: string[];
}

export interface TimelineEntry {
  seq: number;
  type: string;
  /** ISO instant. */
  at: string;
  /** `at` in the reader's language and time zone. */
  when: string;
  /** As recorded: a machine actor (rules, sla, ladder, system), an address, or a pseudonym. */
  actor: string;
  actorText: string;
  /** Done by the helpdesk itself (rules, SLA clock, ladder, system), not by a person. */
  automated: boolean;
  /** The reason given; null when none was, or when it is sealed in what the timeline was given (`reasonSealed`). */
  reason: string | null;
  reasonSealed: boolean;
  /** The event as the staff ticket page says it (staff namespace, ticket.event.<type>). */
  text: string;
  /** Further sentences: the decision's outcome, the pause, the ladder's move… */
  details: string[];
  /** Each SLA deadline in force after the event. */
  deadlines: DeadlineView[];
  /** When the plan made for this event said each pending warning, breach and ladder step falls due (from history). */
  due: DueView[];
  /** The notification_outbox rows the event wrote. */
  notifications: NotificationView[];
  /** Why it happened, for the page's "Why" (an anchor in the page: `why.anchor`); null for a person's plain action. */
  why: Why | null;
}

export interface DeadlineView {
  clock: ClockName;
  /** running: `dueAt` is in force; paused (pending), stopped (answered, resolved, closed, cancelled), none (not classified yet). */
  state: 'running' | 'paused' | 'stopped' | 'none';
  dueAt: string | null;
  /** Its target has passed (an sla_breached event). */
  breached: boolean;
  text: string;
}

export interface DueView {
  /** The mark's id in the workflow (e.g. `response:warning:0.5`, `resolution:ladder:p1-major:to-L3`). */
  id: string;
  clock: ClockName;
  kind: 'warning' | 'breach' | 'ladder';
  at: string;
  fraction?: number;
  step?: string;
  text: string;
}

export interface NotificationView {
  kind: string;
  roles: string[];
  /** When the row was written (notification_outbox.created_at). */
  queuedAt: string;
  /** Delivery does not exist yet: rows stay queued. */
  status: 'queued' | 'delivered';
  deliveredAt: string | null;
  text: string;
}

export type WhyKind = 'decision' | 'priority' | 'warning' | 'breach' | 'ladder' | 'pause' | 'auto_close';

export interface Why {
  /** Unique in the timeline (`why-<seq>`): the page's target for "Why". */
  anchor: string;
  kind: WhyKind;
  title: string;
  sentences: string[];
  /** Index into Timeline.decisions: the decision this rests on (the classification, or the one whose policy was in force). */
  decision?: number;
  /** Index into Timeline.pauses. */
  pause?: number;
  /** The calendar (Timeline.calendars id) that counted the business time. */
  calendar?: string;
  /** The ladder step that acted, as its rules version has it. */
  step?: LadderStepView;
  ladder?: { id: string; name: string | null };
  /** The SLA policy in force (its id, targets and warnings). */
  policy?: PolicyView;
}

export interface DecisionView {
  /** `decision-<seq>`. */
  anchor: string;
  eventSeq: number;
  kind: 'classified' | 'reclassified';
  at: string;
  /** The decision and its explanation were read from history (the classifyTicket activity's result). */
  recorded: boolean;
  /** Why the recorded explanation is not shown, when it is not. */
  note: string | null;
  rulesVersion: number | null;
  rulesHash: string | null;
  rulesName: string | null;
  outcome: { priority: string | null; category: string | null; team: string | null; tier: string | null; serviceLevel: string | null; tags: string[]; notify: string[] };
  /** For a re-classification: what the ticket had before. */
  before: { rulesVersion: number | null; priority: string | null; policy: string | null } | null;
  matrix: { impact: string; urgency: string; priority: string } | null;
  /** The rules that fired, in the order they applied. */
  fired: Array<{ order: number; rule: string; priority: number | null; event: { type: string; params: Record<string, unknown> }; applied: boolean; text: string }>;
  /** The rules that did not fire, in the order they would have applied, each with the conditions that failed; empty when not recorded. */
  notFired: Array<{ rule: string; priority: number; event: { type: string; params: Record<string, unknown> }; failed: ConditionCheck[]; text: string; conditions: string[] }>;
  policy: PolicyView | null;
  /** Timeline.calendars id. */
  calendar: string | null;
  ladder: LadderView | null;
  autoCloseAfterMs: number | null;
  /** The decision in words, in order (rules version, matrix, outcome, fired, not fired, policy, calendar, ladder). */
  sentences: string[];
}

export interface PolicyView {
  id: string;
  responseMs: number | null;
  resolutionMs: number | null;
  warnAt: number[];
  calendar: string | null;
  text: string;
}

export interface LadderView {
  id: string;
  name: string | null;
  steps: LadderStepView[];
}

export interface LadderStepView {
  id: string;
  clock: ClockName;
  /** Set when written as a fraction of the clock's target. */
  fraction?: number;
  /** Business time on the clock after which it acts (a fraction resolved against the target). */
  afterMs: number | null;
  moveTo?: { tier: string; team?: string };
  notify: string[];
  text: string;
}

export interface CalendarView {
  id: string;
  timeZone: string | null;
  alwaysOpen: boolean;
  /** Open ranges per weekday, Monday first (a closed day has none). */
  hours: Array<{ day: Weekday; dayText: string; ranges: TimeRange[] }>;
  holidays: string[];
  /** Recorded with the decision (history), or read from the rules version; unknown when neither is there. */
  source: 'decision' | 'rules' | 'unknown';
  text: string;
}

export interface PauseView {
  anchor: string;
  /** The pending event. */
  startSeq: number;
  since: string;
  reason: string | null;
  reasonSealed: boolean;
  clocks: ClockName[];
  /** The event that ended it (resumed, resolved, cancelled, closed); null while still pending. */
  endSeq: number | null;
  endType: string | null;
  until: string | null;
  /** Wall-clock time paused (business time stopped counting for it). */
  pausedMs: number | null;
  /** The resolution deadline in force before the pause and after it. */
  deadlineBefore: string | null;
  deadlineAfter: string | null;
  text: string;
}
