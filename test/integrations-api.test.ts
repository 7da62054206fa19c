/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are inspected field by field */
/**
 * The integrations through the REST API (api/routes/integrations.ts): what /admin/integrations
 * does, for admins' tokens only, each answer valid against the OpenAPI document; a staff member's
 * own notification settings at /me/notifications. Bad input is a 422 naming each field in the
 * caller's language, nothing saved; other roles get 403, no token 401.
 */
import { expect } from 'chai';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { makeUser } from './support/staff.ts';
import { openTicket } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

describe('integrations through the REST API: admins only, documented, refused in words', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;
  let hooks: HttpReceiver;
  let admin: string;
  let check: (p: string, method: string, res: { status: number; body: unknown }) => void;

  before(async () => {
    hooks = await startHttpReceiver(() => ({ status: 200 }));
    onCleanup(() => hooks.close());
    stack = await isolatedStack('integrations-api', undefined, { env: { HELPDESK_OUTBOUND_ALLOW: '127.0.0.1' } });
    admin = await stack.tokenFor('api-admin@example.com', 'admin');
    const doc = (await request(stack.web.url, 'GET', '/api/v1/openapi.json')).body;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
    check = (p, method, res) => {
      const spec = doc.paths[p][method].responses[String(res.status)];
      expect(spec, `${method.toUpperCase()} ${p} documents status ${res.status}`).to.be.an('object');
      if (!spec.content) return;
      const validate = ajv.getSchema(`openapi${spec.content['application/json'].schema.$ref ?? ''}`) ?? ajv.compile(spec.content['application/json'].schema);
      expect(validate(res.body), `${method.toUpperCase()} ${p} ${res.status}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
    };
  });

  it('registers, reads with its log, changes, disables, replays and deletes an endpoint', async () => {
    const api = (method: string, path: string, body?: unknown, lang = 'en') => request(stack.web.url, method, path, { token: admin, headers: { 'accept-language': lang }, ...(body !== undefined ? { body } : {}) });
    const refused = await api('POST', '/api/v1/integrations/webhooks', { name: '', url: 'http://192.168.1.10/x', format: 'xml', events: ['ticket.nope'] }, 'pl');
    check('/api/v1/integrations/webhooks', 'post', refused);
    expect(refused.status).to.equal(422);
    expect(refused.body.error.fields.map((f: any) => f.field)).to.deep.equal(['name', 'url', 'format', 'events']);
    expect(refused.body.error.fields[1].message).to.equal('192.168.1.10 to adres prywatny, pętli zwrotnej lub zastrzeżony, na który helpdesk nie wysyła, chyba że zezwala na to HELPDESK_OUTBOUND_ALLOW.');
    expect((await api('GET', '/api/v1/integrations/webhooks')).body.endpoints).to.deep.equal([]);

    const made = await api('POST', '/api/v1/integrations/webhooks', { name: 'CRM', url: `${hooks.url}/crm`, format: 'standard', events: ['created'] });
    check('/api/v1/integrations/webhooks', 'post', made);
    expect(made.status).to.equal(201);
    expect(made.body).to.include({ name: 'CRM', format: 'standard', language: 'en', enabled: true });
    expect(made.body.secret).to.match(/^whsec_/);
    const id = made.body.id as number;
    check('/api/v1/integrations/webhooks', 'get', await api('GET', '/api/v1/integrations/webhooks'));

    const number = await openTicket(stack, { title: 'API webhook', impact: 'low', urgency: 'low' });
    await hooks.waitFor('the delivery', (r) => r.body.includes(number));
    const read = await waitFor('the delivery logged', async () => {
      const r = await api('GET', `/api/v1/integrations/webhooks/${id}`);
      return r.body.deliveries?.[0]?.status === 'delivered' ? r : undefined;
    }, 10_000);
    check('/api/v1/integrations/webhooks/{id}', 'get', read);
    expect(read.body.deliveries[0]).to.include({ ticketNumber: number, eventType: 'created' });
    expect(read.body.deliveries[0].attemptLog.map((a: any) => a.statusCode)).to.deep.equal([200]);

    const notABoolean = await api('PATCH', `/api/v1/integrations/webhooks/${id}`, { enabled: 'no' });
    check('/api/v1/integrations/webhooks/{id}', 'patch', notABoolean);
    expect(notABoolean.status).to.equal(422);
    expect((await api('GET', `/api/v1/integrations/webhooks/${id}`)).body.enabled).to.equal(true);
    const changed = await api('PATCH', `/api/v1/integrations/webhooks/${id}`, { name: 'CRM (prod)', events: ['created', 'sla_breached'], enabled: false });
    check('/api/v1/integrations/webhooks/{id}', 'patch', changed);
    expect(changed.body).to.include({ name: 'CRM (prod)', enabled: false, disabledReason: 'admin' });
    expect(changed.body.events).to.deep.equal(['created', 'sla_breached']);
    const notNow = await api('POST', `/api/v1/integrations/webhooks/${id}/deliveries/${read.body.deliveries[0].id}/replay`, undefined, 'de');
    check('/api/v1/integrations/webhooks/{id}/deliveries/{delivery}/replay', 'post', notNow);
    expect(notNow.status).to.equal(409);
    expect(notNow.body.error.fields[0].message).to.equal('Der Endpunkt ist deaktiviert: Aktivieren Sie ihn, bevor Sie erneut zustellen.');
    expect((await api('PATCH', `/api/v1/integrations/webhooks/${id}`, { enabled: true })).body.enabled).to.equal(true);
    const replay = await api('POST', `/api/v1/integrations/webhooks/${id}/deliveries/${read.body.deliveries[0].id}/replay`);
    check('/api/v1/integrations/webhooks/{id}/deliveries/{delivery}/replay', 'post', replay);
    expect(replay.status).to.equal(202);
    await hooks.waitFor('the replay', (r) => r.body.includes(number), 2);

    const missing = await api('GET', '/api/v1/integrations/webhooks/999999');
    check('/api/v1/integrations/webhooks/{id}', 'get', missing);
    expect(missing.status).to.equal(404);
    const gone = await api('DELETE', `/api/v1/integrations/webhooks/${id}`);
    check('/api/v1/integrations/webhooks/{id}', 'delete', gone);
    expect(gone.status).to.equal(204);
    expect((await api('GET', `/api/v1/integrations/webhooks/${id}`)).status).to.equal(404);
  });

  it('adds and removes SMS alerts and names the duty managers', async () => {
    const api = (method: string, path: string, body?: unknown) => request(stack.web.url, method, path, { token: admin, ...(body !== undefined ? { body } : {}) });
    const bad = await api('POST', '/api/v1/integrations/sms-alerts', { kinds: ['sla_breached'], priorities: ['P9'], roles: [] });
    check('/api/v1/integrations/sms-alerts', 'post', bad);
    expect(bad.body.error.fields.map((f: any) => f.field)).to.deep.equal(['priorities', 'roles']);
    const added = await api('POST', '/api/v1/integrations/sms-alerts', { kinds: ['sla_breached'], priorities: ['P1'], roles: ['duty_manager'] });
    check('/api/v1/integrations/sms-alerts', 'post', added);
    check('/api/v1/integrations/sms-alerts', 'get', await api('GET', '/api/v1/integrations/sms-alerts'));
    const removed = await api('DELETE', `/api/v1/integrations/sms-alerts/${added.body.id}`);
    check('/api/v1/integrations/sms-alerts/{id}', 'delete', removed);
    const again = await api('DELETE', `/api/v1/integrations/sms-alerts/${added.body.id}`);
    check('/api/v1/integrations/sms-alerts/{id}', 'delete', again);
    expect(again.status).to.equal(404);
    expect((await api('GET', '/api/v1/integrations/sms-alerts')).body.alerts).to.deep.equal([]);

    const duty = await makeUser(stack.db, 'agent', 'api-duty');
    const set = await api('PUT', '/api/v1/integrations/duty-managers', { users: [duty.id] });
    check('/api/v1/integrations/duty-managers', 'put', set);
    expect(set.body.dutyManagers).to.deep.equal([{ id: duty.id, displayName: duty.displayName, hasPhone: false }]);
    const requester = await makeUser(stack.db, 'requester', 'api-not-staff');
    const refused = await api('PUT', '/api/v1/integrations/duty-managers', { users: [requester.id] });
    check('/api/v1/integrations/duty-managers', 'put', refused);
    expect(refused.status).to.equal(422);
    check('/api/v1/integrations/duty-managers', 'get', await api('GET', '/api/v1/integrations/duty-managers'));
    expect((await api('GET', '/api/v1/integrations/duty-managers')).body.dutyManagers.map((d: any) => d.id)).to.deep.equal([duty.id]);
  });

  it('lets each staff member read and set their own notification settings, and refuses what is not one', async () => {
    const agent = await stack.tokenFor('api-settings-agent@example.com', 'agent');
    const me = (method: string, body?: unknown, token = agent) => request(stack.web.url, method, '/api/v1/me/notifications', { token, ...(body !== undefined ? { body } : {}) });
    const fresh = await me('GET');
    check('/api/v1/me/notifications', 'get', fresh);
    expect(fresh.body).to.deep.include({ phone: null, dutyManager: false });
    expect(fresh.body.choices.assigned).to.equal('default');
    const bad = await me('PUT', { phone: '12', choices: { assigned: 'carrier pigeon', lunch: 'mail' } });
    check('/api/v1/me/notifications', 'put', bad);
    expect(bad.status).to.equal(422);
    expect(bad.body.error.fields.map((f: any) => f.field)).to.deep.equal(['phone', 'choice-assigned', 'choices']);
    const saved = await me('PUT', { phone: '+49 151 2345678', choices: { assigned: 'sms', classified: 'digest' } });
    check('/api/v1/me/notifications', 'put', saved);
    expect(saved.body).to.deep.include({ phone: '+491512345678' });
    expect(saved.body.choices).to.include({ assigned: 'sms', classified: 'digest', reopened: 'default' });
    // Without `phone`, the number stays; null clears it.
    expect((await me('PUT', { choices: { assigned: 'mail' } })).body).to.deep.include({ phone: '+491512345678' });
    expect((await me('PUT', { phone: null, choices: {} })).body).to.deep.include({ phone: null });
    const requester = await stack.tokenFor('api-settings-requester@example.com', 'requester');
    const notStaff = await me('GET', undefined, requester);
    check('/api/v1/me/notifications', 'get', notStaff);
    expect(notStaff.status).to.equal(403);
  });

  it('refuses every integrations route to agents, process owners and auditors (403) and to callers without a token (401)', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/api/v1/integrations/webhooks'], ['POST', '/api/v1/integrations/webhooks'], ['GET', '/api/v1/integrations/webhooks/1'], ['PATCH', '/api/v1/integrations/webhooks/1'],
      ['DELETE', '/api/v1/integrations/webhooks/1'], ['POST', '/api/v1/integrations/webhooks/1/deliveries/1/replay'], ['GET', '/api/v1/integrations/sms-alerts'],
      ['POST', '/api/v1/integrations/sms-alerts'], ['DELETE', '/api/v1/integrations/sms-alerts/1'], ['GET', '/api/v1/integrations/duty-managers'], ['PUT', '/api/v1/integrations/duty-managers'],
    ];
    for (const role of ['agent', 'process_owner', 'auditor', 'requester'] as const) {
      const token = await stack.tokenFor(`api-${role}-integrations@example.com`, role);
      for (const [method, path] of routes) {
        const res = await request(stack.web.url, method, path, { token, ...(method === 'GET' ? {} : { body: {} }) });
        expect(res.status, `${role} ${method} ${path}`).to.equal(403);
        expect(res.body.error.message, `${role} ${method} ${path}`).to.equal('Only admins manage integrations.');
      }
    }
    for (const [method, path] of [...routes, ['GET', '/api/v1/me/notifications'] as [string, string]]) expect((await request(stack.web.url, method, path, method === 'GET' ? {} : { body: {} })).status, `${method} ${path}`).to.equal(401);
  });
});
