/**
 * The codec endpoint for the Temporal Web UI (api/codec/): what the UI, the Temporal CLI and a
 * browser see. A real web process on the shared test stack, with the Temporal Web UI's origin
 * allowed, real tokens of real users in PostgreSQL, real encrypted payloads from Temporal.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { QueryTypes } from 'sequelize';
import { payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils.js';
import { SESSION_COOKIE } from '../api/portal/middleware.ts';
import { ConfigError, parseOrigins } from '../runtime/config.ts';
import { EncryptionCodec, newKeyEntry, parseKeyRing, payloadCodec } from '../runtime/payload-codec.ts';
import { startWeb, type WebServer } from '../runtime/stack.ts';
import { devServerArgs, devUiOrigins, freePort, startDevServer } from '../runtime/temporal-dev-server.ts';
import { getEnv, onCleanup, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { PortalClient } from './portal-client.ts';
import { makeUser, signInEnrolled, staffPassword } from './support/staff.ts';
import { waitFor } from './support/processes.ts';

const UI = 'http://127.0.0.1:8233';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const text = (s: string | null | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
const json = (value: unknown): JSONPayload => payloadToJSON(defaultPayloadConverter.toPayload(value)!);

describe('the codec endpoint for the Temporal Web UI (/api/codec)', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let web: WebServer;
  const lines: string[] = [];
  const tokens: Record<string, string> = {};
  let sealed: JSONPayload;

  const post = (path: string, body: unknown, opts: { token?: string; headers?: Record<string, string> } = {}) =>
    request(web.url, 'POST', `/api/codec${path}`, { body, ...(opts.token ? { token: opts.token } : {}), headers: { 'x-namespace': 'default', ...opts.headers } });
  interface DecodeEntry { viewer: string; viewer_role: string; channel: string; ticket_number: string | null; person: string | null; namespace: string | null; payload_count: number; reason: string | null }
  /** The access log's decode entries after entry `after`, oldest first. */
  const decodes = async (after: number) => env.db.sequelize.query<DecodeEntry>(
    `SELECT viewer, viewer_role, channel, ticket_number, person::text AS person, namespace, payload_count, reason FROM access_log WHERE what = 'temporal.decode' AND id > :after ORDER BY id`,
    { replacements: { after }, type: QueryTypes.SELECT },
  );
  const lastEntry = async () => Number((await env.db.sequelize.query<{ n: string }>('SELECT coalesce(max(id), 0)::text AS n FROM access_log', { type: QueryTypes.SELECT }))[0]!.n);
  const userOf = async (email: string) => (await env.db.users.findByEmail(email))!.id;

  before(async () => {
    env = await getEnv();
    // The product's web process, with the Web UI's origin allowed as HELPDESK_CODEC_CORS_ORIGINS would.
    web = await startWeb({ ...env.config, codecCorsOrigins: [UI] }, env.temporalAddress, env.db, (line) => lines.push(line), { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    for (const role of ['admin', 'auditor', 'agent', 'requester', 'process_owner'] as const) tokens[role] = await env.tokenFor(`codec-${role}@example.com`, role);
    // Encrypted as the worker encrypts: the same key ring, from the same configuration.
    const [encrypted] = await payloadCodec(env.config).encode([defaultPayloadConverter.toPayload({ title: 'VPN drops every hour', requester: 'anna@example.com' })!]);
    sealed = payloadToJSON(encrypted!);
  });

  it('when an admin or an auditor sends an encrypted payload to /decode, then the plain JSON comes back, and nothing of it is logged', async () => {
    expect(text(sealed.metadata!.encoding)).to.equal('binary/encrypted');
    for (const role of ['admin', 'auditor']) {
      const res = await post('/decode', { payloads: [sealed] }, { token: tokens[role]! });
      expect(res.status, role).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      const [p] = res.body.payloads as JSONPayload[];
      expect(text(p!.metadata!.encoding)).to.equal('json/plain');
      expect(JSON.parse(text(p!.data))).to.deep.equal({ title: 'VPN drops every hour', requester: 'anna@example.com' });
    }
    expect(lines.join('\n')).not.to.match(/VPN|anna/);
  });

  it('when a ticket’s history is read from Temporal, then its input is encrypted there and /decode opens it, as the Web UI would show it', async () => {
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title: 'Codec check', description: 'the printer jams', requesterEmail: 'codec-req@example.com' } });
    const number = created.body.number as string;
    await waitFor('classification', async () => (await env.db.tickets.get(number))?.sla);
    const history = await env.client.workflowService.getWorkflowExecutionHistory({ namespace: env.config.temporal.namespace, execution: { workflowId: `ticket-${number}` } });
    const input = history.history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads as Payload[];
    const raw = input.map((p) => payloadToJSON(p));
    expect(raw.map((p) => text(p.metadata!.encoding))).to.deep.equal(raw.map(() => 'binary/encrypted'));
    const res = await post('/decode', { payloads: raw }, { token: tokens.auditor! });
    expect(res.status).to.equal(200);
    const opened = res.body.payloads as JSONPayload[];
    expect(opened.map((p) => text(p.metadata!.encoding))).to.deep.equal(raw.map(() => 'json/plain'));
    expect(JSON.parse(text(opened[0]!.data))).to.have.property('number', number);
  });

  it('when the Temporal CLI shows that history through the endpoint with an auditor’s token, then it shows the decoded input', async () => {
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title: 'CLI check', description: 'd', requesterEmail: 'codec-req@example.com' } });
    const number = created.body.number as string;
    const { stdout } = await promisify(execFile)(env.cliPath, [
      'workflow', 'show', '--workflow-id', `ticket-${number}`, '--address', env.temporalAddress, '--namespace', env.config.temporal.namespace,
      '--codec-endpoint', `${web.url}/api/codec`, '--codec-auth', `Bearer ${tokens.auditor}`, '--output', 'json',
    ], { encoding: 'utf8' });
    const decoded = JSON.parse(stdout).events[0].workflowExecutionStartedEventAttributes.input.payloads[0] as JSONPayload;
    expect(text(decoded.metadata!.encoding)).to.equal('json/plain');
    expect(JSON.parse(text(decoded.data))).to.have.property('number', number);
  });

  it('when /encode is followed by /decode, then the payloads come back as they were, encrypted under the ring’s current key in between', async () => {
    const payloads = [json({ a: 1 }), json('zażółć gęślą jaźń'), json(null)];
    const encoded = await post('/encode', { payloads }, { token: tokens.admin! });
    expect(encoded.status).to.equal(200);
    const middle = encoded.body.payloads as JSONPayload[];
    expect(middle.map((p) => text(p.metadata!.encoding))).to.deep.equal(['binary/encrypted', 'binary/encrypted', 'binary/encrypted']);
    expect(middle.map((p) => text(p.metadata!['encryption-key-id']))).to.deep.equal(['test', 'test', 'test']);
    const decoded = await post('/decode', { payloads: middle }, { token: tokens.auditor! });
    expect(decoded.body).to.deep.equal({ payloads });
    // The protocol's namespace-templated form (`…/{namespace}/decode`) answers the same.
    expect((await post('/default/decode', { payloads: middle }, { token: tokens.auditor! })).body).to.deep.equal({ payloads });
  });

  it('when one payload was encrypted under a key no longer in the ring, then it comes back unchanged and the others decoded; the log says why, not what', async () => {
    const [foreign] = await new EncryptionCodec(parseKeyRing(newKeyEntry('retired'), 'test')).encode([defaultPayloadConverter.toPayload({ secret: 'Kowalski' })!]);
    const lost = payloadToJSON(foreign!);
    const plain = json({ kept: true });
    lines.length = 0;
    const res = await post('/decode', { payloads: [sealed, lost, plain] }, { token: tokens.admin! });
    expect(res.status).to.equal(200);
    const [first, second, third] = res.body.payloads as JSONPayload[];
    expect(JSON.parse(text(first!.data))).to.have.property('title', 'VPN drops every hour');
    expect(second).to.deep.equal(lost);
    expect(third).to.deep.equal(plain);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^\[codec\] 1 of 3 payloads could not be decoded .*service key "retired"/);
    expect(lines[0]).not.to.match(/Kowalski|VPN|anna/);
  });

  it('when payloads are decoded, then each request is one access-log entry — who, channel api, the namespace and how many payloads, no ticket; encoding and an empty request are none', async () => {
    const after = await lastEntry();
    expect((await post('/decode', { payloads: [sealed, sealed, sealed] }, { token: tokens.auditor! })).status).to.equal(200);
    // The Temporal CLI's form: the namespace in the address, none in a header.
    expect((await request(web.url, 'POST', '/api/codec/helpdesk-prod/decode', { body: { payloads: [sealed] }, token: tokens.admin! })).status).to.equal(200);
    expect((await post('/decode', {}, { token: tokens.auditor! })).status).to.equal(200);
    expect((await post('/encode', { payloads: [json(1)] }, { token: tokens.admin! })).status).to.equal(200);
    const auditor = await userOf('codec-auditor@example.com');
    const admin = await userOf('codec-admin@example.com');
    expect(await decodes(after)).to.deep.equal([
      { viewer: `user:${auditor}`, viewer_role: 'auditor', channel: 'api', ticket_number: null, person: null, namespace: 'default', payload_count: 3, reason: null },
      { viewer: `user:${admin}`, viewer_role: 'admin', channel: 'api', ticket_number: null, person: null, namespace: 'helpdesk-prod', payload_count: 1, reason: null },
    ]);
    // Admins and auditors read them through the access log's API, with what was decoded.
    const listed = await request(web.url, 'GET', '/api/v1/privacy/access-log?limit=5', { token: tokens.auditor! });
    expect(listed.body.entries.find((e: { what: string }) => e.what === 'temporal.decode')).to.include({ viewer: `user:${admin}`, channel: 'api', ticketNumber: null, person: null })
      .and.to.have.deep.property('decode', { namespace: 'helpdesk-prod', payloads: 1 });
  });

  it('when the access log cannot be written, or the namespace is not one line, then nothing is decoded: 503 or 400 with a sentence', async () => {
    const after = await lastEntry();
    const bad = await post('/decode', { payloads: [sealed] }, { token: tokens.auditor!, headers: { 'x-namespace': 'x'.repeat(256) } });
    expect([bad.status, bad.body.error?.message]).to.deep.equal([400, 'Name the Temporal namespace (X-Namespace) in one line of at most 255 characters.']);
    await env.db.sequelize.query(`CREATE FUNCTION codec_refuse_access() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'access log unavailable'; END $$;
      CREATE TRIGGER codec_refuse_access BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION codec_refuse_access();`);
    try {
      const res = await post('/decode', { payloads: [sealed] }, { token: tokens.auditor! });
      expect(res.status).to.equal(503);
      expect(JSON.stringify(res.body)).not.to.match(/VPN|anna/);
      expect(res.body.error.message).to.equal('The helpdesk cannot process this right now. Nothing was lost; please try again in a moment.');
    } finally {
      await env.db.sequelize.query('DROP TRIGGER codec_refuse_access ON access_log; DROP FUNCTION codec_refuse_access();');
    }
    expect(await decodes(after)).to.deep.equal([]);
  });

  it('when an agent, a requester or a process owner asks, then 403 says only auditors and admins may; with no token 401; with a wrong one 401', async () => {
    for (const role of ['agent', 'requester', 'process_owner']) {
      const res = await post('/decode', { payloads: [sealed] }, { token: tokens[role]! });
      expect(res.status, role).to.equal(403);
      expect(res.body.error).to.deep.equal({ code: 'FORBIDDEN', message: `Only auditors and admins may see decoded Temporal payloads; your role (${role}) may not.` });
    }
    const none = await post('/decode', { payloads: [sealed] }, { headers: { 'accept-language': 'pl' } });
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(none.body.error.message).to.equal('Najpierw zaloguj się do helpdesku jako audytor lub administrator albo wyślij token API takiej osoby jako „Authorization: Bearer …”.');
    const wrong = await post('/encode', { payloads: [json(1)] }, { token: 'hd_not-a-token' });
    expect(wrong.status).to.equal(401);
    expect(wrong.body.error.message).to.equal('This API token is not valid or was revoked.');
  });

  it('when the body is not JSON, not the protocol’s shape, or too much, then 400 or 413 says what to send, in the caller’s language', async () => {
    const badJson = await request(web.url, 'POST', '/api/codec/decode', { rawBody: '{"payloads": [', headers: { 'content-type': 'application/json' }, token: tokens.admin! });
    expect(badJson.status).to.equal(400);
    expect(badJson.body.error).to.deep.equal({ code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' });
    const shape = await post('/decode', [sealed], { token: tokens.admin!, headers: { 'accept-language': 'de' } });
    expect(shape.status).to.equal(400);
    expect(shape.body.error.message).to.equal('Senden Sie die Payloads als {"payloads": [...]}, jeweils mit Metadaten und Daten in Base64 (das Codec-Protokoll von Temporal).');
    const notBase64 = await post('/decode', { payloads: [sealed, { metadata: { encoding: 'json/plain, not base64' }, data: 'e30=' }] }, { token: tokens.admin! });
    expect(notBase64.status).to.equal(400);
    expect(notBase64.body.error).to.deep.equal({ code: 'BAD_CODEC_PAYLOAD', message: 'Payload 2 is not a Temporal payload in proto JSON: its metadata values and its data must be base64 strings.' });
    const many = await post('/encode', { payloads: Array.from({ length: 1001 }, () => json(1)) }, { token: tokens.admin!, headers: { 'accept-language': 'pl' } });
    expect(many.status).to.equal(413);
    expect(many.body.error.message).to.equal('Wyślij najwyżej 1000 ładunków w jednym żądaniu; resztę wyślij w kolejnych żądaniach.');
    const huge = await post('/decode', { payloads: [{ data: b64('x'.repeat(4.5 * 1024 * 1024)) }] }, { token: tokens.admin! });
    expect(huge.status).to.equal(413);
    expect(huge.body.error.message).to.equal('The request is larger than 4 MiB; send the payloads in smaller batches.');
  });

  it('when the Web UI’s browser asks first (CORS preflight), then its origin is allowed with credentials and the UI’s headers; another origin is not', async () => {
    const preflight = (origin: string) => request(web.url, 'OPTIONS', '/api/codec/decode', { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const allowed = await preflight(UI);
    expect(allowed.status).to.equal(204);
    expect(Object.fromEntries(['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers'].map((h) => [h, allowed.headers.get(h)]))).to.deep.equal({
      'access-control-allow-origin': UI,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, x-namespace, authorization',
    });
    expect(allowed.headers.get('vary')).to.match(/Origin/);
    const other = await preflight('https://evil.example');
    expect(other.status).to.equal(403);
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    expect(other.headers.get('access-control-allow-credentials')).to.equal(null);
    // The UI's own request carries the headers on success and on refusal, so the UI can tell which.
    const ok = await post('/decode', { payloads: [sealed] }, { token: tokens.auditor!, headers: { origin: UI } });
    expect([ok.status, ok.headers.get('access-control-allow-origin')]).to.deep.equal([200, UI]);
    const refused = await post('/decode', { payloads: [sealed] }, { headers: { origin: UI } });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).to.deep.equal([401, UI]);
    // Another site's page gets nothing decoded, even with a valid token (or an auditor's cookies).
    const foreign = await post('/decode', { payloads: [sealed] }, { token: tokens.auditor!, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).to.equal(403);
    expect(foreign.body.error.message).to.equal('This site may not call the helpdesk\'s codec endpoint. An administrator can allow the Temporal Web UI\'s address in HELPDESK_CODEC_CORS_ORIGINS.');
    expect(JSON.stringify(foreign.body)).not.to.include('VPN');
  });

  it('when an auditor or admin has signed in on the staff pages (second factor passed), then their session cookie alone opens /decode; an agent’s is refused, a password-only sign-in is not enough', async () => {
    const asSession = (c: PortalClient) => request(web.url, 'POST', '/api/codec/decode', { body: { payloads: [sealed] }, headers: { origin: UI, 'x-namespace': 'default', cookie: `${SESSION_COOKIE}=${c.cookie(SESSION_COOKIE)}` } });
    for (const role of ['auditor', 'admin'] as const) {
      const c = new PortalClient(web.url, 'en');
      const user = await makeUser(env.db, role);
      await signInEnrolled(c, user);
      const after = await lastEntry();
      const res = await asSession(c);
      expect(res.status, role).to.equal(200);
      // The Web UI's decode, by the staff member's session: channel web.
      expect((await decodes(after)).map((e) => [e.viewer, e.channel, e.namespace, e.payload_count])).to.deep.equal([[`user:${user.id}`, 'web', 'default', 1]]);
      expect(res.headers.get('access-control-allow-origin')).to.equal(UI);
      expect(JSON.parse(text((res.body.payloads as JSONPayload[])[0]!.data))).to.have.property('title', 'VPN drops every hour');
    }
    const agent = new PortalClient(web.url, 'en');
    await signInEnrolled(agent, await makeUser(env.db, 'agent'));
    const refused = await asSession(agent);
    expect(refused.status).to.equal(403);
    expect(refused.body.error.message).to.equal('Only auditors and admins may see decoded Temporal payloads; your role (agent) may not.');
    // The password step without the second one is no staff session.
    const halfway = new PortalClient(web.url, 'en');
    await staffPassword(halfway, (await makeUser(env.db, 'auditor')).email);
    expect((await asSession(halfway)).status).to.equal(401);
  });
});

describe('npm start: the Temporal Web UI decodes through the web process', function () {
  this.timeout(120_000);

  it('when the dev server runs with its UI, then it is given the codec endpoint; headless, it is not', () => {
    const args = devServerArgs({ cliPath: 'temporal', port: 7233, uiPort: 8233, uiCodecEndpoint: 'http://127.0.0.1:3000/api/codec' });
    expect(args.slice(-4)).to.deep.equal(['--ui-port', '8233', '--ui-codec-endpoint', 'http://127.0.0.1:3000/api/codec']);
    expect(devServerArgs({ cliPath: 'temporal', port: 7233, headless: true, uiCodecEndpoint: 'http://x/api/codec' })).not.to.include('--ui-codec-endpoint');
    // The UI's origins the web process lets in: the address it serves on, and localhost for 127.0.0.1.
    expect(devUiOrigins('http://127.0.0.1:8233')).to.deep.equal(['http://127.0.0.1:8233', 'http://localhost:8233']);
  });

  it('when HELPDESK_CODEC_CORS_ORIGINS lists the production UI, then its origins are read; an address with a path is refused, naming the variable', () => {
    expect(parseOrigins('https://temporal.example.com, http://127.0.0.1:8233/')).to.deep.equal(['https://temporal.example.com', 'http://127.0.0.1:8233']);
    expect(parseOrigins('')).to.deep.equal([]);
    expect(() => parseOrigins('https://temporal.example.com/ui')).to.throw(ConfigError, /HELPDESK_CODEC_CORS_ORIGINS .*"https:\/\/temporal.example.com\/ui" is not one/);
  });

  it('when the real dev server starts with it, then its Web UI tells the browser to decode at the web process’s /api/codec', async () => {
    const env = await getEnv();
    const uiPort = await freePort();
    const endpoint = `${env.web.url}/api/codec`;
    const dev = await startDevServer({ cliPath: env.cliPath, port: await freePort(), uiPort, uiCodecEndpoint: endpoint });
    onCleanup(() => dev.stop());
    const settings = await waitFor('the UI', async () => fetch(`${dev.uiUrl}/api/v1/settings`).then((r) => (r.ok ? r.json() as Promise<{ Codec: { Endpoint: string } }> : undefined), () => undefined));
    expect(settings.Codec.Endpoint).to.equal(endpoint);
    await dev.stop();
  });
});
