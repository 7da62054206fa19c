/**
 * The periodic checkpoint of the audit log (docs/audit-proof.md): the archive's scheduled
 * workflow calls `writeAuditCheckpoint` each time it runs. It signs a checkpoint of the newest
 * entry only when the log has grown since the last checkpoint, so an idle helpdesk writes none.
 * The signing and the key are the service's (services/audit/checkpoints.ts, bound in
 * runtime/stack.ts): activities import no service.
 */
export interface AuditCheckpointWriter {
  /** A signed checkpoint of the newest entry when the log has grown since the last one; null otherwise. */
  writeIfGrown(reason: 'periodic'): Promise<{ seq: number } | null>;
}

export interface AuditCheckpointActivityDeps {
  auditCheckpoint: AuditCheckpointWriter;
}

export interface WriteAuditCheckpointInput {
  reason: 'periodic';
}

export function createAuditCheckpointActivities(deps: AuditCheckpointActivityDeps) {
  return {
    /** Idempotent enough to retry: a retry after a written checkpoint finds the log not grown and writes nothing. */
    async writeAuditCheckpoint(input: WriteAuditCheckpointInput): Promise<{ seq: number } | null> {
      const written = await deps.auditCheckpoint.writeIfGrown(input.reason);
      return written ? { seq: written.seq } : null;
    },
  };
}

export type AuditCheckpointActivities = ReturnType<typeof createAuditCheckpointActivities>;
