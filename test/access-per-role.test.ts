/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are inspected field by field */
/**
 * What each role reads of a ticket, on every route that answers with one and on the
 * portal's ticket page (in a real browser): an agent's internal note and the rules'
 * explanation never reach the requester; agents, process owners, admins and auditors
 * see both.
 */
import { expect } from 'chai';
import { hash } from '@node-rs/argon2';
import type { Browser, Page } from 'playwright-core';
import { PUBLIC_EVENTS } from '../api/access.ts';
import { ARGON2_OPTIONS } from '../db/users-repo.ts';
import { launchChromium } from './support/browser.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import type { TestRole } from './support/users.ts';

const NOTE = 'INTERNAL NOTE: the requester’s laptop is on the watch list';
const ANSWER = 'Please reinstall the VPN client from the software centre.';
/** A rule of the shipped default rules that fires for a VPN problem. */
const RULE = 'Network problems to Infrastructure';
const PUBLIC_KEYS = ['category', 'channel', 'createdAt', 'description', 'impact', 'locale', 'number', 'requesterEmail', 'sla', 'status', 'timeline', 'title', 'updatedAt', 'urgency'];
const STAFF: TestRole[] = ['agent', 'process_owner', 'admin', 'auditor'];
const PASSWORD = 'a long portal password';

