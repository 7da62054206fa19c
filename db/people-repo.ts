/**
 * Staff accounts as the people pages, the API and the CLI change them (services/people/): adding a
 * staff member, changing their role, team, team lead flag, language, time zone or name, deactivating and
 * reactivating them. Each write is one transaction that locks the person first (as an erasure
 * does: db/account-sealing.ts lockPersons), then the accounts of the target and of the acting
 * staff member in id order, hands their current state to the caller's `decide` (which may refuse
 * by throwing, so a check and the change see the same rows), writes, and appends its audit entry
 * — by user id, role and team codes only, never an address or a name (docs/audit-log.md).
 *
 * A team a person is put in is written to the `teams` table (which `users.team_id` references)
 * as the active rules version defines it: the rules file defines teams and tiers for routing,
 * the table lets a person be in one (docs/people.md).
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { AccountContext, linkPerson, lockPersons, sealIdentity, sealPlainUser, type SealedIdentity } from './account-sealing.ts';
import { createAuditRepo, type AuditJson } from './audit-repo.ts';
import type { Role } from './users-repo.ts';
import { ErasedError, type Vault } from './vault.ts';

/** A team as the active rules version defines it. */
export interface TeamRow { id: string; name: string; tier: string }

/** What an account is, as a check sees it inside the write's transaction. */
export interface LockedAccount { id: number; role: Role; teamId: string | null; teamLead: boolean; locale: string; timeZone: string; active: boolean }

export interface NewStaff {
  email: string;
  displayName: string;
  role: Role;
  team: TeamRow | null;
  /** Whether they lead their team (users.team_lead; agents only, the service checks). */
  teamLead: boolean;
  locale: string;
  timeZone: string;
}

/** What a change sets; an absent field stays as it is. */
export interface StaffPatch {
  role?: Role;
  team?: TeamRow | null;
  teamLead?: boolean;
  locale?: string;
  timeZone?: string;
  displayName?: string;
  active?: boolean;
}

export type AddOutcome =
  | { outcome: 'created' | 'promoted'; id: number }
  /** The address is a staff member's already. */
  | { outcome: 'taken'; id: number }
  /** The person was erased while this ran, twice. */
  | { outcome: 'erased' };

/** Who writes: the acting staff member's id (their account is locked and checked too) and the audit log's actor (`user:<id>`, `cli:<os user>`). */
export interface Acting {
  userId?: number;
  audit: string;
  /** Refuses by throwing, under the lock: the acting user's account, and (when adding) the existing account of the address. */
  check?: (actorAccount: LockedAccount | undefined, existing?: LockedAccount) => void;
}

/** What a deactivation ended with the account. */
export interface Deactivation { sessionsEnded: number; tokensRevoked: number[]; enrolmentCodeWithdrawn: boolean }

interface Row { id: string; role: string; team_id: string | null; team_lead: boolean; locale: string; time_zone: string; deactivated_at: Date | null; person_id: string | null }

const toLocked = (r: Row): LockedAccount => ({
  id: Number(r.id), role: r.role as Role, teamId: r.team_id, teamLead: r.team_lead, locale: r.locale, timeZone: r.time_zone, active: r.deactivated_at === null,
});

