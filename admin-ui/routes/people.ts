/**
 * People and teams (docs/people.md): the staff list with its filters, the teams of the active
 * rules version, adding a staff member (their enrolment code shown once, in that answer only), a
 * staff member's page — role, team, team lead, language, time zone and name; deactivating and reactivating;
 * a new enrolment code. The same use cases and checks as the REST API and the CLI
 * (services/people/); a refused change is shown on the page with the sentence saying why.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { NotFoundError, ValidationError, type FieldProblem, type ServiceError } from '../../services/errors.ts';
import {
  DEFAULT_TIME_ZONE, filterFrom, grantableRoles, isRefusal, mayManageAccount, mayPromoteRequester, PEOPLE_ROLES, type EnrolmentCode, type People, type PeopleFilter, type Person,
} from '../../services/people/index.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage } from '../pages.ts';
import { fieldProblems, languageOptions, peopleT, roleOptions, shownCode, shownPerson, teamOptions, timeZoneOptions, type Option } from './people-view.ts';

/** The page's state beyond the person: what was typed, its problems, a refusal, a code to show once. */
interface PageExtra {
  values?: Record<string, string>;
  fields?: readonly FieldProblem[];
  refusal?: string;
  code?: EnrolmentCode;
  promoted?: boolean;
}

const idOf = (req: Request): number => {
  const id = String(req.params.id ?? '');
  if (!/^\d{1,12}$/.test(id)) throw new NotFoundError('admin-people:errors.noPerson', { id });
  return Number(id);
};

/** The posted form as the service's input: an empty team is none; absent selects are left out. */
function formInput(body: FormBody, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (body[name] === undefined) continue;
    const value = text(body, name);
    out[name] = name === 'teamId' && value === '' ? null : value;
  }
  return out;
}

const selected = (options: Option[]) => options.find((o) => o.selected)?.value;

/**
 * The edit form's team lead checkbox (`teamLead`, beside the flag as the page showed it,
 * `teamLeadShown`) as the service's input: sent only when it was ticked or cleared, so that giving
 * a team lead another role clears the flag (the service does) instead of being refused for it.
 */
function teamLeadInput(body: FormBody): { teamLead?: boolean } {
  if (body.teamLeadShown === undefined) return {};
  const ticked = text(body, 'teamLead') === 'true';
  return ticked === (text(body, 'teamLeadShown') === 'true') ? {} : { teamLead: ticked };
}

