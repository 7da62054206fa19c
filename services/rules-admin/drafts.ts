/**
 * Drafts of the next rules version, the use cases behind the admin pages, the REST API and
 * (later) the command line: start one from any version, save it over several sessions (its text
 * may be invalid meanwhile: an edit is never lost), see what is wrong at every step, switch
 * shadow mode, drop it, publish it.
 *
 * Decisions (docs/admin-ui.md):
 * - a save names the revision it was made from; a save from an older revision is refused (409),
 *   so two tabs or two people never overwrite each other silently;
 * - publishing is refused with 422 and the problems while the validator or a static check finds
 *   an error (warnings do not block), and with 409 and a three-way diff (what the newer version
 *   changed, what the draft changed, and the paths both changed) when a version was published
 *   since the draft's base; the check holds the publish lock, so it cannot race. Having seen that
 *   diff, the process owner may publish over the newer version (`over`: its number), which
 *   replaces what it changed with the draft's content — refused again if yet another came since;
 * - a version's author is `user:<id>`, never a name: versions are immutable and kept forever, and
 *   a person must be erasable (docs/privacy.md);
 * - every change is appended to the audit log in the transaction that makes it, with the actor
 *   and the change in words.
 */
import type { Transaction } from 'sequelize';
import type { AuditJson, AuditRepo } from '../../db/audit-repo.ts';
import type { DraftRecord, DraftSummary, RulesDraftsRepo } from '../../db/rules-drafts-repo.ts';
import { describeChanges, type Change } from '../../rules/diff.ts';
import type { RulesFile } from '../../rules/types.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import { ConflictError, NotFoundError, ServiceError } from '../errors.ts';
import { formatRules, reviewText, type Review, type ReviewItem } from './review.ts';

export interface DraftsDeps {
  drafts: RulesDraftsRepo;
  rules: RulesVersions;
  audit: AuditRepo;
}

/** Who acts: a staff member by id (the audit log's actor is `user:<id>`). */
export interface Actor {
  id: number;
}

export interface DraftView extends DraftRecord {
  review: Review;
  /** The active version now; when it is not the base, publishing will be refused until compared. */
  activeVersion: number;
}

/** Both sides of a conflict, from the common base. */
export interface ThreeWayDiff {
  base: number;
  active: number;
  /** What the versions published since the base changed. */
  theirs: Change[];
  /** What the draft changed. */
  ours: Change[];
  /** Paths both changed. */
  conflicts: string[];
}

export type PublishOutcome =
  | { ok: true; version: number; changes: Change[] }
  | { ok: false; status: 422; items: ReviewItem[] }
  | { ok: false; status: 409; diff: ThreeWayDiff };

const MAX_AUDITED_CHANGES = 100;
const actorOf = (a: Actor) => `user:${a.id}`;
const subjectOf = (id: number) => `rules-draft:${id}`;

/** A change list as the audit log keeps it: kind, path and the English words, at most 100. */
function auditChanges(changes: Change[]): AuditJson {
  const list = changes.slice(0, MAX_AUDITED_CHANGES).map((c) => ({ kind: c.kind, path: c.path, text: c.text }));
  return changes.length > MAX_AUDITED_CHANGES ? [...list, { more: changes.length - MAX_AUDITED_CHANGES }] : list;
}

function staleRevision(): ConflictError {
  return new ConflictError('DRAFT_CHANGED', 'admin:errors.draftChanged');
}

