/**
 * The population of a period for auditors' sampling (services/audit/population.ts): every ticket
 * whose lifecycle ended (closed, cancelled, or merged into another ticket) in the period, with its SLA outcome, from the read
 * model. No personal data: no title, description, address, assignee or requester, only numbers,
 * instants and codes. The query's text goes into the export as it ran, so an auditor can run it
 * again; every value is formatted in SQL, so its output is the CSV's rows as they are.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

/** The columns, in order (the CSV's header). */
export const POPULATION_COLUMNS = [
  'number', 'created_at', 'closed_at', 'status', 'priority', 'service_level', 'policy', 'calendar', 'rules_version',
  'response_target_ms', 'resolution_target_ms', 'response', 'resolution', 'escalations',
] as const;

export type PopulationRow = Record<(typeof POPULATION_COLUMNS)[number], string | null>;

/**
 * Per clock: `breached` when a breach of it was recorded (an sla_breached event, or the SLA's
 * breached list), else `met` when it stopped by its event (the first response, or resolution;
 * a resolution stops the response clock too), `cancelled` when the ticket was cancelled first,
 * `merged` when it was merged into another ticket first (its clocks froze there),
 * `none` when the ticket never had an SLA (cancelled before classification).
 * `escalations`: escalated events (a tier move, by hand or by the ladder) and escalation_notified
 * events (a ladder step that notified without a move). `closed_at`: the first closed, cancelled or merged event.
 */
export const POPULATION_SQL = `WITH ended AS (
  SELECT e.ticket_number, min(e.occurred_at) AS ended_at
    FROM ticket_events e
   WHERE e.type IN ('closed', 'cancelled', 'merged') AND e.occurred_at >= :from AND e.occurred_at < :to
   GROUP BY e.ticket_number
), facts AS (
  SELECT t.number, t.created_at, ended.ended_at, t.status, t.priority, t.rules_version, t.sla,
         (SELECT d.facts->'requester'->>'serviceLevel' FROM ticket_decisions d
           WHERE d.ticket_number = t.number ORDER BY d.decided_at DESC, d.rules_version DESC LIMIT 1) AS service_level,
         EXISTS (SELECT 1 FROM ticket_events b WHERE b.ticket_number = t.number AND b.type = 'sla_breached' AND b.data->>'clock' = 'response')
           OR coalesce(t.sla->'breached' @> '["response"]'::jsonb, false) AS response_breached,
         EXISTS (SELECT 1 FROM ticket_events b WHERE b.ticket_number = t.number AND b.type = 'sla_breached' AND b.data->>'clock' = 'resolution')
           OR coalesce(t.sla->'breached' @> '["resolution"]'::jsonb, false) AS resolution_breached,
         EXISTS (SELECT 1 FROM ticket_events r WHERE r.ticket_number = t.number AND r.type IN ('responded', 'resolved')) AS response_stopped,
         EXISTS (SELECT 1 FROM ticket_events r WHERE r.ticket_number = t.number AND r.type = 'resolved') AS resolved,
         (SELECT count(*) FROM ticket_events x WHERE x.ticket_number = t.number AND x.type IN ('escalated', 'escalation_notified')) AS escalations
    FROM ended JOIN tickets t ON t.number = ended.ticket_number
)
SELECT number,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS closed_at,
       status,
       priority,
       service_level,
       sla->>'policyId' AS policy,
       sla->>'calendarId' AS calendar,
       rules_version::text AS rules_version,
       sla->>'responseTargetMs' AS response_target_ms,
       sla->>'resolutionTargetMs' AS resolution_target_ms,
       CASE WHEN sla IS NULL THEN 'none' WHEN response_breached THEN 'breached'
            WHEN response_stopped THEN 'met' WHEN status IN ('cancelled', 'merged') THEN status ELSE 'met' END AS response,
       CASE WHEN sla IS NULL THEN 'none' WHEN resolution_breached THEN 'breached'
            WHEN resolved THEN 'met' WHEN status IN ('cancelled', 'merged') THEN status ELSE 'met' END AS resolution,
       escalations::text AS escalations
  FROM facts
 ORDER BY ended_at, number`;

export function createAuditPopulationRepo(sequelize: Sequelize) {
  return {
    /** The population of [from, to): rows as POPULATION_SQL returns them. */
    async rows(range: { fromMs: number; toMs: number }): Promise<PopulationRow[]> {
      return sequelize.query<PopulationRow>(POPULATION_SQL, { replacements: { from: new Date(range.fromMs), to: new Date(range.toMs) }, type: QueryTypes.SELECT });
    },
  };
}

export type AuditPopulationRepo = ReturnType<typeof createAuditPopulationRepo>;