export function createPeopleRepo(sequelize: Sequelize, vault: Vault) {
  const audit = createAuditRepo(sequelize);

  async function ensureTeam(team: TeamRow, transaction: Transaction): Promise<void> {
    await sequelize.query(
      `INSERT INTO teams (id, name, tier) VALUES (:id, :name, :tier) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, tier = EXCLUDED.tier
        WHERE teams.name IS DISTINCT FROM EXCLUDED.name OR teams.tier IS DISTINCT FROM EXCLUDED.tier`,
      { replacements: { ...team }, transaction },
    );
  }

  /** The accounts of these ids, locked FOR UPDATE in id order. */
  async function lockAccounts(ids: number[], transaction: Transaction): Promise<Map<number, LockedAccount>> {
    if (ids.length === 0) return new Map();
    const rows = await sequelize.query<Row>(
      `SELECT id::text AS id, role, team_id, team_lead, locale, time_zone, deactivated_at, person_id FROM users WHERE id IN (:ids) ORDER BY id FOR UPDATE`,
      { replacements: { ids: [...new Set(ids)] }, type: QueryTypes.SELECT, transaction },
    );
    return new Map(rows.map((r) => [Number(r.id), toLocked(r)]));
  }

  async function addOnce(s: NewStaff, sealed: SealedIdentity, by: Acting): Promise<AddOutcome | undefined> {
    const actor = by.audit;
    return sequelize.transaction(async (transaction) => {
      if (!(await lockPersons(sequelize, [sealed.personId], transaction))) return undefined;
      await sealPlainUser(sequelize, vault, sealed, s.email, transaction);
      // With the person locked, no other account write of this address runs; the accounts are locked in id order, as change() does.
      const [row] = await sequelize.query<{ id: string }>(`SELECT id::text AS id FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: sealed.bidx }, type: QueryTypes.SELECT, transaction });
      const locked = await lockAccounts([row ? Number(row.id) : undefined, by.userId].filter((x): x is number => x !== undefined), transaction);
      const known = row && locked.get(Number(row.id));
      if (by.userId !== undefined) by.check?.(locked.get(by.userId), known);
      if (known && known.role !== 'requester') return { outcome: 'taken', id: known.id };
      if (s.team) await ensureTeam(s.team, transaction);
      const values = { ...sealed, role: s.role, teamId: s.team?.id ?? null, teamLead: s.teamLead, locale: s.locale, timeZone: s.timeZone };
      let id: number;
      if (known) {
        // A requester the desk knows (reported by e-mail, or signed up) becomes staff: the same account.
        await sequelize.query(
          `UPDATE users SET display_name_sealed = :nameSealed, role = :role, team_id = :teamId, team_lead = :teamLead, locale = :locale, time_zone = :timeZone,
             email_verified_at = COALESCE(email_verified_at, CASE WHEN password_hash IS NULL THEN now() END)
           WHERE id = :id`,
          { replacements: { ...values, id: known.id }, transaction },
        );
        id = known.id;
        // Whatever the requester had open ends: their first staff sign-in starts afresh, with the enrolment code.
        await endSessions(id, transaction);
        await audit.append({ actor, action: 'user.role_changed', subject: `user:${id}`, details: { from: { role: known.role, teamId: known.teamId, teamLead: known.teamLead }, to: { role: s.role, teamId: values.teamId, teamLead: s.teamLead } } }, transaction);
      } else {
        const [row] = await sequelize.query<{ id: string }>(
          `INSERT INTO users (email_bidx, email_sealed, display_name_sealed, person_id, role, team_id, team_lead, locale, time_zone, email_verified_at)
           VALUES (:bidx, :emailSealed, :nameSealed, :personId, :role, :teamId, :teamLead, :locale, :timeZone, now()) RETURNING id::text AS id`,
          { replacements: values, type: QueryTypes.SELECT, transaction },
        );
        id = Number(row!.id);
        await audit.append({ actor, action: 'user.created', subject: `user:${id}`, details: { role: s.role, teamId: values.teamId, teamLead: s.teamLead, locale: s.locale, timeZone: s.timeZone } }, transaction);
      }
      await linkPerson(sequelize, sealed.personId, id, transaction);
      return { outcome: known ? 'promoted' : 'created', id };
    });
  }

  /** Ends what a deactivated account still has open: web sessions, API tokens, an unused enrolment code. */
  /** Deletes the account's web sessions (signed in, or halfway through the staff sign-in); answers how many. */
  async function endSessions(id: number, transaction: Transaction): Promise<number> {
    const sessions = await sequelize.query(
      `DELETE FROM portal_sessions WHERE sess->>'userId' = :id OR sess->'staffPending'->>'userId' = :id OR sess->'staffEnrol'->>'userId' = :id RETURNING sid`,
      { replacements: { id: String(id) }, type: QueryTypes.SELECT, transaction },
    );
    return sessions.length;
  }

  async function endAccess(id: number, transaction: Transaction): Promise<Deactivation> {
    const sessionsEnded = await endSessions(id, transaction);
    const tokens = await sequelize.query<{ id: string }>(
      `UPDATE api_tokens SET revoked_at = now() WHERE user_id = :id AND revoked_at IS NULL RETURNING id::text AS id`,
      { replacements: { id }, type: QueryTypes.SELECT, transaction },
    );
    const codes = await sequelize.query(`DELETE FROM staff_enrolment_codes WHERE user_id = :id RETURNING id`, { replacements: { id }, type: QueryTypes.SELECT, transaction });
    return { sessionsEnded, tokensRevoked: tokens.map((t) => Number(t.id)).sort((a, b) => a - b), enrolmentCodeWithdrawn: codes.length > 0 };
  }

  return {
    /** Writes a team of the active rules version to the teams table (for `helpdesk user add --team`). */
    async ensureTeam(team: TeamRow): Promise<void> {
      await sequelize.transaction((transaction) => ensureTeam(team, transaction));
    },

    /**
     * Adds a staff member: a new account (`user.created`), or the requester account of the address
     * made staff (`user.role_changed`; its web sessions are ended); `taken` (nothing written) when
     * the address is staff already. `by.check` sees that existing account first and may refuse.
     */
    async add(s: NewStaff, by: Acting): Promise<AddOutcome> {
      for (let attempt = 0; attempt < 2; attempt++) {
        let sealed: SealedIdentity;
        try {
          sealed = await sealIdentity(vault, s.email, s.displayName, AccountContext.user);
        } catch (err) {
          if (err instanceof ErasedError) continue;
          throw err;
        }
        // Erased while this ran (the person is then gone): once more, as a new person.
        const done = await addOnce(s, sealed, by);
        if (done) return done;
      }
      return { outcome: 'erased' };
    },

    /**
     * Changes a staff member. `decide` gets the target's and the acting user's accounts as they are
     * under lock (the actor undefined for an operator) and answers the patch to apply, or throws to
     * refuse; undefined from `locked` means there is no such account (nothing is written). Audited:
     * `user.changed` {from, to (the changed fields: role, teamId, teamLead, locale, timeZone), nameChanged}, `user.deactivated` {what it ended},
     * `user.reactivated`. Answers whether anything changed, and what a deactivation ended.
     */
    async change(
      id: number, actor: Acting,
      decide: (target: LockedAccount, actorAccount: LockedAccount | undefined) => StaffPatch,
    ): Promise<{ found: false } | { found: true; changed: boolean; deactivation?: Deactivation }> {
      const [who] = await sequelize.query<{ person_id: string | null }>(`SELECT person_id FROM users WHERE id = :id`, { replacements: { id }, type: QueryTypes.SELECT });
      if (!who) return { found: false };
      // A new name is sealed under the person's existing key: a plain read of it on a connection of its own, which the person's lock does not block.
      const personId = who.person_id;
      const sealedName = personId === null ? undefined : (name: string) => vault.seal(personId, 'person', 'name', AccountContext.user, name);
      return sequelize.transaction(async (transaction) => {
        if (personId !== null && !(await lockPersons(sequelize, [personId], transaction))) return { found: false };
        const locked = await lockAccounts(actor.userId === undefined ? [id] : [id, actor.userId], transaction);
        const target = locked.get(id);
        if (!target) return { found: false };
        const patch = decide(target, actor.userId === undefined ? undefined : locked.get(actor.userId));
        const from: { [key: string]: AuditJson } = {};
        const to: { [key: string]: AuditJson } = {};
        const set: string[] = [];
        const replacements: Record<string, unknown> = { id };
        const field = (name: keyof LockedAccount & string, column: string, value: string | boolean | null | undefined) => {
          if (value === undefined || value === target[name]) return;
          from[name] = target[name] as AuditJson;
          to[name] = value;
          set.push(`${column} = :${name}`);
          replacements[name] = value;
        };
        field('role', 'role', patch.role);
        field('teamId', 'team_id', patch.team === undefined ? undefined : (patch.team?.id ?? null));
        field('teamLead', 'team_lead', patch.teamLead);
        field('locale', 'locale', patch.locale);
        field('timeZone', 'time_zone', patch.timeZone);
        if (patch.team && to.teamId !== undefined) await ensureTeam(patch.team, transaction);
        const nameChanged = patch.displayName !== undefined;
        if (nameChanged) {
          if (sealedName) {
            set.push('display_name_sealed = :nameSealed');
            replacements.nameSealed = await sealedName(patch.displayName!);
          } else {
            // An account from before sealing keeps its plain column until it is sealed (db/legacy-accounts.ts).
            set.push('display_name = :displayName');
            replacements.displayName = patch.displayName;
          }
        }
        if (set.length) {
          await sequelize.query(`UPDATE users SET ${set.join(', ')} WHERE id = :id`, { replacements, transaction });
          if (Object.keys(to).length || nameChanged) {
            await audit.append({ actor: actor.audit, action: 'user.changed', subject: `user:${id}`, details: { from, to, nameChanged } }, transaction);
          }
        }
        let deactivation: Deactivation | undefined;
        const activeChanged = patch.active !== undefined && patch.active !== target.active;
        if (activeChanged) {
          await sequelize.query(`UPDATE users SET deactivated_at = ${patch.active ? 'NULL' : 'now()'} WHERE id = :id`, { replacements: { id }, transaction });
          if (patch.active) {
            await audit.append({ actor: actor.audit, action: 'user.reactivated', subject: `user:${id}`, details: {} }, transaction);
          } else {
            deactivation = await endAccess(id, transaction);
            await audit.append({ actor: actor.audit, action: 'user.deactivated', subject: `user:${id}`, details: { ...deactivation } }, transaction);
          }
        }
        return { found: true, changed: set.length > 0 || activeChanged, ...(deactivation ? { deactivation } : {}) };
      });
    },
  };
}

export type PeopleRepo = ReturnType<typeof createPeopleRepo>;
