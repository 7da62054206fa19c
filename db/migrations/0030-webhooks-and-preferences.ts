import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Webhooks, SMS and preferences (issue 14, docs/webhooks.md, docs/notification-preferences.md).
 *
 * - `webhook_endpoints`: where an admin sends the events of chosen types, in which format
 *   (`standard` — Standard Webhooks, signed with the endpoint's secret; `slack`; `teams`), in which
 *   language (the chat formats' words). `disabled_at` is set by an admin (`disabled_reason` admin),
 *   or when the receiver answered 410 Gone (`gone`); the page says which in the viewer's words.
 * - `webhook_deliveries`: one row per event and endpoint, written in the event's own transaction
 *   (so no event is lost between the read model and the delivery), with its `webhook-id` fixed there;
 *   a replay is a new row naming the one it replays, with the same `webhook-id`. `started_at`: when
 *   its workflow was last started (the sweep restarts only rows not started for 3 hours).
 * - `webhook_attempts`: every attempt of a delivery — when, how long, the status or what failed.
 * - `notification_profiles`: a staff member's phone number (SMS; sealed under their own key, as
 *   their address and name are) and whether they are a duty
 *   manager (the rules' `duty_manager` role). `notification_preferences`: per user and kind of
 *   notification, how they are told (`mail`, `sms`, `digest`, `none`); no row is the default.
 * - `sms_alerts`: the events an admin has SMS sent for — kinds × priorities × roles.
 * - `notification_deliveries.channel` gains `sms` and `digest`; `digest_id` is the Message-ID of
 *   the digest a line was put in (stamped before it is sent, so a digest sent again carries the
 *   same lines).
 * A person's erasure deletes their users row, and with it their profile and preferences.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE webhook_endpoints (
      id              bigserial PRIMARY KEY,
      name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      url             text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
      format          text NOT NULL CHECK (format IN ('standard', 'slack', 'teams')),
      events          text[] NOT NULL CHECK (cardinality(events) > 0),
      language        text NOT NULL DEFAULT 'en' CHECK (language IN ('pl', 'en', 'de')),
      secret          text NOT NULL,
      created_by      text NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      disabled_at     timestamptz,
      disabled_reason text CHECK (disabled_reason IN ('admin', 'gone'))
    );

    CREATE TABLE webhook_deliveries (
      id            bigserial PRIMARY KEY,
      endpoint_id   bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      ticket_number text NOT NULL,
      event_seq     integer NOT NULL,
      event_type    text NOT NULL,
      message_id    text NOT NULL,
      replay_of     bigint REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts      integer NOT NULL DEFAULT 0,
      last_error    text,
      created_at    timestamptz NOT NULL DEFAULT now(),
      started_at    timestamptz,
      delivered_at  timestamptz,
      failed_at     timestamptz
    );
    CREATE UNIQUE INDEX webhook_deliveries_event_idx ON webhook_deliveries (endpoint_id, ticket_number, event_seq) WHERE replay_of IS NULL;
    CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (created_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);

    CREATE TABLE webhook_attempts (
      id           bigserial PRIMARY KEY,
      delivery_id  bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempted_at timestamptz NOT NULL DEFAULT now(),
      duration_ms  integer,
      status_code  integer,
      error        text
    );
    CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

    CREATE TABLE notification_profiles (
      user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      phone_sealed text,
      duty_manager boolean NOT NULL DEFAULT false,
      updated_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE notification_preferences (
      user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      kind       text NOT NULL,
      choice     text NOT NULL CHECK (choice IN ('mail', 'sms', 'digest', 'none')),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, kind)
    );

    CREATE TABLE sms_alerts (
      id         bigserial PRIMARY KEY,
      kinds      text[] NOT NULL CHECK (cardinality(kinds) > 0),
      priorities text[] NOT NULL DEFAULT '{}',
      roles      text[] NOT NULL CHECK (cardinality(roles) > 0),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_channel_check;
    ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('email', 'sms', 'digest'));
    ALTER TABLE notification_deliveries ADD COLUMN digest_id text;
    CREATE INDEX notification_deliveries_digest_idx ON notification_deliveries (recipient, id) WHERE channel = 'digest' AND status = 'pending';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DELETE FROM notification_deliveries WHERE channel <> 'email';
    DROP INDEX notification_deliveries_digest_idx;
    ALTER TABLE notification_deliveries DROP COLUMN digest_id;
    ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_channel_check;
    ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('email'));
    DROP TABLE sms_alerts, notification_preferences, notification_profiles, webhook_attempts, webhook_deliveries, webhook_endpoints;
  `);
};
