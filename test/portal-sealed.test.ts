/**
 * The portal's own tables hold no personal data in plain text: attachments (name and bytes),
 * follow links (token row and queued mail) and ratings are sealed per person, and people are
 * pseudonyms — while the requester still sees, downloads and reads all of it, and an erased
 * ticket's attachment answers 410 in the viewer's language.
 */
import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { performTicketAction } from '../services/tickets/actions.ts';
import { actionDeps, getEnv, type TestEnv } from './support/env.ts';
import { csrfOf, decode, hiddenValue, PortalClient, reportForm, textOf } from './portal-client.ts';

/** The portal's tables whose personal data must be sealed. */
const TABLES = ['ticket_attachments', 'requester_tokens', 'notification_outbox', 'ticket_ratings'] as const;

describe('portal: personal data in its own tables is sealed', function () {
  this.timeout(120_000);
  let env: TestEnv;
  const u = randomUUID().slice(0, 8);
  const secret = {
    filename: `Arbeitszeugnis-Kowalczyk-${u}.txt`,
    content: `Vertraulicher Inhalt des Anhangs ${u}: Gehalt 7300 EUR\n`,
    email: `zofia.sealed.${u}@example.com`,
    comment: `Sehr diskreter Kommentar ${u}`,
  };
  let c: PortalClient;
  let number: string;
  let link: string;
  let code: string;

  const rows = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) => env.db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const download = (path: string, lang: string) => fetch(`${env.web.url}${path}`, { headers: { cookie: `hd.sid=${c.cookie('hd.sid')}`, 'accept-language': lang, accept: 'text/html' } });

  /** Every text, bytea and json value of the portal's tables, as strings and as raw bytes, and each row as PostgreSQL prints it (bytea in hex). */
  async function storedValues(): Promise<{ strings: string[]; bytes: Buffer[]; rowTexts: string[] }> {
    const out = { strings: [] as string[], bytes: [] as Buffer[], rowTexts: [] as string[] };
    for (const table of TABLES) {
      const columns = await rows<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = :table AND data_type IN ('text', 'character varying', 'bytea', 'json', 'jsonb')`,
        { table },
      );
      expect(columns.length, table).to.be.greaterThan(1);
      for (const r of await rows<Record<string, unknown>>(`SELECT ${columns.map((col) => `"${col.column_name}"`).join(', ')} FROM ${table}`)) {
        for (const v of Object.values(r)) {
          if (v === null) continue;
          if (Buffer.isBuffer(v)) out.bytes.push(v);
          else out.strings.push(typeof v === 'string' ? v : JSON.stringify(v));
        }
      }
      out.rowTexts.push(...(await rows<{ t: string }>(`SELECT t::text AS t FROM ${table} t`)).map((r) => r.t));
    }
    return out;
  }

  /** Waits until the read model shows the ticket classified (its SLA known), so agents can act on it. */
  async function classified(n: string) {
    for (let i = 0; i < 100; i++) {
      if ((await env.db.tickets.get(n))?.sla) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${n} was not classified`);
  }

  before(async () => {
    env = await getEnv();
    c = new PortalClient(env.web.url, 'en');
  });

  it('when a requester without an account reports with an attachment and rates the resolution, then the page shows the file name, serves the file and shows the rating and comment', async () => {
    const form = await c.get('/report');
    const res = await c.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'access', impact: 'low', urgency: 'medium', title: 'My reference letter cannot be opened', description: 'The attached file shows garbage.', email: secret.email,
    }, [{ name: secret.filename, type: 'text/plain', data: new TextEncoder().encode(secret.content) }]));
    expect(res.status).to.equal(303);
    number = res.location!.split('/').pop()!;
    let page = await c.get(res.location!);
    link = textOf(page.text, 'follow-link')!;
    code = textOf(page.text, 'follow-code')!;
    expect(decode(page.text)).to.include(secret.filename);

    const href = /href="(\/tickets\/[^"]+\/attachments\/\d+)"/.exec(page.text)![1]!;
    const file = await download(href, 'en');
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-disposition')).to.equal(`attachment; filename*=UTF-8''${encodeURIComponent(secret.filename)}`);
    expect(await file.text()).to.equal(secret.content);

    await classified(number);
    await performTicketAction(actionDeps(env), number, { action: 'resolve', actor: 'l1.agent@example.com', code: 'solved', note: 'Sent a new copy.' });
    page = await c.get(`/tickets/${number}`);
    expect((await c.postForm(`/tickets/${number}/rate`, { _csrf: csrfOf(page.text), score: '5', comment: secret.comment })).status).to.equal(303);
    page = await c.get(`/tickets/${number}`);
    expect(textOf(page.text, 'rated')).to.equal('Thank you – you rated this 5 out of 5.');
    expect(textOf(page.text, 'rated-comment')).to.equal(`Your comment: ${secret.comment}`);
  });

  it('then no text, bytea or json column of ticket_attachments, requester_tokens, notification_outbox or ticket_ratings holds the file name, its content, the address, the comment or the follow link — not even in the raw bytes', async () => {
    const { strings, bytes, rowTexts } = await storedValues();
    const plain = [secret.filename, secret.content.trim(), secret.email, secret.comment, link, code];
    for (const s of plain) {
      for (const v of strings) expect(v, s).not.to.include(s);
      for (const b of bytes) expect(b.includes(Buffer.from(s, 'utf8')), `${s} in a bytea`).to.equal(false);
      const hex = Buffer.from(s, 'utf8').toString('hex');
      for (const t of rowTexts) {
        expect(t, s).not.to.include(s);
        expect(t, `${s} as hex`).not.to.include(hex);
      }
    }
    // Each row names the requester by pseudonym, and what is sealed opens for this ticket only.
    const ref = await env.db.vault.knownRef(secret.email);
    expect(ref).to.be.a('string');
    const [att] = await rows<{ filename: string; uploaded_by: string; size_bytes: number; data: Buffer; sha256: string }>(`SELECT filename, uploaded_by, size_bytes, data, sha256 FROM ticket_attachments WHERE ticket_number = :number`, { number });
    expect(att).to.include({ uploaded_by: ref, size_bytes: Buffer.byteLength(secret.content) });
    // What recognises the file sent again is keyed: the plain SHA-256 of a file someone knows finds nothing.
    const plainDigest = createHash('sha256').update(secret.content).digest('hex');
    expect(att!.sha256).not.to.equal(plainDigest);
    expect(att!.sha256).to.equal(await env.db.vault.fingerprint(`attachment|${number}|${plainDigest}`));
    expect(await rows(`SELECT 1 FROM ticket_attachments WHERE sha256 = :plainDigest`, { plainDigest })).to.deep.equal([]);
    expect(await env.db.vault.open(att!.filename, 'filename', number)).to.equal(secret.filename);
    const [token] = await rows<{ email: string }>(`SELECT email FROM requester_tokens WHERE ticket_number = :number`, { number });
    expect(token!.email).to.equal(ref);
    const [mail] = await rows<{ payload: { requester: string; link: string; locale: string } }>(`SELECT payload FROM notification_outbox WHERE ticket_number = :number AND kind = 'follow_link'`, { number });
    expect(Object.keys(mail!.payload).sort()).to.deep.equal(['link', 'locale', 'requester']);
    expect(mail!.payload).to.include({ requester: ref, locale: 'en' });
    expect(await env.db.vault.open(mail!.payload.link, 'link', number)).to.equal(link);
    const [rating] = await rows<{ rated_by: string; comment: string }>(`SELECT rated_by, comment FROM ticket_ratings WHERE ticket_number = :number`, { number });
    expect(rating!.rated_by).to.equal(ref);
    expect(await env.db.vault.open(rating!.comment, 'comment', number)).to.equal(secret.comment);
  });

  it('when the same report with the same file is sent twice at once, then the ticket keeps the file once', async () => {
    const d = new PortalClient(env.web.url, 'en');
    const form = await d.get('/report');
    const fields = {
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'software', impact: 'low', urgency: 'low', title: 'Crash log attached', description: 'The editor crashes on start.', email: `twice.${u}@example.com`,
    };
    const files = [{ name: `crash-${u}.log`, type: 'text/plain', data: new TextEncoder().encode(`stack trace ${u}`) }];
    const [a, b] = await Promise.all([d.postMultipart('/report', reportForm(fields, files)), d.postMultipart('/report', reportForm(fields, files))]);
    expect([a.status, b.status]).to.deep.equal([303, 303]);
    expect(a.location).to.equal(b.location);
    const twice = a.location!.split('/').pop()!;
    expect(await rows(`SELECT 1 FROM ticket_attachments WHERE ticket_number = :twice`, { twice })).to.have.length(1);
    expect(decode((await d.get(a.location!)).text).split(`crash-${u}.log`)).to.have.length(2);

    // A row from before fingerprints holds the plain SHA-256: the same file sent again is still recognised.
    await env.db.sequelize.query(`UPDATE ticket_attachments SET sha256 = :plain WHERE ticket_number = :twice`, { replacements: { plain: createHash('sha256').update(files[0]!.data).digest('hex'), twice } });
    const again = await d.postMultipart('/report', reportForm(fields, files));
    expect([again.status, again.location]).to.deep.equal([303, a.location]);
    expect(await rows(`SELECT 1 FROM ticket_attachments WHERE ticket_number = :twice`, { twice })).to.have.length(1);
  });

  it('when the ticket\'s personal data is erased, then the page shows the attachment and the comment as erased, and the download answers 410 with a sentence in the viewer\'s language', async () => {
    const ref = (await env.db.vault.knownRef(secret.email))!;
    const keys = (await env.db.persons.keysOf(ref)).filter((k) => k.scope === `ticket:${number}`).map((k) => k.id);
    expect(keys).to.have.length(1);
    await env.db.persons.destroyKeys(keys, 'erasure');
    env.db.vault.forget(keys);

    const page = await c.get(`/tickets/${number}`);
    expect(page.status).to.equal(200);
    expect(decode(page.text)).not.to.include(secret.filename);
    expect(decode(page.text)).to.include('[erased attachment]');
    expect(page.text).not.to.match(/href="\/tickets\/[^"]+\/attachments\/\d+"/);
    expect(textOf(page.text, 'rated-comment')).to.equal('Your comment: [erased]');

    const [att] = await rows<{ id: string }>(`SELECT id::text AS id FROM ticket_attachments WHERE ticket_number = :number`, { number });
    const path = `/tickets/${number}/attachments/${att!.id}`;
    const sentences: Record<string, string> = {
      pl: 'Ten załącznik został usunięty razem z danymi osobowymi tego zgłoszenia i nie można go już pobrać. Jeśli plik jest nadal potrzebny, zgłoś problem ponownie i dołącz go do zgłoszenia.',
      en: 'This attachment was erased with this ticket’s personal data and can no longer be downloaded. If the file is still needed, report the problem again with the file attached.',
      de: 'Dieser Anhang wurde mit den personenbezogenen Daten dieses Tickets gelöscht und kann nicht mehr heruntergeladen werden. Wenn Sie die Datei noch brauchen, melden Sie das Problem bitte erneut und hängen Sie sie an.',
    };
    for (const [lang, sentence] of Object.entries(sentences)) {
      const gone = await download(path, lang);
      expect(gone.status, lang).to.equal(410);
      const html = await gone.text();
      expect(textOf(html, 'error-message'), lang).to.equal(sentence);
      expect(html).not.to.include(secret.content.trim());
    }
  });
});
