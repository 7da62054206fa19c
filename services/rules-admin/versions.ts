/**
 * Published versions as process owners work with them: the list, the diff in words between any
 * two, and a rollback (a new version republishing an older one's content), audited like a
 * publication.
 */
import type { Transaction } from 'sequelize';
import type { AuditRepo } from '../../db/audit-repo.ts';
import type { Change } from '../../rules/diff.ts';
import type { RulesVersions, RulesVersionSummary } from '../../rules/versions.ts';
import { NotFoundError } from '../errors.ts';
import type { Actor } from './drafts.ts';
import type { ReviewItem } from './review.ts';

export interface VersionsDeps {
  rules: RulesVersions;
  audit: AuditRepo;
}

export type RollbackOutcome = { ok: true; version: number; changes: Change[] } | { ok: false; status: 422; items: ReviewItem[] };

export function createVersionsAdmin({ rules, audit }: VersionsDeps) {
  return {
    list: (): Promise<Array<RulesVersionSummary & { active: boolean }>> => rules.list(),

    /** What changed from version `a` to version `b`, in words; 404 for a version that does not exist. */
    async diff(a: number, b: number): Promise<Change[]> {
      const [x, y] = await Promise.all([rules.get(a), rules.get(b)]);
      if (!x) throw new NotFoundError('admin:errors.noVersion', { version: a });
      if (!y) throw new NotFoundError('admin:errors.noVersion', { version: b });
      return rules.diff(a, b);
    },

    /** Republishes version `to` as a new version, with a comment. */
    async rollback(to: number, comment: string, by: Actor): Promise<RollbackOutcome> {
      if (!(await rules.get(to))) throw new NotFoundError('admin:errors.noVersion', { version: to });
      const result = await rules.rollback(to, {
        author: `user:${by.id}`,
        comment,
        afterAppend: async (published, tx) => {
          await audit.append({
            actor: `user:${by.id}`, action: 'rules.rolled_back', subject: `rules:${published.version}`,
            details: { version: published.version, rolledBackFrom: to, hash: published.hash },
          }, tx.handle as Transaction);
        },
      });
      if (result.ok) return { ok: true, version: result.version.version, changes: result.changes };
      return { ok: false, status: 422, items: result.problems.map((p) => ({ path: p.path, code: p.code, params: { ...((p as { params?: Record<string, unknown> }).params ?? {}) }, severity: 'error' as const, message: p.message })) };
    },
  };
}

export type VersionsAdmin = ReturnType<typeof createVersionsAdmin>;
