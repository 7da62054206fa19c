/**
 * Notifications by e-mail, on the wire (issue 14): a real SMTP server (runtime/mail-sink.ts)
 * receives what the worker's delivery workflows send through nodemailer; the test reads the mails
 * as a mail client would (mailparser). A ticket reported in Polish is acknowledged in Polish with
 * its number in the subject; an agent's German answer reaches the requester in Polish, in the same
 * thread; nobody is told of their own action; each message is sent once.
 */
import { expect } from 'chai';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { startTestMailServer, type TestMailServer } from './support/mail.ts';
import { makeUser, uniqueEmail } from './support/staff.ts';
import { act, openTicket, sleep, waitForEvent } from './support/tickets.ts';

const DOMAIN = 'helpdesk.test';

describe('notifications by e-mail: in the reader\'s language, threaded, once', function () {
  this.timeout(120_000);
  let mail: TestMailServer;
  let stack: IsolatedStack;

  before(async () => {
    mail = await startTestMailServer();
    onCleanup(() => mail.close());
    stack = await isolatedStack('mail-out', undefined, { env: { HELPDESK_SMTP_URL: mail.sink.url, HELPDESK_MAIL_FROM: `Helpdesk <helpdesk@${DOMAIN}>` } });
  });

  it('acknowledges a ticket reported in Polish in Polish, with the number in the subject and the SLA promise; a German agent\'s answer reaches the requester in Polish in the same thread, and the agent hears nothing of it', async () => {
    const requester = uniqueEmail('anna');
    const kurt = await makeUser(stack.db, 'agent', 'kurt', 'de');
    const kurtToken = await stack.tokenFor(kurt.email, 'agent');
    const number = await openTicket(stack, { title: 'Drukarka na 3. piętrze nie drukuje', description: 'Od rana drukarka na 3. piętrze pokazuje błąd papieru.', requesterEmail: requester, locale: 'pl' });
    const toRequester = (m: { to: string[] }) => m.to.includes(requester);

    const [ack] = await mail.waitFor('the acknowledgement', (m) => toRequester(m) && m.text.includes('Otrzymaliśmy Twoje zgłoszenie'));
    expect(ack!.subject).to.equal(`[${number}] Drukarka na 3. piętrze nie drukuje`);
    expect(ack!.text).to.include(`Otrzymaliśmy Twoje zgłoszenie ${number}`).and.match(/Odpowiemy w ciągu \d+ (minut|godzin)/);
    expect(ack!.html).to.include('<html lang="pl">').and.include(`/tickets/${number}`);
    expect(ack!.header('auto-submitted')).to.equal('auto-generated');
    expect(ack!.header('x-auto-response-suppress')).to.equal('All');
    const root = `<${number}@${DOMAIN}>`;
    expect(ack!.inReplyTo).to.equal(root);
    expect(ack!.references).to.deep.equal([root]);
    expect(ack!.messageId).to.match(new RegExp(`^<${number}\\.e\\d+\\.[0-9a-f]{16}@${DOMAIN.replace('.', '\\.')}>$`));

    const answer = 'Bitte starten Sie den Drucker neu und legen Sie neues Papier ein.';
    expect((await act(stack, number, 'respond', { message: answer }, { token: kurtToken, lang: 'de' })).status).to.equal(200);
    const responded = await waitForEvent(stack, number, (e) => e.type === 'responded');
    const [reply] = await mail.waitFor('the answer to the requester', (m) => toRequester(m) && m.messageId.includes(`.e${responded.seq}.`));
    expect(reply!.text).to.include(`Odpowiedzieliśmy na Twoje zgłoszenie ${number}`).and.include(answer).and.include('Nasza odpowiedź:');
    expect(reply!.text).not.to.match(/Wir haben|Unsere Antwort/);
    // One thread: the same subject and root, a message of its own.
    expect(reply!.subject).to.equal(ack!.subject);
    expect(reply!.inReplyTo).to.equal(root);
    expect(reply!.references).to.deep.equal([root]);
    expect(reply!.messageId).not.to.equal(ack!.messageId);

    // Once each: nothing more comes for these events, and the agent who answered is not told of it.
    await sleep(2_000);
    const all = await mail.received();
    expect(all.filter((m) => m.messageId === ack!.messageId)).to.have.length(1);
    expect(all.filter((m) => m.messageId === reply!.messageId)).to.have.length(1);
    expect(all.filter((m) => m.to.includes(kurt.email.toLowerCase()) && m.messageId.includes(`.e${responded.seq}.`))).to.deep.equal([]);

    // The outbox says so: every row of the ticket delivered, each message sent once.
    const [rows] = await stack.db.sequelize.query(
      `SELECT o.kind, o.role, o.delivered_at IS NOT NULL AS delivered, d.status, d.attempts FROM notification_outbox o LEFT JOIN notification_deliveries d ON d.ticket_outbox_id = o.id WHERE o.ticket_number = :number ORDER BY o.id`,
      { replacements: { number } },
    ) as [Array<{ kind: string; role: string; delivered: boolean; status: string | null; attempts: number | null }>, unknown];
    const requesterRows = rows.filter((r) => r.role === 'requester');
    expect(requesterRows.map((r) => [r.kind, r.delivered, r.status, r.attempts])).to.deep.equal([['classified', true, 'sent', 1], ['agent_response', true, 'sent', 1]]);
  });
});