export function peopleRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/people', admins, (req, res) => list(req, res));
  router.post('/admin/people', formBody, requireCsrf, admins, add);
  router.get('/admin/people/:id', admins, (req, res) => show(req, res));
  router.post('/admin/people/:id', formBody, requireCsrf, admins, change);
  router.post('/admin/people/:id/deactivate', formBody, requireCsrf, admins, (req, res) => setActive(req, res, false));
  router.post('/admin/people/:id/reactivate', formBody, requireCsrf, admins, (req, res) => setActive(req, res, true));
  router.post('/admin/people/:id/enrolment-code', formBody, requireCsrf, admins, issueCode);
  return router;

  function people(): People {
    if (!deps.people) throw new NotFoundError();
    return deps.people;
  }
  function actor(req: Request) {
    return { userId: req.staffUser!.id };
  }
  function refusalText(req: Request, err: ServiceError): string {
    return deps.i18n.getFixedT(peopleT(deps, req).language)(err.messageKey, err.params);
  }

  async function list(req: Request, res: Response, status = 200, extra: PageExtra = {}) {
    const v = peopleT(deps, req);
    const query = req.method === 'GET' ? (req.query as Record<string, unknown>) : {};
    // Active staff unless the filter asks otherwise.
    let filter: PeopleFilter;
    let filterProblems: FieldProblem[] = [];
    try {
      filter = filterFrom({ active: 'true', ...query });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      filter = { active: true };
      filterProblems = err.fields;
    }
    const [found, teams, active] = await Promise.all([people().list(actor(req), filter), people().teams(), people().list(actor(req), { active: true })]);
    const viewer = req.staffUser!;
    const values = extra.values ?? {};
    const shownFilter = { role: typeof query.role === 'string' ? query.role : '', team: typeof query.team === 'string' ? query.team : '', active: typeof query.active === 'string' ? query.active : 'true' };
    const { problems, byField } = fieldProblems(v, extra.fields ?? [], 'person');
    adminPage(deps, req, res, 'people', {
      title: v.t('title'),
      people: found.map((p) => shownPerson(v, p)),
      filter: {
        roles: [{ value: '', label: v.t('filter.anyRole'), selected: shownFilter.role === '' }, ...roleOptions(v.staff, PEOPLE_ROLES, shownFilter.role)],
        teams: [
          { value: '', label: v.t('filter.anyTeam'), selected: shownFilter.team === '' },
          { value: 'none', label: v.t('form.noTeam'), selected: shownFilter.team === 'none' },
          ...teamOptions(v.t, teams, shownFilter.team || null).slice(1),
        ],
        statuses: ['true', 'false', 'all'].map((s) => ({ value: s, label: v.t(`filter.status_${s}`), selected: s === shownFilter.active })),
        problems: filterProblems.map((f) => v.api(`field.${f.key}`, { ...f.params, field: f.field })),
      },
      teams: teams.map((team) => ({ ...team, members: active.filter((p) => p.teamId === team.id).length })),
      add: {
        values,
        mayPromote: mayPromoteRequester(viewer.role),
        roles: roleOptions(v.staff, grantableRoles(viewer.role, PEOPLE_ROLES), values.role ?? 'agent'),
        teamChoices: teamOptions(v.t, teams, values.teamId || null),
        languages: languageOptions(v.t, values.locale ?? viewer.locale),
        timeZones: timeZoneOptions(values.timeZone ?? (viewer.timeZone || DEFAULT_TIME_ZONE)),
        problems, byField, refusal: extra.refusal,
      },
    }, status);
  }

  async function add(req: Request, res: Response) {
    const body = req.body as FormBody;
    const input = formInput(body, ['email', 'displayName', 'role', 'teamId', 'locale', 'timeZone']);
    try {
      const made = await people().add(actor(req), input);
      // The code is in this answer only: no redirect, nothing kept in the session.
      return await show(req, res, 201, { code: made.enrolmentCode ?? undefined, promoted: made.promoted }, made.person);
    } catch (err) {
      const values = Object.fromEntries(Object.entries(input).map(([k, x]) => [k, x === null ? '' : String(x)]));
      if (err instanceof ValidationError) return list(req, res, 422, { values, fields: err.fields });
      if (isRefusal(err)) return list(req, res, err.status, { values, refusal: refusalText(req, err) });
      throw err;
    }
  }

  async function show(req: Request, res: Response, status = 200, extra: PageExtra = {}, known?: Person) {
    const v = peopleT(deps, req);
    const person = known ?? (await people().get(actor(req), idOf(req)));
    const teams = await people().teams();
    const viewer = req.staffUser!;
    const self = viewer.id === person.id;
    // What the viewer may do here (the service checks again): only an admin changes an admin's or an auditor's account.
    const mayEdit = mayManageAccount(viewer.role, person.role);
    const values = extra.values ?? {};
    const roles = roleOptions(v.staff, grantableRoles(viewer.role, PEOPLE_ROLES), values.role ?? person.role);
    const { problems, byField } = fieldProblems(v, extra.fields ?? [], 'edit');
    adminPage(deps, req, res, 'person', {
      title: v.t('person.title', { name: person.displayName }),
      person: shownPerson(v, person),
      self, mayEdit, auditorAccount: person.role === 'auditor',
      edit: {
        values: { displayName: values.displayName ?? person.displayName },
        teamLead: values.teamLead !== undefined ? values.teamLead === 'true' : person.teamLead,
        roles, roleLocked: self || !selected(roles),
        teamChoices: teamOptions(v.t, teams, values.teamId !== undefined ? values.teamId || null : person.teamId),
        languages: languageOptions(v.t, values.locale ?? person.locale),
        timeZones: timeZoneOptions(values.timeZone ?? person.timeZone),
        problems, byField,
      },
      mayDeactivate: mayEdit && !self && person.active,
      mayReactivate: mayEdit && !person.active,
      mayIssueCode: mayEdit && person.active && !person.secondFactor && !extra.code,
      refusal: extra.refusal,
      code: extra.code && shownCode(v, extra.code),
      promoted: extra.promoted,
    }, status);
  }

  async function change(req: Request, res: Response) {
    const id = idOf(req);
    const body = req.body as FormBody;
    // A locked role select is not posted; the service refuses a role change the viewer may not make all the same.
    const input = { ...formInput(body, ['displayName', 'role', 'teamId', 'locale', 'timeZone']), ...teamLeadInput(body) };
    try {
      const done = await people().change(actor(req), id, input);
      req.session.notice = { key: done.changed ? 'admin-people:notice.saved' : 'admin-people:notice.unchanged' };
      res.redirect(303, `/admin/people/${id}`);
    } catch (err) {
      const values = Object.fromEntries(Object.entries(input).map(([k, x]) => [k, x === null ? '' : String(x)]));
      if (err instanceof ValidationError) return show(req, res, 422, { values, fields: err.fields });
      if (isRefusal(err) && err.status !== 404) return show(req, res, err.status, { values, refusal: refusalText(req, err) });
      throw err;
    }
  }

  async function setActive(req: Request, res: Response, active: boolean) {
    const id = idOf(req);
    try {
      const done = await people().setActive(actor(req), id, active);
      req.session.notice = { key: !done.changed ? 'admin-people:notice.unchanged' : active ? 'admin-people:notice.reactivated' : 'admin-people:notice.deactivated' };
      res.redirect(303, `/admin/people/${id}`);
    } catch (err) {
      if (isRefusal(err) && err.status !== 404) return show(req, res, err.status, { refusal: refusalText(req, err) });
      throw err;
    }
  }

  async function issueCode(req: Request, res: Response) {
    const id = idOf(req);
    try {
      const code = await people().issueEnrolmentCode(actor(req), id);
      await show(req, res, 201, { code });
    } catch (err) {
      if (isRefusal(err) && err.status !== 404) return show(req, res, err.status, { refusal: refusalText(req, err) });
      throw err;
    }
  }
}
