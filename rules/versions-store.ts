/**
 * What the rules versions (rules/versions.ts) need from storage: the shapes of a published
 * version and the append-only store they are kept in. db/rules-repo.ts implements it over
 * PostgreSQL; rules/ imports no database.
 */
import type { RulesFile } from './types.ts';

/** One published version, without its content (what lists show). */
export interface RulesVersionSummary {
  version: number;
  hash: string;
  author: string;
  comment: string;
  /** ISO 8601, UTC. */
  publishedAt: string;
  /** On a rollback: the older version whose content this version republishes. */
  rolledBackFrom: number | null;
  /** Name of the rules file (its `name`). */
  name: string;
  ruleCount: number;
}

/** One published version with its content and the exact text that was published. */
export interface RulesVersionRecord extends RulesVersionSummary {
  file: RulesFile;
  source: string;
}

/** What a publication writes; the version number and the time are allocated by the database. */
export interface NewRulesVersion {
  hash: string;
  file: RulesFile;
  source: string;
  author: string;
  comment: string;
  rolledBackFrom: number | null;
}

/** Reads and the one write, inside a publication's transaction (holding the publish lock). */
export interface PublishingTx {
  /** The active (highest) version, read after the lock was taken. */
  latest(): Promise<RulesVersionSummary | undefined>;
  get(version: number): Promise<RulesVersionRecord | undefined>;
  /** Appends the next version (max + 1) and returns it. */
  append(draft: NewRulesVersion): Promise<RulesVersionRecord>;
  /**
   * The store's own transaction (a Sequelize transaction for db/rules-repo.ts), for writes that
   * must be kept with the version or not at all: the audit entry, the draft marked published.
   */
  readonly handle: unknown;
}

/** The append-only store of published versions. */
export interface RulesVersionsStore {
  /** The active version: the highest. */
  latest(): Promise<RulesVersionSummary | undefined>;
  get(version: number): Promise<RulesVersionRecord | undefined>;
  /** Every version, newest first. */
  list(): Promise<RulesVersionSummary[]>;
  /**
   * Runs `work` in one transaction holding the publish lock, so what it reads is still true when
   * it appends; returns what `work` returns; nothing is written unless it appends.
   */
  publishing<T>(work: (tx: PublishingTx) => Promise<T>): Promise<T>;
}
