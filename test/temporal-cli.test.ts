import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, TemporalCliUnavailableError } from '../runtime/temporal-cli.ts';
import { spawnHelpdesk } from './support/processes.ts';

describe('finding the Temporal CLI', function () {
  this.timeout(60_000);

  it('when TEMPORAL_CLI_PATH names a file that is not there, then it says so', () => {
    expect(() => findTemporalCli('/nonexistent/temporal')).to.throw(TemporalCliUnavailableError, /TEMPORAL_CLI_PATH=\/nonexistent\/temporal is not an executable file/);
  });

  it('when TEMPORAL_CLI_PATH names an executable, then that one is used', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-cli-'));
    const fake = path.join(dir, 'temporal');
    fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    expect(findTemporalCli(fake)).to.equal(fake);
    fs.rmSync(dir, { recursive: true });
  });

  it('when neither the CLI nor Go is on the machine, then `helpdesk start` stops with the install instructions, not a stack trace', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-nogo-'));
    const run = spawnHelpdesk(['start'], { PATH: path.dirname(process.execPath), GOROOT: '', XDG_CACHE_HOME: empty, HELPDESK_DATA_DIR: path.join(empty, 'data'), TEMPORAL_CLI_PATH: '', TEMPORAL_ADDRESS: '' });
    const code = await run.exited;
    fs.rmSync(empty, { recursive: true, force: true });
    expect(code).to.equal(2);
    expect(run.output()).to.include('The Temporal CLI was not found and Go is not installed to build it.');
    expect(run.output()).to.include('https://docs.temporal.io/cli#install');
    expect(run.output()).to.not.match(/\n\s+at /);
  });
});
