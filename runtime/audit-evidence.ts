/**
 * The auditors' service as the web process has it (api/app.ts AppDeps.audit): the service and the
 * audit log, as the REST API reads them, and a ticket's evidence bundle made exactly as `helpdesk
 * audit export` makes it (bin/audit-replay-commands.ts calls this too) — services/audit/evidence.ts
 * exportTicketEvidence over this process's histories (the archive, else Temporal), the ticket as
 * the read model holds it, the rules versions and the audit log; the export appended to the audit
 * log in its own transaction (`audit.ticket_exported`, the staff member as `user:<id>`) and a
 * checkpoint signed with the configured audit signing key (runtime/audit-signing-key.ts) covering it;
 * a period's population for sampling, made and recorded the same way; and the audit log's proof.
 */
import type { Client } from '@temporalio/client';
import type { AuditorService, EvidenceExport, PopulationExportFn } from '../auditor-ui/deps.ts';
import type { AuditPopulationRepo } from '../db/audit-population-repo.ts';
import type { ProofCheck } from '../services/audit/checkpoints.ts';
import { exportPopulation } from '../services/audit/population.ts';
import type { AuditCheckpointsRepo } from '../db/audit-checkpoints-repo.ts';
import type { AuditRepo } from '../db/audit-repo.ts';
import { exportTicketEvidence } from '../services/audit/evidence.ts';
import { auditService } from './audit.ts';
import { auditCheckpointsFor, lazyAuditSigner } from './audit-signing-key.ts';
import type { Config } from './config.ts';

type AuditDb = Parameters<typeof auditService>[1] & { audit: AuditRepo; auditCheckpoints: AuditCheckpointsRepo; auditPopulation: AuditPopulationRepo };

/** `log` hears the one line a first signature writes (the key generated, where); never personal data. */
export function webAudit(config: Config, db: AuditDb, client: Client | undefined, log: (line: string) => void): AuditorService & { exportEvidence: EvidenceExport; exportPopulation: PopulationExportFn; verifyProof: () => Promise<ProofCheck> } {
  const service = auditService(config, db, client);
  const checkpoints = auditCheckpointsFor(config, db, log);
  const signer = lazyAuditSigner(config, log);
  return {
    service,
    log: db.audit,
    exportEvidence: (number, language, actor) => exportTicketEvidence({
      audit: service,
      ticket: (n) => db.tickets.get(n),
      rules: db.rules,
      log: db.audit,
      recordExport: async (n, summary) => {
        await db.sequelize.transaction((t) => db.audit.append({ actor, action: 'audit.ticket_exported', subject: `ticket:${n}`, details: summary }, t));
        return checkpoints.write('export');
      },
      signer,
    }, number, language),
    exportPopulation: (range, actor) => exportPopulation({
      population: db.auditPopulation,
      signer,
      // The export itself is recorded, and the checkpoint written for the bundle covers that entry.
      checkpoint: async (meta) => {
        await db.sequelize.transaction((t) => db.audit.append({ actor, action: 'audit.population_exported', subject: `period:${meta.period.from}/${meta.period.to}`, details: { rows: meta.rows, sha256: meta.sha256 } }, t));
        return checkpoints.write('export');
      },
    }, range),
    verifyProof: () => checkpoints.verify(),
  };
}
