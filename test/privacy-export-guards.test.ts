/**
 * Access and portability, the guards (test/privacy-export.test.ts has the exports themselves): a
 * requester's downloads are limited per account; an export makes no pseudonym for someone who has
 * none; the command line writes an export to a new file only its owner may read and never into an
 * existing one; exit codes say "nothing held" (1) apart from bad input (2); and once a person is
 * erased, their pseudonym still finds what staff read of their data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { hash } from '@node-rs/argon2';
import { QueryTypes } from 'sequelize';
import { ARGON2_OPTIONS } from '../db/users-repo.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { helpdesk } from './support/privacy-cli.ts';
import { csrfOf, PortalClient, textOf } from './portal-client.ts';

const REQUESTER = 'gina.guards@example.com';
const PASSWORD = 'guards-password-1';

describe('access and portability: limits, files, exit codes and erased people', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let number: string;
  let tokens: Record<'requester' | 'agent' | 'admin' | 'auditor', string>;

  const count = async (table: 'access_log' | 'audit_log' | 'persons') =>
    Number((await env.db.sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`, { type: QueryTypes.SELECT }))[0]!.n);
  const counts = async () => ({ access: await count('access_log'), audit: await count('audit_log'), persons: await count('persons') });
  const accessLog = (query: string, token = tokens.admin) => request(env.web.url, 'GET', `/api/v1/privacy/access-log${query}`, { token });
  /** The summary page's download button, as a browser sends it: the page's CSRF token in a POST. */
  const downloadOwnData = async (browser: PortalClient) => browser.postForm('/account/export.json', { _csrf: csrfOf((await browser.get('/account/export')).text) });

  before(async () => {
    env = await getEnv();
    tokens = {
      requester: await env.tokenFor(REQUESTER, 'requester'),
      agent: await env.tokenFor('ada.guards@example.com', 'agent'),
      admin: await env.tokenFor('adam.guards@example.com', 'admin'),
      auditor: await env.tokenFor('aud.guards@example.com', 'auditor'),
    };
    await env.db.users.upsert({ email: REQUESTER, displayName: 'Gina Guards', role: 'requester', teamId: null, locale: 'en' });
    await env.db.users.setPassword(REQUESTER, await hash(PASSWORD, ARGON2_OPTIONS));
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: tokens.requester, body: { title: 'Keyboard missing keys', description: 'The F row.' } });
    expect(created.status).to.equal(201);
    number = created.body.number;
    await waitFor('the ticket in the read model', async () => env.db.tickets.get(number));
  });

  it('when a requester downloads their data again and again, then past the hourly limit the portal answers 429 with the wait in their language, and records nothing more', async () => {
    const address = 'often.export@example.com';
    await env.db.users.upsert({ email: address, displayName: 'Often', role: 'requester', teamId: null, locale: 'pl' });
    await env.db.users.setPassword(address, await hash(PASSWORD, ARGON2_OPTIONS));
    const browser = new PortalClient(env.web.url, 'pl');
    expect((await browser.signIn(address, PASSWORD)).status).to.equal(303);
    for (let i = 0; i < 10; i++) expect((await downloadOwnData(browser)).status, `download ${i + 1}`).to.equal(200);
    const before = await counts();
    const refused = await downloadOwnData(browser);
    expect(refused.status).to.equal(429);
    expect(Number(refused.headers.get('retry-after'))).to.be.within(3000, 3600);
    expect(textOf(refused.text, 'error-message')).to.match(/^Pobrano Twoje dane kilka razy w krótkim czasie\. Spróbuj ponownie za (59|60) minut; podsumowanie na tej stronie jest zawsze aktualne\.$/);
    expect(await counts()).to.deep.equal(before);
    // The summary stays open, and another account is not held back.
    expect((await browser.get('/account/export')).status).to.equal(200);
    const other = new PortalClient(env.web.url, 'en');
    expect((await other.signIn(REQUESTER, PASSWORD)).status).to.equal(303);
    expect((await downloadOwnData(other)).status).to.equal(200);
  });

  it('when an admin exports someone known only by a ticket from before sealing, then the export names no pseudonym and makes none; the audit log and the ticket’s access-log entry record it', async () => {
    const old = 'HD-2019-000777';
    const address = 'before.sealing@example.com';
    await env.db.sequelize.query(
      `INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, status, created_at, updated_at, last_event_seq)
       VALUES (:old, :wf, 'Old monitor flickers', 'Reported in 2019.', :address, 'en', 'portal', 'low', 'low', 'closed', now(), now(), 0)`,
      { replacements: { old, wf: `ticket-${old}`, address } },
    );
    try {
      const before = await counts();
      const res = await request(env.web.url, 'POST', '/api/v1/privacy/exports', { token: tokens.admin, body: { email: address, reason: 'Subject access request no. 18' } });
      expect(res.status).to.equal(200);
      expect(res.body.person).to.deep.equal({ pseudonym: null, address, account: null });
      expect(res.body.tickets.map((t: { number: string; title: string }) => [t.number, t.title])).to.deep.equal([[old, 'Old monitor flickers']]);
      expect(await env.db.vault.knownRef(address)).to.equal(undefined);
      expect(await counts()).to.deep.equal({ access: before.access + 1, audit: before.audit + 1, persons: before.persons });
      const [entry] = await env.db.audit.list(1);
      expect(entry).to.include({ action: 'privacy.exported', subject: 'person:unsealed' });
      expect((await accessLog(`?ticket=${old}`)).body.entries.map((e: { what: string; person: string | null }) => [e.what, e.person])).to.deep.equal([['ticket.export', null]]);
    } finally {
      await env.db.sequelize.query('DELETE FROM tickets WHERE number = :old', { replacements: { old } });
    }
  });

  it('when an operator writes the export to a file, then it is a new file only its owner may read; a file that exists is refused with a sentence, left as it was, and nothing is recorded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacy-export-'));
    const out = path.join(dir, 'export.json');
    const written = await helpdesk(env, ['export', '--email', REQUESTER, '--out', out]);
    expect(written.code, written.stderr).to.equal(0);
    expect(fs.statSync(out).mode & 0o777).to.equal(0o600);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).person.address).to.equal(REQUESTER);
    expect(written.stderr).to.match(/^Wrote the export of person [0-9a-f-]{36} \(\d+ tickets?\) to .*export\.json; it holds personal data, keep it safe\.\n$/);

    // A file someone else can read (made before, with its own mode) is not written into.
    const shared = path.join(dir, 'shared.json');
    fs.writeFileSync(shared, 'old\n', { mode: 0o644 });
    fs.chmodSync(shared, 0o644);
    const before = await counts();
    const refused = await helpdesk(env, ['export', '--email', REQUESTER, '--out', shared]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr.trim()).to.equal(`${shared} already exists: the export is written to a new file only (an existing one may be readable by others). Remove it or name another with --out.`);
    expect([fs.readFileSync(shared, 'utf8'), fs.statSync(shared).mode & 0o777]).to.deep.equal(['old\n', 0o644]);
    // Nor through a symbolic link put where the file would be.
    const link = path.join(dir, 'link.json');
    fs.symlinkSync(shared, link);
    expect((await helpdesk(env, ['export', '--email', REQUESTER, '--out', link])).code).to.equal(2);
    expect(fs.readFileSync(shared, 'utf8')).to.equal('old\n');
    // An address nothing is held about leaves no file behind.
    const none = path.join(dir, 'none.json');
    expect((await helpdesk(env, ['export', '--email', 'nobody.here@example.com', '--out', none])).code).to.equal(1);
    expect(fs.existsSync(none)).to.equal(false);
    expect(await counts()).to.deep.equal(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when a person is erased, then their address leads to no one (404), and their pseudonym still finds what staff read of their data — through the API and the command line', async () => {
    const address = 'erased.export@example.com';
    const filed = await request(env.web.url, 'POST', '/api/v1/tickets', { token: tokens.agent, body: { title: 'Badge does not open door 4', description: 'Since Monday.', requesterEmail: address } });
    expect(filed.status).to.equal(201);
    const read = await request(env.web.url, 'GET', `/api/v1/tickets/${filed.body.number}`, { token: tokens.agent, headers: { 'X-Access-Reason': 'Door access check' } });
    expect(read.status).to.equal(200);
    const erased = await request(env.web.url, 'POST', '/api/v1/privacy/erasures', { token: tokens.admin, body: { email: address, reason: 'Art. 17 GDPR, case DPO-2026-81' } });
    expect(erased.status).to.equal(200);
    const pseudonym = erased.body.person as string;

    expect((await accessLog(`?person=${encodeURIComponent(address)}`)).status).to.equal(404);
    const found = await accessLog(`?pseudonym=${pseudonym}`, tokens.auditor);
    expect(found.status).to.equal(200);
    expect(found.body.entries.map((e: Record<string, unknown>) => [e.what, e.ticketNumber, e.person, e.reason])).to.deep.equal([['ticket.read', filed.body.number, pseudonym, 'Door access check']]);
    expect((await accessLog(`?pseudonym=${pseudonym.toUpperCase()}&ticket=${number}`)).body.entries).to.deep.equal([]);
    const bad = await accessLog('?pseudonym=not-a-pseudonym');
    expect([bad.status, bad.body.error.message]).to.deep.equal([422, 'The pseudonym must be a UUID as the helpdesk writes it, for example 9302acdd-5f1e-4c1a-9d0e-1b2c3d4e5f60 (an erasure reports it).']);

    const cli = await helpdesk(env, ['access-log', '--pseudonym', pseudonym, '--json']);
    expect(cli.code, cli.stderr).to.equal(0);
    expect(JSON.parse(cli.stdout).map((e: { reason: string }) => e.reason)).to.deep.equal(['Door access check']);
    const badCli = await helpdesk(env, ['access-log', '--pseudonym', 'nope']);
    expect([badCli.code, badCli.stderr.trim()]).to.deep.equal([2, 'The pseudonym must be a UUID as the helpdesk writes it, for example 9302acdd-5f1e-4c1a-9d0e-1b2c3d4e5f60 (an erasure reports it).']);
    const gone = await helpdesk(env, ['access-log', '--person', address]);
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.include('No one with this e-mail address is known to the helpdesk');
  });
});
