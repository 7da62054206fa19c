/**
 * Who may change whom (docs/people.md), as plain functions over the accounts as they are under
 * the write's lock, so the page, the API and the CLI refuse alike and a check and its change see
 * the same rows:
 *
 * - process owners and admins manage people; an operator at the command line is not checked;
 * - nobody changes their own role or deactivates themselves — so the last admin cannot lock
 *   everyone out;
 * - only an admin gives the admin or the auditor role, or changes, deactivates, reactivates or
 *   issues an enrolment code for an admin's or an auditor's account (auditors check what process
 *   owners do, so a process owner can neither make one nor remove one); process owners manage
 *   agents and process owners;
 * - only an admin makes an existing requester account (someone who reported by e-mail or signed
 *   up, with a password of their own) a staff member's; process owners add new addresses only.
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
  /** Anything else (team, team lead flag, language, time zone, name, a new enrolment code): the same rules as a team. */
  other: boolean;
}

/** The roles only an admin gives, and whose accounts only an admin changes. */
export const ADMIN_GUARDED_ROLES: readonly PeopleRole[] = ['admin', 'auditor'];

const guarded = (role: string | undefined): role is 'admin' | 'auditor' => role !== undefined && (ADMIN_GUARDED_ROLES as readonly string[]).includes(role);

export const forbidden = () => new ServiceError(403, 'FORBIDDEN', 'admin-people:errors.forbidden');
const roleAdminOnly = (role: 'admin' | 'auditor') => new ServiceError(403, 'ADMIN_ONLY', role === 'admin' ? 'admin-people:errors.adminRole' : 'admin-people:errors.auditorRole');
const accountAdminOnly = (role: 'admin' | 'auditor') => new ServiceError(403, 'ADMIN_ONLY', role === 'admin' ? 'admin-people:errors.adminOnly' : 'admin-people:errors.auditorOnly');

/** A staff actor must be an active process owner or admin. */
export function assertManager(actor: ActorAccount | { role: string; active: boolean }): void {
  if (actor === undefined) return;
  if (!actor.active || !(PEOPLE_MANAGERS as readonly string[]).includes(actor.role)) throw forbidden();
}

/** Giving a new staff member a role: only an admin gives the admin or the auditor role. */
export function assertMayGrant(actor: ActorAccount, role: PeopleRole): void {
  assertManager(actor);
  if (actor && guarded(role) && actor.role !== 'admin') throw roleAdminOnly(role);
}

/**
 * Adding a staff member under an address that has an account already (`existing`, locked): only
 * an admin makes a requester's account staff. A staff member's account is refused by the caller (409).
 */
export function assertMayAdd(actor: ActorAccount, role: PeopleRole, existing: Pick<LockedAccount, 'role'> | undefined): void {
  assertMayGrant(actor, role);
  if (actor && !mayPromoteRequester(actor.role) && existing?.role === 'requester') throw new ServiceError(403, 'ADMIN_ONLY', 'admin-people:errors.promoteAdminOnly');
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
  if (guarded(target.role) && changes) throw accountAdminOnly(target.role);
  if (guarded(asked.role) && roleChanges) throw roleAdminOnly(asked.role);
}

/** Whether `actorRole` may change an account of `targetRole` at all (what the person's page offers; the checks above decide). */
export function mayManageAccount(actorRole: string | undefined, targetRole: string): boolean {
  return actorRole === undefined || actorRole === 'admin' || !guarded(targetRole);
}

/** Whether `actorRole` may make a requester's account staff (what the add form says of the address). */
export function mayPromoteRequester(actorRole: string | undefined): boolean {
  return actorRole === undefined || actorRole === 'admin';
}

/** The roles `actor` may give (the add form's and the edit form's choices). */
export function grantableRoles(actorRole: string | undefined, all: readonly PeopleRole[]): PeopleRole[] {
  return actorRole === undefined || actorRole === 'admin' ? [...all] : all.filter((r) => !guarded(r));
}
