/**
 * Who owns a ticket in the portal, until e-mail addresses are verified by mail.
 *
 * Signing up does not prove that the address is the requester's, so an unverified
 * account sees only the tickets it reported itself while signed in
 * (`ticket_submitters`), plus those it follows by secret link; an account whose
 * address is verified (`users.email_verified_at`: demo users, accounts made by an
 * operator) sees every ticket of its address. See docs/portal.md.
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/** The demo seed's users as of this migration (db/seed.ts), verified when the demo seed has run. */
const DEMO_EMAILS = [
  'anna.kowalska@example.com', 'jonas.weber@example.com', 'ceo@example.com', 'l1.agent@example.com',
  'l2.agent@example.com', 'l3.agent@example.com', 'process.owner@example.com', 'auditor@example.com',
];

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

    -- Staff are made by an operator, never through sign-up; the demo users are the seed's.
    -- Requesters who signed up before this migration stay unverified (it cannot tell them
    -- from an account that claimed someone else's address).
    UPDATE users SET email_verified_at = now()
     WHERE role <> 'requester'
        OR (email IN (${DEMO_EMAILS.map((e) => `'${e}'`).join(', ')}) AND EXISTS (SELECT 1 FROM seed_runs WHERE name = 'demo'));

    -- The account that reported a ticket through the portal while signed in.
    CREATE TABLE ticket_submitters (
      ticket_number text PRIMARY KEY,
      user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX ticket_submitters_user_idx ON ticket_submitters (user_id);

    -- Tickets reported while signed in before this migration: the portal scoped their
    -- idempotency key to the user ("portal:u<id>:<form key>").
    INSERT INTO ticket_submitters (ticket_number, user_id, created_at)
    SELECT i.ticket_number, u.id, i.created_at
      FROM intake_requests i
      JOIN users u ON u.id = substring(i.idempotency_key FROM '^portal:u([0-9]+):')::bigint
      JOIN tickets t ON t.number = i.ticket_number AND t.requester_email = u.email AND t.channel = 'portal'
     WHERE i.idempotency_key ~ '^portal:u[0-9]+:'
    ON CONFLICT (ticket_number) DO NOTHING;
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE ticket_submitters;
    ALTER TABLE users DROP COLUMN email_verified_at;
  `);
};
