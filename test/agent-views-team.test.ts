/**
 * An agent's saved views and a team lead's reassignment, over HTTP as the pages' forms post them
 * (real Temporal dev server, real PostgreSQL, signed-in sessions with CSRF): a view saves the
 * current queue and filters under a name, is listed as a link that opens that queue, is replaced
 * by saving its name again, is refused with a sentence beside its field when nameless, is the
 * agent's own (another agent neither sees nor deletes it), and is deleted. A team lead reassigns a
 * team ticket to a colleague and the ticket's assignee changes; a colleague outside the team or a
 * ticket outside the team is refused with a sentence and nothing changes.
 */
import { expect } from 'chai';
import { PortalClient, csrfOf, decode, textOf } from './portal-client.ts';
import { localeT } from './support/admin-browser.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { makeUser, signInEnrolled, type TestUser } from './support/staff.ts';
import { erasureDeps } from '../runtime/compose.ts';
import { erasePerson } from '../services/privacy/erase.ts';
import { request } from './support/http.ts';
import { openTicket, waitForEvent } from './support/tickets.ts';

describe('agent saved views and the team lead\'s reassignment', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;

  before(async () => {
    stack = await isolatedStack('agent-views-team');
  });

  /** The ticket's assignee as the API shows it to an agent (the read model keeps a pseudonym). */
  async function assigneeOf(number: string): Promise<string | null> {
    const res = await request(stack.web.url, 'GET', `/api/v1/tickets/${number}`, { token: stack.agentToken });
    expect(res.status).to.equal(200);
    return typeof res.body.assignee === 'string' ? res.body.assignee.toLowerCase() : null;
  }

  async function signedIn(user: TestUser, language = 'en'): Promise<PortalClient> {
    const c = new PortalClient(stack.web.url, language);
    await signInEnrolled(c, user);
    return c;
  }

  /** The saved views listed on the queue page: [name, href] in order. */
  function listed(html: string): Array<[string, string]> {
    const list = /<ul id="saved-views">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
    return [...list.matchAll(/<a href="([^"]*)"[^>]*data-view="([^"]*)"/g)].map((m) => [decode(m[2]!), decode(m[1]!)]);
  }

  it('saves the current queue and filters under a name, lists it, replaces it by name, refuses a nameless one, keeps it the agent\'s own, and deletes it', async () => {
    const agent = await signedIn(await makeUser(stack.db, 'agent', 'views-agent'));
    const en = await localeT('en', 'agent');
    const queue = await agent.get('/agent?queue=unassigned&priority=P1,P2&sort=updated');
    expect(queue.status).to.equal(200);
    expect(textOf(queue.text, 'no-saved-views')).to.equal(en('views.none'));

    const saved = await agent.postForm('/agent/views', { _csrf: csrfOf(queue.text), queue: 'unassigned', priority: 'P1,P2', sort: 'updated', name: '  Urgent   and new ' });
    expect(saved.status).to.equal(303);
    const after = await agent.get(saved.location!);
    expect(textOf(after.text, 'queue-notice')).to.equal(en('views.saved', { name: 'Urgent and new' }));
    const [[name, href]] = listed(after.text) as [[string, string]];
    expect(name).to.equal('Urgent and new');
    const opened = new URL(href, stack.web.url).searchParams;
    expect([opened.get('queue'), opened.get('priority'), opened.get('sort')]).to.deep.equal(['unassigned', 'P1,P2', 'updated']);

    // The same name again replaces it: still one view, now of the breached queue.
    await agent.postForm('/agent/views', { _csrf: csrfOf(after.text), queue: 'breached', name: 'Urgent and new' });
    const replaced = listed((await agent.get('/agent')).text);
    expect(replaced).to.have.length(1);
    expect(new URL(replaced[0]![1], stack.web.url).searchParams.get('queue')).to.equal('breached');

    const nameless = await agent.postForm('/agent/views', { _csrf: csrfOf(after.text), queue: 'pending', name: '   ' });
    expect(nameless.status).to.equal(422);
    expect(textOf(nameless.text, 'view-name-error')).to.be.a('string').and.not.match(/undefined|views\./);
    expect(listed((await agent.get('/agent')).text)).to.have.length(1);

    // Another agent sees none of it and cannot delete it.
    const other = await signedIn(await makeUser(stack.db, 'agent', 'views-other'), 'de');
    const theirs = await other.get('/agent');
    expect(listed(theirs.text)).to.deep.equal([]);
    const [row] = await stack.db.sequelize.query<{ id: number }>(`SELECT id FROM agent_saved_views WHERE name = 'Urgent and new'`, { type: 'SELECT' as never });
    const notTheirs = await other.postForm(`/agent/views/${row!.id}/delete`, { _csrf: csrfOf(theirs.text) });
    expect(notTheirs.status).to.equal(404);
    expect(listed((await agent.get('/agent')).text)).to.have.length(1);

    const page = await agent.get('/agent');
    const deleted = await agent.postForm(`/agent/views/${row!.id}/delete`, { _csrf: csrfOf(page.text) });
    expect(deleted.status).to.equal(303);
    const gone = await agent.get(deleted.location!);
    expect(textOf(gone.text, 'queue-notice')).to.equal(en('views.deleted'));
    expect(listed(gone.text)).to.deep.equal([]);
  });

  it('forgets a queue filtered by a person who is erased: the views naming them and the session\'s last queue', async () => {
    const person = `erased.view.${Date.now().toString(36)}@example.com`;
    await openTicket(stack, { requesterEmail: person, title: 'Monitor flickers' });
    const agent = await signedIn(await makeUser(stack.db, 'agent', 'erasure-views'));
    const queue = await agent.get(`/agent?queue=all&requester=${encodeURIComponent(person)}`);
    expect(queue.status).to.equal(200);
    await agent.postForm('/agent/views', { _csrf: csrfOf(queue.text), queue: 'all', requester: person, name: 'That person' });
    await agent.postForm('/agent/views', { _csrf: csrfOf(queue.text), queue: 'breached', name: 'Breached' });
    const held = async () => (await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM portal_sessions WHERE position(:e IN lower(sess::jsonb->>'agentQueue')) > 0`, { replacements: { e: encodeURIComponent(person).toLowerCase() }, type: 'SELECT' as never }))[0]!.n;
    expect(await held()).to.equal(1);
    await erasePerson(erasureDeps(stack.config, stack.db), { email: person, reason: 'Art. 17 GDPR, case V-1', actor: 'test' });
    expect(await held()).to.equal(0);
    expect(listed((await agent.get('/agent')).text).map(([name]) => name)).to.deep.equal(['Breached']);
  });

  it('lets a team lead reassign a team ticket to a colleague, and refuses a colleague or a ticket outside the team', async () => {
    const number = await openTicket(stack, { title: 'Laptop will not start' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    const team = (await stack.db.tickets.get(number))!.teamId!;
    expect(team, 'the rules route the ticket to a team').to.be.a('string');
    const lead = await makeUser(stack.db, 'agent', 'lead');
    const colleague = await makeUser(stack.db, 'agent', 'colleague', 'pl');
    const outsider = await makeUser(stack.db, 'agent', 'outsider');
    await stack.db.sequelize.query(`INSERT INTO teams (id, name, tier) VALUES ('elsewhere', 'Elsewhere', 'L2') ON CONFLICT (id) DO NOTHING`);
    await stack.db.sequelize.query(`UPDATE users SET team_id = :team, team_lead = (id = :lead) WHERE id IN (:lead, :colleague)`, { replacements: { team, lead: lead.id, colleague: colleague.id } });
    await stack.db.sequelize.query(`UPDATE users SET team_id = 'elsewhere' WHERE id = :id`, { replacements: { id: outsider.id } });
    const c = await signedIn(lead);
    const en = await localeT('en', 'agent');

    const page = await c.get('/agent/team');
    expect(page.status).to.equal(200);
    expect(page.text).to.include(`id="reassign-${number}"`);
    const refused = await c.postForm('/agent/team/assign', { _csrf: csrfOf(page.text), number, assignee: outsider.email });
    expect(refused.status).to.equal(303);
    const refusal = textOf((await c.get(refused.location!)).text, 'team-notice')!;
    expect(refusal).to.match(new RegExp(`^${number} was not reassigned: .+`));
    expect(refusal).to.not.match(/undefined|field\./);
    expect(await assigneeOf(number)).to.equal(null);

    const done = await c.postForm('/agent/team/assign', { _csrf: csrfOf(page.text), number, assignee: colleague.email });
    expect(done.status).to.equal(303);
    expect(textOf((await c.get(done.location!)).text, 'team-notice')).to.equal(en('team.reassigned', { number, assignee: colleague.displayName }));
    expect(await assigneeOf(number)).to.equal(colleague.email.toLowerCase());

    // A ticket of another team is not the lead's to move.
    await stack.db.sequelize.query(`UPDATE tickets SET team_id = 'elsewhere' WHERE number = :number`, { replacements: { number } });
    const foreign = await c.postForm('/agent/team/assign', { _csrf: csrfOf(page.text), number, assignee: lead.email });
    expect(textOf((await c.get(foreign.location!)).text, 'team-notice')).to.match(new RegExp(`^${number} was not reassigned: `));
    expect(await assigneeOf(number)).to.equal(colleague.email.toLowerCase());
  });
});
