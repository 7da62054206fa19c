/**
 * Accounts sealed too (issue 10, item 1): `users`, `pending_sign_ups` and `account_mail_outbox`
 * keep no address or name in plain text. Each row is found by the keyed blind index of its
 * address (`email_bidx`, HMAC-SHA256, as `persons.email_bidx`), names its person by pseudonym
 * (`person_id` / `recipient_ref` → persons.id) and holds the address, the name and the mail sealed
 * under that person's own key (scope `person`), so erasing the person makes them unreadable.
 *
 * A migration cannot see the master key, so rows written before this one are converted in code
 * when a process opens the database (db/legacy-accounts.ts sealLegacyAccounts, run by
 * runtime/stack.ts openDatabase): it seals each plain row and sets its plain columns to NULL.
 * The plain columns stay (nullable, NULL once sealed) for now; a later migration drops them once
 * every installation has been started once with this version. A CHECK keeps a row either plain
 * (from before) or sealed with no plain copy.
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE users
      ADD COLUMN email_bidx text UNIQUE,
      ADD COLUMN email_sealed text,
      ADD COLUMN display_name_sealed text,
      ADD COLUMN person_id uuid UNIQUE REFERENCES persons(id),
      ALTER COLUMN email DROP NOT NULL,
      ALTER COLUMN display_name DROP NOT NULL,
      ADD CONSTRAINT users_sealed_or_plain CHECK (CASE WHEN email_bidx IS NULL
        THEN email IS NOT NULL AND display_name IS NOT NULL
        ELSE email IS NULL AND display_name IS NULL AND email_sealed IS NOT NULL AND display_name_sealed IS NOT NULL AND person_id IS NOT NULL END);
    COMMENT ON COLUMN users.email IS 'Before migration 0015 only: NULL once the row is sealed (email_bidx, email_sealed); a later migration drops it.';
    COMMENT ON COLUMN users.display_name IS 'Before migration 0015 only: NULL once the row is sealed (display_name_sealed); a later migration drops it.';

    ALTER TABLE pending_sign_ups
      ADD COLUMN email_bidx text,
      ADD COLUMN email_sealed text,
      ADD COLUMN display_name_sealed text,
      ADD COLUMN person_id uuid REFERENCES persons(id),
      ALTER COLUMN email DROP NOT NULL,
      ALTER COLUMN display_name DROP NOT NULL,
      ADD CONSTRAINT pending_sign_ups_sealed_or_plain CHECK (CASE WHEN email_bidx IS NULL
        THEN email IS NOT NULL AND display_name IS NOT NULL
        ELSE email IS NULL AND display_name IS NULL AND email_sealed IS NOT NULL AND display_name_sealed IS NOT NULL AND person_id IS NOT NULL END);
    CREATE INDEX pending_sign_ups_email_bidx_idx ON pending_sign_ups (email_bidx);

    ALTER TABLE account_mail_outbox
      ADD COLUMN recipient_ref uuid REFERENCES persons(id),
      ADD COLUMN payload_sealed text,
      ALTER COLUMN recipient DROP NOT NULL,
      ALTER COLUMN payload DROP NOT NULL,
      ADD CONSTRAINT account_mail_outbox_sealed_or_plain CHECK (CASE WHEN recipient_ref IS NULL
        THEN recipient IS NOT NULL AND payload IS NOT NULL
        ELSE recipient IS NULL AND payload IS NULL AND payload_sealed IS NOT NULL END);
    CREATE INDEX account_mail_outbox_recipient_ref_idx ON account_mail_outbox (recipient_ref);
  `);
};

/** Back to plain columns only: refused once a row is sealed (its address cannot be put back without the master key). */
export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM users WHERE email_bidx IS NOT NULL) OR EXISTS (SELECT 1 FROM pending_sign_ups WHERE email_bidx IS NOT NULL)
         OR EXISTS (SELECT 1 FROM account_mail_outbox WHERE recipient_ref IS NOT NULL) THEN
        RAISE EXCEPTION 'accounts are sealed: migration 0015 cannot be undone without losing them';
      END IF;
    END $$;
    ALTER TABLE account_mail_outbox DROP CONSTRAINT account_mail_outbox_sealed_or_plain, DROP COLUMN payload_sealed, DROP COLUMN recipient_ref,
      ALTER COLUMN recipient SET NOT NULL, ALTER COLUMN payload SET NOT NULL;
    ALTER TABLE pending_sign_ups DROP CONSTRAINT pending_sign_ups_sealed_or_plain, DROP COLUMN person_id, DROP COLUMN display_name_sealed,
      DROP COLUMN email_sealed, DROP COLUMN email_bidx, ALTER COLUMN email SET NOT NULL, ALTER COLUMN display_name SET NOT NULL;
    COMMENT ON COLUMN users.email IS NULL;
    COMMENT ON COLUMN users.display_name IS NULL;
    ALTER TABLE users DROP CONSTRAINT users_sealed_or_plain, DROP COLUMN person_id, DROP COLUMN display_name_sealed,
      DROP COLUMN email_sealed, DROP COLUMN email_bidx, ALTER COLUMN email SET NOT NULL, ALTER COLUMN display_name SET NOT NULL;
  `);
};