export function createDrafts(deps: DraftsDeps) {
  const { drafts, rules, audit } = deps;
  const sequelize = drafts.sequelize;

  async function activeVersion(): Promise<number> {
    return (await rules.active()).version;
  }

  async function load(id: number, t?: Transaction, lock = false): Promise<DraftRecord> {
    const d = await drafts.get(id, t, lock);
    if (!d) throw new NotFoundError('admin:errors.noDraft', { id });
    return d;
  }

  async function view(d: DraftRecord): Promise<DraftView> {
    return { ...d, review: reviewText(d.source), activeVersion: await activeVersion() };
  }

  function editable(d: DraftRecord): void {
    if (d.status === 'published') throw new ConflictError('DRAFT_PUBLISHED', 'admin:errors.draftPublished', { version: d.publishedVersion });
    if (d.status === 'dropped') throw new ConflictError('DRAFT_DROPPED', 'admin:errors.draftDropped');
  }

  /** Changes in words between two texts, when both are valid files (else none can be said). */
  function changesBetween(before: string, after: string): Change[] | undefined {
    const a = reviewText(before).file;
    const b = reviewText(after).file;
    return a && b ? describeChanges(a, b) : undefined;
  }

  return {
    async list(opts: { all?: boolean } = {}): Promise<DraftSummary[]> {
      return drafts.list(opts);
    },

    async get(id: number): Promise<DraftView> {
      return view(await load(id));
    },

    /** A new draft holding version `from`'s text (default: the active version). */
    async create(input: { title: string; from?: number }, by: Actor): Promise<DraftView> {
      const title = input.title.trim();
      if (!title) throw new ServiceError(422, 'VALIDATION_FAILED', 'errors.validation', {}, [{ field: 'title', key: 'required' }]);
      if (title.length > 200) throw new ServiceError(422, 'VALIDATION_FAILED', 'errors.validation', {}, [{ field: 'title', key: 'tooLong', params: { max: 200 } }]);
      const version = input.from ?? (await activeVersion());
      const record = await rules.get(version);
      if (!record) throw new NotFoundError('admin:errors.noVersion', { version });
      const created = await sequelize.transaction(async (t) => {
        const d = await drafts.create({ title, baseVersion: version, source: record.source, by: by.id }, t);
        await audit.append({ actor: actorOf(by), action: 'rules.draft_created', subject: subjectOf(d.id), details: { draft: d.id, baseVersion: version } }, t);
        return d;
      });
      return view(created);
    },

    /**
     * Saves the draft's text (and title) made from `revision`. The text may be invalid: it is
     * kept, and the answer says what is wrong.
     */
    async save(id: number, input: { revision: number; source?: string; file?: RulesFile | Record<string, unknown>; title?: string }, by: Actor): Promise<DraftView> {
      const source = input.file !== undefined ? formatRules(input.file) : input.source;
      const saved = await sequelize.transaction(async (t) => {
        const current = await load(id, t, true);
        editable(current);
        if (current.revision !== input.revision) throw staleRevision();
        const next = await drafts.update(id, input.revision, { ...(source !== undefined ? { source } : {}), ...(input.title?.trim() ? { title: input.title.trim() } : {}), by: by.id }, t);
        if (!next) throw staleRevision();
        const changes = source !== undefined ? changesBetween(current.source, source) : [];
        await audit.append({
          actor: actorOf(by), action: 'rules.draft_saved', subject: subjectOf(id),
          details: { draft: id, revision: next.revision, ...(changes ? { changes: auditChanges(changes) } : { textChanged: true }) },
        }, t);
        return next;
      });
      return view(saved);
    },

    /** Shadow mode on or off: a shadow draft classifies new tickets silently beside the active version. */
    async setShadow(id: number, input: { revision: number; on: boolean }, by: Actor): Promise<DraftView> {
      const saved = await sequelize.transaction(async (t) => {
        const current = await load(id, t, true);
        editable(current);
        if (current.revision !== input.revision) throw staleRevision();
        if (input.on && !reviewText(current.source).file) throw new ServiceError(422, 'DRAFT_INVALID', 'admin:errors.shadowInvalid');
        const next = await drafts.update(id, input.revision, { status: input.on ? 'shadow' : 'draft', by: by.id }, t);
        if (!next) throw staleRevision();
        await audit.append({ actor: actorOf(by), action: input.on ? 'rules.shadow_started' : 'rules.shadow_stopped', subject: subjectOf(id), details: { draft: id } }, t);
        return next;
      });
      return view(saved);
    },

    async drop(id: number, input: { revision: number }, by: Actor): Promise<DraftView> {
      const saved = await sequelize.transaction(async (t) => {
        const current = await load(id, t, true);
        editable(current);
        if (current.revision !== input.revision) throw staleRevision();
        const next = await drafts.update(id, input.revision, { status: 'dropped', by: by.id }, t);
        if (!next) throw staleRevision();
        await audit.append({ actor: actorOf(by), action: 'rules.draft_dropped', subject: subjectOf(id), details: { draft: id } }, t);
        return next;
      });
      return view(saved);
    },

    /** The three-way diff of a draft against the versions published since its base. */
    async compareWithActive(id: number): Promise<ThreeWayDiff | undefined> {
      const d = await load(id);
      const active = await activeVersion();
      if (active === d.baseVersion) return undefined;
      return threeWay(d, active);
    },

    /**
     * Publishes the draft as the next version, with a comment. Refused (nothing written) with
     * 422 and the problems while it has errors, with 409 and a three-way diff when another
     * version was published since its base, and with 409 DRAFT_CHANGED from an older revision.
     */
    async publish(id: number, input: { revision: number; comment: string; over?: number }, by: Actor): Promise<PublishOutcome> {
      const d = await load(id);
      editable(d);
      if (d.revision !== input.revision) throw staleRevision();
      const review = reviewText(d.source);
      if (review.errors > 0) return { ok: false, status: 422, items: review.items.filter((i) => i.severity === 'error') };
      const result = await rules.publish(d.source, {
        author: actorOf(by),
        comment: input.comment,
        // After the 409's diff, the process owner may publish over the newer version they saw
        // (`over`): refused again when yet another came since.
        baseVersion: input.over ?? d.baseVersion,
        afterAppend: async (published, tx) => {
          const t = tx.handle as Transaction;
          const marked = await drafts.update(id, input.revision, { status: 'published', publishedVersion: published.version, by: by.id }, t);
          if (!marked) throw staleRevision(); // rolls the version back with the transaction
          const previous = published.version - 1;
          const before = previous >= 1 ? await tx.get(previous) : undefined;
          await audit.append({
            actor: actorOf(by), action: 'rules.published', subject: `rules:${published.version}`,
            details: { version: published.version, draft: id, baseVersion: d.baseVersion, ...(input.over !== undefined ? { publishedOver: input.over } : {}), hash: published.hash, changes: auditChanges(before ? describeChanges(before.file, published.file) : []) },
          }, t);
        },
      });
      if (result.ok) return { ok: true, version: result.version.version, changes: result.changes };
      if (result.problems.some((p) => p.code === 'BASE_OUTDATED')) return { ok: false, status: 409, diff: await threeWay(d, await activeVersion()) };
      return { ok: false, status: 422, items: result.problems.map((p) => ({ path: p.path, code: p.code, params: { ...((p as { params?: Record<string, unknown> }).params ?? {}) }, severity: 'error' as const, message: p.message })) };
    },
  };

  async function threeWay(d: DraftRecord, active: number): Promise<ThreeWayDiff> {
    const [base, now] = await Promise.all([rules.get(d.baseVersion), rules.get(active)]);
    const mine = reviewText(d.source).file;
    const theirs = base && now ? describeChanges(base.file, now.file) : [];
    const ours = base && mine ? describeChanges(base.file, mine) : [];
    const touched = new Set(theirs.map((c) => c.path));
    const conflicts = [...new Set(ours.map((c) => c.path).filter((p) => touched.has(p)))];
    return { base: d.baseVersion, active, theirs, ours, conflicts };
  }
}

export type Drafts = ReturnType<typeof createDrafts>;
