/**
 * The codec protocol's body: `{"payloads": [...]}`, each payload Temporal's Payload message in
 * proto3 JSON (metadata values and data in base64). The SDK's own converters read and write it
 * (@temporalio/common's proto-utils, the ones its history files use), so standard and URL-safe
 * base64, with or without padding, are read, and fields the helpdesk does not know are ignored.
 */
import type { Payload } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils.js';
import { HttpError } from '../errors.ts';

/** At most this many payloads a request (the Web UI sends a handful at a time). */
export const MAX_PAYLOADS = 1000;
/** Bodies larger than this are refused with 413 (Temporal's own limit on a payload is 2 MiB by default). */
export const MAX_BODY_MIB = 4;

/** The payloads of a codec request; 400 with a sentence when the body is not the protocol's shape. */
export function readPayloads(body: unknown): Payload[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'BAD_CODEC_BODY', 'codec:errors.badBody');
  // Proto3 JSON leaves an empty list out: `{}` is no payloads (the Temporal CLI sends it).
  const list = (body as { payloads?: unknown }).payloads ?? [];
  if (!Array.isArray(list)) throw new HttpError(400, 'BAD_CODEC_BODY', 'codec:errors.badBody');
  if (list.length > MAX_PAYLOADS) throw new HttpError(413, 'TOO_MANY_PAYLOADS', 'codec:errors.tooManyPayloads', { count: MAX_PAYLOADS });
  return list.map((item: unknown, i) => {
    try {
      return JSONToPayload(item as JSONPayload);
    } catch {
      throw new HttpError(400, 'BAD_CODEC_PAYLOAD', 'codec:errors.badPayload', { n: i + 1 });
    }
  });
}

/** The answer's body, in the same shape. */
export function writePayloads(payloads: Payload[]): { payloads: JSONPayload[] } {
  return { payloads: payloads.map((p) => payloadToJSON(p)) };
}
