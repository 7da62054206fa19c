/**
 * Lists are reads (docs/access-log.md): staff who see tickets' titles and requesters in a list —
 * `GET /api/v1/tickets`, the agent's queue page, the team page, the ticket page's requester card
 * and likely duplicates — are recorded as `ticket.listed`, naming each ticket's requester by
 * pseudonym, once per staff member and ticket in 15 minutes; a requester listing their own tickets
 * is not recorded; the requester's summary of who read their data says it in their language.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { PortalClient } from './portal-client.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { makeUser, signInEnrolled } from './support/staff.ts';
import { openTicket, waitForEvent } from './support/tickets.ts';

describe('access log: a ticket listed to staff is a read', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  const requester = `listed.${randomUUID().slice(0, 6)}@example.com`;
  let first: string;
  let second: string;

  type Row = { ticket_number: string; person: string | null; channel: string; viewer: string };
  const listed = (viewer: string) => stack.db.sequelize.query<Row>(
    `SELECT ticket_number, person::text AS person, channel, viewer FROM access_log WHERE what = 'ticket.listed' AND viewer = :viewer ORDER BY id`,
    { replacements: { viewer }, type: QueryTypes.SELECT },
  );
  const refOf = async (number: string) => (await stack.db.sequelize.query<{ ref: string | null }>(`SELECT requester_ref::text AS ref FROM tickets WHERE number = :number`, { replacements: { number }, type: QueryTypes.SELECT }))[0]!.ref;

  before(async () => {
    stack = await isolatedStack('access-listed');
    first = await openTicket(stack, { requesterEmail: requester, title: 'Scanner on floor 3 is offline', description: 'The scanner shows offline since Monday.' });
    second = await openTicket(stack, { requesterEmail: requester, title: 'Scanner on floor 3 offline again', description: 'The scanner is offline since Monday again.' });
    await waitForEvent(stack, second, (e) => e.type === 'classified');
  });

  it('records each ticket GET /api/v1/tickets lists to staff, once in the window, naming its requester; not a requester\'s own list', async () => {
    const agent = await makeUser(stack.db, 'agent', 'api-lister');
    const token = await stack.tokenFor(agent.email, 'agent');
    const res = await request(stack.web.url, 'GET', '/api/v1/tickets?queue=all&limit=100', { token });
    expect(res.status).to.equal(200);
    const shown = (res.body.items as Array<{ number: string }>).map((i) => i.number);
    expect(shown).to.include.members([first, second]);
    const rows = await listed(`user:${agent.id}`);
    expect(rows.map((r) => r.ticket_number).sort()).to.deep.equal([...shown].sort());
    expect(rows.every((r) => r.channel === 'api')).to.equal(true);
    expect(rows.find((r) => r.ticket_number === first)!.person).to.be.a('string').and.equal(await refOf(first));

    // Again at once: already on record.
    expect((await request(stack.web.url, 'GET', '/api/v1/tickets?queue=all&limit=100', { token })).status).to.equal(200);
    expect(await listed(`user:${agent.id}`)).to.have.length(rows.length);

    const own = await stack.tokenFor(requester);
    const mine = await request(stack.web.url, 'GET', '/api/v1/tickets', { token: own });
    expect(mine.status).to.equal(200);
    const [{ n }] = await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_log a JOIN users u ON a.viewer_user_id = u.id WHERE a.what = 'ticket.listed' AND u.role = 'requester'`, { type: QueryTypes.SELECT }) as [{ n: number }];
    expect(n).to.equal(0);
  });

  it('records the queue page\'s rows, the team page\'s and the ticket page\'s other tickets of the requester, on the web channel', async () => {
    const lead = await makeUser(stack.db, 'agent', 'web-lister');
    const team = (await stack.db.tickets.get(first))!.teamId!;
    await stack.db.sequelize.query(`UPDATE users SET team_id = :team, team_lead = true WHERE id = :id`, { replacements: { team, id: lead.id } });
    const c = new PortalClient(stack.web.url, 'en');
    await signInEnrolled(c, lead);

    expect((await c.get(`/agent/tickets/${first}`)).status).to.equal(200);
    expect((await listed(`user:${lead.id}`)).map((r) => [r.ticket_number, r.channel])).to.deep.include([second, 'web']);

    expect((await c.get('/agent/team')).status).to.equal(200);
    const rows = await listed(`user:${lead.id}`);
    expect(rows.map((r) => r.ticket_number)).to.include.members([first, second]);
    expect(new Set(rows.map((r) => r.ticket_number)).size, 'each ticket once in the window').to.equal(rows.length);
    expect(rows.every((r) => r.channel === 'web')).to.equal(true);

    // The queue page, as another agent who has seen nothing yet.
    const agent = await makeUser(stack.db, 'agent', 'queue-lister');
    const q = new PortalClient(stack.web.url, 'en');
    await signInEnrolled(q, agent);
    const page = await q.get('/agent?queue=all');
    expect(page.status).to.equal(200);
    const onPage = [...page.text.matchAll(/<tr[^>]*data-ticket="([^"]+)"/g)].map((m) => m[1]!);
    expect(onPage).to.include.members([first, second]);
    expect((await listed(`user:${agent.id}`)).map((r) => r.ticket_number).sort()).to.deep.equal([...new Set(onPage)].sort());
  });
});
