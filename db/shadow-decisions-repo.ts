/**
 * Shadow mode's decisions (migration 0018, `shadow_decisions`): for every new ticket, the
 * decision of each draft in shadow mode beside the active version's, never acted on. Written by
 * the classifyTicket activity (activities/shadow.ts), read by the divergence page and API
 * (services/rules-admin/shadow.ts). Plain records only; no personal data is kept (outcomes only:
 * priority, team, policy, rule names, tags — the rules file's own words).
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { RecordedOutcome } from './ticket-decisions-repo.ts';

/**
 * The outcome fields a shadow decision is compared on, in the order they are shown. `fired` is
 * the rules that fired, in order, with their event type; `escalation` an escalation at intake.
 */
export const SHADOW_FIELDS = [
  'priority', 'category', 'team', 'tier', 'serviceLevel', 'policy', 'responseMs', 'resolutionMs', 'calendar', 'ladder', 'escalation', 'tags', 'notify', 'fired',
] as const;
export type ShadowField = (typeof SHADOW_FIELDS)[number];

/** One side of a shadow decision: what the decision decided (as ticket_decisions records it). */
export type ShadowOutcome = RecordedOutcome;

/** The shadow side also names the draft's revision it was decided under. */
export type ShadowSide = ShadowOutcome & { revision?: number };

export interface ShadowDecisionInput {
  draftId: number;
  /** The draft's revision whose text decided. */
  revision: number;
  active: ShadowOutcome;
  shadow: ShadowOutcome;
  differs: ShadowField[];
}

export interface ShadowDecisionRecord {
  draftId: number;
  ticketNumber: string;
  /** ISO 8601: the instant decided for (the ticket's creation). */
  decidedAt: string;
  activeVersion: number;
  active: ShadowOutcome;
  shadow: ShadowSide;
  differs: ShadowField[];
}

export interface ShadowTotals {
  decided: number;
  diverged: number;
  /** ISO 8601, null when nothing was recorded. */
  firstDecidedAt: string | null;
  lastDecidedAt: string | null;
}

export interface ShadowCell {
  serviceLevel: string;
  priority: string;
  decided: number;
  diverged: number;
}

interface RecordRow {
  draft_id: string; ticket_number: string; decided_at: Date; active_version: number; active: ShadowOutcome; shadow: ShadowSide; differs: ShadowField[];
}

