/**
 * Tickets by e-mail (issue 14), on the wire: the web process's mail-in listener (SMTP) takes what
 * a mail server hands it; the worker's mail goes to a real SMTP server the test reads. A mail makes
 * a ticket (channel email) acknowledged in the sender's language; the requester's reply to the
 * helpdesk's mail (In-Reply-To, the quote below) lands on the ticket without the quote and
 * resumes it from pending; automatic answers, bounces and a message handed over twice change
 * nothing; someone else writing with the number in the subject gets a ticket of their own.
 */
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { startTestMailServer, type ReceivedMail, type TestMailServer } from './support/mail.ts';
import { uniqueEmail } from './support/staff.ts';
import { act, sleep, timeline, waitForEvent } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';

const DOMAIN = 'helpdesk.test';
const HELPDESK = `helpdesk@${DOMAIN}`;

describe('tickets by e-mail: new mail is a ticket, a reply lands on its ticket, loops and bounces are not taken in', function () {
  this.timeout(150_000);
  let mail: TestMailServer;
  let stack: IsolatedStack;
  let send: (m: Mail.Options & { envelope?: { from: string; to: string[] } }) => Promise<unknown>;

  before(async () => {
    mail = await startTestMailServer();
    onCleanup(() => mail.close());
    stack = await isolatedStack('mail-in', undefined, { env: { HELPDESK_SMTP_URL: mail.sink.url, HELPDESK_MAIL_FROM: `Helpdesk <${HELPDESK}>`, HELPDESK_MAIL_IN_PORT: '0' } });
    const port = stack.web.mailIn!.port;
    // The mail server that hands the helpdesk its mail: plain SMTP on loopback.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    onCleanup(async () => transport.close());
    send = (m) => transport.sendMail({ to: HELPDESK, ...m });
  });

  const ticketsOf = async (email: string) => (await stack.db.tickets.list({ requesterEmail: email, limit: 10 }));

  it('makes a ticket of a Polish mail, answers it in Polish, and takes the requester\'s reply to a pending question into the ticket without the quote, resuming it', async () => {
    const anna = uniqueEmail('anna');
    await send({ from: `Anna Nowak <${anna}>`, subject: 'Drukarka na 3. piętrze nie drukuje', text: 'Od rana drukarka pokazuje błąd papieru.\n\n-- \nAnna Nowak\nDział kadr', headers: { 'Content-Language': 'pl' }, messageId: `<first.${Date.now()}@mail.example.com>` });
    const [ticket] = await waitFor('the ticket from the mail', async () => ((await ticketsOf(anna)).length ? ticketsOf(anna) : undefined), 20_000);
    const number = ticket!.number;
    const record = (await stack.db.tickets.get(number))!;
    expect(record.channel).to.equal('email');
    expect(record.title).to.equal('Drukarka na 3. piętrze nie drukuje');
    expect(record.description).to.equal('Od rana drukarka pokazuje błąd papieru.');
    expect(record.locale).to.equal('pl');
    const [ack] = await mail.waitFor('the acknowledgement', (m) => m.to.includes(anna) && m.text.includes('Otrzymaliśmy Twoje zgłoszenie'));

    // The agent asks a question; the requester answers it from their mail client, quoting the question.
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    expect((await act(stack, number, 'set_pending', { reason: 'Który to model drukarki?' })).status).to.equal(200);
    const [question] = await mail.waitFor('the question', (m: ReceivedMail) => m.to.includes(anna) && m.text.includes('Który to model drukarki?'));
    expect(question!.references).to.deep.equal(ack!.references);
    await send({
      from: anna, subject: `Re: ${question!.subject}`, inReplyTo: question!.messageId, references: [...question!.references, question!.messageId],
      text: `To HP LaserJet 4000.\n\nW dniu ${new Date().toUTCString()} Helpdesk <${HELPDESK}> napisał(a):\n> Potrzebujemy Twojej odpowiedzi w zgłoszeniu ${number}\n> Który to model drukarki?\n`,
    });
    const replied = await waitForEvent(stack, number, (e) => e.type === 'requester_replied', 20_000);
    expect(replied.data.message).to.equal('To HP LaserJet 4000.');
    await waitForEvent(stack, number, (e) => e.type === 'resumed', 20_000);
    expect((await stack.db.tickets.get(number))!.status).to.not.equal('pending');
    expect(await ticketsOf(anna)).to.have.length(1);

    // The agent holding the ticket is told of the answer, in English (their language), in the same thread, without the quote.
    const [notice] = await mail.waitFor('the agent\'s notice of the reply', (m) => m.to.includes('agent@example.com') && m.messageId.includes(`.e${replied.seq}.`), 1, 20_000);
    expect(notice!.subject).to.equal(ack!.subject);
    expect(notice!.references).to.deep.equal(ack!.references);
    expect(notice!.text).to.include(`The requester answered on ticket ${number}`).and.include('To HP LaserJet 4000.').and.not.include('napisał(a)');
  });

  it('ignores an automatic answer, a bounce, its own mail and a message handed over twice; someone else using the number gets a ticket of their own', async () => {
    const jan = uniqueEmail('jan');
    const messageId = `<report.${Date.now()}@mail.example.com>`;
    await send({ from: jan, subject: 'VPN disconnects every ten minutes', text: 'Since Monday the VPN drops every ten minutes.', messageId });
    const [t] = await waitFor('the ticket', async () => ((await ticketsOf(jan)).length ? ticketsOf(jan) : undefined), 20_000);
    const number = t!.number;
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    const events = (await timeline(stack, number)).length;

    // The same message again (a mail server's retry), an out-of-office answer, a bounce and our own mail looping back.
    await send({ from: jan, subject: 'VPN disconnects every ten minutes', text: 'Since Monday the VPN drops every ten minutes.', messageId });
    await send({ from: jan, subject: `Automatic reply: [${number}] VPN disconnects`, text: 'I am out of the office until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    await send({ from: jan, subject: `Out of office [${number}]`, text: 'Away.', headers: { Precedence: 'auto_reply' } });
    await send({ from: `MAILER-DAEMON@mail.example.com`, subject: 'Undelivered Mail Returned to Sender', text: `Your message to ${jan} could not be delivered.`, envelope: { from: '', to: [HELPDESK] } });
    await send({ from: HELPDESK, subject: `[${number}] VPN disconnects every ten minutes`, text: 'A copy of our own mail.' });
    await sleep(2_000);
    expect(await ticketsOf(jan)).to.have.length(1);
    expect((await timeline(stack, number)).length, 'no event from any of them').to.equal(events);
    const [rows] = await stack.db.sequelize.query(`SELECT outcome, count(*)::int AS n FROM inbound_mail GROUP BY outcome ORDER BY outcome`) as [Array<{ outcome: string; n: number }>, unknown];
    const outcomes = Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
    expect(outcomes).to.include({ auto_reply: 2, bounce: 1, loop: 1 });

    // A Message-ID that merely looks like ours (the number without the helpdesk's keyed tag) names no thread.
    await send({ from: jan, subject: 'One more thing', text: 'Also the Wi-Fi.', inReplyTo: `<${number}@${DOMAIN}>`, references: [`<${number}@${DOMAIN}>`] });
    await waitFor('the untagged reply\'s own ticket', async () => ((await ticketsOf(jan)).length === 2 ? true : undefined), 20_000);
    expect((await timeline(stack, number)).length, 'not put on the ticket').to.equal(events);

    // Someone else answering with the number in the subject is not the requester: their own ticket.
    const eve = uniqueEmail('eve');
    await send({ from: eve, subject: `Re: [${number}] VPN disconnects every ten minutes`, text: 'Mine drops too, on the 2nd floor.' });
    const [own] = await waitFor('the other sender\'s ticket', async () => ((await ticketsOf(eve)).length ? ticketsOf(eve) : undefined), 20_000);
    expect(own!.number).to.not.equal(number);
    expect((await stack.db.tickets.get(own!.number))!.title).to.equal('VPN disconnects every ten minutes');
    expect((await timeline(stack, number)).length).to.equal(events);
  });

  it('makes a ticket of its own of the requester\'s answer to a ticket that was closed meanwhile, and leaves the closed one as it was', async () => {
    const ola = uniqueEmail('ola');
    await send({ from: ola, subject: 'Monitor flickers', text: 'The monitor on my desk flickers.' });
    const [t] = await waitFor('the ticket', async () => ((await ticketsOf(ola)).length ? ticketsOf(ola) : undefined), 20_000);
    const number = t!.number;
    const [ack] = await mail.waitFor('the acknowledgement', (m) => m.to.includes(ola));
    for (const [action, body] of [['start', {}], ['resolve', { code: 'solved', note: 'New cable.' }], ['close', { reason: 'done' }]] as const) {
      expect((await act(stack, number, action, body)).status, action).to.equal(200);
    }
    await waitForEvent(stack, number, (e) => e.type === 'closed');
    const events = (await timeline(stack, number)).length;
    await send({ from: ola, subject: `Re: ${ack!.subject}`, inReplyTo: ack!.messageId, references: [...ack!.references, ack!.messageId], text: 'It flickers again since this morning.' });
    const [second] = await waitFor('the new ticket', async () => ((await ticketsOf(ola)).length === 2 ? ticketsOf(ola) : undefined), 20_000);
    expect(second!.number).to.not.equal(number);
    expect((await stack.db.tickets.get(second!.number))!.title).to.equal('Monitor flickers');
    expect((await timeline(stack, number)).length, 'the closed ticket is left as it was').to.equal(events);
  });
});
