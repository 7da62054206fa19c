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
import { hiddenValue, PortalClient, textOf } from './portal-client.ts';
import { act, openTicket, sleep, waitForEvent } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';

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
    // The thread's root: the number and its tag, a keyed hash only the helpdesk can make (so no one can name a thread by guessing a number).
    const root = ack!.inReplyTo!;
    expect(root).to.match(new RegExp(`^<${number}\\.[0-9a-f]{16}@${DOMAIN.replace('.', '\\.')}>$`));
    expect(ack!.references).to.deep.equal([root]);
    expect(ack!.messageId).to.match(new RegExp(`^<${number}\\.[0-9a-f]{16}\\.e\\d+\\.[0-9a-f]{16}@${DOMAIN.replace('.', '\\.')}>$`));

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

    // Kurt takes the ticket himself: he is its assignee, whom an assignment tells — but not of his own act.
    // Then he hands it to Anke: she is told, in Polish (hers), not in German (his).
    const anke = await makeUser(stack.db, 'agent', 'anke', 'pl');
    expect((await act(stack, number, 'assign', { assignee: kurt.email }, { token: kurtToken, lang: 'de' })).status).to.equal(200);
    const took = await waitForEvent(stack, number, (e) => e.type === 'assigned' && e.data.assignee !== null);
    expect((await act(stack, number, 'assign', { assignee: anke.email }, { token: kurtToken, lang: 'de' })).status).to.equal(200);
    const handed = await waitForEvent(stack, number, (e) => e.type === 'assigned' && e.seq > took.seq);
    const [toAnke] = await mail.waitFor('the assignment to Anke', (m) => m.to.includes(anke.email.toLowerCase()) && m.messageId.includes(`.e${handed.seq}.`));
    expect(toAnke!.text).to.include(`Zgłoszenie ${number} jest teraz Twoje`);
    expect(toAnke!.subject).to.equal(ack!.subject);
    await sleep(1_500);
    expect((await mail.received()).filter((m) => m.to.includes(kurt.email.toLowerCase()) && m.messageId.includes(`.e${took.seq}.`)), 'no mail to Kurt of his own assignment').to.deep.equal([]);

    // The outbox says so: every row of the ticket delivered, each message sent once.
    const [rows] = await stack.db.sequelize.query(
      `SELECT o.kind, o.role, o.delivered_at IS NOT NULL AS delivered, d.status, d.attempts FROM notification_outbox o LEFT JOIN notification_deliveries d ON d.ticket_outbox_id = o.id WHERE o.ticket_number = :number ORDER BY o.id`,
      { replacements: { number } },
    ) as [Array<{ kind: string; role: string; delivered: boolean; status: string | null; attempts: number | null }>, unknown];
    const requesterRows = rows.filter((r) => r.role === 'requester');
    expect(requesterRows.map((r) => [r.kind, r.delivered, r.status, r.attempts])).to.deep.equal([['classified', true, 'sent', 1], ['agent_response', true, 'sent', 1]]);
  });

  it('mails the follow link of a report without an account in the reporter\'s language, and the link leaves the outbox once mailed; a sign-up link likewise', async () => {
    const c = new PortalClient(stack.web.url, 'de-DE,de;q=0.9');
    const form = await c.get('/report');
    const email = uniqueEmail('klaus');
    const fields = { _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'), category: 'network', impact: 'low', urgency: 'high', title: 'Das WLAN im 2. Stock fällt aus', description: 'Seit heute Morgen fällt das WLAN alle paar Minuten aus.', email };
    const body = new FormData();
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    const res = await c.postMultipart('/report', body);
    expect(res.status).to.equal(303);
    const number = /\/tickets\/([A-Z]+-\d{4}-\d{6})$/.exec(res.location ?? '')![1]!;
    const shown = textOf((await c.get(res.location!)).text, 'follow-link')!;

    const [linkMail] = await mail.waitFor('the follow link', (m) => m.to.includes(email) && m.text.includes(`Ihr Link zu Ticket ${number}`));
    expect(linkMail!.text).to.include(shown);
    expect(linkMail!.subject).to.equal(`[${number}] Das WLAN im 2. Stock fällt aus`);
    // The reporter opens it from the mail: the ticket, without an account.
    const reader = new PortalClient(stack.web.url, 'de');
    let opened = await reader.get(new URL(shown).pathname);
    if (opened.status === 303) opened = await reader.get(opened.location!);
    expect(opened.status).to.equal(200);
    expect(opened.text).to.include(number).and.include('Das WLAN im 2. Stock fällt aus');
    // Mailed, the link leaves the outbox: only its hash stays (requester_tokens).
    const settled = await waitFor('the follow link settled', async () => {
      const [[r]] = await stack.db.sequelize.query(`SELECT payload, delivered_at FROM notification_outbox WHERE ticket_number = :number AND kind = 'follow_link'`, { replacements: { number } }) as [Array<{ payload: Record<string, unknown>; delivered_at: Date | null }>, unknown];
      return r?.delivered_at ? r : undefined;
    }, 15_000);
    expect(settled.payload).not.to.have.property('link');
    expect(JSON.stringify(settled.payload)).not.to.include(new URL(shown).pathname.split('/').pop()!);

    const signUp = uniqueEmail('greta');
    expect((await new PortalClient(stack.web.url, 'de').requestSignUp(signUp, 'a long enough password 2026', 'de')).status).to.equal(200);
    const [welcome] = await mail.waitFor('the sign-up link', (m) => m.to.includes(signUp));
    expect(welcome!.text).to.match(/https?:\/\/[^\s]+\/sign-up\/[A-Za-z0-9_-]+/);
    expect(welcome!.header('auto-submitted')).to.equal('auto-generated');
  });
});
