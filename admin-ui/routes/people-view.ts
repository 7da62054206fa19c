/**
 * What the people pages show, in the viewer's words: the choices of each select (roles, teams
 * of the active rules version, languages, time zones), a staff member as a table row or a
 * summary, and the service's field problems beside the fields they are about.
 */
import type { Request } from 'express';
import type { i18n, TFunction } from 'i18next';
import { formatDateTime } from '../../api/portal/format.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import type { FieldProblem } from '../../services/errors.ts';
import { LANGUAGES } from '../../services/languages.ts';
import { TIME_ZONES, type EnrolmentCode, type Person, type PeopleRole, type Team } from '../../services/people/index.ts';

export interface Option { value: string; label: string; selected: boolean }

/** The people namespace, and the staff one (role names), in the viewer's language. */
export function peopleT(deps: { i18n: i18n }, req: Request): { t: TFunction; staff: TFunction; api: TFunction; language: string; timeZone: string } {
  const { language, timeZone } = viewerOf(req);
  return { t: deps.i18n.getFixedT(language, 'admin-people'), staff: deps.i18n.getFixedT(language, 'staff'), api: deps.i18n.getFixedT(language, 'api'), language, timeZone };
}

export const roleName = (staff: TFunction, role: string): string => staff(`role.${role}`);

export function roleOptions(staff: TFunction, roles: readonly PeopleRole[], selected: string): Option[] {
  return roles.map((r) => ({ value: r, label: roleName(staff, r), selected: r === selected }));
}

const teamLabel = (t: TFunction, team: Pick<Team, 'id' | 'name' | 'tier'>) => t('form.teamOption', { name: team.name, tier: team.tier });

/** No team, then the active version's teams; a team it no longer has, when it is the selected one, marked as such. */
export function teamOptions(t: TFunction, teams: readonly Team[], selected: string | null): Option[] {
  const options = [{ value: '', label: t('form.noTeam'), selected: !selected }, ...teams.map((team) => ({ value: team.id, label: teamLabel(t, team), selected: team.id === selected }))];
  if (selected && !teams.some((team) => team.id === selected)) options.push({ value: selected, label: t('form.teamMissing', { team: selected }), selected: true });
  return options;
}

export function languageOptions(t: TFunction, selected: string): Option[] {
  return LANGUAGES.map((l) => ({ value: l, label: t(`language.${l}`), selected: l === selected }));
}

export function timeZoneOptions(selected: string): Option[] {
  const zones = TIME_ZONES.includes(selected) ? TIME_ZONES : [selected, ...TIME_ZONES];
  return zones.map((z) => ({ value: z, label: z, selected: z === selected }));
}

/** A staff member in the viewer's words (a row of the list, the summary of their page). */
export function shownPerson(v: ReturnType<typeof peopleT>, p: Person) {
  return {
    ...p,
    roleName: roleName(v.staff, p.role),
    teamText: p.teamId === null ? '' : p.teamName ?? p.teamId,
    languageName: v.t(`language.${p.locale}`, { defaultValue: p.locale }),
    statusText: v.t(p.active ? 'status.active' : 'status.deactivated'),
    deactivatedShown: p.deactivatedAt ? formatDateTime(p.deactivatedAt, v.language, v.timeZone) : '',
  };
}

export function shownCode(v: ReturnType<typeof peopleT>, code: EnrolmentCode) {
  return { ...code, until: formatDateTime(code.expiresAt, v.language, v.timeZone) };
}

/** The fields of the forms (the service's field names) and the ids of their inputs. */
const FIELDS: Record<string, string> = { email: 'email', displayName: 'name', role: 'role', teamId: 'team', teamLead: 'team-lead', locale: 'locale', timeZone: 'timezone' };

export interface ShownFieldProblem { code: string; severity: 'error'; text: string; fieldId: string | undefined }

/**
 * The service's field problems in the viewer's words (the API's field messages, naming the
 * field by its label), each tied to its input (`<prefix>-<field>`), for the error summary and
 * the `admin-field-problems` partial.
 */
export function fieldProblems(v: ReturnType<typeof peopleT>, fields: readonly FieldProblem[], prefix: string): { problems: ShownFieldProblem[]; byField: Record<string, ShownFieldProblem[]> } {
  const problems = fields.map((f) => {
    const suffix = FIELDS[f.field];
    const label = suffix ? v.t(`form.${f.field}`) : f.field;
    return { code: f.key, severity: 'error' as const, text: v.api(`field.${f.key}`, { ...f.params, field: label }), fieldId: suffix && `${prefix}-${suffix}` };
  });
  const byField: Record<string, ShownFieldProblem[]> = {};
  for (const p of problems) if (p.fieldId) (byField[p.fieldId] ??= []).push(p);
  return { problems, byField };
}
