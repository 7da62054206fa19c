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
/** Demo staff who get an enrolment code for the staff pages' second factor, printed once (docs/staff-sign-in.md). */
const DEMO_STAFF_WITH_CODES = ['l1.agent@example.com', 'l2.agent@example.com', 'sd.lead@example.com', 'process.owner@example.com', 'auditor@example.com', 'admin@example.com'];

export async function seedDemo(db: Database, client: Client, config: Config): Promise<{ tickets: string[]; agentToken: string | null; enrolmentCodes: Array<{ email: string; code: string }> }> {
  if (!(await seedReferenceData(db.sequelize, db.vault))) return { tickets: [], agentToken: null, enrolmentCodes: [] };
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
  const enrolmentCodes: Array<{ email: string; code: string }> = [];
  for (const email of DEMO_STAFF_WITH_CODES) {
    const user = await db.users.findByEmail(email);
    if (user) enrolmentCodes.push({ email, code: (await db.staffAuth.issueEnrolmentCode(user.id, 'system:demo-seed')).code });
  }
  return { tickets: numbers, agentToken: token?.token ?? null, enrolmentCodes };
}
