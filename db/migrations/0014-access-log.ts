import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * The access log (issue 10, item 6; docs/access-log.md): every read of a ticket's personal data by
 * staff — the ticket through the API or a staff page, an attachment, an export — with who read it
 * (the staff member's user id and role, or `cli:<os user>` for a command), what (`ticket.read`,
 * `ticket.export`, `person.export` …), through which channel (`api`, `web`,
 * `cli`), when, and why where a reason was given. The ticket's requester is named by pseudonym
 * (persons.id), null for tickets reported before personal data was sealed; the entry holds no
 * address, no name and no ticket text.
 *
 * A reason is typed by staff: at most 500 characters, one line, and it must not hold personal data
 * (the service refuses one with an e-mail address in it).
 *
 * Append-only: a trigger refuses every UPDATE, DELETE and TRUNCATE. Erasing a person keeps their
 * entries: an entry holds only pseudonyms, staff ids and ticket numbers, and once the person's key
 * is destroyed the pseudonym no longer leads to anyone, while the record of which staff member read
 * their data, and why, stays — it is what staff are accountable by. No foreign keys, so neither a
 * ticket deleted by retention nor a removed user takes entries with it.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE access_log (
      id             bigserial PRIMARY KEY,
      occurred_at    timestamptz NOT NULL DEFAULT now(),
      viewer         text NOT NULL CHECK (viewer ~ '^(user:[0-9]+|cli:.+)$'),
      viewer_user_id bigint,
      viewer_role    text NOT NULL CHECK (viewer_role IN ('agent', 'process_owner', 'admin', 'auditor', 'operator')),
      ticket_number  text CHECK (ticket_number ~ '^[A-Z]{1,8}-[0-9]{4}-[0-9]{6,}$'),
      person         uuid,
      what           text NOT NULL CHECK (what ~ '^[a-z_]+\\.[a-z_]+$'),
      channel        text NOT NULL CHECK (channel IN ('api', 'web', 'cli')),
      reason         text CHECK (char_length(reason) BETWEEN 1 AND 500 AND reason !~ '[\\r\\n]'),
      CHECK (ticket_number IS NOT NULL OR person IS NOT NULL),
      CHECK ((viewer_user_id IS NULL) = (viewer LIKE 'cli:%'))
    );
    CREATE INDEX access_log_ticket_idx ON access_log (ticket_number, id);
    CREATE INDEX access_log_person_idx ON access_log (person, id);

    COMMENT ON TABLE access_log IS 'Every staff read of a ticket''s personal data (db/access-log-repo.ts): who, what, when, why. Append-only; no personal data.';
    COMMENT ON COLUMN access_log.person IS 'The pseudonym (persons.id) of the ticket''s requester or the exported person; null for tickets reported before sealing.';
    COMMENT ON COLUMN access_log.reason IS 'Why, as the staff member typed it (X-Access-Reason, --reason): at most 500 characters, never personal data.';

    CREATE FUNCTION access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'access_log is append-only: the access log cannot be truncated'
          USING ERRCODE = 'restrict_violation';
      END IF;
      RAISE EXCEPTION 'access_log is append-only: entry % cannot be %d', OLD.id, lower(TG_OP)
        USING ERRCODE = 'restrict_violation';
    END
    $$;

    CREATE TRIGGER access_log_immutable_rows
      BEFORE UPDATE OR DELETE ON access_log
      FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change();
    CREATE TRIGGER access_log_immutable_table
      BEFORE TRUNCATE ON access_log
      FOR EACH STATEMENT EXECUTE FUNCTION access_log_refuse_change();
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE access_log;
    DROP FUNCTION access_log_refuse_change();
  `);
};
