/**
 * People and teams (issue 11, item 9; docs/people.md): the use cases behind the admin pages
 * (/admin/people), the REST API (/api/v1/people) and the CLI (`helpdesk user …`), with the same
 * checks for all three — list staff, add a staff member (with the enrolment code of their first
 * sign-in, shown once), change their role, team, team lead flag, language, time zone or name, deactivate and
 * reactivate them, issue a new enrolment code. Who may do what is policy.ts; every change is
 * audited by the repository in its transaction (db/people-repo.ts).
 *
 * Teams and tiers come from the active rules version (its `teams`, each in one of its `tiers`):
 * the rules route tickets to teams, and a person is put in one of those teams; their tier is
 * their team's. A team the active version no longer has stays on the person (shown as such) until
 * someone moves them.
 *
 * Only agents lead a team (users.team_lead: they see its load and reassign, /agent/team): the flag
 * on anyone else is refused (422 on `teamLead`), and an agent given another role stops leading.
 * Who may set it is who may change the person's team (policy.ts).
 */
import type { LockedAccount, PeopleRepo, StaffPatch, TeamRow } from '../../db/people-repo.ts';
import type { StaffAuthRepo } from '../../db/staff-auth-repo.ts';
import type { StaffRecord, UsersRepo } from '../../db/users-repo.ts';
import { NoRulesPublishedError, type RulesVersions } from '../../rules/versions.ts';
import { ConflictError, NotFoundError, ServiceError, ValidationError, type FieldProblem } from '../errors.ts';
import { validate } from '../validation.ts';
import { assertManager, assertMayAdd, assertMayChange, assertMayGrant, forbidden, type ActorAccount } from './policy.ts';
import { addPersonRequest, changePersonRequest, PEOPLE_ROLES, type AddPersonInput, type ChangePersonInput, type PeopleRole } from './schemas.ts';

export { PEOPLE_MANAGERS, PEOPLE_ROLES, addPersonRequest, changePersonRequest, type AddPersonInput, type ChangePersonInput, type PeopleRole } from './schemas.ts';
export { grantableRoles, mayManageAccount, mayPromoteRequester } from './policy.ts';

/** Who acts: a signed-in staff member (checked), or an operator at the command line (`cli:<os user>`). */
export type PeopleActor = { userId: number } | { operator: string };

export interface PeopleDeps {
  users: Pick<UsersRepo, 'listStaff' | 'findStaff' | 'findById'>;
  people: PeopleRepo;
  staffAuth: Pick<StaffAuthRepo, 'issueEnrolmentCode'>;
  rules: Pick<RulesVersions, 'active'>;
}

/** A team of the active rules version, with its tier. */
export interface Team extends TeamRow { tierName: string | null }

export interface Person {
  id: number;
  email: string;
  displayName: string;
  role: PeopleRole;
  teamId: string | null;
  teamName: string | null;
  /** Their team's tier (L1/L2/L3 …); null without a team. */
  tier: string | null;
  /** Whether they lead their team (agents only): they see its load and reassign (/agent/team). */
  teamLead: boolean;
  /** False when the active rules version has no such team any more. */
  teamInRules: boolean;
  locale: string;
  timeZone: string;
  active: boolean;
  deactivatedAt: string | null;
  /** Whether they have set up their authenticator (then an enrolment code would not be used). */
  secondFactor: boolean;
}

export interface PeopleFilter { role?: PeopleRole; teamId?: string | null; active?: boolean }

export interface EnrolmentCode { code: string; expiresAt: string; hours: number }

export const DEFAULT_TIME_ZONE = 'Europe/Warsaw';

