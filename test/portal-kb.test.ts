import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { createKbRepo, polishPrefix, tsQueryText } from '../db/kb-repo.ts';
import { seedKnowledgeBase } from '../db/kb-seed.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { decode, PortalClient, textOf } from './portal-client.ts';

describe('portal: knowledge base', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let kb: ReturnType<typeof createKbRepo>;

  before(async () => {
    env = await getEnv();
    await seedKnowledgeBase(env.db.sequelize);
    // A second run changes nothing (the seed runs on every start).
    await seedKnowledgeBase(env.db.sequelize);
    kb = createKbRepo(env.db.sequelize);
  });

  it('Polish words are matched by a shared prefix, since PostgreSQL has no Polish stemmer', () => {
    expect(polishPrefix('drukarka')).to.equal('drukar');
    expect(tsQueryText(['drukarki', 'nie', 'drukuje'], 'pl')).to.equal('drukar:* | druku:*');
    expect(tsQueryText(['printers'], 'en')).to.equal('printers:*');
  });

  it('when searching in each language, then the language’s own configuration finds inflected words', async () => {
    expect((await kb.search('printers not printing', 'en')).map((a) => a.slug)[0]).to.equal('printer-not-printing');
    expect((await kb.search('Druckers', 'de')).map((a) => a.slug)[0]).to.equal('printer-not-printing');
    expect((await kb.search('drukarki nie drukują', 'pl')).map((a) => a.slug)[0]).to.equal('printer-not-printing');
    expect((await kb.search('hasła', 'pl')).map((a) => a.slug)).to.include('reset-password');
    expect((await kb.search('VPN', 'de'))[0]).to.include({ slug: 'vpn-disconnects', language: 'de', fallback: false });
    expect(await kb.search('   ', 'en')).to.deep.equal([]);
  });

  it('when a hyphenated word is typed without its hyphen, then "wifi" finds "Wi-Fi" in every language', async () => {
    expect((await kb.search('wifi', 'en')).map((a) => a.slug)).to.include('guest-wifi');
    expect((await kb.search('wifi dla gości', 'pl'))[0]).to.include({ slug: 'guest-wifi', language: 'pl', fallback: false });
    expect((await kb.search('Wi-Fi', 'en')).map((a) => a.slug)).to.include('guest-wifi');
    expect((await kb.search('wifi', 'de')).find((a) => a.slug === 'guest-wifi')).to.include({ language: 'en', fallback: true });
  });

  it('when nothing in the reader’s language matches, then the other languages’ articles are searched and marked as such', async () => {
    const found = await kb.search('printer', 'de');
    expect(found[0]).to.include({ slug: 'printer-not-printing', language: 'en', fallback: true });
    const page = await new PortalClient(env.web.url, 'de').get('/kb?q=printer');
    expect(page.status).to.equal(200);
    expect(decode(page.text)).to.include('auf Englisch');
    // A match in the reader's own language is preferred: no fallback is mixed in.
    expect((await kb.search('Drucker', 'de')).every((a) => !a.fallback)).to.equal(true);
  });

  it('when an article is missing in the reader’s language, then another language stands in, marked as such', async () => {
    const c = new PortalClient(env.web.url, 'de');
    const list = await c.get('/kb?category=network');
    expect(decode(list.text)).to.include('Wi-Fi for guests');
    expect(decode(list.text)).to.include('auf Englisch');
    const page = await c.get('/kb/guest-wifi');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('<article lang="en">');
    expect(decode(page.text)).to.include('Dieser Artikel ist in Ihrer Sprache noch nicht verfügbar.');
    const pl = await new PortalClient(env.web.url, 'pl').get('/kb/guest-wifi');
    expect(pl.text).to.include('<article lang="pl">');
    expect((await c.get('/kb/no-such-article')).status).to.equal(404);
  });

  it('while a title is typed, then the suggestion endpoint answers articles in the requester’s language as JSON', async () => {
    const res = await fetch(`${env.web.url}/kb/suggest?q=${encodeURIComponent('VPN rozłącza')}`, { headers: { accept: 'application/json', 'accept-language': 'pl' } });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { language: string; articles: Array<{ slug: string; title: string; url: string; fallback: string | null }> };
    expect(body.language).to.equal('pl');
    expect(body.articles[0]).to.deep.include({ slug: 'vpn-disconnects', title: 'VPN rozłącza się co kilka minut', fallback: null });
    expect(body.articles[0]!.url).to.equal('/kb/vpn-disconnects?q=VPN%20roz%C5%82%C4%85cza');
  });

  it('without JavaScript, "search the knowledge base first" shows the suggestions on the report page', async () => {
    const c = new PortalClient(env.web.url, 'de');
    const page = await c.get(`/report?title=${encodeURIComponent('Drucker druckt nicht')}`);
    expect(page.status).to.equal(200);
    expect(decode(page.text)).to.include('Diese Artikel könnten helfen');
    expect(decode(page.text)).to.include('Der Drucker druckt nicht');
    // The form's token does not stay in the address.
    const viaButton = await c.get(`/report?_csrf=abc&idempotencyKey=x&title=Drucker&impact=low`);
    expect(viaButton.status).to.equal(303);
    expect(viaButton.location).to.equal('/report?title=Drucker&impact=low');
  });

  it('when an article solves the problem, then the deflection is counted, no ticket is created, and "was this helpful?" is recorded', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const article = await kb.get('reset-password', 'en');
    const [deflections, tickets] = [await kb.deflectionCount(article!.id), await env.db.sequelize.query<{ n: string }>('SELECT count(*)::text AS n FROM intake_requests', { type: QueryTypes.SELECT })];
    const page = await c.get('/kb/reset-password?q=forgot%20password');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const solved = await c.postForm('/kb/reset-password/solved', { _csrf: token, q: 'forgot password' });
    expect(solved.status).to.equal(200);
    expect(textOf(solved.text, 'solved-message')).to.match(/^No ticket was created\./);
    expect(await kb.deflectionCount(article!.id)).to.equal(deflections + 1);
    const after = await env.db.sequelize.query<{ n: string }>('SELECT count(*)::text AS n FROM intake_requests', { type: QueryTypes.SELECT });
    expect(after[0]!.n).to.equal(tickets[0]!.n);

    const vpn = await kb.get('vpn-disconnects', 'en');
    const before = await kb.feedbackCounts(vpn!.id);
    expect((await c.postForm('/kb/vpn-disconnects/feedback', { _csrf: token, helpful: 'no' })).status).to.equal(303);
    // Voting again replaces the vote.
    expect((await c.postForm('/kb/vpn-disconnects/feedback', { _csrf: token, helpful: 'yes' })).status).to.equal(303);
    expect(await kb.feedbackCounts(vpn!.id)).to.deep.equal({ helpful: before.helpful + 1, notHelpful: before.notHelpful });
    expect((await c.postForm('/kb/vpn-disconnects/feedback', { helpful: 'yes' })).status).to.equal(403);
    // The token is checked before the article is looked up: an unknown article answers the CSRF refusal too.
    const unknown = await c.postForm('/kb/no-such-article/feedback', { _csrf: 'forged', helpful: 'yes' });
    expect(unknown.status).to.equal(403);
    expect(textOf(unknown.text, 'error-message')).to.match(/form/i);
    expect((await c.postForm('/kb/no-such-article/solved', { _csrf: 'forged', q: 'x' })).status).to.equal(403);
  });
});
