/**
 * Webhooks, Slack, Teams and SMS on the wire (issue 14, docs/webhooks.md): receivers started by the
 * test on 127.0.0.1 (let through by HELPDESK_OUTBOUND_ALLOW) get what the worker's delivery
 * workflows send. A Standard Webhooks delivery verifies with the `standardwebhooks` package; a 500
 * is retried with the same webhook-id; a 410 disables the endpoint; a replay delivers the event
 * again; Slack and Teams get their own formats in the endpoint's language; an SMS gateway stub
 * (SMSAPI's interface) receives the P1 breach text for the duty manager.
 */
import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { startTestMailServer, type TestMailServer } from './support/mail.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { makeUser, uniqueEmail } from './support/staff.ts';
import { openTicket, sleep, waitForEvent } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { createIntegrations, type Integrations } from '../services/webhooks/admin.ts';
import { startWebhookDeliveries } from '../activities/webhooks.ts';
import { ValidationError } from '../services/errors.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { addressAllowed, checkDestination, parseOutboundPolicy, postOutbound, STRICT } from '../services/outbound/http.ts';

describe('webhooks, Slack, Teams and SMS: signed, retried, disabled on 410, on the wire', function () {
  this.timeout(120_000);
  let mail: TestMailServer;
  let hooks: HttpReceiver;
  let sms: HttpReceiver;
  let stack: IsolatedStack;
  let integrations: Integrations;
  let admin: { id: number };
  /** Paths whose first request is answered 500 (then 200). */
  const failOnce = new Set<string>();

  before(async () => {
    mail = await startTestMailServer();
    onCleanup(() => mail.close());
    hooks = await startHttpReceiver((r, all) => {
      if (r.path.startsWith('/gone')) return { status: 410, body: 'gone' };
      if (failOnce.has(r.path) && all.filter((x) => x.path === r.path).length === 1) return { status: 500, body: 'not now' };
      return { status: r.path.startsWith('/slack') ? 200 : 204 };
    });
    onCleanup(() => hooks.close());
    // SMSAPI's answer: the count and the list; a repeated idx is its error 53.
    sms = await startHttpReceiver((r, all) => {
      const idx = new URLSearchParams(r.body).get('idx');
      const dup = all.filter((x) => new URLSearchParams(x.body).get('idx') === idx).length > 1;
      return { status: 200, contentType: 'application/json', body: JSON.stringify(dup ? { error: 53, message: 'Not unique idx' } : { count: 1, list: [{ id: `sms-${all.length}`, points: 0.16, status: 'QUEUE' }] }) };
    });
    onCleanup(() => sms.close());
    stack = await isolatedStack('webhooks', fastRulesText({ response: '3s', resolution: '60s', autoCloseAfter: '3s' }), {
      env: { HELPDESK_SMTP_URL: mail.sink.url, HELPDESK_MAIL_FROM: 'Helpdesk <helpdesk@hooks.test>', HELPDESK_OUTBOUND_ALLOW: '127.0.0.1', HELPDESK_SMS_URL: sms.url, HELPDESK_SMS_TOKEN: 'test-sms-token' },
    });
    const db = stack.db;
    integrations = createIntegrations({
      webhooks: db.webhooks, settings: db.notificationSettings, users: db.users, policy: stack.config.integrations.outbound,
      audit: { append: async (e) => void (await db.sequelize.transaction((t) => db.audit.append(e, t))) },
      start: async (ids) => void (await startWebhookDeliveries(stack.client, stack.taskQueue, ids)),
    });
    admin = { id: (await makeUser(db, 'admin', 'hook-admin')).id };
  });

  it('signs every delivery as Standard Webhooks; a 500 is retried with the same webhook-id and the log shows both attempts; a replay delivers it again', async () => {
    failOnce.add('/standard');
    const id = await integrations.addEndpoint({ name: 'Ops bus', url: `${hooks.url}/standard`, format: 'standard', events: ['created', 'classified'], language: 'en' }, admin);
    const { secret } = await integrations.endpoint(id);
    expect(secret).to.match(/^whsec_[A-Za-z0-9+/]{32}$/);
    const number = await openTicket(stack, { title: 'VPN drops every hour', description: 'The VPN connection drops every hour on the hour.', impact: 'low', urgency: 'low' });

    const tries = await hooks.waitFor('the created event twice (500, then 204)', (r) => r.path === '/standard' && r.body.includes('"ticket.created"'), 2, 30_000);
    const [first, second] = tries;
    expect(first!.headers['webhook-id']).to.equal(second!.headers['webhook-id']).and.to.match(/^msg_/);
    expect(second!.at - first!.at, 'retried after a pause').to.be.at.least(4_000);
    const verified = new Webhook(secret).verify(second!.body, second!.headers as Record<string, string>) as { type: string; data: { ticket: { number: string; title: string; url: string }; event: { type: string } } };
    expect(verified.type).to.equal('ticket.created');
    expect(verified.data.ticket).to.include({ number, title: 'VPN drops every hour' });
    expect(verified.data.ticket.url).to.match(new RegExp(`/agent/tickets/${number}$`));
    // Nothing of the requester or the description goes out.
    expect(second!.body).not.to.include('hour on the hour').and.not.to.include('@');
    // A body changed on the way does not verify.
    expect(() => new Webhook(secret).verify(second!.body.replace('VPN', 'XYZ'), second!.headers as Record<string, string>)).to.throw();

    const log = await waitFor('the delivery delivered', async () => {
      const l = (await integrations.log(id)).find((d) => d.eventType === 'created');
      return l?.status === 'delivered' ? l : undefined;
    }, 10_000);
    expect(log.attemptLog.map((a) => a.statusCode)).to.deep.equal([500, 204]);
    expect(log.attemptLog[0]!.error).to.match(/answered 500/);
    await hooks.waitFor('the classified event', (r) => r.path === '/standard' && r.body.includes('"ticket.classified"'));

    // Replay: the same event, the same webhook-id, a delivery of its own in the log.
    await integrations.replay(id, log.id, admin);
    const again = await hooks.waitFor('the replayed delivery', (r) => r.path === '/standard' && r.body.includes('"ticket.created"'), 3);
    expect(again[2]!.headers['webhook-id']).to.equal(first!.headers['webhook-id']);
    const replayed = await waitFor('the replay delivered', async () => (await integrations.log(id)).find((d) => d.replayOf === log.id && d.status === 'delivered'), 10_000);
    expect(replayed.attemptLog.map((a) => a.statusCode)).to.deep.equal([204]);
  });

  it('disables an endpoint that answers 410 Gone: nothing more is sent to it, and a replay is refused', async () => {
    const id = await integrations.addEndpoint({ name: 'Retired system', url: `${hooks.url}/gone`, format: 'standard', events: ['*'], language: 'en' }, admin);
    const number = await openTicket(stack, { title: 'Monitor flickers', impact: 'low', urgency: 'low' });
    await hooks.waitFor('the first delivery to the gone endpoint', (r) => r.path === '/gone');
    const e = await waitFor('the endpoint disabled', async () => {
      const x = await integrations.endpoint(id);
      return x.disabledAt ? x : undefined;
    }, 10_000);
    expect(e.disabledReason).to.equal('gone');
    await waitForEvent(stack, number, (ev) => ev.type === 'classified');
    await sleep(1_500);
    // One request only: the later events of the ticket wrote no delivery for it, and the first was not retried.
    expect(hooks.requests.filter((r) => r.path === '/gone')).to.have.length(1);
    // Every delivery written for it failed (an event recorded before the 410 came back fails unsent).
    const log = await integrations.log(id);
    expect(log.length).to.be.at.least(1);
    expect([...new Set(log.map((d) => d.status))]).to.deep.equal(['failed']);
    try {
      await integrations.replay(id, log[0]!.id, admin);
      expect.fail('a replay to a disabled endpoint is refused');
    } catch (err) {
      expect(err).to.be.instanceOf(ValidationError);
    }
  });

  it('posts Slack and Teams messages in the endpoint\'s language, with the link to the ticket', async () => {
    await integrations.addEndpoint({ name: 'Slack #helpdesk', url: `${hooks.url}/slack`, format: 'slack', events: ['created'], language: 'pl' }, admin);
    await integrations.addEndpoint({ name: 'Teams Service Desk', url: `${hooks.url}/teams`, format: 'teams', events: ['created'], language: 'de' }, admin);
    const number = await openTicket(stack, { title: 'Printer <jammed> & offline', impact: 'low', urgency: 'low' });
    const [slack] = await hooks.waitFor('the Slack message', (r) => r.path === '/slack' && r.body.includes(number));
    const s = JSON.parse(slack!.body) as { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
    // Slack's own markup (<!channel>, <url|text>) cannot come in through a title.
    expect(s.text).to.equal(`Nowe zgłoszenie ${number}: Printer &lt;jammed&gt; &amp; offline`);
    expect(s.blocks[0]!.text!.text).to.include(`/agent/tickets/${number}|Nowe zgłoszenie ${number}>`).and.include('Printer &lt;jammed&gt; &amp; offline');
    expect(slack!.headers['webhook-signature'], 'chat formats are not signed').to.equal(undefined);
    const [teams] = await hooks.waitFor('the Teams message', (r) => r.path === '/teams' && r.body.includes(number));
    const card = (JSON.parse(teams!.body) as { type: string; attachments: Array<{ contentType: string; content: { type: string; body: Array<{ type: string; inlines?: Array<{ type: string; text: string }> }>; actions: Array<{ type: string; url: string; title: string }> } }> });
    expect(card.type).to.equal('message');
    expect(card.attachments[0]!.contentType).to.equal('application/vnd.microsoft.card.adaptive');
    expect(card.attachments[0]!.content.type).to.equal('AdaptiveCard');
    // Plain text runs (no Markdown): the title shows as typed, and brings no link of its own.
    expect(card.attachments[0]!.content.body.map((b) => [b.type, b.inlines?.[0]?.type, b.inlines?.[0]?.text])).to.deep.equal([
      ['RichTextBlock', 'TextRun', `Neues Ticket ${number}`], ['RichTextBlock', 'TextRun', 'Printer <jammed> & offline'], ['FactSet', undefined, undefined],
    ]);
    expect(card.attachments[0]!.content.actions[0]).to.include({ type: 'Action.OpenUrl', title: 'Ticket öffnen' });
    expect(card.attachments[0]!.content.actions[0]!.url).to.match(new RegExp(`/agent/tickets/${number}$`));
  });

  it('refuses to register private or loopback addresses unless allowed, and says why', async () => {
    const strict = createIntegrations({ webhooks: stack.db.webhooks, settings: stack.db.notificationSettings, users: stack.db.users, policy: STRICT, audit: { append: async () => undefined }, start: async () => undefined });
    for (const url of [`${hooks.url}/x`, 'http://localhost:9/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://10.1.2.3/x', 'ftp://example.com/x']) {
      try {
        await strict.addEndpoint({ name: 'Sneaky', url, format: 'standard', events: ['created'], language: 'en' }, admin);
        expect.fail(`${url} is refused`);
      } catch (err) {
        expect(err, url).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).fields.map((f) => f.key), url).to.deep.equal([url.startsWith('ftp') ? 'integrations.url.scheme' : 'integrations.url.private']);
      }
    }
    expect((await stack.db.webhooks.endpoints()).map((e) => e.name)).not.to.include('Sneaky');
  });

  it('cuts off a receiver that drips its answer at the deadline, reads no more than 4 KB, and refuses IPv4-compatible and odd address forms', async () => {
    const slow = await startHttpReceiver(() => ({ status: 200, body: 'x'.repeat(100_000) }));
    onCleanup(() => slow.close());
    const allow = parseOutboundPolicy('127.0.0.1');
    const big = await postOutbound(`${slow.url}/big`, '{}', { headers: {}, timeoutMs: 2_000, policy: allow });
    expect([big.status, big.body.length]).to.deep.equal([200, 4096]);
    // A receiver that sends its status and then a byte at a time, for ever: cut off at the deadline.
    const drip = http.createServer((_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => drip.listen(0, '127.0.0.1', () => r()));
    onCleanup(() => new Promise<void>((r) => { drip.closeAllConnections(); drip.close(() => r()); }));
    const started = Date.now();
    try {
      await postOutbound(`http://127.0.0.1:${(drip.address() as AddressInfo).port}/`, '{}', { headers: {}, timeoutMs: 1_000, policy: allow });
      expect.fail('cut off');
    } catch (err) {
      expect((err as Error).message).to.equal('No answer from 127.0.0.1 within 1 s.');
    }
    expect(Date.now() - started).to.be.below(2_000);
    for (const written of ['10', '0x7f.1', '10.0.0.0/33', 'intranet']) expect(() => parseOutboundPolicy(written), written).to.throw();
    expect(parseOutboundPolicy('10.20.0.0/16, ::1,private')).to.deep.equal({ allowPrivate: true, allow: ['10.20.0.0/16', '::1/128'] });
    expect(addressAllowed('::7f00:1', STRICT)).to.equal(false);
    expect(addressAllowed('93.184.216.34', STRICT)).to.equal(true);
    expect(await checkDestination('http://[::127.0.0.1]/', STRICT)).to.deep.include({ code: 'private' });
  });

  it('sends the P1 breach to the duty manager by SMS through the gateway (and by mail), in their language, and to nobody the alert does not name', async () => {
    const db = stack.db;
    const duty = await makeUser(db, 'agent', 'duty', 'pl');
    await db.notificationSettings.setPhone(duty.id, '+48600100200');
    const lead = await makeUser(db, 'agent', 'lead-with-phone', 'en');
    await db.notificationSettings.setPhone(lead.id, '+48600100300');
    await integrations.setDutyManagers([duty.id], admin);
    await integrations.addSmsAlert({ kinds: ['escalated', 'sla_breached'], priorities: ['P1'], roles: ['duty_manager'] }, admin);

    const number = await openTicket(stack, { title: 'Production database down', impact: 'high', urgency: 'high', requesterEmail: uniqueEmail('ops') });
    const toL2 = await waitForEvent(stack, number, (e) => e.type === 'escalated' && e.data.step === 'to-L2', 30_000);
    expect(toL2.data).to.include({ clock: 'response', toTier: 'L2' });
    const [text] = await sms.waitFor('the SMS to the duty manager', (r) => r.body.includes(number), 1, 20_000);
    const form = new URLSearchParams(text!.body);
    expect(text!.path).to.equal('/sms.do');
    expect(text!.headers.authorization).to.equal('Bearer test-sms-token');
    expect(form.get('to')).to.equal('48600100200');
    expect(form.get('message')).to.equal(`${number} (P1) przekroczyło termin na odpowiedź i eskalowano je do L2: Production database down ${stack.config.publicUrl}/agent/tickets/${number}`);
    expect(form.get('idx')).to.match(/^[0-9a-f]{32}$/);
    expect(form.get('check_idx')).to.equal('1');
    // The mail too, as the rules say.
    await mail.waitFor('the duty manager\'s mail', (m) => m.to.includes(duty.email.toLowerCase()) && m.subject.includes(number));
    await sleep(1_500);
    // Nobody else: the lead has a phone, but the alert names the duty managers only; and one SMS per message.
    expect(sms.requests.filter((r) => r.body.includes(number))).to.have.length(1);
    const [[row]] = await db.sequelize.query(`SELECT status, attempts FROM notification_deliveries WHERE channel = 'sms' AND recipient = :r`, { replacements: { r: `user:${duty.id}` } }) as [Array<{ status: string; attempts: number }>, unknown];
    expect(row).to.deep.equal({ status: 'sent', attempts: 1 });
  });
});
