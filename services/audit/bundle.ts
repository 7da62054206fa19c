/**
 * Evidence bundles (issue 12, "Evidence export"; docs/audit-proof.md): one JSON file an auditor
 * keeps, which proves itself offline, without the helpdesk or its database.
 *
 *   { format: 'helpdesk-evidence/1', kind: 'ticket' | 'population', createdAt, subject,
 *     files: { name → text }, manifest: [{ name, bytes, sha256 }],
 *     checkpoint: a signed audit-log checkpoint written at export time, with its entry,
 *     publicKey (SPKI PEM), keyId (sha256 of its SPKI DER), signature }
 *
 * The signature (Ed25519, base64) is over the RFC 8785 canonical JSON of every field but `files`
 * (each file is in the manifest by its sha256) and `signature`. The file is written as
 * `JSON.stringify(bundle, null, 2)` and a new line, and verification requires exactly that text,
 * so a change of even one space shows.
 */
import type { Signer } from './signature.ts';
import { canonicalJson, keyIdOf, publicKeyFrom, sha256Hex, shortKeyId, verifySignature } from './signature.ts';
import { checkpointSignatureProblems, type CheckpointWithEntry } from './checkpoints.ts';
import { checkpointEntryProblems, contentProblems } from './bundle-contents.ts';

export { AUDIT_LOG_FILE, POPULATION_CSV, POPULATION_META, POPULATION_QUERY, rulesFileName, rulesVersionText, type PopulationMeta, type RulesVersionEvidence } from './bundle-contents.ts';

export const BUNDLE_FORMAT = 'helpdesk-evidence/1';
export type BundleKind = 'ticket' | 'population';

export interface ManifestItem {
  name: string;
  /** Length of the file's UTF-8 bytes. */
  bytes: number;
  /** sha256 (hex) of those bytes. */
  sha256: string;
}

export interface EvidenceBundle {
  format: typeof BUNDLE_FORMAT;
  kind: BundleKind;
  /** ISO 8601. */
  createdAt: string;
  /** A ticket's number, or a period as `FROM/TO` (ISO instants). */
  subject: string;
  files: Record<string, string>;
  manifest: ManifestItem[];
  checkpoint: CheckpointWithEntry;
  publicKey: string;
  keyId: string;
  signature: string;
}

/** What the caller assembles: the files (timeline.json, histories, verdict, audit-log.json, rules/v<N>.json…) and the checkpoint written for this export. */
export interface BundleParts {
  kind: BundleKind;
  subject: string;
  files: Record<string, string>;
  /** services/audit/checkpoints.ts's write('export'), made just before. */
  checkpoint: CheckpointWithEntry;
  /** @default now */
  createdAt?: string;
}

export interface BundleCheck {
  ok: boolean;
  /** The key id the bundle says signed it (null when the file cannot be read that far). */
  keyId: string | null;
  kind: BundleKind | null;
  subject: string | null;
  files: number;
  /** Sentences naming the file or field that does not check out. */
  problems: string[];
}

/** A file name in a bundle: relative, forward slashes, no `..`. */
const NAME = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

const bytesOf = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The text the bundle's signature is over. */
export function bundleSignedText(b: Omit<EvidenceBundle, 'files' | 'signature'>): string {
  return canonicalJson({ format: b.format, kind: b.kind, createdAt: b.createdAt, subject: b.subject, manifest: b.manifest, checkpoint: b.checkpoint, publicKey: b.publicKey, keyId: b.keyId });
}

/** The bundle's file text, exactly as verifyBundle requires it. */
export const bundleText = (b: EvidenceBundle): string => `${JSON.stringify(b, null, 2)}\n`;

export class BundleBuildError extends Error {
  readonly code = 'BUNDLE_INVALID';
  constructor(readonly problems: string[]) {
    super(`The evidence bundle could not be made: ${problems.join(' ')}`);
    this.name = 'BundleBuildError';
  }
}

