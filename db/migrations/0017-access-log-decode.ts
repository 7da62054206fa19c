import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * The codec endpoint's decodes in the access log (docs/access-log.md). A decode of Temporal
 * payloads with the service key (api/codec/) can reveal personal data — histories from before
 * sealing, and of tickets whose keys were destroyed only after the history was written, carry
 * plain text under that key — so each decode request is an entry: `what` `temporal.decode`, the
 * viewer, channel `web` (the Web UI with the staff session) or `api` (a bearer token), the
 * namespace the caller named (X-Namespace or the address) and how many payloads it sent. The
 * request does not say which workflow the payloads belong to, so such an entry names no ticket
 * and no person: 0014's rule "a ticket or a person" allows that for `temporal.decode` only.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE access_log
      ADD COLUMN namespace text CHECK (char_length(namespace) BETWEEN 1 AND 255 AND namespace !~ '[[:cntrl:]]'),
      ADD COLUMN payload_count integer CHECK (payload_count >= 0),
      DROP CONSTRAINT access_log_check,
      ADD CONSTRAINT access_log_names_whom CHECK (ticket_number IS NOT NULL OR person IS NOT NULL OR what = 'temporal.decode'),
      ADD CONSTRAINT access_log_decode_count CHECK ((what = 'temporal.decode') = (payload_count IS NOT NULL)),
      ADD CONSTRAINT access_log_namespace_decode_only CHECK (namespace IS NULL OR what = 'temporal.decode');

    COMMENT ON COLUMN access_log.namespace IS 'For temporal.decode: the Temporal namespace the caller named (X-Namespace, or the codec address); null when none was named.';
    COMMENT ON COLUMN access_log.payload_count IS 'For temporal.decode: how many payloads the request asked to decode.';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE access_log
      DROP CONSTRAINT access_log_namespace_decode_only,
      DROP CONSTRAINT access_log_decode_count,
      DROP CONSTRAINT access_log_names_whom,
      DROP COLUMN payload_count,
      DROP COLUMN namespace;
  `);
  // Entries of decodes name no ticket and no person: they are kept by 0014's rule only without them (the log is append-only).
  await qi.sequelize.query(`ALTER TABLE access_log ADD CONSTRAINT access_log_check CHECK (ticket_number IS NOT NULL OR person IS NOT NULL) NOT VALID`);
};
