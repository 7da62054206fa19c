import type { Sequelize, QueryInterface } from 'sequelize';
import { Umzug, SequelizeStorage } from 'umzug';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-rules-versions.ts';
import * as m0003 from './migrations/0003-lifecycle.ts';
import * as m0004 from './migrations/0004-portal.ts';
import * as m0005 from './migrations/0005-api-tokens.ts';
import * as m0006 from './migrations/0006-portal-ownership.ts';
import * as m0007 from './migrations/0007-filed-by.ts';
import * as m0008 from './migrations/0008-portal-abuse-limits.ts';
import * as m0009 from './migrations/0009-kb-compound-words.ts';
import * as m0010 from './migrations/0010-sign-up-expiry-index.ts';
import * as m0011 from './migrations/0011-audit-log.ts';
import * as m0012 from './migrations/0012-personal-data.ts';
import * as m0013 from './migrations/0013-staff-sign-in.ts';
import * as m0014 from './migrations/0014-access-log.ts';
import * as m0015 from './migrations/0015-sealed-accounts.ts';
import * as m0016 from './migrations/0016-staff-sign-in-hardening.ts';
import * as m0017 from './migrations/0017-access-log-decode.ts';
import * as m0018 from './migrations/0018-rules-drafts.ts';
import * as m0019 from './migrations/0019-ticket-decisions.ts';
import * as m0020 from './migrations/0020-user-active.ts';
import * as m0021 from './migrations/0021-rules-apply-runs.ts';
import * as m0022 from './migrations/0022-history-archive.ts';
import * as m0023 from './migrations/0023-audit-checkpoints.ts';
import * as m0024 from './migrations/0024-audit-runs.ts';
import * as m0025 from './migrations/0025-agent-workspace.ts';
import * as m0026 from './migrations/0026-listed-reads-and-risk.ts';
import * as m0027 from './migrations/0027-notification-deliveries.ts';
import * as m0028 from './migrations/0028-inbound-mail.ts';
import * as m0029 from './migrations/0029-imap-mailboxes.ts';
import * as m0030 from './migrations/0030-webhooks-and-preferences.ts';

/** Migrations in order. Listed here (not globbed) so a bundle or a typo can't skip one. */
const migrations = [
  { name: '0001-foundation', ...m0001 },
  { name: '0002-rules-versions', ...m0002 },
  { name: '0003-lifecycle', ...m0003 },
  { name: '0004-portal', ...m0004 },
  { name: '0005-api-tokens', ...m0005 },
  { name: '0006-portal-ownership', ...m0006 },
  { name: '0007-filed-by', ...m0007 },
  { name: '0008-portal-abuse-limits', ...m0008 },
  { name: '0009-kb-compound-words', ...m0009 },
  { name: '0010-sign-up-expiry-index', ...m0010 },
  { name: '0011-audit-log', ...m0011 },
  { name: '0012-personal-data', ...m0012 },
  { name: '0013-staff-sign-in', ...m0013 },
  { name: '0014-access-log', ...m0014 },
  { name: '0015-sealed-accounts', ...m0015 },
  { name: '0016-staff-sign-in-hardening', ...m0016 },
  { name: '0017-access-log-decode', ...m0017 },
  { name: '0018-rules-drafts', ...m0018 },
  { name: '0019-ticket-decisions', ...m0019 },
  { name: '0020-user-active', ...m0020 },
  { name: '0021-rules-apply-runs', ...m0021 },
  { name: '0022-history-archive', ...m0022 },
  { name: '0023-audit-checkpoints', ...m0023 },
  { name: '0024-audit-runs', ...m0024 },
  { name: '0025-agent-workspace', ...m0025 },
  { name: '0026-listed-reads-and-risk', ...m0026 },
  { name: '0027-notification-deliveries', ...m0027 },
  { name: '0028-inbound-mail', ...m0028 },
  { name: '0029-imap-mailboxes', ...m0029 },
  { name: '0030-webhooks-and-preferences', ...m0030 },
];

export function migrator(sequelize: Sequelize, log: (line: string) => void = () => {}): Umzug<QueryInterface> {
  return new Umzug({
    migrations: migrations.map((m) => ({ name: m.name, up: m.up, down: m.down })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: { info: () => {}, warn: (m) => log(`migration warning: ${JSON.stringify(m)}`), error: (m) => log(`migration error: ${JSON.stringify(m)}`), debug: () => {} },
  });
}

/** Applies pending migrations; safe to run from several processes at once (advisory lock). */
export async function migrate(sequelize: Sequelize, log?: (line: string) => void): Promise<string[]> {
  const lockId = 7_233_001;
  const t = await sequelize.transaction();
  try {
    await sequelize.query('SELECT pg_advisory_xact_lock(:lockId)', { replacements: { lockId }, transaction: t });
    const done = await migrator(sequelize, log).up();
    await t.commit();
    return done.map((m) => m.name);
  } catch (err) {
    await t.rollback();
    throw err;
  }
}
