/**
 * The auditors' service: one ticket's replay check, a period's (with progress), over the ticket's
 * histories wherever they are kept (the archive, else Temporal). Pages (api/auditor/), the API
 * (api/routes/audit.ts) and the CLI (bin/audit-commands.ts) call these, nothing else.
 */
import type { WorkflowBundle } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import type { AuditTicketsRepo, PeriodRange } from '../../db/audit-tickets-repo.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import { createRecompute } from './recompute.ts';
import { createReplayCheck } from './replay.ts';
import type { HistorySource, PeriodProgress, ReplayVerdict } from './types.ts';

export interface AuditDeps {
  histories: HistorySource;
  rules: RulesVersions;
  tickets: AuditTicketsRepo;
  /** The production workflow bundle, built on first use. */
  bundle(): Promise<WorkflowBundle>;
  codec: PayloadCodec;
  /** Opens a ticket's sealed words for a re-evaluation (the vault); null when erased. */
  open?(sealed: string, field: 'title' | 'description', ticket: string): Promise<string | null>;
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
  const replay = createReplayCheck({ bundle: deps.bundle, dataConverter: { payloadCodecs: [deps.codec] }, recompute });

  return {
    /** The replay check of one ticket. */
    async checkTicket(number: string): Promise<ReplayVerdict> {
      return replay.checkTicket(await deps.histories.forTicket(number));
    },

    /** The tickets a period's check covers (closed or cancelled in it). */
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
        const histories = await Promise.all(numbers.slice(i, i + BATCH).map((n) => deps.histories.forTicket(n)));
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
