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

  it('the README’s configuration table lists every environment variable with its default', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const s of Object.values(settings)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.env}\``));
      expect(row, `README row for ${s.env}`).to.be.a('string');
      expect(row, `README default for ${s.env}`).to.include(s.default === '' ? '(unset)' : `\`${s.default}\``);
    }
  });
});
