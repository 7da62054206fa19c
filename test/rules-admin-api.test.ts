/**
 * Rules administration through the REST API, as a process owner's script uses it: a draft from
 * the active version, saved with a stale revision (409), an invalid draft's problems in the
 * request language and its publication refused with 422 (nothing published), two drafts from
 * the same base (the second publication 409 with the three-way diff, nothing published), the
 * diff in words, a rollback, and every change in the audit log with its actor.
 */
import { expect } from 'chai';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read as the OpenAPI document describes them
type Json = Record<string, any>;

describe('rules administration API: drafts, 422 and 409 refusals, diff, rollback, audit', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;
  let token: string;
  let ownerId: number;
  const api = (method: string, path: string, body?: unknown, lang = 'en') =>
    request<Json>(stack.web.url, method, `/api/v1/rules${path}`, { token, body, headers: { 'Accept-Language': lang } });
  const withSilverP2 = (source: string, resolution: string) => {
    const file = JSON.parse(source) as Json;
    file.slaPolicies.find((p: Json) => p.id === 'silver-p2').resolution = resolution;
    return file;
  };

  before(async () => {
    stack = await isolatedStack('rules-admin-api');
    token = await stack.tokenFor('olga.owner@example.com', 'process_owner');
    ownerId = (await stack.db.users.findByEmail('olga.owner@example.com'))!.id;
  });

  it('starts a draft from the active version, saves it, and refuses a save from an older revision with 409', async () => {
    const created = await api('POST', '/drafts', { title: 'Shorter P2 for silver' });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ baseVersion: 1, revision: 1, status: 'draft' });
    const saved = await api('PUT', `/drafts/${created.body.id}`, { revision: 1, content: withSilverP2(created.body.source, '4h') });
    expect(saved.status).to.equal(200);
    expect(saved.body.revision).to.equal(2);
    expect(saved.body.review).to.deep.include({ errors: 0 });
    const stale = await api('PUT', `/drafts/${created.body.id}`, { revision: 1, content: withSilverP2(created.body.source, '5h') });
    expect(stale.status).to.equal(409);
    expect(stale.body.error.code).to.equal('DRAFT_CHANGED');
    expect((await api('GET', `/drafts/${created.body.id}`)).body.source).to.include('"resolution": "4h"');
  });

  it('an invalid draft says what is wrong in the request language, and publishing it answers 422 and publishes nothing', async () => {
    const created = await api('POST', '/drafts', { title: 'Broken' });
    const file = JSON.parse(created.body.source) as Json;
    file.slaPolicies[0].calendar = 'mars-base';
    file.calendars['warsaw-business'].hours.mon = [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '16:00' }];
    const saved = await api('PUT', `/drafts/${created.body.id}`, { revision: 1, content: file }, 'pl');
    const problems = saved.body.review.problems as Json[];
    const calendar = problems.find((p) => p.path === '$.slaPolicies[0].calendar');
    expect(calendar, JSON.stringify(problems)).to.not.equal(undefined);
    expect(calendar!.message).to.include('mars-base');
    expect(calendar!.message).to.not.equal(calendar!.params.message);
    expect(problems.some((p) => p.path.startsWith("$.calendars['warsaw-business'].hours.mon") || p.path.startsWith('$.calendars.warsaw-business'))).to.equal(true);
    const before = (await api('GET', '/versions')).body.versions.length;
    const refused = await api('POST', `/drafts/${created.body.id}/publish`, { revision: 2, comment: 'try' }, 'de');
    expect(refused.status).to.equal(422);
    expect(refused.body.error.code).to.equal('RULES_INVALID');
    expect(refused.body.error.problems.length).to.be.greaterThan(0);
    expect((await api('GET', '/versions')).body.versions.length).to.equal(before);
    expect((await api('GET', `/drafts/${created.body.id}`)).body.status).to.equal('draft');
  });

  it('two drafts from the same base: the first publishes, the second answers 409 with the three-way diff and publishes nothing', async () => {
    const a = await api('POST', '/drafts', { title: 'A' });
    const b = await api('POST', '/drafts', { title: 'B' });
    await api('PUT', `/drafts/${a.body.id}`, { revision: 1, content: withSilverP2(a.body.source, '4h') });
    const fileB = JSON.parse(b.body.source) as Json;
    fileB.slaPolicies.find((p: Json) => p.id === 'silver-p2').resolution = '6h';
    await api('PUT', `/drafts/${b.body.id}`, { revision: 1, content: fileB });

    const first = await api('POST', `/drafts/${a.body.id}/publish`, { revision: 2, comment: 'Silver customers asked for it' });
    expect(first.status).to.equal(201);
    const published = first.body.version as number;
    expect(first.body.changes.map((c: Json) => c.text)).to.include('P2 resolution (silver) 9h → 4h');

    const second = await api('POST', `/drafts/${b.body.id}/publish`, { revision: 2, comment: 'Also' });
    expect(second.status).to.equal(409);
    expect(second.body.error.code).to.equal('BASE_OUTDATED');
    expect(second.body.error.diff).to.include({ base: 1, active: published });
    expect(second.body.error.diff.theirs.map((c: Json) => c.text)).to.include('P2 resolution (silver) 9h → 4h');
    expect(second.body.error.diff.ours.map((c: Json) => c.text)).to.include('P2 resolution (silver) 9h → 6h');
    expect(second.body.error.diff.conflicts).to.include("$.slaPolicies[5].resolution");
    expect((await stack.db.rules.active()).version).to.equal(published);
    expect((await api('GET', `/drafts/${b.body.id}`)).body.status).to.equal('draft');
  });

  it('the diff in words between two versions, and a rollback as a new version', async () => {
    const active = (await stack.db.rules.active()).version;
    const diff = await api('GET', `/versions/1/diff/${active}`);
    expect(diff.body.changes.map((c: Json) => c.text)).to.include('P2 resolution (silver) 9h → 4h');
    const back = await api('POST', '/versions/1/rollback', { comment: 'Back to the shipped targets' });
    expect(back.status).to.equal(201);
    expect(back.body.version).to.equal(active + 1);
    expect(back.body.changes.map((c: Json) => c.text)).to.include('P2 resolution (silver) 4h → 9h');
    const version = await api('GET', `/versions/${active + 1}`);
    expect(version.body).to.include({ rolledBackFrom: 1, author: `user:${ownerId}` });
  });

  it('every change is in the audit log with the actor', async () => {
    const entries = await stack.db.audit.list(200);
    const mine = entries.filter((e) => e.actor === `user:${ownerId}`).map((e) => e.action);
    expect(mine).to.include.members(['rules.draft_created', 'rules.draft_saved', 'rules.published', 'rules.rolled_back']);
    const published = entries.find((e) => e.action === 'rules.published')!;
    expect(JSON.stringify(published.details)).to.include('P2 resolution (silver) 9h → 4h');
  });

  it('checks a file without a draft, and tries a sample under a draft', async () => {
    const created = await api('POST', '/drafts', { title: 'Try' });
    await api('PUT', `/drafts/${created.body.id}`, { revision: 1, content: withSilverP2(created.body.source, '3h') });
    const tried = await api('POST', `/drafts/${created.body.id}/try`, { sample: { title: 'VPN drops', impact: 'medium', urgency: 'high', requester: { serviceLevel: 'silver' } } });
    expect(tried.status).to.equal(200);
    expect(tried.body.differences).to.include('policy');
    expect(tried.body.draft.outcome.policy.resolution).to.equal('3h');
    const checked = await api('POST', '/checks', { source: '{"name": 1}' }, 'pl');
    expect(checked.status).to.equal(200);
    expect(checked.body.errors).to.be.greaterThan(0);
  });

  it('having seen the 409, a draft from an older version is published over the newer one when asked, and refused again if yet another came since', async () => {
    const old = await api('POST', '/drafts', { title: 'From version 1', from: 1 });
    const file = JSON.parse(old.body.source) as Json;
    file.slaPolicies.find((p: Json) => p.id === 'gold-p1').response = '10m';
    await api('PUT', `/drafts/${old.body.id}`, { revision: 1, content: file });
    const refused = await api('POST', `/drafts/${old.body.id}/publish`, { revision: 2, comment: 'Gold P1 faster' });
    expect(refused.status).to.equal(409);
    const active = refused.body.error.diff.active as number;
    expect(active).to.equal((await stack.db.rules.active()).version);
    const stale = await api('POST', `/drafts/${old.body.id}/publish`, { revision: 2, comment: 'Gold P1 faster', over: active - 1 });
    expect(stale.status).to.equal(409);
    const over = await api('POST', `/drafts/${old.body.id}/publish`, { revision: 2, comment: 'Gold P1 faster', over: active });
    expect(over.status).to.equal(201);
    expect(over.body.version).to.equal(active + 1);
    expect(over.body.changes.map((c: Json) => c.text)).to.include('P1 response (gold) 15m → 10m');
  });
});
