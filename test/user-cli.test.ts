import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { cliActor } from '../db/audit-repo.ts';
import { connect } from '../db/sequelize.ts';
import { freshDatabaseUrl, onCleanup } from './support/env.ts';
import { spawnHelpdesk } from './support/processes.ts';
import { repositoriesOn } from './support/users.ts';

describe('helpdesk user and token commands', function () {
  this.timeout(120_000);

  it('when an operator adds an agent and makes a token, then the token authenticates as that agent until revoked', async () => {
    const env = { DATABASE_URL: await freshDatabaseUrl('usercli') };
    const add = spawnHelpdesk(['user', 'add', '--email', 'Nina.Agent@example.com', '--name', 'Nina', '--role', 'agent'], env);
    expect(await add.exited).to.equal(0);
    expect(add.output()).to.match(/user nina\.agent@example\.com \(agent\) is #\d+/);

    const made = spawnHelpdesk(['token', 'create', '--email', 'nina.agent@example.com', '--name', 'laptop'], env);
    expect(await made.exited).to.equal(0);
    const token = /hd_[A-Za-z0-9_-]+/.exec(made.output())![0];

    const sequelize = connect({ url: env.DATABASE_URL });
    onCleanup(() => sequelize.close());
    const tokens = repositoriesOn(sequelize).apiTokens;
    expect(await tokens.authenticate(token)).to.include({ email: 'nina.agent@example.com', role: 'agent' });

    const revoke = spawnHelpdesk(['token', 'revoke', token], env);
    expect(await revoke.exited).to.equal(0);
    expect(await tokens.authenticate(token)).to.equal(undefined);
  });

  it('when the user does not exist or the role is unknown, then it says so and exits non-zero', async () => {
    const env = { DATABASE_URL: await freshDatabaseUrl('usercli2') };
    const missing = spawnHelpdesk(['token', 'create', '--email', 'ghost@example.com'], env);
    expect(await missing.exited).to.equal(1);
    expect(missing.output()).to.include('There is no user ghost@example.com; add one with `helpdesk user add`.');
    const badRole = spawnHelpdesk(['user', 'add', '--email', 'x@example.com', '--name', 'X', '--role', 'wizard'], env);
    expect(await badRole.exited).to.equal(2);
    expect(badRole.output()).to.include('--role must be one of requester, agent, process_owner, auditor, admin');
  });

  it('when an operator adds an agent with --team-lead, then they lead their team; --no-team-lead clears it, no flag keeps it, another role clears it; each change audited as cliActor() by ids and flags only', async () => {
    const env = { DATABASE_URL: await freshDatabaseUrl('usercli3') };
    const sequelize = connect({ url: env.DATABASE_URL });
    onCleanup(() => sequelize.close());
    const email = 'lena.lead@example.com';
    const add = async (...flags: string[]) => {
      const run = spawnHelpdesk(['user', 'add', '--email', email, '--name', 'Lena', ...flags], env);
      expect(await run.exited, run.output()).to.equal(0);
      const user = (await repositoriesOn(sequelize).users.findByEmail(email))!;
      const [row] = await sequelize.query<{ lead: boolean }>(`SELECT team_lead AS lead FROM users WHERE id = :id`, { replacements: { id: user.id }, type: QueryTypes.SELECT });
      return { output: run.output(), id: user.id, role: user.role, lead: row!.lead };
    };
    const made = await add('--role', 'agent', '--team-lead');
    expect(made.output).to.match(/user lena\.lead@example\.com \(agent, team lead\) is #\d+/);
    expect([made.role, made.lead]).to.deep.equal(['agent', true]);
    expect((await add('--role', 'agent')).lead).to.equal(true);
    expect((await add('--role', 'agent', '--no-team-lead')).lead).to.equal(false);
    expect((await add('--role', 'agent', '--team-lead')).lead).to.equal(true);
    expect(await add('--role', 'process_owner')).to.deep.include({ role: 'process_owner', lead: false });

    const entries = await sequelize.query<{ action: string; actor: string; details: unknown }>(
      `SELECT action, actor, details FROM audit_log WHERE subject = :subject AND action LIKE 'user.%' ORDER BY seq`, { replacements: { subject: `user:${made.id}` }, type: QueryTypes.SELECT },
    );
    const by = cliActor();
    expect(entries).to.deep.equal([
      { action: 'user.created', actor: by, details: { role: 'agent', teamId: null, teamLead: true } },
      { action: 'user.changed', actor: by, details: { from: { teamLead: true }, to: { teamLead: false }, nameChanged: false } },
      { action: 'user.changed', actor: by, details: { from: { teamLead: false }, to: { teamLead: true }, nameChanged: false } },
      { action: 'user.role_changed', actor: by, details: { from: { role: 'agent', teamId: null, teamLead: true }, to: { role: 'process_owner', teamId: null, teamLead: false } } },
    ]);
    expect(JSON.stringify(entries)).to.not.include('lena').and.not.include('Lena');
  });

  it('when --team-lead or --no-team-lead comes without --role agent, then it says so and exits with 2, and nothing is changed', async () => {
    const env = { DATABASE_URL: await freshDatabaseUrl('usercli4') };
    for (const [flag, role] of [['--team-lead', 'process_owner'], ['--no-team-lead', 'admin'], ['--team-lead', undefined]] as const) {
      const run = spawnHelpdesk(['user', 'add', '--email', 'owner.lead@example.com', '--name', 'O', ...(role ? ['--role', role] : []), flag], env);
      expect(await run.exited, run.output()).to.equal(2);
      expect(run.output()).to.include(`${flag} is for agents only: only an agent leads a team. Add --role agent, or leave the flag off (a user given another role leads no team); nothing was changed.`);
    }
    const sequelize = connect({ url: env.DATABASE_URL });
    onCleanup(() => sequelize.close());
    // Refused before the database was opened: not even migrated, so no account either.
    const [found] = await sequelize.query<{ users: string | null }>(`SELECT to_regclass('public.users')::text AS users`, { type: QueryTypes.SELECT });
    expect(found!.users).to.equal(null);
  });
});
