/**
 * Rules versions, the use cases: publish, roll back, list, show, compare, and the active version
 * compiled once and kept. Every version is immutable; the active one is the highest.
 *
 * Decisions (see rules/README.md, "Versions and the command line"):
 * - an invalid file is refused with every problem and nothing is written;
 * - a file identical (same hash) to the active version is refused: it would change nothing and a
 *   version number would say otherwise. Content equal to an *older* version may be published: it
 *   becomes the new active version (prefer `rollback`, which records where it came from);
 * - a rollback republishes an older version's content as a new version, re-validated first, so a
 *   version the current validator no longer accepts is refused instead of activated;
 * - the default rules are published as version 1 by 'system' only when no version exists yet.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeChanges } from './diff.ts';
import type { Change } from './diff.ts';
import { compileRules } from './evaluate.ts';
import type { CompiledRules } from './evaluate.ts';
import { hashRules } from './hash.ts';
import type { Problem, RulesFile } from './types.ts';
import { parseRules, validateRulesText } from './validate.ts';
import type { PublishingTx, RulesVersionRecord, RulesVersionsStore, RulesVersionSummary } from './versions-store.ts';

export type { RulesVersionRecord, RulesVersionsStore, RulesVersionSummary } from './versions-store.ts';

/** Machine codes of a refused publication or rollback (besides the validator's). */
export const VersionProblemCode = {
  identicalToActive: 'IDENTICAL_TO_ACTIVE',
  unknownVersion: 'UNKNOWN_VERSION',
  missingComment: 'MISSING_COMMENT',
  missingAuthor: 'MISSING_AUTHOR',
  nulCharacter: 'NUL_CHARACTER',
  baseOutdated: 'BASE_OUTDATED',
} as const;
export type VersionProblemCode = (typeof VersionProblemCode)[keyof typeof VersionProblemCode];

/** Who publishes and why; both are kept with the version forever. */
export interface PublishOptions {
  author: string;
  /** Why the process changes. Required, not blank. */
  comment: string;
  /**
   * The version the change was made from (a draft's base): the publication is refused with
   * BASE_OUTDATED, under the publish lock, when another version was published since.
   */
  baseVersion?: number;
  /** Runs inside the publication's transaction once the version is appended (the audit entry, the draft). */
  afterAppend?: (published: RulesVersionRecord, tx: PublishingTx) => Promise<void>;
}

export type PublishResult =
  | {
    ok: true;
    version: RulesVersionRecord;
    /** The version that was active before (null for the first one). */
    previous: number | null;
    /** What changed from the previous active version, in words. */
    changes: Change[];
  }
  | { ok: false; problems: Problem[] };

/** A version ready to evaluate tickets. */
export interface LoadedRules {
  version: number;
  hash: string;
  file: RulesFile;
  compiled: CompiledRules;
}

/** There is no version to evaluate with: the helpdesk's start publishes the default rules first. */
export class NoRulesPublishedError extends Error {
  readonly code = 'NO_RULES_PUBLISHED';
  constructor() {
    super('No rules version has been published yet: publish one with `helpdesk rules publish FILE --comment …`, or start the helpdesk once to publish the default rules.');
    this.name = 'NoRulesPublishedError';
  }
}

/** A version number that does not exist was asked for. */
export class UnknownRulesVersionError extends Error {
  readonly code = 'UNKNOWN_RULES_VERSION';
  constructor(readonly version: number) {
    super(`There is no rules version ${version}.`);
    this.name = 'UnknownRulesVersionError';
  }
}

/** The stored content no longer has the hash recorded with it: the table was tampered with. */
export class RulesVersionIntegrityError extends Error {
  readonly code = 'RULES_VERSION_TAMPERED';
  constructor(readonly version: number) {
    super(`Rules version ${version} does not match its recorded hash: its stored content was changed outside the helpdesk.`);
    this.name = 'RulesVersionIntegrityError';
  }
}

