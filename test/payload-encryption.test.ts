import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadCodec } from '../runtime/payload-codec.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { idleAuditSinks } from '../runtime/temporal.ts';

/** Every byte string in a value (payload data and metadata of a fetched history), as text. */
function bytesIn(node: unknown, out: string[] = []): string[] {
  if (node instanceof Uint8Array) out.push(Buffer.from(node).toString('utf8'), Buffer.from(node).toString('latin1'));
  else if (Array.isArray(node)) for (const v of node) bytesIn(v, out);
  else if (typeof node === 'object' && node !== null) for (const v of Object.values(node)) bytesIn(v, out);
  else if (typeof node === 'string') out.push(node);
  return out;
}

describe('confidentiality of Temporal’s store: every payload encrypted under the service key', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let raw: Client;

  before(async () => {
    env = await getEnv();
    // What someone with the Temporal API (or its database) but without the service key sees.
    const connection = await Connection.connect({ address: env.temporalAddress });
    raw = new Client({ connection, namespace: env.config.temporal.namespace });
  });

  after(async () => {
    await raw?.connection.close();
  });

  it('when a ticket is created through the API, then its history holds neither the title nor the e-mail address, and the product still shows both', async () => {
    const tag = randomUUID().slice(0, 8);
    const title = `Quokka-${tag} cannot open the vault`;
    const email = `zebulon.${tag}@example.com`;
    const res = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title, description: `Marmalade-${tag} on the keyboard.`, requesterEmail: email, impact: 'low', urgency: 'high' } });
    expect(res.status).to.equal(201);
    const number = res.body.number as string;
    await waitFor('classification', async () => (await env.db.tickets.get(number))?.sla);

    const history = await raw.workflow.getHandle(`ticket-${number}`).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const input = started.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).to.equal(ENCRYPTED_ENCODING);
    expect(Buffer.from(input.metadata![KEY_ID_METADATA]!).toString()).to.equal('test');
    expect(history.events!.length).to.be.greaterThan(3);
    const texts = bytesIn(history).join('\n');
    for (const secret of [title, email, tag]) expect(texts, `history without the codec shows "${secret}"`).not.to.include(secret);

    const got = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken });
    expect(got.status).to.equal(200);
    expect(got.body).to.include({ title, requesterEmail: email });
    expect(got.body.sla).to.be.an('object');

    // The encrypted history replays with the service key, and cannot be run without it.
    await Worker.runReplayHistory({ workflowBundle: env.bundle, dataConverter: { payloadCodecs: [payloadCodec(env.config)] }, sinks: idleAuditSinks }, history);
    let withoutKey: unknown;
    await Worker.runReplayHistory({ workflowBundle: env.bundle, sinks: idleAuditSinks }, history).catch((err: unknown) => (withoutKey = err));
    expect((withoutKey as Error | undefined)?.message, 'replay without the service key').to.include('Unknown encoding: binary/encrypted');
  });
});
