/**
 * Shadow mode's divergence (issue 11, item 7): how often, and where, a draft in shadow mode
 * decided new tickets differently from the active version — per outcome field, per service level
 * × priority of the live decision, with the latest diverging tickets as examples. The decisions
 * are recorded by the classifyTicket activity (activities/shadow.ts); this reads them, for the
 * admin page (admin-ui/routes/shadow.ts) and the REST API (GET /api/v1/rules/drafts/{id}/shadow).
 *
 * Every shadow decision the draft has is counted, over every period it was in shadow mode
 * (`since` is the start of the current one); each example names the draft revision that decided.
 */
import type { RulesDraftsRepo } from '../../db/rules-drafts-repo.ts';
import { SHADOW_FIELDS, type ShadowCell, type ShadowDecisionsRepo, type ShadowField, type ShadowOutcome, type ShadowSide } from '../../db/shadow-decisions-repo.ts';
import { PRIORITIES } from '../../rules/types.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import { NotFoundError, ServiceError } from '../errors.ts';

export { SHADOW_FIELDS, type ShadowCell, type ShadowField, type ShadowOutcome, type ShadowSide };

export interface ShadowDeps {
  drafts: Pick<RulesDraftsRepo, 'get'>;
  shadowDecisions: Pick<ShadowDecisionsRepo, 'totals' | 'byField' | 'byCell' | 'latestDiverging'>;
  rules: Pick<RulesVersions, 'active'>;
}

export const DEFAULT_EXAMPLES = 10;
export const MAX_EXAMPLES = 100;

export interface ShadowExample {
  ticketNumber: string;
  /** ISO 8601: the ticket's creation, the instant both decided for. */
  decidedAt: string;
  /** The active version that decided live. */
  activeVersion: number;
  differs: ShadowField[];
  active: ShadowOutcome;
  /** The draft's decision; `revision` the draft revision that made it. */
  shadow: ShadowSide;
}

export interface Divergence {
  draftId: number;
  title: string;
  /** The draft's status now: 'shadow' while shadow mode is on. */
  status: string;
  /** Whether shadow mode is on now. */
  running: boolean;
  /** ISO 8601: when the current shadow period started; null while shadow mode is off. */
  since: string | null;
  /** ISO 8601: the first and the latest ticket decided in shadow; null before any. */
  firstDecidedAt: string | null;
  lastDecidedAt: string | null;
  /** New tickets decided in shadow. */
  decided: number;
  /** Of them, those with at least one outcome field decided differently. */
  diverged: number;
  /** Per outcome field, the tickets on which it differed (every field, 0 included). */
  byField: Record<ShadowField, number>;
  /** Per service level × priority of the live decision (cells with tickets only), in the active version's order. */
  byCell: ShadowCell[];
  /** The service levels of the active version, then any other the live decisions had: the rows of a service level × priority table. */
  serviceLevels: string[];
  /** The latest diverging tickets, newest first. */
  examples: ShadowExample[];
}

/** A number of examples from a request: 1 to 100; refused otherwise. */
export function examplesLimit(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_EXAMPLES;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_EXAMPLES) throw new ServiceError(422, 'VALIDATION_FAILED', 'admin-shadow:errors.badLimit', { max: MAX_EXAMPLES });
  return n;
}

export function createShadowAdmin(deps: ShadowDeps) {
  return {
    /**
     * How the draft's shadow decisions differ from the live ones.
     * @throws NotFoundError when there is no such draft
     */
    async divergence(draftId: number, opts: { limit?: number } = {}): Promise<Divergence> {
      const draft = await deps.drafts.get(draftId);
      if (!draft) throw new NotFoundError('admin:errors.noDraft', { id: draftId });
      const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_EXAMPLES), 1), MAX_EXAMPLES);
      const [totals, fields, cells, latest, active] = await Promise.all([
        deps.shadowDecisions.totals(draftId),
        deps.shadowDecisions.byField(draftId),
        deps.shadowDecisions.byCell(draftId),
        deps.shadowDecisions.latestDiverging(draftId, limit),
        deps.rules.active().then((r) => r.file.serviceLevels, () => [] as string[]),
      ]);
      const serviceLevels = [...new Set([...active, ...cells.map((c) => c.serviceLevel)])];
      const levelRank = (l: string) => serviceLevels.indexOf(l);
      const priorityRank = (p: string) => {
        const i = (PRIORITIES as readonly string[]).indexOf(p);
        return i < 0 ? PRIORITIES.length : i;
      };
      const byField = Object.fromEntries(SHADOW_FIELDS.map((f) => [f, fields[f] ?? 0])) as Record<ShadowField, number>;
      return {
        draftId,
        title: draft.title,
        status: draft.status,
        running: draft.status === 'shadow',
        since: draft.shadowSince,
        firstDecidedAt: totals.firstDecidedAt,
        lastDecidedAt: totals.lastDecidedAt,
        decided: totals.decided,
        diverged: totals.diverged,
        byField,
        byCell: [...cells].sort((a, b) => levelRank(a.serviceLevel) - levelRank(b.serviceLevel) || priorityRank(a.priority) - priorityRank(b.priority)),
        serviceLevels,
        examples: latest.map((r) => ({ ticketNumber: r.ticketNumber, decidedAt: r.decidedAt, activeVersion: r.activeVersion, differs: r.differs, active: r.active, shadow: r.shadow })),
      };
    },
  };
}

export type ShadowAdmin = ReturnType<typeof createShadowAdmin>;
