import { expect } from 'chai';
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
});
