import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { getEnv, type TestEnv } from './support/env.ts';
import { csrfOf, hiddenValue, PortalClient, reportForm, textOf } from './portal-client.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('portal: a requester sees only their own tickets', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let alice: PortalClient;
  let bob: PortalClient;
  let aliceTicket: string;
  let attachmentPath: string;
  let followCode: string;

  before(async () => {
    env = await getEnv();
    alice = new PortalClient(env.web.url, 'en');
    bob = new PortalClient(env.web.url, 'en');
    await alice.signUp(env.db, `alice.${randomUUID().slice(0, 6)}@example.com`, 'alice password', 'en', 'Alice');
    await bob.signUp(env.db, `bob.${randomUUID().slice(0, 6)}@example.com`, 'bob password 12', 'en', 'Bob');
    const form = await alice.get('/report');
    const res = await alice.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'access', impact: 'low', urgency: 'medium', title: 'Alice’s private problem', description: 'Salary spreadsheet does not open.',
    }, [{ name: 'secret.png', type: 'image/png', data: PNG }]));
    expect(res.status).to.equal(303);
    aliceTicket = res.location!.split('/').pop()!;
    const page = await alice.get(`/tickets/${aliceTicket}`);
    attachmentPath = /href="(\/tickets\/[^"]+\/attachments\/\d+)"/.exec(page.text)![1]!;

    // An anonymous report, to check follow codes are bound to their ticket.
    const anon = new PortalClient(env.web.url, 'en');
    const f2 = await anon.get('/report');
    const r2 = await anon.postMultipart('/report', reportForm({
      _csrf: hiddenValue(f2.text, '_csrf'), idempotencyKey: hiddenValue(f2.text, 'idempotencyKey'),
      category: 'other', impact: 'low', urgency: 'low', title: 'Anonymous', description: 'Something', email: 'anon@example.com',
    }));
    followCode = textOf((await anon.get(r2.location!)).text, 'follow-code')!;
  });

  it('when the owner opens the ticket, then it is there (the control case)', async () => {
    expect((await alice.get(`/tickets/${aliceTicket}`)).status).to.equal(200);
    expect((await alice.get(attachmentPath)).status).to.equal(200);
    expect((await alice.get('/tickets')).text).to.include(aliceTicket);
  });

  it('when another requester tries every page and action on it, then each answers 404 exactly as for a ticket that does not exist, and nothing changes', async () => {
    const token = csrfOf((await bob.get('/tickets')).text);
    const missing = await bob.get('/tickets/HD-2000-999999');
    const attempts = [
      await bob.get(`/tickets/${aliceTicket}`),
      await bob.get(attachmentPath),
      await bob.postForm(`/tickets/${aliceTicket}/reply`, { _csrf: token, message: 'I am reading your ticket' }),
      await bob.postForm(`/tickets/${aliceTicket}/confirm`, { _csrf: token }),
      await bob.postForm(`/tickets/${aliceTicket}/reopen`, { _csrf: token, reason: 'because' }),
      await bob.postForm(`/tickets/${aliceTicket}/rate`, { _csrf: token, score: '1' }),
    ];
    expect(attempts.map((r) => r.status)).to.deep.equal([404, 404, 404, 404, 404, 404]);
    for (const r of attempts.slice(0, 1)) {
      expect(textOf(r.text, 'error-message')).to.equal(textOf(missing.text, 'error-message')!.replace('HD-2000-999999', aliceTicket));
      expect(r.text).not.to.include('private problem');
    }
    expect((await bob.get('/tickets')).text).not.to.include(aliceTicket);
    const ticket = await env.db.tickets.get(aliceTicket);
    expect(ticket!.timeline.map((e) => e.type)).not.to.include('requester_replied');
  });

  it('when someone without an account tries it, or uses another ticket’s follow code, then it is refused', async () => {
    const stranger = new PortalClient(env.web.url, 'en');
    expect((await stranger.get(`/tickets/${aliceTicket}`)).status).to.equal(404);
    expect((await stranger.get(attachmentPath)).status).to.equal(404);
    const token = await stranger.csrf('/follow');
    const wrong = await stranger.postForm('/follow', { _csrf: token, number: aliceTicket, code: followCode });
    expect(wrong.status).to.equal(422);
    expect(textOf(wrong.text, 'code-error')).to.equal('The number and the code do not match. Check both and try again.');
    expect((await stranger.get(`/follow/${aliceTicket}/${followCode}`)).status).to.equal(404);
    expect((await stranger.get(`/tickets/${aliceTicket}`)).status).to.equal(404);
    // Asking for JSON gets the same answer in the API's shape.
    const json = await fetch(`${env.web.url}/tickets/${aliceTicket}`, { headers: { accept: 'application/json' } });
    expect(json.status).to.equal(404);
    expect(((await json.json()) as { error: { code: string } }).error.code).to.equal('NOT_FOUND');
  });
});
