import type { Client } from '@temporalio/client';
import { seedReferenceData, DEMO_TICKETS } from '../db/seed.ts';
import { ticketDeps } from '../runtime/compose.ts';
import { createTicket } from '../services/tickets/index.ts';
import type { Config } from '../runtime/config.ts';
import type { Database } from '../runtime/stack.ts';

/**
 * Seeds the demo once: reference data, tickets through intake (each with a fixed
 * idempotency key), and an API token for the demo L1 agent, printed once.
 */
export async function seedDemo(db: Database, client: Client, config: Config): Promise<{ tickets: string[]; agentToken: string | null }> {
  if (!(await seedReferenceData(db.sequelize, db.vault))) return { tickets: [], agentToken: null };
  const numbers: string[] = [];
  for (const [i, ticket] of DEMO_TICKETS.entries()) {
    const result = await createTicket(
      ticketDeps(config, db, client),
      { ...ticket },
      { idempotencyKey: `demo-seed-${i + 1}`, language: ticket.locale },
    );
    numbers.push(result.kind === 'recorded' ? result.ticket.number : result.number);
  }
  const token = await db.apiTokens.create('l1.agent@example.com', 'demo');
  return { tickets: numbers, agentToken: token?.token ?? null };
}
