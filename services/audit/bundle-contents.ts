/**
 * The checks of what an evidence bundle holds, beyond its hashes and signature (services/audit/
 * bundle.ts): audit-log entries (`audit-log.json`), rules versions (`rules/v<N>.json`) and a
 * population export (`population.json` beside `population.csv`). Offline: no database. Each
 * problem is a sentence naming the file and the field.
 */
import { entryHash, type AuditEntry } from '../../db/audit-repo.ts';
import { hashRules } from '../../rules/hash.ts';
import type { CheckpointWithEntry } from './checkpoints.ts';
import { sha256Hex } from './signature.ts';

export const AUDIT_LOG_FILE = 'audit-log.json';
export const POPULATION_CSV = 'population.csv';
export const POPULATION_META = 'population.json';
export const POPULATION_QUERY = 'query.sql';

/** `rules/v<N>.json`: one rules version of the bundle. */
export const rulesFileName = (version: number): string => `rules/v${version}.json`;
const RULES_NAME = /^rules\/v(\d+)\.json$/;

/** What `rules/v<N>.json` holds: the version, its recorded hash and the exact text published. */
export interface RulesVersionEvidence {
  version: number;
  /** The rules' hash (rules/hash.ts: sha256 of the canonical JSON of the parsed file). */
  hash: string;
  /** The text published, byte for byte. */
  source: string;
  publishedAt?: string;
}

/** The text of `rules/v<N>.json` for a version (give `source` exactly as stored). */
export function rulesVersionText(r: RulesVersionEvidence): string {
  return `${JSON.stringify({ version: r.version, hash: r.hash, publishedAt: r.publishedAt ?? null, source: r.source }, null, 2)}\n`;
}

/** What `population.json` holds about `population.csv`. */
export interface PopulationMeta {
  /** The period, ISO instants: closed, cancelled or merged from `from` (inclusive) to `to` (exclusive). */
  period: { from: string; to: string };
  /** The query that produced the rows (also in query.sql), and its parameters. */
  query: string;
  parameters: Record<string, string>;
  columns: string[];
  /** Tickets (data rows, header not counted). */
  rows: number;
  /** sha256 (hex) of population.csv's UTF-8 bytes. */
  sha256: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(name: string, text: string, problems: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    problems.push(`File ${name} is not valid JSON (${(err as Error).message}).`);
    return undefined;
  }
}

/** The shape of an audit-log entry, or a sentence saying what is off. */
function entryShape(e: unknown): string | null {
  if (!isObject(e)) return 'it is not an object';
  for (const k of ['occurredAt', 'actor', 'action', 'subject', 'prevHash', 'hash'] as const) if (typeof e[k] !== 'string') return `its ${k} is not text`;
  if (!Number.isInteger(e.seq)) return 'its seq is not a whole number';
  if (!isObject(e.details)) return 'its details are not an object';
  return null;
}

/** The checkpoint's own entry: it recomputes, and it is the one the checkpoint names. */
export function checkpointEntryProblems(c: CheckpointWithEntry): string[] {
  const shape = entryShape(c.entry);
  if (shape) return [`Field checkpoint.entry is not an audit-log entry: ${shape}.`];
  const problems: string[] = [];
  const e = c.entry;
  if (entryHash(e) !== e.hash) problems.push(`Field checkpoint.entry (audit-log entry #${e.seq}) does not hash to its recorded hash ${e.hash}: the entry was altered.`);
  if (e.seq !== c.seq) problems.push(`Field checkpoint.entry is entry #${e.seq}, but the checkpoint covers entry #${c.seq}.`);
  if (e.hash !== c.hash) problems.push(`Field checkpoint.entry has hash ${e.hash}, but the checkpoint signed ${c.hash} for entry #${c.seq}.`);
  return problems;
}

