import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { getEnv, type TestEnv } from './support/env.ts';
import { PortalClient } from './portal-client.ts';

describe('web process: PostgreSQL ends its connections (a restart, a shutdown)', function () {
  this.timeout(60_000);
  let env: TestEnv;

  before(async () => {
    env = await getEnv();
  });

  it('when every connection of the web process is terminated, then the process lives on and the next requests are answered', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const token = await c.csrf('/follow');
    // A follow attempt counts against the limits, kept in PostgreSQL through the session pool.
    expect((await c.postForm('/follow', { _csrf: token, number: 'HD-2026-000001', code: 'not-the-code' })).status).to.equal(422);
    const ended = await env.db.sequelize.query<{ n: string }>(
      `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      { type: QueryTypes.SELECT },
    );
    expect(Number(ended[0]!.n)).to.be.greaterThan(0);
    await new Promise((r) => setTimeout(r, 300)); // the idle connections learn of it
    expect((await c.postForm('/follow', { _csrf: token, number: 'HD-2026-000001', code: 'still-not-it' })).status).to.equal(422);
    expect((await c.get('/')).status).to.equal(200);
  });
});
