/**
 * Who may change whom (docs/people.md), as plain functions over the accounts as they are under
 * the write's lock, so the page, the API and the CLI refuse alike and a check and its change see
 * the same rows:
 *
 * - process owners and admins manage people; an operator at the command line is not checked;
 * - nobody changes their own role or deactivates themselves — so the last admin cannot lock
 *   everyone out;
 * - only an admin gives the admin role, or changes (or deactivates) an admin's account;
 *   process owners manage agents, process owners and auditors.
 */
import type { LockedAccount } from '../../db/people-repo.ts';
import { ServiceError } from '../errors.ts';
import { PEOPLE_MANAGERS, type PeopleRole } from './schemas.ts';

/** The account a staff actor acts with (their own, locked); undefined for an operator. */
export type ActorAccount = Pick<LockedAccount, 'id' | 'role' | 'active'> | undefined;

/** What a change asks for, as far as the rules below care. */
export interface AskedChange {
  role?: PeopleRole;
  active?: boolean;
  /** Anything else (team, language, time zone, name). */
  other: boolean;
}

export const forbidden = () => new ServiceError(403, 'FORBIDDEN', 'admin-people:errors.forbidden');

/** A staff actor must be an active process owner or admin. */
export function assertManager(actor: ActorAccount | { role: string; active: boolean }): void {
  if (actor === undefined) return;
  if (!actor.active || !(PEOPLE_MANAGERS as readonly string[]).includes(actor.role)) throw forbidden();
}

/** Giving a new staff member a role: only an admin gives the admin role. */
export function assertMayGrant(actor: ActorAccount, role: PeopleRole): void {
  assertManager(actor);
  if (actor && role === 'admin' && actor.role !== 'admin') throw new ServiceError(403, 'ADMIN_ONLY', 'admin-people:errors.adminRole');
}

/** @throws ServiceError 403 when `actor` may not make this change to `target` */
export function assertMayChange(actor: ActorAccount, target: Pick<LockedAccount, 'id' | 'role' | 'active'>, asked: AskedChange): void {
  assertManager(actor);
  if (!actor) return;
  const roleChanges = asked.role !== undefined && asked.role !== target.role;
  if (actor.id === target.id) {
    if (roleChanges) throw new ServiceError(403, 'OWN_ROLE', 'admin-people:errors.ownRole');
    if (asked.active === false) throw new ServiceError(403, 'OWN_ACCOUNT', 'admin-people:errors.ownAccount');
  }
  if (actor.role === 'admin') return;
  const changes = roleChanges || asked.other || (asked.active !== undefined && asked.active !== target.active);
  if (target.role === 'admin' && changes) throw new ServiceError(403, 'ADMIN_ONLY', 'admin-people:errors.adminOnly');
  if (asked.role === 'admin' && roleChanges) throw new ServiceError(403, 'ADMIN_ONLY', 'admin-people:errors.adminRole');
}

/** The roles `actor` may give (the add form's and the edit form's choices). */
export function grantableRoles(actorRole: string | undefined, all: readonly PeopleRole[]): PeopleRole[] {
  return actorRole === undefined || actorRole === 'admin' ? [...all] : all.filter((r) => r !== 'admin');
}
