import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../runtime/config.ts';
import { loadKeyRing } from '../runtime/payload-codec.ts';
import { startHelpdeskProcess, type StartedHelpdesk } from './support/helpdesk-process.ts';
import { request } from './support/http.ts';

describe('npm start with no service key set', function () {
  this.timeout(240_000);
  let helpdesk: StartedHelpdesk | undefined;

  after(async () => {
    await helpdesk?.dispose();
  });

  it('when it starts on a fresh folder, then it generates the key file with mode 0600, says so once without the key, and serves requests', async () => {
    helpdesk = await startHelpdeskProcess({ HELPDESK_SERVICE_KEYS: '', HELPDESK_SERVICE_KEY_FILE: '' });
    const file = path.join(helpdesk.dataDir, 'service-keys');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const ring = loadKeyRing(loadConfig({ HELPDESK_DATA_DIR: helpdesk.dataDir }));
    const out = helpdesk.proc.output();
    expect(out.match(/Generated a service key for Temporal payload encryption in .*service-keys \(mode 0600\)/g)).to.have.length(1);
    expect(out).not.to.include(ring.current.key.toString('base64'));
    const health = await request(helpdesk.url, 'GET', '/healthz');
    expect(health.status).to.equal(200);
  });
});
