/* eslint-disable @typescript-eslint/no-explicit-any -- rows and answers are inspected field by field */
/**
 * Shadow mode on real tickets (real Temporal dev server, real PostgreSQL): two drafts in shadow
 * mode — one shortens the silver P2 resolution target from 9h to 4h, one routes printer tickets
 * to Applications — and one whose text was broken after it was switched on. New tickets created
 * through the API follow the active version only (read model and workflow), each has a
 * shadow_decisions row per valid shadow draft with both decisions, and the divergence (API) counts
 * exactly the tickets whose decisions differ, per field and per service level × priority. A
 * re-classification is not shadowed; switching shadow mode off stops recording; the live
 * decision the activity returns is the same with and without shadows.
 */
import { expect } from 'chai';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { QueryTypes } from 'sequelize';
import { createClassifyActivities } from '../activities/classify.ts';
import type { ActivityDeps } from '../activities/deps.ts';
import { differingFields, shadowOutcomeOf } from '../activities/shadow.ts';
import { compileRules, evaluate } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import type { RulesFile, TicketFacts } from '../rules/types.ts';
import { createDrafts } from '../services/rules-admin/drafts.ts';
import { SHADOW_FIELDS } from '../services/rules-admin/shadow.ts';
import { ticketQuery } from '../workflows/messages.ts';
import { workflowIdFor } from '../workflows/types.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { openTicket, waitForEvent } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const SILVER = 'silver.requester@example.com';
const HOUR = 3_600_000;

function fasterSilverP2(active: RulesFile): RulesFile {
  const f = structuredClone(active);
  f.slaPolicies.find((p) => p.id === 'silver-p2')!.resolution = '4h';
  return f;
}

function printersToApplications(active: RulesFile): RulesFile {
  const f = structuredClone(active);
  f.rules.unshift({ name: 'Printers to Applications', priority: 5, conditions: { all: [{ fact: 'keywords', operator: 'containsAny', value: ['printer', 'toner'] }] }, event: { type: 'route', params: { team: 'applications' } } });
  return f;
}

