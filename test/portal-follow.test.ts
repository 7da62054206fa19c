import { expect } from 'chai';
import { performTicketAction } from '../services/tickets/actions.ts';
import { actionDeps, getEnv, type TestEnv } from './support/env.ts';
import { csrfOf, decode, hiddenValue, PortalClient, reportForm, textOf } from './portal-client.ts';

describe('portal: following a ticket — reply, resolution, reopen, rating', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let number: string;
  let code: string;
  const agent = 'l1.agent@example.com';
  const requester = 'maria.follow@example.com';

  /** Waits until the read model shows the ticket classified (its SLA known). */
  async function classified(n: string) {
    for (let i = 0; i < 100; i++) {
      const t = await env.db.tickets.get(n);
      if (t?.sla) return t;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${n} was not classified`);
  }

  before(async () => {
    env = await getEnv();
    const c = new PortalClient(env.web.url, 'en');
    const form = await c.get('/report');
    const res = await c.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'email', impact: 'low', urgency: 'high', title: 'Mail on my phone stopped syncing', description: 'Since yesterday.', email: requester,
    }));
    number = res.location!.split('/').pop()!;
    code = textOf((await c.get(res.location!)).text, 'follow-code')!;
  });

  it('when someone follows the ticket by its number and code, then they see its page and the promise in plain words; internal notes stay hidden', async () => {
    const ticket = await classified(number);
    await performTicketAction(actionDeps(env), number, { action: 'comment', actor: agent, message: 'INTERNAL: requester is a VIP, be nice' });
    await performTicketAction(actionDeps(env), number, { action: 'respond', actor: agent, message: 'Please remove and re-add the account in Outlook.' });
    const c = new PortalClient(env.web.url, 'en');
    const token = await c.csrf('/follow');
    const res = await c.postForm('/follow', { _csrf: token, number: ` ${number.toLowerCase()} `, code });
    expect(res.status).to.equal(303);
    const page = await c.get(res.location!);
    expect(page.status).to.equal(200);
    const text = decode(page.text);
    expect(text).to.include('Please remove and re-add the account in Outlook.');
    expect(text).not.to.include('INTERNAL');
    const promise = textOf(page.text, 'ticket-promise')!;
    const sla = ticket.sla!;
    expect(promise).to.match(sla.businessHours ? /working (hour|minute)/ : /day and night/);
  });

  it('when the requester replies, resolution is reopened with a reason, and after the next resolution rated, then each step shows on the page through the workflow', async () => {
    const c = new PortalClient(env.web.url, 'pl');
    await c.open(`/follow/${number}/${code}`);
    let page = await c.get(`/tickets/${number}`);
    expect(page.status).to.equal(200);

    // An empty reply is refused beside the box.
    const empty = await c.postForm(`/tickets/${number}/reply`, { _csrf: csrfOf(page.text), message: '  ' });
    expect(empty.status).to.equal(422);
    expect(textOf(empty.text, 'message-error')).to.equal('Uzupełnij to pole.');

    const replied = await c.postForm(`/tickets/${number}/reply`, { _csrf: csrfOf(page.text), message: 'Zrobiłam to, <b>nadal</b> nie działa.' });
    expect(replied.status).to.equal(303);
    page = await c.get(`/tickets/${number}`);
    expect(textOf(page.text, 'timeline')).to.include('Zrobiłam to, <b>nadal</b> nie działa.');

    // A refused action is explained, not a 500: the ticket is not resolved yet.
    const early = await c.postForm(`/tickets/${number}/confirm`, { _csrf: csrfOf(page.text) });
    expect(early.status).to.equal(409);
    // …in the reader's words: the action and the status are named in Polish too.
    expect(textOf(early.text, 'action-error')).to.match(/^Nie można zamknąć zgłoszenia, które ma status: (nowe|przypisane|w realizacji|wstrzymane|ponownie otwarte)\.$/);

    await performTicketAction(actionDeps(env), number, { action: 'resolve', actor: agent, code: 'solved', note: 'Account re-created.' });
    page = await c.get(`/tickets/${number}`);
    expect(textOf(page.text, 'ticket-status')).to.equal('Rozwiązane – potwierdź, proszę');
    const noReason = await c.postForm(`/tickets/${number}/reopen`, { _csrf: csrfOf(page.text), reason: '' });
    expect(noReason.status).to.equal(422);
    expect(textOf(noReason.text, 'reason-error')).to.equal('Uzupełnij to pole.');
    expect((await c.postForm(`/tickets/${number}/reopen`, { _csrf: csrfOf(page.text), reason: 'Kalendarz nadal się nie synchronizuje.' })).status).to.equal(303);
    expect((await env.db.tickets.get(number))!.status).to.equal('reopened');

    await performTicketAction(actionDeps(env), number, { action: 'resolve', actor: agent, code: 'solved', note: 'Calendar sync enabled.' });
    page = await c.get(`/tickets/${number}`);
    const badScore = await c.postForm(`/tickets/${number}/rate`, { _csrf: csrfOf(page.text), score: '9' });
    expect(badScore.status).to.equal(422);
    expect(textOf(badScore.text, 'score-error')).to.equal('Wybierz ocenę od 1 do 5.');
    expect((await c.postForm(`/tickets/${number}/rate`, { _csrf: csrfOf(page.text), score: '4', comment: 'Szybko i miło' })).status).to.equal(303);
    page = await c.get(`/tickets/${number}`);
    expect(textOf(page.text, 'rated')).to.equal('Dziękujemy – Twoja ocena: 4 na 5.');
    expect((await c.postForm(`/tickets/${number}/confirm`, { _csrf: csrfOf(page.text) })).status).to.equal(303);
    expect((await env.db.tickets.get(number))!.status).to.equal('closed');
    const types = (await env.db.tickets.get(number))!.timeline.map((e) => e.type);
    expect(types).to.include.members(['requester_replied', 'reopened', 'rated', 'closed']);
  });
});