/**
 * Signs the parts into a bundle and checks it as verifyBundle will (a rules file whose source
 * does not hash to its hash, audit-log entries that do not recompute… are refused here, with
 * the same sentences). Returns the bundle and its file text.
 */
export function buildBundle(parts: BundleParts, signer: Signer): { bundle: EvidenceBundle; text: string } {
  const names = Object.keys(parts.files).sort();
  const bad = names.filter((n) => !NAME.test(n) || typeof parts.files[n] !== 'string');
  if (bad.length) throw new BundleBuildError([`File names must be relative paths of letters, digits, . _ - and /, and each file text: ${bad.map((n) => JSON.stringify(n)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not.`]);
  const files = Object.fromEntries(names.map((n) => [n, parts.files[n]!]));
  const manifest = names.map((name) => ({ name, bytes: bytesOf(files[name]!), sha256: sha256Hex(files[name]!) }));
  const { entry, ...c } = parts.checkpoint;
  const checkpoint: CheckpointWithEntry = {
    id: c.id, seq: c.seq, hash: c.hash, signedAt: c.signedAt, keyId: c.keyId, publicKey: c.publicKey, signature: c.signature, reason: c.reason,
    entry: { seq: entry.seq, occurredAt: entry.occurredAt, actor: entry.actor, action: entry.action, subject: entry.subject, details: entry.details, prevHash: entry.prevHash, hash: entry.hash },
  };
  const header = {
    format: BUNDLE_FORMAT, kind: parts.kind, createdAt: parts.createdAt ?? new Date().toISOString(), subject: parts.subject,
    manifest, checkpoint, publicKey: signer.publicKeyPem, keyId: signer.keyId,
  } as const;
  const bundle: EvidenceBundle = {
    format: header.format, kind: header.kind, createdAt: header.createdAt, subject: header.subject, files, manifest,
    checkpoint, publicKey: header.publicKey, keyId: header.keyId, signature: signer.sign(bundleSignedText(header)),
  };
  const text = bundleText(bundle);
  const check = verifyBundle(text);
  if (!check.ok) throw new BundleBuildError(check.problems);
  return { bundle, text };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where two texts first differ, as line:column of `text`. */
function firstDifference(text: string, expected: string): string {
  let i = 0;
  while (i < text.length && text[i] === expected[i]) i++;
  const before = text.slice(0, i).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** The fields a bundle must have, with their type; problems for the missing or wrong ones. */
function shapeProblems(b: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (b.format !== BUNDLE_FORMAT) problems.push(`Field format is ${JSON.stringify(b.format)}, not "${BUNDLE_FORMAT}": this is not a helpdesk evidence bundle of a format this version reads.`);
  if (b.kind !== 'ticket' && b.kind !== 'population') problems.push(`Field kind is ${JSON.stringify(b.kind)}; it must be "ticket" or "population".`);
  for (const k of ['createdAt', 'subject', 'publicKey', 'keyId', 'signature'] as const) if (typeof b[k] !== 'string') problems.push(`Field ${k} is missing or not text.`);
  if (typeof b.createdAt === 'string' && Number.isNaN(Date.parse(b.createdAt))) problems.push(`Field createdAt (${b.createdAt}) is not an ISO 8601 time.`);
  if (!isObject(b.files) || Object.values(b.files).some((v) => typeof v !== 'string')) problems.push('Field files must be an object of file names and their texts.');
  if (!Array.isArray(b.manifest)) problems.push('Field manifest must be a list of {name, bytes, sha256}.');
  if (!isObject(b.checkpoint)) problems.push('Field checkpoint is missing: a bundle carries the signed audit-log checkpoint written when it was made.');
  return problems;
}

function manifestProblems(manifest: unknown[], files: Record<string, string>): string[] {
  const problems: string[] = [];
  const listed = new Set<string>();
  manifest.forEach((raw, i) => {
    if (!isObject(raw) || typeof raw.name !== 'string' || typeof raw.sha256 !== 'string' || !Number.isInteger(raw.bytes)) {
      problems.push(`Field manifest, item ${i + 1}, must be {name, bytes, sha256}.`);
      return;
    }
    if (listed.has(raw.name)) problems.push(`Field manifest lists ${raw.name} twice.`);
    listed.add(raw.name);
    const text = files[raw.name];
    if (text === undefined) {
      problems.push(`File ${raw.name} is in the manifest but not in the bundle: it was removed.`);
      return;
    }
    const sha = sha256Hex(text);
    if (sha !== raw.sha256) problems.push(`File ${raw.name}: its SHA-256 is ${sha}, but the manifest says ${raw.sha256}: the file was altered.`);
    else if (bytesOf(text) !== raw.bytes) problems.push(`File ${raw.name}: it has ${bytesOf(text)} bytes, but the manifest says ${raw.bytes}.`);
  });
  for (const name of Object.keys(files)) if (!listed.has(name)) problems.push(`File ${name} is in the bundle but not in its manifest: it was added after signing.`);
  return problems;
}

/**
 * Checks a bundle's text offline: its layout (exactly as written), every file's SHA-256 and
 * size, the bundle's signature and key id, the checkpoint's signature and entry, and the
 * contents it can check (audit-log.json, rules/v<N>.json, population.json).
 */
export function verifyBundle(text: string): BundleCheck {
  const result = (problems: string[], b?: Record<string, unknown>): BundleCheck => ({
    ok: problems.length === 0,
    keyId: typeof b?.keyId === 'string' ? b.keyId : null,
    kind: b?.kind === 'ticket' || b?.kind === 'population' ? b.kind : null,
    subject: typeof b?.subject === 'string' ? b.subject : null,
    files: isObject(b?.files) ? Object.keys(b.files).length : 0,
    problems,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return result([`The bundle is not valid JSON (${(err as Error).message}): it was altered or cut short, and nothing in it can be trusted.`]);
  }
  if (!isObject(parsed)) return result(['The bundle is not a JSON object: it is not a helpdesk evidence bundle.']);
  const b = parsed;
  const shape = shapeProblems(b);
  if (shape.length) return result(shape, b);
  const problems: string[] = [];
  const expected = bundleText(b as unknown as EvidenceBundle);
  if (text !== expected) problems.push(`The bundle's text differs from the form the helpdesk writes at ${firstDifference(text, expected)}: it was edited after export (even if only its spacing).`);
  const bundle = b as unknown as EvidenceBundle;

  const key = publicKeyFrom(bundle.publicKey);
  if (typeof key === 'string') problems.push(`Field publicKey cannot be read: ${key}.`);
  else {
    const id = keyIdOf(key);
    if (id !== bundle.keyId) problems.push(`Field keyId (${shortKeyId(bundle.keyId)}) is not the fingerprint of the bundle's public key (${shortKeyId(id)}): one of them was changed.`);
    if (!verifySignature(key, bundleSignedText(bundle), bundle.signature)) {
      problems.push('Field signature does not verify under the bundle\'s public key: the manifest, checkpoint, subject, kind, time or key were changed after signing (or the signature itself).');
    }
  }
  problems.push(...manifestProblems(bundle.manifest, bundle.files));

  const c = bundle.checkpoint;
  const fields = ['hash', 'signedAt', 'keyId', 'publicKey', 'signature'] as const;
  if (!Number.isInteger(c.id) || !Number.isInteger(c.seq) || fields.some((k) => typeof c[k] !== 'string')) {
    problems.push('Field checkpoint must have a whole id and seq and text hash, signedAt, keyId, publicKey and signature.');
    return result(problems, b);
  }
  problems.push(...checkpointSignatureProblems(c, 'Field checkpoint'));
  problems.push(...checkpointEntryProblems(c));
  if (c.keyId !== bundle.keyId) problems.push(`Field checkpoint is signed by key ${shortKeyId(String(c.keyId))}, the bundle by key ${shortKeyId(bundle.keyId)}: both are signed at export with the same key.`);

  problems.push(...contentProblems(bundle.files, c));
  return result(problems, b);
}
