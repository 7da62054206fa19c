/**
 * The auditors' service: one ticket's replay check, a period's (with progress), over the ticket's
 * histories wherever they are kept (the archive, else Temporal), and its timeline in words. Pages
 * (auditor-ui/), the API (api/routes/audit.ts) and the CLI (bin/audit-*-commands.ts) call these,
 * nothing else.
 */
import type { WorkflowBundle } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import type { i18n } from 'i18next';
import type { AccessChannel, AccessLogRepo } from '../../db/access-log-repo.ts';
import type { AuditTicketsRepo, PeriodRange } from '../../db/audit-tickets-repo.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import { isDependencyFault, NotFoundError, UnavailableError } from '../errors.ts';
import { recordTicketRead, type StaffViewer } from '../privacy/access-log.ts';
import { createRecompute } from './recompute.ts';
import { createReplayCheck } from './replay.ts';
import { buildTimeline, type Timeline, type TimelineDeps } from './timeline.ts';
import type { HistorySource, PeriodProgress, ReplayVerdict, TicketHistories } from './types.ts';

/** Who reads a timeline, in what words, and through what: the read is recorded in the access log. */
export interface TimelineReader {
  language: string;
  /** The zone the sentences' times are written in; UTC when not given. */
  timeZone?: string;
  /** The staff member reading (undefined: no entry, as for a requester — the routes never pass one). */
  viewer: StaffViewer | undefined;
  channel: AccessChannel;
  reason?: string | null;
}

export interface AuditDeps {
  histories: HistorySource;
  rules: RulesVersions;
  tickets: AuditTicketsRepo;
  /** The production workflow bundle, built on first use. */
  bundle(): Promise<WorkflowBundle>;
  codec: PayloadCodec;
  /** Opens a ticket's sealed words for a re-evaluation (the vault); null when erased. */
  open?(sealed: string, field: 'title' | 'description', ticket: string): Promise<string | null>;
  /**
   * What the timeline reads besides the histories (services/audit/timeline.ts): the ticket opened
   * (plain words, or erased), its notifications, the rules versions, the words, and the access log
   * every read is recorded in. Without it, `timeline` is refused.
   */
  timeline?: Pick<TimelineDeps, 'ticket' | 'notifications' | 'rulesVersion'> & {
    /** The ticket as stored: pseudonyms for people, sealed words (left out, and said so) — for evidence that leaves the helpdesk. */
    storedTicket: TimelineDeps['ticket'];
    i18n(): Promise<Pick<i18n, 'getFixedT'>>;
    accessLog: Pick<AccessLogRepo, 'record'>;
  };
}

/** How many tickets one replay worker takes at a time in a period's check. */
const BATCH = 25;