/** Author of the default rules published on first start. */
export const SYSTEM_AUTHOR = 'system';
export const DEFAULT_RULES_COMMENT = 'Default rules shipped with the helpdesk';

/** How many compiled versions a process keeps (the active one and a few for replays). */
const COMPILED_CACHE_SIZE = 16;

/** The text of the shipped default rules, rules/default.rules.json. */
export function loadDefaultRulesText(): string {
  return readFileSync(fileURLToPath(new URL('./default.rules.json', import.meta.url)), 'utf8');
}

function metaProblems(opts: PublishOptions): Problem[] {
  const problems: Problem[] = [];
  if (!opts.author?.trim()) problems.push({ path: 'author', code: VersionProblemCode.missingAuthor, params: {}, message: 'An author is required: say who publishes these rules.' });
  if (!opts.comment?.trim()) problems.push({ path: 'comment', code: VersionProblemCode.missingComment, params: {}, message: 'A comment is required: say why the process changes.' });
  return problems;
}

/** PostgreSQL's jsonb cannot hold U+0000; say so instead of failing in the database. */
function storageProblems(file: RulesFile): Problem[] {
  return /(?:^|[^\\])(?:\\\\)*\\u0000/.test(JSON.stringify(file))
    ? [{ path: '$', code: VersionProblemCode.nulCharacter, params: {}, message: 'The file contains the character U+0000 (written \\u0000), which cannot be stored; remove it.' }]
    : [];
}

function identicalProblem(active: RulesVersionSummary): Problem {
  return {
    path: '$',
    code: VersionProblemCode.identicalToActive,
    params: { version: active.version, hash: active.hash.slice(0, 12) },
    message: `The rules are identical to active version ${active.version} (hash ${active.hash.slice(0, 12)}…): there is nothing to publish.`,
  };
}

