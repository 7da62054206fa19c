import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * The history archive (issue 12, "History archive"; docs/audit-archive.md): every closed run of a
 * ticket's workflow (completed, cancelled, continued as new, failed…) exported from Temporal to
 * PostgreSQL well inside the namespace's retention, so the timeline, the replay check and the
 * evidence export still read it after Temporal has forgotten it.
 *
 * `history_archive`: one row per run, the history's JSON text exactly as hashed — `historyToJSON`'s
 * JSON with every object's keys sorted (activities/archive.ts historyText), so one history always
 * gives one text and one sha256 — with its event count and that sha256. Payloads stay as Temporal
 * stored them: encrypted under the service keys, personal fields sealed per person; the archive
 * never decodes them.
 * Append-only: a trigger refuses every UPDATE and TRUNCATE. The one DELETE allowed is the one
 * that follows the ticket's own deletion by retention (services/privacy/erase.ts deleteTickets
 * deletes the `tickets` row; the foreign key's ON DELETE CASCADE then deletes its runs here): a
 * row may be deleted only once its ticket is gone, so the archive keeps nothing of a ticket past
 * its retention period, as Temporal does not either.
 *
 * `history_archive_failures`: runs a sweep could not archive yet — how many attempts, the last
 * error as a sentence without personal data, when — so the next sweep retries them and
 * `helpdesk audit archive --status` reports them. Bookkeeping, not evidence: a row goes when its
 * run is archived (or its ticket deleted).
 *
 * `history_archive_sweeps`: per task queue, the instant up to which closed runs were listed by
 * the last sweep that listed them all; the next sweep lists from there (less a safety margin for
 * Temporal's visibility lag).
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE history_archive (
      workflow_id    text NOT NULL CHECK (workflow_id = 'ticket-' || ticket_number),
      run_id         text NOT NULL CHECK (btrim(run_id) <> ''),
      ticket_number  text NOT NULL REFERENCES tickets(number) ON DELETE CASCADE,
      status         text NOT NULL CHECK (status IN ('completed', 'continued_as_new', 'failed', 'cancelled', 'terminated', 'timed_out')),
      started_at     timestamptz,
      closed_at      timestamptz NOT NULL,
      event_count    integer NOT NULL CHECK (event_count >= 1),
      sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      history        text NOT NULL,
      archived_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workflow_id, run_id)
    );
    CREATE INDEX history_archive_ticket_idx ON history_archive (ticket_number, started_at);
    CREATE INDEX history_archive_closed_idx ON history_archive (closed_at);

    COMMENT ON TABLE history_archive IS 'Closed runs of ticket workflows, exported from Temporal (db/history-archive-repo.ts, docs/audit-archive.md). Append-only; rows go only with their ticket.';
    COMMENT ON COLUMN history_archive.history IS 'historyToJSON''s JSON with sorted keys, exactly as hashed; payloads as Temporal stored them (encrypted, personal fields sealed), never decoded.';
    COMMENT ON COLUMN history_archive.sha256 IS 'sha256 (hex) of the UTF-8 bytes of history.';

    CREATE FUNCTION history_archive_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'history_archive is append-only: the archive cannot be truncated'
          USING ERRCODE = 'restrict_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM tickets WHERE number = OLD.ticket_number) THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'history_archive is append-only: run % of % is deleted only with its ticket (retention)',
          OLD.run_id, OLD.workflow_id
          USING ERRCODE = 'restrict_violation';
      END IF;
      RAISE EXCEPTION 'history_archive is append-only: run % of % cannot be updated',
        OLD.run_id, OLD.workflow_id
        USING ERRCODE = 'restrict_violation';
    END
    $$;

    CREATE TRIGGER history_archive_immutable_rows
      BEFORE UPDATE OR DELETE ON history_archive
      FOR EACH ROW EXECUTE FUNCTION history_archive_refuse_change();
    CREATE TRIGGER history_archive_immutable_table
      BEFORE TRUNCATE ON history_archive
      FOR EACH STATEMENT EXECUTE FUNCTION history_archive_refuse_change();

    CREATE TABLE history_archive_failures (
      workflow_id      text NOT NULL,
      run_id           text NOT NULL,
      ticket_number    text NOT NULL,
      closed_at        timestamptz,
      attempts         integer NOT NULL CHECK (attempts >= 1),
      last_error       text NOT NULL CHECK (btrim(last_error) <> ''),
      first_failed_at  timestamptz NOT NULL,
      last_attempt_at  timestamptz NOT NULL,
      PRIMARY KEY (workflow_id, run_id)
    );
    COMMENT ON TABLE history_archive_failures IS 'Closed runs not archived yet and why (a sentence without personal data); retried by every sweep (docs/audit-archive.md).';

    CREATE TABLE history_archive_sweeps (
      task_queue    text PRIMARY KEY,
      listed_until  timestamptz NOT NULL,
      swept_at      timestamptz NOT NULL
    );
    COMMENT ON TABLE history_archive_sweeps IS 'Per task queue: closed runs up to listed_until were listed by a complete sweep.';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE history_archive_sweeps;
    DROP TABLE history_archive_failures;
    DROP TABLE history_archive;
    DROP FUNCTION history_archive_refuse_change();
  `);
};
