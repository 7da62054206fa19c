/**
 * Knowledge-base search finds hyphenated compounds written without the hyphen:
 * "wifi" finds "Wi-Fi", "email" finds "e-mail". PostgreSQL's parser indexes "Wi-Fi"
 * as "wi-fi", "wi" and "fi"; the search vector now also holds the joined word.
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

const vector = (joined: boolean) => `
  setweight(to_tsvector(ts_config, title${joined ? ` || ' ' || regexp_replace(title, '([[:alnum:]])-(?=[[:alnum:]])', '\\1', 'g')` : ''}), 'A') ||
  setweight(to_tsvector(ts_config, summary || ' ' || body${joined ? ` || ' ' || regexp_replace(summary || ' ' || body, '([[:alnum:]])-(?=[[:alnum:]])', '\\1', 'g')` : ''}), 'B')`;

async function setVector(qi: QueryInterface, joined: boolean): Promise<void> {
  await qi.sequelize.query(`
    DROP INDEX IF EXISTS kb_articles_tsv_idx;
    ALTER TABLE kb_articles DROP COLUMN tsv;
    ALTER TABLE kb_articles ADD COLUMN tsv tsvector GENERATED ALWAYS AS (${vector(joined)}) STORED;
    CREATE INDEX kb_articles_tsv_idx ON kb_articles USING gin (tsv);
  `);
}

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => setVector(qi, true);
export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => setVector(qi, false);
