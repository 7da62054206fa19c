/**
 * The self-service portal: passwords, sessions (connect-pg-simple's table), secret
 * follow links, attachments, ratings and the knowledge base with per-language
 * full-text search.
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE users ADD COLUMN password_hash text;

    -- connect-pg-simple's schema (its table.sql), created here so no web process needs DDL rights.
    CREATE TABLE portal_sessions (
      sid    varchar NOT NULL PRIMARY KEY,
      sess   json NOT NULL,
      expire timestamp(6) NOT NULL
    );
    CREATE INDEX portal_sessions_expire_idx ON portal_sessions (expire);

    -- Settings every web process shares; the session secret is made once, here.
    CREATE TABLE portal_settings (
      key   text PRIMARY KEY,
      value text NOT NULL
    );
    INSERT INTO portal_settings (key, value)
      VALUES ('session_secret', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

    -- Secret links to follow a ticket without an account: only a SHA-256 of the token is kept.
    CREATE TABLE requester_tokens (
      token_hash    text PRIMARY KEY,
      ticket_number text NOT NULL,
      email         text NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX requester_tokens_ticket_idx ON requester_tokens (ticket_number);

    -- Attachments live in PostgreSQL (bytea): one backup, one transaction, no shared disk between
    -- web processes. Limits keep them small (see api/portal/attachments.ts).
    CREATE TABLE ticket_attachments (
      id            bigserial PRIMARY KEY,
      ticket_number text NOT NULL,
      filename      text NOT NULL,
      content_type  text NOT NULL,
      size_bytes    integer NOT NULL,
      sha256        text NOT NULL,
      data          bytea NOT NULL,
      uploaded_by   text NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (ticket_number, sha256, filename)
    );

    -- Satisfaction ratings (the workflow records the 'rate' action; this is the reporting copy).
    CREATE TABLE ticket_ratings (
      ticket_number text PRIMARY KEY,
      score         smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
      comment       text,
      rated_by      text NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE kb_categories (
      id       text PRIMARY KEY,
      position integer NOT NULL DEFAULT 0,
      names    jsonb NOT NULL
    );

    -- One row per article and language. ts_config is the language's text-search configuration
    -- ('english', 'german'; 'simple' for Polish, which PostgreSQL has none for).
    CREATE TABLE kb_articles (
      id          bigserial PRIMARY KEY,
      slug        text NOT NULL,
      language    text NOT NULL,
      title       text NOT NULL,
      summary     text NOT NULL DEFAULT '',
      body        text NOT NULL,
      category_id text NOT NULL REFERENCES kb_categories(id),
      ts_config   regconfig NOT NULL,
      tsv         tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector(ts_config, title), 'A') || setweight(to_tsvector(ts_config, summary || ' ' || body), 'B')
                  ) STORED,
      updated_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (slug, language)
    );
    CREATE INDEX kb_articles_tsv_idx ON kb_articles USING gin (tsv);

    CREATE TABLE kb_feedback (
      id         bigserial PRIMARY KEY,
      article_id bigint NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
      helpful    boolean NOT NULL,
      voter      text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (article_id, voter)
    );

    -- A deflection: a requester read an article that solved the problem and raised no ticket.
    CREATE TABLE kb_deflections (
      id         bigserial PRIMARY KEY,
      article_id bigint NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
      language   text NOT NULL,
      query      text,
      user_id    bigint,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `);
  // pg_trgm helps Polish search (no stemmer); it is optional, so its absence is not an error.
  await qi.sequelize.query(`
    DO $$ BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm is not available; Polish knowledge-base search uses prefix matching only';
    END $$;
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE kb_deflections; DROP TABLE kb_feedback; DROP TABLE kb_articles; DROP TABLE kb_categories;
    DROP TABLE ticket_ratings; DROP TABLE ticket_attachments; DROP TABLE requester_tokens;
    DROP TABLE portal_settings; DROP TABLE portal_sessions;
    ALTER TABLE users DROP COLUMN password_hash;
  `);
};
