/**
 * What every `helpdesk audit` command that reads ticket histories opens: the database, Temporal
 * when it can be reached (TEMPORAL_ADDRESS, else the running helpdesk's), and the auditors'
 * service over them, closed afterwards whatever happens. Without Temporal, only archived histories
 * are read: a ticket whose every run is archived is checked as well as with it; any other answers
 * with a sentence naming what to start, exit 1.
 */
import type { Client } from '@temporalio/client';
import { auditService } from '../runtime/audit.ts';
import type { Config } from '../runtime/config.ts';
import { readLiveHolder } from '../runtime/data-lock.ts';
import { describeFailure } from '../runtime/failure.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';
import { closeClient, connectClient, targetFromConfig } from '../runtime/temporal.ts';
import type { Audit } from '../services/audit/index.ts';
import { UnavailableError } from '../services/errors.ts';
import { ExitCode } from './exit-code.ts';

export interface AuditSession {
  db: Database;
  /** Undefined when Temporal could not be reached: only archived histories are read. */
  client: Client | undefined;
}

/** Returns `fn`'s exit code; 1 with a sentence when a history it needs could not be read. */
export async function withAudit(config: Config, log: (line: string) => void, fn: (audit: Audit, parts: AuditSession) => Promise<number>): Promise<number> {
  const address = config.temporal.address ?? readLiveHolder(config.dataDir)?.temporal;
  let unreachable: string;
  let client: Client | undefined;
  if (!address) unreachable = 'no Temporal address is known (the helpdesk is not running here and TEMPORAL_ADDRESS is not set)';
  else {
    client = await connectClient(targetFromConfig(config, address)).catch((e: unknown) => {
      unreachable = `Temporal at ${address} cannot be reached: ${describeFailure(e)}`;
      return undefined;
    });
  }
  if (!client) log(`Reading archived histories only: ${unreachable!}.`);
  const db = await openDatabase(config, log);
  try {
    return await fn(auditService(config, db, client), { db, client });
  } catch (e) {
    if (!(e instanceof UnavailableError)) throw e;
    if (client) log(`Temporal or PostgreSQL did not answer (${describeFailure(e.causeDetail)}); nothing was changed. Try again in a moment.`);
    else log(`The ticket's histories could not be read: ${unreachable!}. Its runs are not all archived yet, so Temporal is needed: start the helpdesk (\`helpdesk start\`) or set TEMPORAL_ADDRESS, then try again.`);
    return ExitCode.refused;
  } finally {
    await db.close();
    if (client) await closeClient(client);
  }
}
