/**
 * The agent ticket page tests' shared steps: the demo L1 agent (db/seed.ts) signed in on the staff
 * pages in chromium, requesters with a verified portal account, and tickets they file through the
 * API (classified before the test goes on).
 */
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { Page } from 'playwright-core';
import { seedReferenceData } from '../../db/seed.ts';
import { ARGON2_OPTIONS, type UserRecord } from '../../db/users-repo.ts';
import { signInStaffInBrowser } from '../support/admin-browser.ts';
import type { TestEnv } from '../support/env.ts';
import { request } from '../support/http.ts';
import { waitFor } from '../support/processes.ts';
import { makeUser, PASSWORD, type TestUser } from '../support/staff.ts';

export const DEMO_L1_AGENT = 'l1.agent@example.com';
export const DEMO_L2_AGENT = 'l2.agent@example.com';

/**
 * A demo agent ready to sign in with {@link PASSWORD} in `locale`: the demo's teams and users seeded
 * (once per database), the agent in their demo team, a fresh enrolment code (any authenticator an
 * earlier test enrolled is reset, as an operator would).
 */
export async function demoAgent(env: TestEnv, email = DEMO_L1_AGENT, locale = 'en'): Promise<TestUser> {
  await seedReferenceData(env.db.sequelize, env.db.vault);
  const known = await env.db.users.findByEmail(email);
  const team = email === DEMO_L2_AGENT ? 'infrastructure' : 'service-desk';
  await env.db.users.upsert({ email, displayName: known?.displayName ?? email, role: 'agent', teamId: team, locale });
  await env.db.users.setPassword(email, await hash(PASSWORD, ARGON2_OPTIONS));
  const user = (await env.db.users.findByEmail(email))!;
  await env.db.users.setLocale(user.id, locale);
  await env.db.staffAuth.reset(user.id, 'cli:test');
  return { ...user, enrolmentCode: (await env.db.staffAuth.issueEnrolmentCode(user.id, 'cli:test')).code };
}

export async function signInDemoAgent(page: Page, env: TestEnv, email = DEMO_L1_AGENT, locale = 'en'): Promise<TestUser> {
  const agent = await demoAgent(env, email, locale);
  await signInStaffInBrowser(page, env.web.url, agent);
  return agent;
}

/** A requester with a verified portal account (so "my tickets" and a ticket's page are theirs). */
export async function portalRequester(env: TestEnv, locale: string): Promise<UserRecord> {
  const user = await makeUser(env.db, 'requester', `req${locale}`, locale);
  await env.db.sequelize.query(`UPDATE users SET email_verified_at = now() WHERE id = :id`, { replacements: { id: user.id } });
  return (await env.db.users.findById(user.id))!;
}

/** Files a ticket for the requester through the API with their token and waits until the rules classified it. */
export async function fileTicket(env: TestEnv, requester: { email: string }, t: { title: string; description: string; locale: string; category?: string }): Promise<string> {
  const token = await env.tokenFor(requester.email, 'requester');
  const r = await request(env.web.url, 'POST', '/api/v1/tickets', {
    token,
    headers: { 'Idempotency-Key': randomUUID() },
    body: { title: t.title, description: t.description, locale: t.locale, impact: 'medium', urgency: 'medium', category: t.category ?? 'network', channel: 'portal' },
  });
  if (r.status !== 201 && r.status !== 202) throw new Error(`filing answered ${r.status}: ${JSON.stringify(r.body)}`);
  const number = (r.body as { number: string }).number;
  await waitFor('classification', async () => (await env.db.tickets.get(number))?.sla, 30_000);
  return number;
}

/** Signs a requester in on the portal (another browser context than the agent's). */
export async function signInRequester(page: Page, url: string, requester: { email: string }): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.fill('#email', requester.email);
  await page.fill('#password', PASSWORD);
  await page.click('main form[action="/sign-in"] button[type="submit"]');
  await page.waitForLoadState('load');
}
