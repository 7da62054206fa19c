import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstClosedFolder } from '../runtime/pg-access.ts';

describe('embedded PostgreSQL as root: can the postgres user reach its folders', () => {
  const stranger = { uid: 4_000_001, gid: 4_000_001 };
  let top: string;

  beforeEach(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-access-'));
    fs.mkdirSync(path.join(top, 'project', '.data'), { recursive: true });
  });
  afterEach(() => fs.rmSync(top, { recursive: true, force: true }));

  it('when a folder on the way is private (mode 700), then that folder is named', () => {
    fs.chmodSync(top, 0o700);
    expect(firstClosedFolder(path.join(top, 'project', '.data', 'postgres'), stranger)).to.equal(top);
  });

  it('when every folder on the way may be entered by others, then nothing is in the way', () => {
    fs.chmodSync(top, 0o711);
    fs.chmodSync(path.join(top, 'project'), 0o755);
    expect(firstClosedFolder(path.join(top, 'project', '.data', 'postgres'), stranger)).to.equal(undefined);
  });

  it('when the folder belongs to the user or its group, then the owner or group bits decide', () => {
    const st = fs.statSync(top);
    fs.chmodSync(top, 0o750);
    expect(firstClosedFolder(top, { uid: 4_000_001, gid: st.gid })).to.equal(undefined);
    fs.chmodSync(top, 0o700);
    expect(firstClosedFolder(top, { uid: st.uid, gid: 4_000_001 })).to.equal(undefined);
    expect(firstClosedFolder(top, { uid: 4_000_001, gid: st.gid })).to.equal(top);
  });
});
