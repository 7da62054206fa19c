import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, settings } from '../runtime/config.ts';
import { repoRoot } from './support/processes.ts';

describe('configuration', () => {
  it('when nothing is set, then every setting takes its documented default', () => {
    const c = loadConfig({}, '/srv/helpdesk');
    expect(c.dataDir).to.equal('/srv/helpdesk/.data');
    expect(c.databaseUrl).to.equal(undefined);
    expect(c.temporal).to.include({ address: undefined, namespace: 'default', taskQueue: 'helpdesk-tickets', devServerPort: 7233, devServerUiPort: 8233 });
    expect(c).to.include({ host: '127.0.0.1', port: 3000, publicUrl: 'http://127.0.0.1:3000', ticketPrefix: 'HD', seedDemo: true, intakeWaitMs: 10000 });
  });

  it('when a value is wrong, then start-up stops with a message that names the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /PORT must be a port number/);
    expect(() => loadConfig({ TICKET_PREFIX: 'hd-' })).to.throw(ConfigError, /TICKET_PREFIX/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).to.throw(ConfigError, /LOG_LEVEL/);
  });

  it('when the worker and pool tuning is unset, the SDK decides and each process keeps 10 connections; set, they are read, and a wrong value names its variable', () => {
    expect(loadConfig({})).to.deep.include({ dbPool: 10, worker: { cachedWorkflows: null, workflowTaskSlots: null } });
    expect(loadConfig({ HELPDESK_DB_POOL: '25', HELPDESK_WORKFLOW_CACHE: '2000', HELPDESK_WORKFLOW_TASK_SLOTS: '80' })).to.deep.include({ dbPool: 25, worker: { cachedWorkflows: 2000, workflowTaskSlots: 80 } });
    expect(() => loadConfig({ HELPDESK_DB_POOL: '0' })).to.throw(ConfigError, /HELPDESK_DB_POOL must be a whole number of connections from 1 to 100, got "0"/);
    expect(() => loadConfig({ HELPDESK_WORKFLOW_CACHE: 'lots' })).to.throw(ConfigError, /HELPDESK_WORKFLOW_CACHE must be a whole number of workflows/);
    expect(() => loadConfig({ HELPDESK_WORKFLOW_TASK_SLOTS: '1' })).to.throw(ConfigError, /HELPDESK_WORKFLOW_TASK_SLOTS must be a whole number of tasks from 2 to 1000/);
    expect(() => loadConfig({ HELPDESK_WORKFLOW_CACHE: '1' })).to.throw(ConfigError, /HELPDESK_WORKFLOW_CACHE must be 0 \(no cache\) or at least 2/);
    expect(() => loadConfig({ HELPDESK_WORKFLOW_CACHE: '50', HELPDESK_WORKFLOW_TASK_SLOTS: '200' })).to.throw(ConfigError, /HELPDESK_WORKFLOW_TASK_SLOTS \(200\) must not exceed HELPDESK_WORKFLOW_CACHE \(50\)/);
  });

  it('the README’s configuration table lists every environment variable with its default', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const s of Object.values(settings)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.env}\``));
      expect(row, `README row for ${s.env}`).to.be.a('string');
      expect(row, `README default for ${s.env}`).to.include(s.default === '' ? '(unset)' : `\`${s.default}\``);
    }
  });

  it('when the staff session and single sign-on settings are unset, then sessions last 12 hours and 1 hour idle and any domain may sign in; set, they are read, and a wrong value names its variable', () => {
    expect(loadConfig({}).staff.session).to.deep.equal({ maxMs: 12 * 3_600_000, idleMs: 3_600_000 });
    const oidc = { HELPDESK_OIDC_ISSUER: 'https://login.example.com', HELPDESK_OIDC_CLIENT_ID: 'helpdesk' };
    expect(loadConfig(oidc).staff.oidc!.allowedDomains).to.deep.equal([]);
    const set = loadConfig({ ...oidc, HELPDESK_OIDC_ALLOWED_DOMAINS: 'Example.com, @example.pl', HELPDESK_STAFF_SESSION_HOURS: '8', HELPDESK_STAFF_IDLE_MINUTES: '15' });
    expect(set.staff.oidc!.allowedDomains).to.deep.equal(['example.com', 'example.pl']);
    expect(set.staff.session).to.deep.equal({ maxMs: 8 * 3_600_000, idleMs: 15 * 60_000 });
    expect(() => loadConfig({ HELPDESK_STAFF_SESSION_HOURS: '0' })).to.throw(ConfigError, /HELPDESK_STAFF_SESSION_HOURS must be a whole number of hours from 1 to 168, got "0"/);
    expect(() => loadConfig({ HELPDESK_STAFF_IDLE_MINUTES: '1.5' })).to.throw(ConfigError, /HELPDESK_STAFF_IDLE_MINUTES must be a whole number of minutes from 1 to 1440/);
    expect(() => loadConfig({ ...oidc, HELPDESK_OIDC_ALLOWED_DOMAINS: 'example.com, https://evil.example' })).to.throw(ConfigError, /HELPDESK_OIDC_ALLOWED_DOMAINS .*"https:\/\/evil.example" is not one/);
    expect(() => loadConfig({ HELPDESK_OIDC_ALLOWED_DOMAINS: 'example.com' })).to.throw(ConfigError, /HELPDESK_OIDC_ALLOWED_DOMAINS is set but HELPDESK_OIDC_ISSUER is not/);
  });
});