/** The IANA name of a time zone, or undefined when it is none. */
export function canonicalTimeZone(tz: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The time zones a form offers. */
export const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

/** A listing's filter from query parameters (`role`, `team` — a team id or `none` —, `active`: true, false or all). */
export function filterFrom(query: Record<string, unknown>): PeopleFilter {
  const problems: FieldProblem[] = [];
  const one = (name: string) => {
    const v = query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') problems.push({ field: name, key: 'type', params: { type: 'string' } });
    return typeof v === 'string' ? v : undefined;
  };
  const role = one('role');
  const team = one('team');
  const active = one('active');
  if (role !== undefined && !(PEOPLE_ROLES as readonly string[]).includes(role)) problems.push({ field: 'role', key: 'oneOf', params: { values: PEOPLE_ROLES.join(', ') } });
  if (active !== undefined && !['true', 'false', 'all'].includes(active)) problems.push({ field: 'active', key: 'oneOf', params: { values: 'true, false, all' } });
  if (team !== undefined && team.length > 64) problems.push({ field: 'team', key: 'tooLong', params: { max: 64 } });
  if (problems.length) throw new ValidationError(problems);
  return {
    ...(role ? { role: role as PeopleRole } : {}),
    ...(team !== undefined ? { teamId: team === 'none' ? null : team } : {}),
    ...(active === 'true' || active === 'false' ? { active: active === 'true' } : {}),
  };
}

const auditActor = (actor: PeopleActor) => ('operator' in actor ? actor.operator : `user:${actor.userId}`);
const noPerson = (id: number) => new NotFoundError('admin-people:errors.noPerson', { id });
/** The flag on someone who is not (or will not be) an agent. */
const leadNotAgent: FieldProblem = { field: 'teamLead', key: 'teamLeadAgent' };

export function createPeople(deps: PeopleDeps) {
  /** The active version's teams, in its tiers' order; none before any version is published. */
  async function teams(): Promise<Team[]> {
    let file;
    try {
      file = (await deps.rules.active()).file;
    } catch (err) {
      if (err instanceof NoRulesPublishedError) return [];
      throw err;
    }
    const tierName = new Map(file.tiers.map((t) => [t.id, t.name ?? null]));
    const order = new Map(file.tiers.map((t, i) => [t.id, i]));
    return file.teams
      .map((t) => ({ id: t.id, name: t.name, tier: t.tier, tierName: tierName.get(t.tier) ?? null }))
      .sort((a, b) => (order.get(a.tier) ?? 99) - (order.get(b.tier) ?? 99));
  }

  function personOf(r: StaffRecord, known: readonly Team[]): Person {
    const team = r.teamId === null ? undefined : known.find((t) => t.id === r.teamId);
    return {
      id: r.id, email: r.email, displayName: r.displayName, role: r.role as PeopleRole,
      teamId: r.teamId, teamName: team?.name ?? null, tier: team?.tier ?? r.tier, teamLead: r.role === 'agent' && r.teamLead, teamInRules: r.teamId === null || team !== undefined,
      locale: r.locale, timeZone: r.timeZone, active: r.active, deactivatedAt: r.deactivatedAt?.toISOString() ?? null, secondFactor: r.secondFactor,
    };
  }

  /** A staff actor's own account, checked: an active process owner or admin. Undefined for an operator. */
  async function actorOf(actor: PeopleActor): Promise<ActorAccount> {
    if ('operator' in actor) return undefined;
    const user = await deps.users.findById(actor.userId);
    if (!user) throw forbidden();
    const account = { id: user.id, role: user.role, active: user.active };
    assertManager(account);
    return account;
  }

  /** The team a form names, checked against the active version; null for none. */
  async function teamNamed(teamId: string | null | undefined, problems: FieldProblem[], field = 'teamId'): Promise<TeamRow | null | undefined> {
    if (teamId === undefined || teamId === null) return teamId;
    const known = await teams();
    const team = known.find((t) => t.id === teamId);
    if (!team) problems.push(known.length ? { field, key: 'oneOf', params: { values: known.map((t) => t.id).join(', ') } } : { field, key: 'noTeams' });
    return team && { id: team.id, name: team.name, tier: team.tier };
  }

  function zoneOf(tz: string | undefined, problems: FieldProblem[]): string | undefined {
    if (tz === undefined) return undefined;
    const zone = canonicalTimeZone(tz.trim());
    if (!zone) problems.push({ field: 'timeZone', key: 'timeZone' });
    return zone;
  }

  /** The locked accounts of a write, checked: the staff actor must still be an active manager. */
  function lockedActor(actor: PeopleActor, account: LockedAccount | undefined): ActorAccount {
    if ('operator' in actor) return undefined;
    if (!account) throw forbidden();
    assertManager(account);
    return account;
  }

  const lockArg = (actor: PeopleActor) => ({ ...('operator' in actor ? {} : { userId: actor.userId }), audit: auditActor(actor) });

  async function get(actor: PeopleActor, id: number): Promise<Person> {
    await actorOf(actor);
    const found = await deps.users.findStaff(id);
    if (!found) throw noPerson(id);
    return personOf(found, await teams());
  }

  async function issueCode(actor: PeopleActor, id: number): Promise<EnrolmentCode> {
    const issued = await deps.staffAuth.issueEnrolmentCode(id, auditActor(actor));
    const hours = Math.round((issued.expiresAt.getTime() - Date.now()) / 3_600_000);
    return { code: issued.code, expiresAt: issued.expiresAt.toISOString(), hours };
  }

  return {
    teams,
    get,

    /** Staff matching the filter, by name. */
    async list(actor: PeopleActor, filter: PeopleFilter = {}): Promise<Person[]> {
      await actorOf(actor);
      const [found, known] = await Promise.all([deps.users.listStaff(filter), teams()]);
      return found.map((r) => personOf(r, known));
    },

    /**
     * Adds a staff member and issues the enrolment code of their first sign-in (when they have
     * no second factor: a requester made staff might). 422 for bad fields, 403 for a role the
     * actor may not give or (for anyone but an admin) an address with a requester account, 409
     * when the address is a staff member's already.
     */
    async add(actor: PeopleActor, input: unknown): Promise<{ person: Person; enrolmentCode: EnrolmentCode | null; promoted: boolean }> {
      const account = await actorOf(actor);
      const body = validate<AddPersonInput>(addPersonRequest, input);
      const problems: FieldProblem[] = [];
      const team = await teamNamed(body.teamId, problems);
      const timeZone = zoneOf(body.timeZone, problems) ?? DEFAULT_TIME_ZONE;
      if (body.role === 'agent' && (body.teamId ?? null) === null) problems.push({ field: 'teamId', key: 'agentTeam' });
      if (body.teamLead === true && body.role !== 'agent') problems.push(leadNotAgent);
      if (problems.length) throw new ValidationError(problems);
      assertMayGrant(account, body.role);
      const made = await deps.people.add(
        { email: body.email, displayName: body.displayName.trim(), role: body.role, team: team ?? null, teamLead: body.teamLead ?? false, locale: body.locale, timeZone },
        { ...lockArg(actor), check: (a, existing) => assertMayAdd(lockedActor(actor, a), body.role, existing) },
      );
      if (made.outcome === 'taken') throw new ConflictError('EMAIL_TAKEN', 'admin-people:errors.emailTaken', { id: made.id });
      if (made.outcome === 'erased') throw new ConflictError('ERASED_MEANWHILE', 'admin-people:errors.erasedMeanwhile');
      const person = await get(actor, made.id);
      const enrolmentCode = person.secondFactor ? null : await issueCode(actor, made.id);
      return { person, enrolmentCode, promoted: made.outcome === 'promoted' };
    },

    /**
     * Changes a staff member (PATCH semantics: absent fields stay). 422 for bad fields, 404 for
     * no such staff member, 403 for a change the actor may not make (policy.ts).
     */
    async change(actor: PeopleActor, id: number, input: unknown): Promise<{ person: Person; changed: boolean }> {
      const account = await actorOf(actor);
      const body = validate<ChangePersonInput>(changePersonRequest, input);
      const current = await deps.users.findStaff(id);
      if (!current) throw noPerson(id);
      // A change that is not theirs to make is refused before its fields are looked at (and again under the lock).
      const asksOther = ['teamId', 'teamLead', 'locale', 'timeZone', 'displayName'].some((k) => k in body);
      assertMayChange(account, current, { other: asksOther, ...(body.role ? { role: body.role } : {}), ...(body.active !== undefined ? { active: body.active } : {}) });
      const problems: FieldProblem[] = [];
      const team = await teamNamed(body.teamId, problems);
      const timeZone = zoneOf(body.timeZone, problems);
      const role = body.role ?? current.role;
      const teamId = body.teamId === undefined ? current.teamId : body.teamId;
      if (role === 'agent' && teamId === null && (body.role !== undefined || body.teamId !== undefined)) problems.push({ field: 'teamId', key: 'agentTeam' });
      if (body.teamLead === true && role !== 'agent') problems.push(leadNotAgent);
      if (problems.length) throw new ValidationError(problems);
      const name = body.displayName?.trim();
      const patch: StaffPatch = {
        ...(body.role !== undefined ? { role: body.role } : {}),
        ...(team !== undefined ? { team } : {}),
        ...(body.teamLead !== undefined ? { teamLead: body.teamLead } : {}),
        ...(body.locale !== undefined ? { locale: body.locale } : {}),
        ...(timeZone !== undefined ? { timeZone } : {}),
        ...(name !== undefined && name !== current.displayName ? { displayName: name } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
      };
      const done = await deps.people.change(id, lockArg(actor), (target, a) => {
        if (target.role === 'requester') throw noPerson(id);
        const other = (patch.team !== undefined && (patch.team?.id ?? null) !== target.teamId) || (patch.teamLead !== undefined && patch.teamLead !== target.teamLead)
          || (patch.locale !== undefined && patch.locale !== target.locale) || (patch.timeZone !== undefined && patch.timeZone !== target.timeZone) || patch.displayName !== undefined;
        assertMayChange(lockedActor(actor, a), target, { other, ...(body.role ? { role: body.role } : {}), ...(body.active !== undefined ? { active: body.active } : {}) });
        // Only an agent leads a team, as they are under the lock: someone made another role stops leading.
        if ((patch.role ?? target.role) !== 'agent') {
          if (patch.teamLead === true) throw new ValidationError([leadNotAgent]);
          if (target.teamLead) return { ...patch, teamLead: false };
        }
        return patch;
      });
      if (!done.found) throw noPerson(id);
      return { person: await get(actor, id), changed: done.changed };
    },

    /** Deactivates (false) or reactivates (true) a staff member: change() with `active` only. */
    async setActive(actor: PeopleActor, id: number, active: boolean): Promise<{ person: Person; changed: boolean }> {
      return this.change(actor, id, { active });
    },

    /**
     * A new enrolment code for a staff member's first sign-in (an earlier one stops working),
     * shown once. 409 for someone deactivated or with an authenticator already.
     */
    async issueEnrolmentCode(actor: PeopleActor, id: number): Promise<EnrolmentCode> {
      const account = await actorOf(actor);
      const target = await deps.users.findStaff(id);
      if (!target) throw noPerson(id);
      assertMayChange(account, { id: target.id, role: target.role, active: target.active }, { other: true });
      if (!target.active) throw new ConflictError('DEACTIVATED', 'admin-people:errors.codeDeactivated');
      if (target.secondFactor) throw new ConflictError('HAS_SECOND_FACTOR', 'admin-people:errors.codeHasSecondFactor');
      return issueCode(actor, id);
    },

    /** The team a command line names, checked as the forms check it (for `helpdesk user add --team`). */
    async checkTeam(teamId: string): Promise<TeamRow> {
      const problems: FieldProblem[] = [];
      const team = await teamNamed(teamId, problems, 'team');
      if (!team) throw new ValidationError(problems);
      return team;
    },
  };
}

export type People = ReturnType<typeof createPeople>;

/** Whether an error is one of the refusals above (403/404/409), for adapters that show it on their page. */
export const isRefusal = (err: unknown): err is ServiceError => err instanceof ServiceError && [403, 404, 409].includes(err.status);