describe('rules admin: shadow mode records both decisions, acts on the live one only, and counts divergences right', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let owner: string;
  let active: RulesFile;
  const drafts: Record<'sla' | 'printers' | 'broken', { id: number; revision: number; file?: RulesFile }> = {} as never;
  const tickets: Array<{ number: string; facts: TicketFacts; createdMs: number }> = [];

  const api = (method: string, path: string, body?: unknown, token = owner) => request(stack.web.url, method, path, { token, ...(body !== undefined ? { body } : {}) });

  /** The drafts' use cases as the admin pages and the API call them. */
  const service = () => createDrafts({ drafts: stack.db.rulesDrafts, rules: stack.db.rules, audit: stack.db.audit });
  let ownerId: number;

  async function newDraft(key: keyof typeof drafts, title: string, file: RulesFile) {
    const made = await api('POST', '/api/v1/rules/drafts', { title });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const saved = await service().save(made.body.id, { revision: made.body.revision, file }, { id: ownerId });
    drafts[key] = { id: made.body.id, revision: saved.revision, file };
  }

  async function setShadow(key: keyof typeof drafts, on: boolean) {
    const res = await api('POST', `/api/v1/rules/drafts/${drafts[key].id}/shadow`, { revision: drafts[key].revision, on });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.status).to.equal(on ? 'shadow' : 'draft');
    drafts[key].revision = res.body.revision;
  }

  const rowsOf = async (draftId: number): Promise<any[]> => stack.db.sequelize.query(
    `SELECT ticket_number, decided_at, active_version, active, shadow, differs FROM shadow_decisions WHERE draft_id = :draftId ORDER BY decided_at, ticket_number`,
    { replacements: { draftId }, type: QueryTypes.SELECT },
  );

  /** Files a ticket through the API and waits for its classification (and its shadow rows, when any are due). */
  async function file(over: Record<string, unknown>, shadowsDue: number[]) {
    const number = await openTicket(stack, over);
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    const t = (await stack.db.tickets.get(number))!;
    const email = (over.requesterEmail as string | undefined) ?? 'requester@example.com';
    tickets.push({
      number,
      createdMs: Date.parse(t.createdAt),
      facts: {
        ticket: { title: t.title, description: t.description, impact: t.impact as never, urgency: t.urgency as never, channel: t.channel, language: t.locale },
        requester: await stack.db.directory.requesterFacts(email),
      },
    });
    for (const id of shadowsDue) {
      await waitFor(`the shadow row of draft ${id} for ${number}`, async () => (await rowsOf(id)).some((r) => r.ticket_number === number) || undefined, 10_000, 50);
    }
    return number;
  }

  /** A file's decision on a ticket, evaluated directly. */
  async function decisionOf(f: RulesFile, t: { facts: TicketFacts; createdMs: number }) {
    return evaluate(compileRules(f, { version: 0, hash: hashRules(f) }), structuredClone(t.facts), t.createdMs);
  }

  before(async () => {
    stack = await isolatedStack('shadow');
    owner = await stack.tokenFor('owner@example.com', 'process_owner');
    ownerId = (await stack.db.users.findByEmail('owner@example.com'))!.id;
    active = (await stack.db.rules.active()).file;
    await stack.tokenFor(SILVER, 'requester');
    await stack.db.sequelize.query(`UPDATE users SET service_level = 'silver' WHERE email_bidx = :bidx`, { replacements: { bidx: await stack.db.vault.blindIndex(SILVER) } });

    await newDraft('sla', 'Silver P2 resolution 4h', fasterSilverP2(active));
    await newDraft('printers', 'Printers to Applications', printersToApplications(active));
    await newDraft('broken', 'Broken later', active);
    for (const key of ['sla', 'printers', 'broken'] as const) await setShadow(key, true);
    // Saved with a broken text while in shadow mode: it stays in shadow mode, and is skipped.
    const broke = await service().save(drafts.broken.id, { revision: drafts.broken.revision, source: '{ "name": "half an edit", ' }, { id: ownerId });
    expect(broke.status).to.equal('shadow');
    expect(broke.review.file).to.equal(undefined);

    const both = [drafts.sla.id, drafts.printers.id];
    await file({ title: 'Payroll export fails', description: 'Since the update.', impact: 'high', urgency: 'medium', requesterEmail: SILVER }, both);
    await file({ title: 'Printer jams on every page', description: 'Second floor.', impact: 'medium', urgency: 'high', requesterEmail: SILVER }, both);
    await file({ title: 'Printer out of toner', description: 'Room 12.', impact: 'low', urgency: 'low' }, both);
    await file({ title: 'Mouse broken', description: 'Left button.', impact: 'low', urgency: 'low' }, both);
    await file({ title: 'Laptop slow', description: 'Very slow.', impact: 'low', urgency: 'high', requesterEmail: SILVER }, both);
    await file({ title: 'Shared drive unreachable', description: 'Whole team.', impact: 'medium', urgency: 'high', requesterEmail: SILVER }, both);
  });

  it('gives every new ticket the active version\'s decision, in the read model and in its workflow', async () => {
    for (const t of tickets) {
      const live = await decisionOf(active, t);
      const row = (await stack.db.tickets.get(t.number))!;
      expect([row.priority, row.teamId, row.tier, row.sla?.policyId, row.sla?.resolutionTargetMs], t.number).to.deep.equal([live.priority, live.team, live.tier, live.policy.id, live.policy.resolutionMs]);
      const wf = await stack.client.workflow.getHandle(workflowIdFor(t.number)).query(ticketQuery);
      expect([wf.priority, wf.teamId, wf.tier, wf.sla?.policyId, wf.sla?.resolutionTargetMs], t.number).to.deep.equal([live.priority, live.team, live.tier, live.policy.id, live.policy.resolutionMs]);
      const classified = (await stack.db.tickets.get(t.number))!.timeline.find((e) => e.type === 'classified')!;
      expect(classified.data.rulesVersion).to.equal(1);
    }
    // The two silver P2 tickets keep 9h, the printer tickets the Service Desk: nothing of the shadows was acted on.
    const silverP2 = tickets.filter((_, i) => i === 0 || i === 1 || i === 5);
    for (const t of silverP2) expect((await stack.db.tickets.get(t.number))!.sla?.resolutionTargetMs).to.equal(9 * HOUR);
    expect((await stack.db.tickets.get(tickets[1]!.number))!.teamId).to.equal('service-desk');
    expect((await stack.db.tickets.get(tickets[2]!.number))!.teamId).to.equal('service-desk');
  });

  it('records a row per valid shadow draft and ticket with both decisions and the fields that differ; a broken draft records nothing', async () => {
    for (const key of ['sla', 'printers'] as const) {
      const rows = await rowsOf(drafts[key].id);
      expect(rows.map((r) => r.ticket_number).sort(), key).to.deep.equal(tickets.map((t) => t.number).sort());
      for (const r of rows) {
        const t = tickets.find((x) => x.number === r.ticket_number)!;
        const live = shadowOutcomeOf(await decisionOf(active, t));
        const shadow = shadowOutcomeOf(await decisionOf(drafts[key].file!, t));
        expect(r.active, `${key} ${t.number} live`).to.deep.equal(live);
        const { revision, ...shadowSide } = r.shadow;
        expect(shadowSide, `${key} ${t.number} shadow`).to.deep.equal(shadow);
        expect(revision).to.equal(drafts[key].revision);
        expect(r.differs).to.deep.equal(differingFields(live, shadow));
        expect(r.active_version).to.equal(1);
        expect(new Date(r.decided_at).getTime()).to.equal(t.createdMs);
      }
    }
    expect(await rowsOf(drafts.broken.id)).to.deep.equal([]);
  });

  it('counts the divergence: 3 of 6 tickets on the resolution target (the silver P2 ones), 2 of 6 on the team (the printers), per field and per cell', async () => {
    const sla = await api('GET', `/api/v1/rules/drafts/${drafts.sla.id}/shadow`);
    expect(sla.status).to.equal(200);
    expect([sla.body.running, sla.body.decided, sla.body.diverged]).to.deep.equal([true, 6, 3]);
    expect(sla.body.since).to.be.a('string');
    expect(Object.entries(sla.body.byField).filter(([, n]) => n !== 0)).to.deep.equal([['resolutionMs', 3]]);
    expect(sla.body.byCell.find((c: any) => c.serviceLevel === 'silver' && c.priority === 'P2')).to.deep.equal({ serviceLevel: 'silver', priority: 'P2', decided: 3, diverged: 3 });
    expect(sla.body.byCell.reduce((n: number, c: any) => n + c.decided, 0)).to.equal(6);
    expect(sla.body.byCell.reduce((n: number, c: any) => n + c.diverged, 0)).to.equal(3);
    // Newest first, with both decisions: 9h live, 4h in the shadow.
    expect(sla.body.examples.map((e: any) => e.ticketNumber)).to.deep.equal([tickets[5]!.number, tickets[1]!.number, tickets[0]!.number]);
    expect(sla.body.examples.map((e: any) => [e.active.resolutionMs, e.shadow.resolutionMs, e.differs])).to.deep.equal(Array(3).fill([9 * HOUR, 4 * HOUR, ['resolutionMs']]));

    const printers = await api('GET', `/api/v1/rules/drafts/${drafts.printers.id}/shadow?limit=1`);
    expect([printers.body.decided, printers.body.diverged]).to.deep.equal([6, 2]);
    expect(printers.body.byField.team).to.equal(2);
    expect(printers.body.byField.fired).to.equal(2);
    expect(printers.body.byField.resolutionMs).to.equal(0);
    expect(printers.body.examples).to.have.length(1);
    expect(printers.body.examples[0].ticketNumber).to.equal(tickets[2]!.number);
    expect([printers.body.examples[0].active.team, printers.body.examples[0].shadow.team]).to.deep.equal(['service-desk', 'applications']);

    // Every count equals a direct comparison of the two decisions.
    for (const key of ['sla', 'printers'] as const) {
      const body = (await api('GET', `/api/v1/rules/drafts/${drafts[key].id}/shadow`)).body;
      const differs = await Promise.all(tickets.map(async (t) => differingFields(shadowOutcomeOf(await decisionOf(active, t)), shadowOutcomeOf(await decisionOf(drafts[key].file!, t)))));
      expect(body.diverged).to.equal(differs.filter((d) => d.length > 0).length);
      for (const f of SHADOW_FIELDS) expect(body.byField[f], `${key} ${f}`).to.equal(differs.filter((d) => d.includes(f)).length);
    }
  });

  it('answers as the OpenAPI document says, 404 for an unknown draft, 422 for a bad limit and 403 to an agent', async () => {
    const doc = (await request(stack.web.url, 'GET', '/api/v1/openapi.json')).body;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
    const responses = doc.paths['/api/v1/rules/drafts/{id}/shadow'].get.responses;
    const check = (res: { status: number; body: unknown }) => {
      const validate = ajv.getSchema(`openapi${responses[String(res.status)].content['application/json'].schema.$ref}`)!;
      expect(validate(res.body), ajv.errorsText(validate.errors)).to.equal(true);
    };
    check(await api('GET', `/api/v1/rules/drafts/${drafts.sla.id}/shadow`));
    check(await api('GET', `/api/v1/rules/drafts/${drafts.broken.id}/shadow`));
    const missing = await api('GET', '/api/v1/rules/drafts/999999/shadow');
    expect(missing.status).to.equal(404);
    check(missing);
    const bad = await request(stack.web.url, 'GET', `/api/v1/rules/drafts/${drafts.sla.id}/shadow?limit=1000`, { token: owner, headers: { 'Accept-Language': 'pl' } });
    expect(bad.status).to.equal(422);
    expect(bad.body.error.message).to.match(/od 1 do 100/);
    check(bad);
    expect((await api('GET', `/api/v1/rules/drafts/${drafts.sla.id}/shadow`, undefined, stack.agentToken)).status).to.equal(403);
  });

  it('does not shadow a re-classification', async () => {
    const before = (await rowsOf(drafts.sla.id)).length;
    const number = tickets[0]!.number;
    const res = await request(stack.web.url, 'POST', `/api/v1/tickets/${number}/reclassify`, { token: owner, body: { reason: 'checking shadow mode' } });
    expect(res.status, JSON.stringify(res.body)).to.be.within(200, 202);
    await waitForEvent(stack, number, (e) => e.type === 'reclassified');
    await waitFor('the re-classification\'s decision', async () => ((await stack.db.decisions.forTicket(number)).decisions.some((d) => d.kind === 'reclassified')) || undefined, 10_000, 50);
    expect((await rowsOf(drafts.sla.id)).length).to.equal(before);
  });

  it('returns the same live decision with and without shadow drafts', async () => {
    const t = tickets[1]!;
    const deps = { rules: stack.db.rules, vault: stack.db.vault, directory: stack.db.directory, decisions: stack.db.decisions, shadowDecisions: stack.db.shadowDecisions } as unknown as ActivityDeps;
    const none = { ...deps, shadowDecisions: { ...stack.db.shadowDecisions, shadowDrafts: async () => [] } } as ActivityDeps;
    const input = {
      ticket: { title: t.facts.ticket.title, description: t.facts.ticket.description, category: null, impact: t.facts.ticket.impact, urgency: t.facts.ticket.urgency, channel: t.facts.ticket.channel, language: t.facts.ticket.language },
      requesterEmail: SILVER, number: t.number, atMs: t.createdMs,
    };
    const withShadows = await createClassifyActivities(deps).classifyTicket(input as never);
    const without = await createClassifyActivities(none).classifyTicket(input as never);
    expect(JSON.stringify(withShadows)).to.equal(JSON.stringify(without));
    expect(withShadows.decision.policy.resolutionMs).to.equal(9 * HOUR);
  });

  it('stops recording when shadow mode is switched off', async () => {
    await setShadow('sla', false);
    const number = await file({ title: 'Another silver P2', description: 'Urgent.', impact: 'high', urgency: 'medium', requesterEmail: SILVER }, [drafts.printers.id]);
    expect((await rowsOf(drafts.sla.id)).map((r) => r.ticket_number)).not.to.include(number);
    const sla = (await api('GET', `/api/v1/rules/drafts/${drafts.sla.id}/shadow`)).body;
    expect([sla.running, sla.since, sla.decided, sla.diverged]).to.deep.equal([false, null, 6, 3]);
    expect((await api('GET', `/api/v1/rules/drafts/${drafts.printers.id}/shadow`)).body.decided).to.equal(7);
  });
});