/** audit-log.json: entries in ascending order, each recomputing, consecutive ones linked, none past the checkpoint. */
export function auditLogProblems(text: string, checkpoint: CheckpointWithEntry | undefined): string[] {
  const problems: string[] = [];
  const value = parse(AUDIT_LOG_FILE, text, problems);
  if (value === undefined) return problems;
  if (!Array.isArray(value)) return [`File ${AUDIT_LOG_FILE} is not a JSON array of audit-log entries.`];
  let previous: AuditEntry | undefined;
  value.forEach((raw: unknown, i) => {
    const shape = entryShape(raw);
    if (shape) {
      problems.push(`File ${AUDIT_LOG_FILE}, item ${i + 1}: not an audit-log entry (${shape}).`);
      return;
    }
    const e = raw as AuditEntry;
    const at = `File ${AUDIT_LOG_FILE}, entry #${e.seq}`;
    if (entryHash(e) !== e.hash) problems.push(`${at}: its fields do not hash to its recorded hash ${e.hash}: the entry was altered.`);
    if (previous && e.seq <= previous.seq) problems.push(`${at}: comes after entry #${previous.seq}; the entries must be in ascending order, each once.`);
    if (previous && e.seq === previous.seq + 1 && e.prevHash !== previous.hash) problems.push(`${at}: its prevHash ${e.prevHash} is not the hash of entry #${previous.seq} (${previous.hash}): the chain is broken there.`);
    if (checkpoint && e.seq > checkpoint.seq) problems.push(`${at}: is newer than the bundle's checkpoint (entry #${checkpoint.seq}), so the checkpoint does not cover it.`);
    if (checkpoint && e.seq === checkpoint.seq && e.hash !== checkpoint.hash) problems.push(`${at}: has hash ${e.hash}, but the bundle's checkpoint signed ${checkpoint.hash} for it.`);
    previous = e;
  });
  return problems;
}

/** rules/v<N>.json: its version is N, and its source text hashes (rules/hash.ts) to its declared hash. */
export function rulesVersionProblems(name: string, text: string): string[] {
  const problems: string[] = [];
  const n = Number(RULES_NAME.exec(name)![1]);
  const value = parse(name, text, problems);
  if (value === undefined) return problems;
  if (!isObject(value) || typeof value.source !== 'string' || typeof value.hash !== 'string') return [`File ${name} must be an object with the version, its hash and its source text.`];
  if (value.version !== n) problems.push(`File ${name}: its version field is ${JSON.stringify(value.version)}, not ${n} as its name says.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.source);
  } catch {
    return [...problems, `File ${name}: its source is not valid JSON, so it is not the rules text that was published.`];
  }
  const hash = hashRules(parsed);
  if (hash !== value.hash) problems.push(`File ${name}: its source hashes to ${hash}, not to its declared hash ${value.hash}: the rules text was altered.`);
  return problems;
}

/** Records in CSV text (quoted fields may hold new lines); a last line without a new line counts. */
export function csvRecordCount(text: string): number {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) records += 1;
  }
  return text.length && !text.endsWith('\n') ? records + 1 : records;
}

/** population.json against population.csv: its hash and its row count. */
export function populationProblems(files: Record<string, string>): string[] {
  const problems: string[] = [];
  const meta = parse(POPULATION_META, files[POPULATION_META]!, problems);
  if (meta === undefined) return problems;
  if (!isObject(meta)) return [`File ${POPULATION_META} is not a JSON object.`];
  const csv = files[POPULATION_CSV];
  if (csv === undefined) return [`File ${POPULATION_META} describes ${POPULATION_CSV}, which the bundle does not hold.`];
  const sha = sha256Hex(csv);
  if (meta.sha256 !== sha) problems.push(`File ${POPULATION_META}: its sha256 ${String(meta.sha256)} is not that of ${POPULATION_CSV} (${sha}).`);
  const rows = Math.max(csvRecordCount(csv) - 1, 0);
  if (meta.rows !== rows) problems.push(`File ${POPULATION_META}: its rows field is ${JSON.stringify(meta.rows)}, but ${POPULATION_CSV} has ${rows} rows after its header.`);
  const query = files[POPULATION_QUERY];
  if (query !== undefined && meta.query !== query) problems.push(`File ${POPULATION_META}: its query is not the text of ${POPULATION_QUERY}.`);
  return problems;
}

/** Every content check that applies to the files. */
export function contentProblems(files: Record<string, string>, checkpoint: CheckpointWithEntry | undefined): string[] {
  const problems: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    if (name === AUDIT_LOG_FILE) problems.push(...auditLogProblems(text, checkpoint));
    else if (RULES_NAME.test(name)) problems.push(...rulesVersionProblems(name, text));
  }
  if (files[POPULATION_META] !== undefined) problems.push(...populationProblems(files));
  return problems;
}
