import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { pidAlive } from '../runtime/data-lock.ts';
import { helpdeskEnv, startHelpdeskProcess, type StartedHelpdesk } from './support/helpdesk-process.ts';
import { request } from './support/http.ts';
import { spawnHelpdesk } from './support/processes.ts';

describe('helpdesk start: one helpdesk per data folder, its command line beside it', function () {
  this.timeout(120_000);
  let helpdesk: StartedHelpdesk;

  before(async () => {
    helpdesk = await startHelpdeskProcess();
  });
  after(async () => {
    await helpdesk?.dispose();
  });

  it('when a second start runs on the same folder, then it is refused with exit 2 and the first goes on, its dev server untouched', async () => {
    const devServer = helpdesk.devServerPid();
    const second = spawnHelpdesk(['start'], helpdesk.env);
    expect(await second.exited).to.equal(2);
    expect(second.output()).to.include(`A helpdesk is already running from this folder (pid ${helpdesk.proc.child.pid}, portal ${helpdesk.url}/). Stop it first, or use another HELPDESK_DATA_DIR.`);
    expect(second.output()).not.to.match(/undefined|\n\s+at /);
    expect(helpdesk.devServerPid()).to.equal(devServer);
    expect(pidAlive(devServer)).to.equal(true);
    const health = await request(helpdesk.url, 'GET', '/healthz');
    expect(health.status).to.equal(200);
    expect(health.body).to.deep.equal({ status: 'ok', postgres: 'ok', temporal: 'ok', workers: 'ok' });
  });

  it('when an operator adds an agent, makes a token and lists the rules beside it, then each uses its database and the token works against the running API', async () => {
    const add = spawnHelpdesk(['user', 'add', '--email', 'nina.agent@example.com', '--name', 'Nina', '--role', 'agent'], helpdesk.env);
    expect(await add.exited, add.output()).to.equal(0);
    expect(add.output()).to.include(`Using the embedded PostgreSQL of the helpdesk running from this folder (pid ${helpdesk.proc.child.pid})`);

    const made = spawnHelpdesk(['token', 'create', '--email', 'nina.agent@example.com'], helpdesk.env);
    expect(await made.exited, made.output()).to.equal(0);
    const token = /hd_[A-Za-z0-9_-]+/.exec(made.output())![0];

    const rules = spawnHelpdesk(['rules', 'list'], helpdesk.env);
    expect(await rules.exited, rules.output()).to.equal(0);
    expect(rules.output()).to.match(/\*\s+1\s+\d{4}-\d\d-\d\d .* Default rules shipped with the helpdesk/);

    // The running helpdesk takes a ticket with the new token, and shows it back.
    const created = await request(helpdesk.url, 'POST', '/api/v1/tickets', {
      body: { title: 'Printer offline', description: 'Filed beside a running CLI', requesterEmail: 'ola@example.com', impact: 'low', urgency: 'low' },
      token,
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const got = await request(helpdesk.url, 'GET', `/api/v1/tickets/${created.body.number}`, { token });
    expect(got.status).to.equal(200);
    expect(got.body.title).to.equal('Printer offline');
    expect((await request(helpdesk.url, 'GET', '/healthz')).status).to.equal(200);
  });

  it('when another folder\'s start finds the web port taken, then it names the port and PORT, exit 2, and leaves nothing behind', async () => {
    const env = await helpdeskEnv({ PORT: helpdesk.env.PORT! });
    try {
      const refused = spawnHelpdesk(['start'], env);
      expect(await refused.exited).to.equal(2);
      expect(refused.output()).to.include(`Port ${helpdesk.env.PORT} (web process) is already in use by another program. Stop that program, or set PORT to a free port.`);
      expect(fs.readdirSync(env.HELPDESK_DATA_DIR!)).to.deep.equal([]);
    } finally {
      fs.rmSync(env.HELPDESK_DATA_DIR!, { recursive: true, force: true });
    }
  });

  it('when it is stopped, then it stops in order and frees the folder; a command whose PostgreSQL cannot start says why in PostgreSQL\'s words, exit 1', async () => {
    await helpdesk.stop();
    expect(await helpdesk.proc.exited).to.equal(0);
    expect(helpdesk.proc.output()).to.match(/web stopped\n\s+worker stopped\n\s+mail server stopped\n\s+database closed\n\s+dev server stopped\nStopped\./);
    expect(fs.existsSync(path.join(helpdesk.dataDir, 'helpdesk.lock'))).to.equal(false);

    fs.appendFileSync(path.join(helpdesk.dataDir, 'postgres', 'postgresql.conf'), '\nshared_buffers = plenty\n');
    const rules = spawnHelpdesk(['rules', 'list'], helpdesk.env);
    expect(await rules.exited).to.equal(1);
    expect(rules.output()).to.include(`helpdesk rules list failed: PostgreSQL could not start in ${path.join(helpdesk.dataDir, 'postgres')}: LOG: invalid value for parameter "shared_buffers": "plenty"`);
    expect(rules.output()).not.to.match(/undefined|\n\s+at /);
    expect(fs.existsSync(path.join(helpdesk.dataDir, 'helpdesk.lock'))).to.equal(false);
  });
});
