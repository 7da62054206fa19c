import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE SEQUENCE ticket_number_seq START 1;

    CREATE TABLE teams (
      id          text PRIMARY KEY,
      name        text NOT NULL,
      tier        text NOT NULL
    );

    CREATE TABLE users (
      id           bigserial PRIMARY KEY,
      email        text NOT NULL UNIQUE,
      display_name text NOT NULL,
      locale       text NOT NULL DEFAULT 'en',
      time_zone    text NOT NULL DEFAULT 'Europe/Warsaw',
      role         text NOT NULL CHECK (role IN ('requester','agent','process_owner','auditor','admin')),
      team_id      text REFERENCES teams(id),
      vip          boolean NOT NULL DEFAULT false,
      created_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE tickets (
      number          text PRIMARY KEY,
      workflow_id     text NOT NULL UNIQUE,
      title           text NOT NULL,
      description     text NOT NULL,
      requester_email text NOT NULL,
      locale          text NOT NULL,
      channel         text NOT NULL,
      impact          text NOT NULL,
      urgency         text NOT NULL,
      category        text,
      priority        text,
      status          text NOT NULL,
      tier            text,
      team_id         text,
      assignee        text,
      rules_version   integer,
      created_at      timestamptz NOT NULL,
      updated_at      timestamptz NOT NULL,
      last_event_seq  integer NOT NULL
    );
    CREATE INDEX tickets_requester_idx ON tickets (requester_email, created_at DESC);
    CREATE INDEX tickets_status_idx ON tickets (status, priority);

    CREATE TABLE ticket_events (
      ticket_number text NOT NULL REFERENCES tickets(number) ON DELETE CASCADE,
      seq           integer NOT NULL,
      type          text NOT NULL,
      actor         text NOT NULL,
      reason        text,
      data          jsonb NOT NULL DEFAULT '{}'::jsonb,
      occurred_at   timestamptz NOT NULL,
      PRIMARY KEY (ticket_number, seq)
    );

    CREATE TABLE intake_requests (
      idempotency_key text PRIMARY KEY,
      ticket_number   text NOT NULL UNIQUE,
      request_hash    text NOT NULL,
      request         jsonb NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE seed_runs (
      name   text PRIMARY KEY,
      run_at timestamptz NOT NULL DEFAULT now()
    );
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE seed_runs; DROP TABLE intake_requests; DROP TABLE ticket_events; DROP TABLE tickets;
    DROP TABLE users; DROP TABLE teams; DROP SEQUENCE ticket_number_seq;
  `);
};