export function createRulesVersions(repo: RulesVersionsStore) {
  const compiledCache = new Map<number, Promise<LoadedRules>>();

  async function getOrThrow(version: number): Promise<RulesVersionRecord> {
    const record = await repo.get(version);
    if (!record) throw new UnknownRulesVersionError(version);
    return record;
  }

  /** Appends a version unless it is identical to the active one; runs under the publish lock. */
  async function append(
    tx: PublishingTx,
    draft: { file: RulesFile; source: string; author: string; comment: string; rolledBackFrom: number | null },
    opts: Pick<PublishOptions, 'baseVersion' | 'afterAppend'> = {},
  ): Promise<PublishResult> {
    const hash = hashRules(draft.file);
    const active = await tx.latest();
    if (opts.baseVersion !== undefined && active && active.version !== opts.baseVersion) {
      return { ok: false, problems: [{ path: '$', code: VersionProblemCode.baseOutdated, params: { base: opts.baseVersion, active: active.version }, message: `Version ${active.version} was published after version ${opts.baseVersion}, which these rules were based on: compare them first.` }] };
    }
    if (active && active.hash === hash) return { ok: false, problems: [identicalProblem(active)] };
    const previousFile = active && (await tx.get(active.version))?.file;
    const version = await tx.append({ ...draft, hash });
    await opts.afterAppend?.(version, tx);
    return { ok: true, version, previous: active?.version ?? null, changes: previousFile ? describeChanges(previousFile, draft.file) : [] };
  }

  function load(version: number): Promise<LoadedRules> {
    let loaded = compiledCache.get(version);
    if (loaded) {
      compiledCache.delete(version); // most recently used last
      compiledCache.set(version, loaded);
    } else {
      loaded = getOrThrow(version).then((record) => {
        if (hashRules(record.file) !== record.hash) throw new RulesVersionIntegrityError(version);
        return { version, hash: record.hash, file: record.file, compiled: compileRules(record.file, { version, hash: record.hash }) };
      });
      const pending = loaded;
      compiledCache.set(version, pending);
      void pending.catch(() => {
        if (compiledCache.get(version) === pending) compiledCache.delete(version);
      });
      while (compiledCache.size > COMPILED_CACHE_SIZE) compiledCache.delete(compiledCache.keys().next().value as number);
    }
    return loaded;
  }

  return {
    /**
     * Validates `text` and publishes it as the next version, which becomes the active one. Refused
     * (nothing written, the active version unchanged) when the file is invalid, when it is
     * identical to the active version, or without an author and a comment.
     */
    async publish(text: string, opts: PublishOptions): Promise<PublishResult> {
      const checked = validateRulesText(text);
      const problems = [...(checked.ok ? storageProblems(checked.file) : checked.problems), ...metaProblems(opts)];
      if (!checked.ok || problems.length) return { ok: false, problems };
      const file = checked.file;
      return repo.publishing((tx) => append(tx, { file, source: text, author: opts.author.trim(), comment: opts.comment.trim(), rolledBackFrom: null }, opts));
    },

    /**
     * Publishes the content of an older version again, as a new version that records
     * `rolledBackFrom`. Refused when the version does not exist, when its content is the active
     * one's, or when the current validator no longer accepts it.
     */
    async rollback(toVersion: number, opts: PublishOptions): Promise<PublishResult> {
      const problems = metaProblems(opts);
      if (problems.length) return { ok: false, problems };
      return repo.publishing(async (tx) => {
        const target = await tx.get(toVersion);
        if (!target) return { ok: false, problems: [{ path: 'version', code: VersionProblemCode.unknownVersion, params: { version: toVersion }, message: `There is no rules version ${toVersion} to roll back to.` }] };
        const checked = validateRulesText(target.source);
        if (!checked.ok) return { ok: false, problems: checked.problems };
        return append(tx, { file: checked.file, source: target.source, author: opts.author.trim(), comment: opts.comment.trim(), rolledBackFrom: toVersion }, opts);
      });
    },

    /**
     * The active version (the highest), compiled. Looks the number up on every call, so a version
     * published by another process is used from the next call; each version is compiled once.
     * @throws NoRulesPublishedError when nothing was published yet
     */
    async active(): Promise<LoadedRules> {
      const latest = await repo.latest();
      if (!latest) throw new NoRulesPublishedError();
      return load(latest.version);
    },

    /**
     * Any version, compiled (e.g. to re-evaluate a recorded decision under the version that made it).
     * @throws UnknownRulesVersionError
     */
    compiled: load,

    /** One version with its content and source, or undefined. */
    get: (version: number): Promise<RulesVersionRecord | undefined> => repo.get(version),

    /** Every version, newest first; `active` marks the highest. */
    async list(): Promise<Array<RulesVersionSummary & { active: boolean }>> {
      const all = await repo.list();
      return all.map((v, i) => ({ ...v, active: i === 0 }));
    },

    /**
     * What changed from version `a` to version `b`, in words.
     * @throws UnknownRulesVersionError
     */
    async diff(a: number, b: number): Promise<Change[]> {
      const [from, to] = await Promise.all([getOrThrow(a), getOrThrow(b)]);
      return describeChanges(from.file, to.file);
    },

    /**
     * Publishes `defaultText` as version 1 by 'system' when no version exists; otherwise does
     * nothing (a newer shipped default never replaces what process owners published). Safe when
     * several processes start at once: the check and the write hold the publish lock.
     */
    async ensureDefaultPublished(defaultText: string): Promise<{ published: boolean; version: number }> {
      const file = parseRules(defaultText);
      return repo.publishing(async (tx) => {
        const active = await tx.latest();
        if (active) return { published: false, version: active.version };
        const result = await append(tx, { file, source: defaultText, author: SYSTEM_AUTHOR, comment: DEFAULT_RULES_COMMENT, rolledBackFrom: null });
        if (!result.ok) throw new Error(`publishing the default rules failed: ${result.problems.map((p) => p.message).join(' ')}`);
        return { published: true, version: result.version.version };
      });
    },
  };
}

export type RulesVersions = ReturnType<typeof createRulesVersions>;