export function createAudit(deps: AuditDeps) {
  const published = async (): Promise<Array<{ version: number; ms: number }>> =>
    (await deps.rules.list()).map((v) => ({ version: v.version, ms: Date.parse(v.publishedAt) }));
  const recompute = createRecompute({
    compiled: (v) => deps.rules.compiled(v),
    activeAt: async (atMs) => (await published()).filter((v) => v.ms <= atMs).reduce<number | undefined>((m, v) => (m === undefined || v.version > m ? v.version : m), undefined),
    ...(deps.open ? { open: deps.open } : {}),
  });
  /** A ticket's histories; Temporal or PostgreSQL not answering is a fault to try again (503); anything else is a defect. */
  const historiesOf = (number: string) => deps.histories.forTicket(number).catch((err: unknown) => {
    throw isDependencyFault(err) ? new UnavailableError(err) : err;
  });
  /** The replay check's ticket must exist: an unknown number is a 404, not "no history". */
  const known = async (number: string) => {
    const exists = await deps.tickets.exists(number).catch((err: unknown) => {
      throw isDependencyFault(err) ? new UnavailableError(err) : err;
    });
    if (!exists) throw new NotFoundError('errors.ticketNotFound', { number });
  };
  const timelineDeps = () => {
    if (!deps.timeline) throw new Error('The auditors\' service was built without what the timeline reads (AuditDeps.timeline).');
    return deps.timeline;
  };
  /** Histories that cannot be read just now leave a timeline from the read model that says so. */
  async function timelineOf(
    number: string, reader: Pick<TimelineReader, 'language' | 'timeZone'>, ticket: (t: NonNullable<AuditDeps['timeline']>, n: string) => ReturnType<TimelineDeps['ticket']>, given?: TicketHistories,
  ): Promise<Timeline> {
    const t = timelineDeps();
    let histories: TicketHistories | null = given ?? null;
    let historyUnavailable = false;
    if (!given) {
      try {
        histories = await historiesOf(number);
      } catch (err) {
        if (!(err instanceof UnavailableError)) throw err;
        historyUnavailable = true;
      }
    }
    return buildTimeline(
      { ticket: (n) => ticket(t, n), notifications: t.notifications, rulesVersion: t.rulesVersion, codec: deps.codec, i18n: await t.i18n() },
      number, histories, reader.language,
      { ...(reader.timeZone ? { timeZone: reader.timeZone } : {}), historyUnavailable },
    );
  }
  const replay = createReplayCheck({ bundle: deps.bundle, dataConverter: { payloadCodecs: [deps.codec] }, recompute });

  return {
    /**
     * A ticket's histories, as the check and the timeline read them (UnavailableError when
     * Temporal or PostgreSQL does not answer): the evidence export reads them once for all its parts.
     */
    histories: historiesOf,

    /**
     * The replay check of one ticket (NotFoundError, 404, for an unknown number), over its
     * histories as given, else as read now.
     */
    async checkTicket(number: string, given?: TicketHistories): Promise<ReplayVerdict> {
      await known(number);
      return replay.checkTicket(given ?? await historiesOf(number));
    },

    /**
     * The ticket's timeline in the reader's words (docs/audit-timeline.md), its read recorded in the
     * access log before it is handed back (UnavailableError, 503, when the entry cannot be written).
     * Histories that cannot be read just now (Temporal or PostgreSQL down, not all archived) leave a
     * timeline from the read model that says so (200, not 503: what the read model holds is still
     * the story). Throws TicketNotFoundForTimeline for an unknown number.
     */
    async timeline(number: string, reader: TimelineReader): Promise<Timeline> {
      let requester: string | undefined;
      const timeline = await timelineOf(number, reader, async (t, n) => {
        const found = await t.ticket(n);
        requester = found?.requester;
        return found;
      });
      await recordTicketRead(timelineDeps(), reader.viewer, { number, requester }, { channel: reader.channel, reason: reader.reason ?? null });
      return timeline;
    },

    /**
     * The timeline as evidence (the export's): from the ticket as stored, so people are their
     * pseudonyms (an erasure leaves the evidence whole) and sealed reasons are left out, and said
     * so. No personal data is read, so no access-log entry; the export itself is in the audit log.
     */
    evidenceTimeline(number: string, language: string, opts: { timeZone?: string; histories?: TicketHistories } = {}): Promise<Timeline> {
      return timelineOf(number, { language, ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) }, (t, n) => t.storedTicket(n), opts.histories);
    },

    /** The tickets a period's check covers (closed, cancelled or merged in it). */
    ticketsEndedBetween: (range: PeriodRange) => deps.tickets.endedBetween(range),

    /**
     * The replay check of every ticket that ended in the period, in batches; `onVerdict` hears each
     * verdict and the progress after it. Stops between batches when `signal` is aborted.
     */
    async checkPeriod(
      range: PeriodRange,
      opts: { onVerdict?: (v: ReplayVerdict, p: PeriodProgress) => Promise<void> | void; signal?: AbortSignal; numbers?: string[] } = {},
    ): Promise<PeriodProgress> {
      const numbers = opts.numbers ?? await deps.tickets.endedBetween(range);
      const p: PeriodProgress = { done: 0, total: numbers.length, reproducible: 0, differing: 0, unreadable: 0 };
      for (let i = 0; i < numbers.length; i += BATCH) {
        if (opts.signal?.aborted) break;
        const histories = await Promise.all(numbers.slice(i, i + BATCH).map(historiesOf));
        for (const v of await replay.checkTickets(histories)) {
          p.done += 1;
          if (!v.runs.length) p.unreadable += 1;
          else if (v.reproducible) p.reproducible += 1;
          else p.differing += 1;
          await opts.onVerdict?.(v, { ...p });
        }
      }
      return p;
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;