describe('what each role reads of a ticket: a requester its public side, staff all of it', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let browser: Browser | undefined;
  const requester = 'reader.requester@example.com';
  let token: Record<TestRole, string>;
  let number: string;

  const get = (path: string, role: TestRole) => request(env.web.url, 'GET', path, { token: token[role] });
  const act = (n: string, action: string, body: unknown, role: TestRole = 'agent') => request(env.web.url, 'POST', `/api/v1/tickets/${n}/actions/${action}`, { body, token: token[role] });

  before(async () => {
    env = await getEnv();
    token = {
      requester: await env.tokenFor(requester, 'requester'),
      agent: env.agentToken,
      process_owner: await env.tokenFor('reader.owner@example.com', 'process_owner'),
      admin: await env.tokenFor('reader.admin@example.com', 'admin'),
      auditor: await env.tokenFor('reader.auditor@example.com', 'auditor'),
    };
    // An agent files the ticket for the requester, writes an internal note and answers publicly.
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title: 'VPN drops every few minutes', description: 'Since this morning, at home.', requesterEmail: requester } });
    expect(created.status).to.equal(201);
    number = created.body.number;
    await waitFor('classification', async () => (await env.db.tickets.get(number))?.sla);
    expect((await act(number, 'comment', { message: NOTE })).status).to.equal(200);
    expect((await act(number, 'respond', { message: ANSWER })).status).to.equal(200);
  });

  after(async () => {
    await browser?.close();
  });

  it('when the requester reads the ticket, then it has the public side only: the answer, not the internal note, the rules’ explanation or staff addresses', async () => {
    const res = await get(`/api/v1/tickets/${number}`, 'requester');
    expect(res.status).to.equal(200);
    const text = JSON.stringify(res.body);
    expect(text).to.include(ANSWER);
    for (const hidden of [NOTE, RULE, 'rulesHash', 'agent@example.com', `ticket-${number}`, 'infrastructure']) expect(text, hidden).not.to.include(hidden);
    expect(Object.keys(res.body).sort()).to.deep.equal(PUBLIC_KEYS);
    expect(Object.keys(res.body.sla).sort()).to.deep.equal(['businessHours', 'paused', 'resolutionDueAt', 'resolutionTargetMs', 'responded', 'responseDueAt', 'responseTargetMs']);
    const types = res.body.timeline.map((e: any) => e.type);
    expect(types).to.deep.equal(['created', 'responded']);
    for (const t of types) expect(PUBLIC_EVENTS).to.include(t);
    // Who acted, as the portal says it: the support team filed it and answered.
    expect(res.body.timeline.map((e: any) => e.actor)).to.deep.equal(['support', 'support']);
    expect(res.body.timeline[1].data).to.deep.equal({ message: ANSWER });
  });

  for (const role of STAFF) {
    it(`when a staff member (${role}) reads the ticket, then it is all there: the internal note, the rules’ explanation, routing and who filed it`, async () => {
      const res = await get(`/api/v1/tickets/${number}`, role);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ workflowId: `ticket-${number}`, requesterEmail: requester, filedBy: 'agent@example.com', teamId: 'infrastructure' });
      expect(res.body.priority).to.be.a('string');
      expect(res.body.rulesVersion).to.be.a('number');
      const byType = (type: string) => res.body.timeline.find((e: any) => e.type === type);
      expect(byType('commented')).to.deep.include({ actor: 'agent@example.com', data: { message: NOTE, public: false } });
      expect(byType('classified').data.fired.map((f: any) => f.rule)).to.include(RULE);
      expect(byType('classified').data.rulesHash).to.be.a('string');
      expect(byType('created')).to.deep.include({ actor: 'agent@example.com' });
      expect(byType('created').data).to.include({ requester });
    });
  }

  it('when an action answers, intake answers 201 or the SLA is asked for, then the same rule shapes the answer', async () => {
    // The answer of an action: the agent's is whole, the requester's public.
    const resolved = await act(number, 'resolve', { code: 'workaround', note: 'Reinstalled the client.' });
    expect(resolved.status).to.equal(200);
    expect(JSON.stringify(resolved.body)).to.include(NOTE);
    const reopened = await act(number, 'reopen', { reason: 'It dropped again.' }, 'requester');
    expect(reopened.status).to.equal(200);
    expect(Object.keys(reopened.body).sort()).to.deep.equal(PUBLIC_KEYS);
    expect(JSON.stringify(reopened.body)).not.to.include(NOTE);
    expect(reopened.body.timeline.at(-1)).to.deep.include({ type: 'reopened', actor: 'requester', reason: 'It dropped again.' });
    // The resolution's note is addressed to the requester; its code too.
    expect(reopened.body.timeline.find((e: any) => e.type === 'resolved')).to.deep.include({ reason: 'Reinstalled the client.', data: { code: 'workaround', from: 'new', to: 'resolved', autoCloseAt: reopened.body.timeline.find((e: any) => e.type === 'resolved').data.autoCloseAt } });

    // Intake's 201: a requester filing for themselves gets the public side; an agent the whole ticket.
    const own = await request(env.web.url, 'POST', '/api/v1/tickets', { token: token.requester, body: { title: 'Printer jam', description: 'Floor 2.' } });
    expect(own.status).to.equal(201);
    expect(Object.keys(own.body).sort()).to.deep.equal(PUBLIC_KEYS);
    expect(own.body.timeline).to.deep.equal([{ seq: 1, type: 'created', actor: 'requester', reason: null, data: { channel: 'api', impact: 'low', urgency: 'medium', category: null }, occurredAt: own.body.timeline[0].occurredAt }]);
    const filed = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title: 'Printer jam', description: 'Floor 3.', requesterEmail: requester } });
    expect(filed.status).to.equal(201);
    expect(filed.body).to.include({ filedBy: 'agent@example.com', workflowId: `ticket-${filed.body.number}` });

    // The SLA clocks: staff see the policy and calendar, warnings and breaches; the requester targets and time.
    const staffSla = await get(`/api/v1/tickets/${number}/sla`, 'auditor');
    expect(staffSla.status).to.equal(200);
    expect(staffSla.body.policy).to.be.a('string');
    expect(staffSla.body.clocks[0]).to.have.property('warned');
    const ownSla = await get(`/api/v1/tickets/${number}/sla`, 'requester');
    expect(ownSla.status).to.equal(200);
    expect(Object.keys(ownSla.body).sort()).to.deep.equal(['clocks', 'number']);
    expect(Object.keys(ownSla.body.clocks[0]).sort()).to.deep.equal(['deadlineAt', 'elapsedMs', 'name', 'paused', 'remainingMs', 'startedAt', 'stoppedAt', 'targetMs']);
  });

  it('when the requester signs in to the portal, or someone follows a ticket by its secret link, then the page shows the answer and never the internal note or the rules’ explanation', async () => {
    // The requester has a portal account whose address is proven (an operator made it).
    const users = env.db.users;
    await users.upsert({ email: requester, displayName: 'Reader', role: 'requester', teamId: null, locale: 'en' });
    await users.setPassword(requester, await hash(PASSWORD, ARGON2_OPTIONS));
    browser = await launchChromium();
    const visible = async (page: Page) => ({ text: await page.locator('body').innerText(), html: await page.content() });

    const signedIn = await (await browser.newContext({ baseURL: env.web.url, locale: 'en-GB' })).newPage();
    await signedIn.goto('/sign-in');
    await signedIn.locator('#email').fill(requester);
    await signedIn.locator('#password').fill(PASSWORD);
    await signedIn.locator('form[action="/sign-in"] button[type=submit]').click();
    await signedIn.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await signedIn.goto(`/tickets/${number}`);
    const own = await visible(signedIn);
    expect(own.text).to.include(ANSWER);
    expect(own.text).to.include('It dropped again.');
    for (const hidden of [NOTE, RULE, 'agent@example.com']) {
      expect(own.text, hidden).not.to.include(hidden);
      expect(own.html, hidden).not.to.include(hidden);
    }

    // Reported without an account: the browser that follows the secret link sees the public side too.
    const anon = await (await browser.newContext({ baseURL: env.web.url, locale: 'en-GB' })).newPage();
    await anon.goto('/report');
    await anon.locator('#title').fill('VPN will not connect');
    await anon.locator('#description').fill('The VPN client says the certificate expired.');
    await anon.locator('#category').selectOption('network');
    await anon.locator('input[name=impact][value=low]').check();
    await anon.locator('input[name=urgency][value=high]').check();
    await anon.locator('#email').fill('reader.follower@example.com');
    await anon.locator('#submit-report').click();
    await anon.waitForURL(/\/tickets\/[A-Z]+-\d{4}-\d{6}$/);
    const followed = (await anon.locator('h1 .number').textContent())!.trim();
    const link = (await anon.locator('#follow-link').textContent())!.trim();
    await waitFor('classification', async () => (await env.db.tickets.get(followed))?.sla);
    const note = `${NOTE} (${followed})`;
    expect((await act(followed, 'comment', { message: note })).status).to.equal(200);
    expect((await act(followed, 'respond', { message: ANSWER })).status).to.equal(200);
    const staff = JSON.stringify((await get(`/api/v1/tickets/${followed}`, 'agent')).body);
    expect(staff).to.include(note).and.to.include(RULE);

    const follower = await (await browser.newContext({ baseURL: env.web.url, locale: 'en-GB' })).newPage();
    await follower.goto(new URL(link).pathname);
    await follower.waitForURL(new RegExp(`/tickets/${followed}$`));
    const page = await visible(follower);
    expect(page.text).to.include(ANSWER);
    for (const hidden of [note, RULE, 'agent@example.com']) {
      expect(page.text, hidden).not.to.include(hidden);
      expect(page.html, hidden).not.to.include(hidden);
    }
  });
});
