/**
 * Preferences and digests (issue 14, docs/notification-preferences.md) on the wire: a real SMTP
 * server and an SMS gateway stub receive what the worker's delivery workflows send. The rules say
 * who is told (an assignment tells the assignee); each person's choice says how: nothing, a line
 * in the hourly digest (one mail for all of them, sent by the digest run, once), or an SMS where an
 * admin's alert allows SMS for the kind. A bad phone number or choice is refused and changes nothing.
 */
import { expect } from 'chai';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { startTestMailServer, type TestMailServer } from './support/mail.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { makeUser } from './support/staff.ts';
import { act, openTicket, sleep, waitForEvent } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';
import { createNotificationSettings, e164 } from '../services/notifications/settings.ts';
import { channelsFor } from '../services/notifications/preferences.ts';
import { ValidationError } from '../services/errors.ts';

describe('notification preferences and digests: the rules say who, each person says how', function () {
  this.timeout(120_000);
  let mail: TestMailServer;
  let sms: HttpReceiver;
  let stack: IsolatedStack;

  before(async () => {
    mail = await startTestMailServer();
    onCleanup(() => mail.close());
    sms = await startHttpReceiver(() => ({ status: 200, contentType: 'application/json', body: JSON.stringify({ count: 1, list: [{ id: '1', status: 'QUEUE' }] }) }));
    onCleanup(() => sms.close());
    stack = await isolatedStack('preferences', undefined, {
      env: { HELPDESK_SMTP_URL: mail.sink.url, HELPDESK_MAIL_FROM: 'Helpdesk <helpdesk@prefs.test>', HELPDESK_OUTBOUND_ALLOW: '127.0.0.1', HELPDESK_SMS_URL: sms.url, HELPDESK_SMS_TOKEN: 'token' },
    });
  });

  /** Assigns a new ticket to `email` and answers the ticket's number and the assignment's seq. */
  async function assignNewTicketTo(email: string, title: string): Promise<{ number: string; seq: number }> {
    const number = await openTicket(stack, { title, impact: 'low', urgency: 'low' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    expect((await act(stack, number, 'assign', { assignee: email })).status).to.equal(200);
    const assigned = await waitForEvent(stack, number, (e) => e.type === 'assigned' && e.data.assignee === email);
    return { number, seq: assigned.seq };
  }

  const deliveriesOf = async (userId: number, number: string) => {
    const [rows] = await stack.db.sequelize.query(
      `SELECT d.channel, d.status FROM notification_deliveries d JOIN notification_outbox o ON o.id = d.ticket_outbox_id WHERE d.recipient = :r AND o.ticket_number = :number ORDER BY d.id`,
      { replacements: { r: `user:${userId}`, number } },
    ) as [Array<{ channel: string; status: string }>, unknown];
    return rows;
  };

  it('tells nobody who chose nothing for a kind, and mails those who kept the default', async () => {
    const settings = createNotificationSettings({ settings: stack.db.notificationSettings });
    const quiet = await makeUser(stack.db, 'agent', 'quiet');
    await settings.save(quiet.id, { phone: '', choices: { assigned: 'none' } });
    const { number } = await assignNewTicketTo(quiet.email, 'Quiet agent gets nothing');
    const loud = await makeUser(stack.db, 'agent', 'loud');
    const second = await assignNewTicketTo(loud.email, 'Loud agent gets mail');
    await mail.waitFor('the default agent\'s mail', (m) => m.to.includes(loud.email.toLowerCase()) && m.subject.includes(second.number));
    await sleep(1_000);
    expect((await mail.received()).filter((m) => m.to.includes(quiet.email.toLowerCase()))).to.deep.equal([]);
    expect(await deliveriesOf(quiet.id, number)).to.deep.equal([]);
  });

  it('gathers a digest chooser\'s notifications and mails them once, in their language, when the digest runs', async () => {
    const settings = createNotificationSettings({ settings: stack.db.notificationSettings });
    const digester = await makeUser(stack.db, 'agent', 'digester', 'pl');
    await settings.save(digester.id, { phone: '', choices: { assigned: 'digest' } });
    const a = await assignNewTicketTo(digester.email, 'Pierwsze zgłoszenie');
    const b = await assignNewTicketTo(digester.email, 'Drugie zgłoszenie');
    await waitFor('two digest lines waiting', async () => {
      const rows = [...(await deliveriesOf(digester.id, a.number)), ...(await deliveriesOf(digester.id, b.number))];
      return rows.length === 2 && rows.every((r) => r.channel === 'digest' && r.status === 'pending') ? rows : undefined;
    }, 15_000);
    await sleep(1_000);
    expect((await mail.received()).filter((m) => m.to.includes(digester.email.toLowerCase())), 'no mail before the digest').to.deep.equal([]);

    const run = await stack.client.workflow.execute('digestWorkflow', { workflowId: `digest-test-${Date.now()}`, taskQueue: stack.taskQueue, args: [] });
    expect(run).to.include({ digests: 1 });
    const [digest] = await mail.waitFor('the digest', (m) => m.to.includes(digester.email.toLowerCase()));
    expect(digest!.subject).to.equal('Podsumowanie helpdesku: 2 powiadomienia');
    expect(digest!.text).to.include(`Zgłoszenie ${a.number} jest teraz Twoje`).and.include(`Zgłoszenie ${b.number} jest teraz Twoje`).and.include('/staff/notifications');
    expect(digest!.header('auto-submitted')).to.equal('auto-generated');
    expect((await deliveriesOf(digester.id, a.number)).map((r) => r.status)).to.deep.equal(['sent']);
    // Run again: nothing is waiting, nothing is sent.
    await stack.client.workflow.execute('digestWorkflow', { workflowId: `digest-test-${Date.now()}-2`, taskQueue: stack.taskQueue, args: [] });
    await sleep(500);
    expect((await mail.received()).filter((m) => m.to.includes(digester.email.toLowerCase()))).to.have.length(1);
  });

  it('sends an SMS instead of mail to one who chose SMS for a kind an admin allows SMS for', async () => {
    const settings = createNotificationSettings({ settings: stack.db.notificationSettings });
    const texter = await makeUser(stack.db, 'agent', 'texter', 'en');
    await settings.save(texter.id, { phone: '+48 600 100 999', choices: { assigned: 'sms' } });
    await stack.db.notificationSettings.addSmsAlert({ kinds: ['assigned'], priorities: [], roles: ['team_lead'], createdBy: 'test' });
    const { number } = await assignNewTicketTo(texter.email, 'Texter gets an SMS');
    const [text] = await sms.waitFor('the SMS', (r) => r.body.includes(number), 1, 20_000);
    expect(new URLSearchParams(text!.body).get('to')).to.equal('48600100999');
    expect(new URLSearchParams(text!.body).get('message')).to.match(new RegExp(`^${number} \\(P\\d\\): Ticket ${number} is now yours\\. `));
    await sleep(1_000);
    expect((await mail.received()).filter((m) => m.to.includes(texter.email.toLowerCase()))).to.deep.equal([]);
    expect(await deliveriesOf(texter.id, number)).to.deep.equal([{ channel: 'sms', status: 'sent' }]);
  });

  it('sends the digest stamped before a crash again with exactly its lines and Message-ID, and the newer line in the next one', async () => {
    const settings = createNotificationSettings({ settings: stack.db.notificationSettings });
    const u = await makeUser(stack.db, 'agent', 'crashed-digest', 'en');
    await settings.save(u.id, { phone: '', choices: { assigned: 'digest' } });
    const first = await assignNewTicketTo(u.email, 'Stamped before the crash');
    await waitFor('the first line', async () => ((await deliveriesOf(u.id, first.number)).length === 1 ? true : undefined), 15_000);
    // As if a digest run had stamped this line and sent it, then died before marking it.
    const stamped = `<digest.user-${u.id}.crash@prefs.test>`;
    await stack.db.sequelize.query(`UPDATE notification_deliveries SET digest_id = :stamped WHERE recipient = :r AND channel = 'digest'`, { replacements: { stamped, r: `user:${u.id}` } });
    const second = await assignNewTicketTo(u.email, 'Came in after the crash');
    await waitFor('the second line', async () => ((await deliveriesOf(u.id, second.number)).length === 1 ? true : undefined), 15_000);
    await stack.client.workflow.execute('digestWorkflow', { workflowId: `digest-crash-${Date.now()}`, taskQueue: stack.taskQueue, args: [] });
    const [again] = await mail.waitFor('the digest sent again', (m) => m.to.includes(u.email.toLowerCase()));
    expect(again!.messageId).to.equal(stamped);
    expect(again!.text).to.include(first.number).and.not.include(second.number);
    expect(again!.subject).to.equal('Helpdesk digest: 1 notification');
    await stack.client.workflow.execute('digestWorkflow', { workflowId: `digest-crash-${Date.now()}-2`, taskQueue: stack.taskQueue, args: [] });
    const both = await mail.waitFor('the next digest', (m) => m.to.includes(u.email.toLowerCase()), 2);
    expect(both[1]!.text).to.include(second.number).and.not.include(first.number);
    expect(both[1]!.messageId).not.to.equal(stamped);
  });

  it('gives the SMS of an alert for one role to someone the event reaches through another role first', async () => {
    const alerts = [{ id: 1, kinds: ['escalated'], priorities: ['P1'], roles: ['duty_manager'], createdBy: 'x', createdAt: '' }];
    const deps = { smsEnabled: true, settings: { choices: async () => ({}), profile: async () => ({ phone: '+48600100200', dutyManager: true }), smsAlerts: async () => alerts } };
    // Reached by the team's row, named by the duty managers' row too: mail and SMS.
    expect(await channelsFor(deps, 'user:7', { kind: 'escalated', roles: ['team', 'duty_manager'] }, 'P1')).to.deep.equal(['email', 'sms']);
    expect(await channelsFor(deps, 'user:7', { kind: 'escalated', roles: ['team'] }, 'P1')).to.deep.equal(['email']);
    expect(await channelsFor(deps, 'user:7', { kind: 'escalated', roles: ['duty_manager'] }, 'P2')).to.deep.equal(['email']);
    expect(await channelsFor({ ...deps, smsEnabled: false }, 'user:7', { kind: 'escalated', roles: ['duty_manager'] }, 'P1')).to.deep.equal(['email']);
    expect(await channelsFor(deps, 'person:0b5e7c1e-0000-4000-8000-000000000000', { kind: 'escalated', roles: ['requester'] }, 'P1')).to.deep.equal(['email']);
  });

  it('keeps a phone number sealed under its owner\'s key: not in the table as typed', async () => {
    const settings = createNotificationSettings({ settings: stack.db.notificationSettings });
    const u = await makeUser(stack.db, 'agent', 'sealed-phone');
    await settings.save(u.id, { phone: '+48 600 111 222', choices: {} });
    const [[row]] = await stack.db.sequelize.query(`SELECT phone_sealed FROM notification_profiles WHERE user_id = :id`, { replacements: { id: u.id } }) as [Array<{ phone_sealed: string }>, unknown];
    expect(row!.phone_sealed).to.match(/^sealed:v1:/).and.not.include('600');
    expect((await settings.get(u.id)).phone).to.equal('+48600111222');
  });

  it('refuses a phone number that is not one and a choice that is not offered, and saves nothing', async () => {
    const settings = createNotificationSettings({ settings: stack.db.notificationSettings });
    const u = await makeUser(stack.db, 'agent', 'careful');
    await settings.save(u.id, { phone: '+48600100200', choices: { assigned: 'mail' } });
    const bads: Array<{ phone: string; choices: Record<string, string> }> = [{ phone: '600 100 200', choices: {} }, { phone: '+48600100200', choices: { assigned: 'pigeon' } }];
    for (const bad of bads) {
      try {
        await settings.save(u.id, bad);
        expect.fail('refused');
      } catch (err) {
        expect(err).to.be.instanceOf(ValidationError);
      }
    }
    expect(await settings.get(u.id)).to.deep.include({ phone: '+48600100200' });
    expect((await settings.get(u.id)).choices.assigned).to.equal('mail');
    expect(e164('+49 (151) 234-5678')).to.equal('+491512345678');
    expect(e164('0048600100200')).to.equal(undefined);
  });
});
