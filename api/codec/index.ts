/**
 * The codec endpoint for the Temporal Web UI and CLI (Temporal's codec server protocol): POST
 * `<CODEC_PATH>/decode` and `/encode` take `{"payloads": [...]}` in proto3 JSON and answer the
 * same shape, run through the same PayloadCodec the worker and the client use
 * (runtime/payload-codec.ts). As the protocol asks, only the last part of the address counts, so
 * `<CODEC_PATH>/<namespace>/decode` (the CLI's templated form) works too; X-Namespace is not
 * needed to decode: one helpdesk, one namespace, one key ring.
 *
 * A decode can reveal personal data: histories from before sealing, and of tickets whose keys were
 * destroyed only after the history was written, carry plain text under the service key alone. So
 * each decode request with payloads is recorded in the access log first (`temporal.decode`: who,
 * channel `api` or `web`, the namespace named — X-Namespace, else the address — and how many
 * payloads); the request does not say which workflow they come from, so no ticket is named. When
 * the entry cannot be written, nothing is decoded (503). Encoding reveals nothing and is not recorded.
 *
 * A payload that cannot be decoded (a service key no longer in the ring, an altered payload) is
 * answered unchanged, still encrypted, so the UI shows the rest of the history readable; one log
 * line says how many and why (a key id at most, never a payload). Nothing else is logged.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { AccessLogRepo } from '../../db/access-log-repo.ts';
import { recordDecode, staffViewer } from '../../services/privacy/access-log.ts';
import { HttpError } from '../errors.ts';
import { apiAnswerHeaders, JSON_TYPES, requireJsonBody } from '../transport.ts';
import { codecCaller, requireAuditorOrAdmin, type CodecAccessDeps } from './access.ts';
import { codecCors } from './cors.ts';
import { MAX_BODY_MIB, readPayloads, writePayloads } from './payloads.ts';

export { CODEC_ROLES, type StaffFromSession } from './access.ts';

/** Where api/app.ts mounts the codec endpoint; the Web UI's codec endpoint is PUBLIC_URL + this. */
export const CODEC_PATH = '/api/codec';

export interface CodecDeps extends CodecAccessDeps {
  /** The worker's and client's codec (runtime/payload-codec.ts), built from the same key ring. */
  payloadCodec: PayloadCodec;
  /** Origins of the Temporal Web UI allowed to call from the browser, with credentials. */
  corsOrigins: readonly string[];
  /** Where each decode is recorded before it is answered. */
  accessLog: Pick<AccessLogRepo, 'record'>;
  log: (line: string) => void;
}

/** Longest namespace recorded (Temporal's own names are far shorter). */
export const NAMESPACE_MAX = 255;

/** The namespace the caller named: X-Namespace, else the address's; null for none. 400 when it is not one line of at most 255 characters. */
export function namespaceOf(req: Request): string | null {
  const raw = req.get('x-namespace') ?? (typeof req.params.namespace === 'string' ? req.params.namespace : undefined);
  const namespace = raw?.trim();
  if (!namespace) return null;
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if ([...namespace].length > NAMESPACE_MAX || /[\u0000-\u001f\u007f]/.test(namespace)) throw new HttpError(400, 'BAD_NAMESPACE', 'codec:errors.badNamespace', { max: NAMESPACE_MAX });
  return namespace;
}

/** Decodes each payload by itself: one that cannot be read comes back as it was. */
async function decodeEach(codec: PayloadCodec, payloads: Payload[], log: CodecDeps['log']): Promise<Payload[]> {
  const reasons: string[] = [];
  const decoded = await Promise.all(payloads.map(async (p) => {
    try {
      const [out] = await codec.decode([p]);
      return out ?? p;
    } catch (err) {
      reasons.push(err instanceof Error ? err.message : String(err));
      return p;
    }
  }));
  if (reasons.length) log(`[codec] ${reasons.length} of ${payloads.length} payloads could not be decoded and were answered unchanged: ${[...new Set(reasons)].join('; ')}`);
  return decoded;
}

/** body-parser's "too large" as the codec's own sentence, with the limit. */
function bodyTooLarge(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  if ((err as { type?: string } | null)?.type === 'entity.too.large') next(new HttpError(413, 'PAYLOAD_TOO_LARGE', 'codec:errors.tooLarge', { mib: MAX_BODY_MIB }));
  else next(err);
}

export function codecRoutes(deps: CodecDeps): Router {
  const router = Router();
  router.use(codecCors(deps.corsOrigins), apiAnswerHeaders);
  router.use(requireAuditorOrAdmin(deps));
  router.use(requireJsonBody, express.json({ limit: `${MAX_BODY_MIB}mb`, type: JSON_TYPES }), bodyTooLarge);

  router.post(['/decode', '/:namespace/decode'], async (req: Request, res: Response) => {
    const payloads = readPayloads(req.body);
    const namespace = namespaceOf(req);
    const { user, channel } = codecCaller(res);
    // Recorded before anything is decoded; an empty request decodes nothing and is not a read.
    if (payloads.length > 0) await recordDecode(deps, staffViewer(user)!, { channel, namespace, payloads: payloads.length });
    res.json(writePayloads(await decodeEach(deps.payloadCodec, payloads, deps.log)));
  });
  router.post(['/encode', '/:namespace/encode'], async (req: Request, res: Response) => {
    res.json(writePayloads(await deps.payloadCodec.encode(readPayloads(req.body))));
  });
  return router;
}
