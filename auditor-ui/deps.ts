/**
 * What the auditors' pages are given by the web process (runtime/compose.ts builds it, api/app.ts
 * AppDeps.audit carries it): the auditors' service and the audit log, as the REST API has them,
 * and the evidence export as `helpdesk audit export` does it. Types only, and no import of api/:
 * api/app.ts and api/staff/types.ts name it without a circle.
 */
import type { AuditRepo } from '../db/audit-repo.ts';
import type { EvidenceBundle } from '../services/audit/bundle.ts';
import type { ProofCheck } from '../services/audit/checkpoints.ts';
import type { PopulationMeta } from '../services/audit/bundle.ts';
import type { Audit } from '../services/audit/index.ts';
import type { ReplayVerdict } from '../services/audit/types.ts';

/**
 * One ticket's signed evidence bundle (services/audit/evidence.ts exportTicketEvidence), its
 * timeline in `language`; the export recorded in the audit log as `audit.ticket_exported` by
 * `actor` (`user:<id>`) and covered by a new signed checkpoint. Throws TicketNotFoundForExport.
 */
export type EvidenceExport = (number: string, language: string, actor: string) => Promise<{ bundle: EvidenceBundle; text: string; verdict: ReplayVerdict }>;

/**
 * The population of a period for sampling (services/audit/population.ts exportPopulation): every
 * ticket closed, cancelled or merged in it with its SLA outcome, as a signed bundle; the export recorded
 * as `audit.population_exported` by `actor` and covered by a new signed checkpoint.
 */
export type PopulationExportFn = (range: { fromMs: number; toMs: number }, actor: string) => Promise<{ bundle: EvidenceBundle; text: string; meta: PopulationMeta }>;

export interface AuditorService {
  service: Audit;
  log: AuditRepo;
  /** Without it the ticket page offers no evidence download. */
  exportEvidence?: EvidenceExport;
  /** Without it there is no population download. */
  exportPopulation?: PopulationExportFn;
  /** The audit log's proof (`helpdesk audit verify`): the chain from entry 1 and every checkpoint. */
  verifyProof?: () => Promise<ProofCheck>;
}