export function createShadowDecisionsRepo(sequelize: Sequelize) {
  return {
    /** The drafts in shadow mode now, by id and revision (their text only when it is not known yet: {@link draftSource}). */
    async shadowDrafts(): Promise<Array<{ id: number; revision: number }>> {
      const rows = await sequelize.query<{ id: string; revision: number }>(`SELECT id, revision FROM rules_drafts WHERE status = 'shadow' ORDER BY id`, { type: QueryTypes.SELECT });
      return rows.map((r) => ({ id: Number(r.id), revision: r.revision }));
    },

    /** A draft's text and revision now; undefined when it is gone. */
    async draftSource(id: number): Promise<{ revision: number; source: string } | undefined> {
      const [row] = await sequelize.query<{ revision: number; source: string }>(`SELECT revision, source FROM rules_drafts WHERE id = :id`, { replacements: { id }, type: QueryTypes.SELECT });
      return row;
    },

    /**
     * Records the drafts' decisions on a ticket's classification, decided at `atMs` while
     * `activeVersion` was active. Written only for a ticket's first classification — the decision
     * at its creation instant, as ticket_decisions tells a classification from a
     * re-classification — and only for drafts still in shadow mode; a retry writes nothing again
     * (ON CONFLICT DO NOTHING). Returns how many rows were written.
     */
    async record(ticket: { number: string; atMs: number; activeVersion: number }, decisions: readonly ShadowDecisionInput[]): Promise<number> {
      if (decisions.length === 0) return 0;
      const rows = await sequelize.query<{ draft_id: string }>(
        `INSERT INTO shadow_decisions (draft_id, ticket_number, decided_at, active_version, active, shadow, differs)
         SELECT d.id, t.number, :decidedAt::timestamptz, :activeVersion, x.active, x.shadow || jsonb_build_object('revision', x.revision), x.differs
           FROM jsonb_to_recordset(:rows::jsonb) AS x(draft_id bigint, revision integer, active jsonb, shadow jsonb, differs text[])
           JOIN rules_drafts d ON d.id = x.draft_id AND d.status = 'shadow'
           JOIN tickets t ON t.number = :number AND t.created_at = :decidedAt::timestamptz
         ON CONFLICT (draft_id, ticket_number, decided_at) DO NOTHING
         RETURNING draft_id`,
        {
          replacements: {
            number: ticket.number, decidedAt: new Date(ticket.atMs).toISOString(), activeVersion: ticket.activeVersion,
            rows: JSON.stringify(decisions.map((d) => ({ draft_id: d.draftId, revision: d.revision, active: d.active, shadow: d.shadow, differs: d.differs }))),
          },
          type: QueryTypes.SELECT,
        },
      );
      return rows.length;
    },

    /** How many tickets the draft decided in shadow, how many differently, and when the first and last were. */
    async totals(draftId: number): Promise<ShadowTotals> {
      const [row] = await sequelize.query<{ decided: string; diverged: string; first: Date | null; last: Date | null }>(
        `SELECT count(*)::text AS decided, count(*) FILTER (WHERE cardinality(differs) > 0)::text AS diverged, min(decided_at) AS first, max(decided_at) AS last
           FROM shadow_decisions WHERE draft_id = :draftId`,
        { replacements: { draftId }, type: QueryTypes.SELECT },
      );
      return {
        decided: Number(row!.decided), diverged: Number(row!.diverged),
        firstDecidedAt: row!.first ? row!.first.toISOString() : null, lastDecidedAt: row!.last ? row!.last.toISOString() : null,
      };
    },

    /** Per outcome field, on how many tickets the draft decided it differently. */
    async byField(draftId: number): Promise<Partial<Record<ShadowField, number>>> {
      const rows = await sequelize.query<{ field: ShadowField; n: string }>(
        `SELECT f AS field, count(*)::text AS n FROM shadow_decisions, unnest(differs) AS f WHERE draft_id = :draftId GROUP BY f`,
        { replacements: { draftId }, type: QueryTypes.SELECT },
      );
      return Object.fromEntries(rows.map((r) => [r.field, Number(r.n)]));
    },

    /** Per service level × priority of the live decision: tickets decided, and of them decided differently. */
    async byCell(draftId: number): Promise<ShadowCell[]> {
      const rows = await sequelize.query<{ service_level: string; priority: string; decided: string; diverged: string }>(
        `SELECT active->>'serviceLevel' AS service_level, active->>'priority' AS priority, count(*)::text AS decided,
                count(*) FILTER (WHERE cardinality(differs) > 0)::text AS diverged
           FROM shadow_decisions WHERE draft_id = :draftId GROUP BY 1, 2 ORDER BY 1, 2`,
        { replacements: { draftId }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => ({ serviceLevel: r.service_level, priority: r.priority, decided: Number(r.decided), diverged: Number(r.diverged) }));
    },

    /** The latest `limit` tickets the draft decided differently, newest first, with both decisions. */
    async latestDiverging(draftId: number, limit: number): Promise<ShadowDecisionRecord[]> {
      const rows = await sequelize.query<RecordRow>(
        `SELECT draft_id, ticket_number, decided_at, active_version, active, shadow, differs FROM shadow_decisions
          WHERE draft_id = :draftId AND cardinality(differs) > 0 ORDER BY decided_at DESC, ticket_number DESC LIMIT :limit`,
        { replacements: { draftId, limit }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => ({
        draftId: Number(r.draft_id), ticketNumber: r.ticket_number, decidedAt: r.decided_at.toISOString(), activeVersion: r.active_version,
        active: r.active, shadow: r.shadow, differs: r.differs,
      }));
    },
  };
}

export type ShadowDecisionsRepo = ReturnType<typeof createShadowDecisionsRepo>;
