/**
 * A business calendar's form: its time zone, open around the clock (24×7) or working hours per
 * weekday (several ranges a day: "08:00-12:00, 13:00-17:00"), and its holidays (one date a
 * line), with "add the public holidays of <country> for <year>" (date-holidays). What is typed
 * is saved into the draft as typed and the problems are shown beside their fields.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { WEEKDAYS } from '../../rules/calendar-types.ts';
import { parseFactPath } from '../../rules/paths.ts';
import type { CalendarDefinition } from '../../rules/types.ts';
import { NotFoundError } from '../../services/errors.ts';
import { holidayCountryOptions, mergeHolidays, publicHolidays } from '../../services/rules-admin/holidays.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage, byField, shownProblems } from '../pages.ts';
import { actorOf, draftOf, revisionOf } from './load.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A weekday's ranges as the form shows them: "08:00-12:00, 13:00-17:00". */
export function rangesText(v: unknown): string {
  if (!Array.isArray(v)) return '';
  return v.map((r) => (isObj(r) ? `${String(r.from ?? '')}-${String(r.to ?? '')}` : String(r))).join(', ');
}

/** "08:00-12:00, 13:00–17:00" → ranges; a part that is no range is kept, for the validator to name. */
export function parseRanges(s: string): Array<{ from: string; to: string }> {
  return s.split(/[,;]/).map((p) => p.trim()).filter(Boolean).map((part) => {
    const m = /^(\S+?)\s*[-–—]\s*(\S+)$/.exec(part);
    return m ? { from: m[1]!, to: m[2]! } : { from: part, to: '' };
  });
}

function fieldFor(path: string): string | undefined {
  const segs = parseFactPath(path) ?? [];
  if (segs[0] !== 'calendars') return undefined;
  if (segs[2] === 'hours' && typeof segs[3] === 'string') return `cal-hours-${segs[3]}`;
  if (segs[2] === 'holidays') return 'cal-holidays';
  if (segs[2] === 'timeZone') return 'cal-timeZone';
  if (segs[2] === 'alwaysOpen' || segs[2] === 'hours' || segs.length === 2) return 'cal-alwaysOpen';
  return undefined;
}

export function calendarRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/calendars/:calendar', admins, show);
  router.post('/admin/drafts/:id/calendars/:calendar', formBody, requireCsrf, admins, save);
  router.post('/admin/drafts/:id/calendars/:calendar/public-holidays', formBody, requireCsrf, admins, addPublicHolidays);
  return router;

  function calendarOf(draft: DraftView, req: Request): { id: string; calendar: Obj; file: Obj } {
    const id = String(req.params.calendar ?? '');
    const file = draft.review.parsed;
    const calendars = file && isObj(file.calendars) ? file.calendars : undefined;
    const calendar = calendars && Object.hasOwn(calendars, id) ? calendars[id] : undefined;
    if (!file || !isObj(calendar)) throw new NotFoundError('admin:errors.noCalendar', { calendar: id });
    return { id, calendar, file };
  }

  async function show(req: Request, res: Response) {
    const draft = await draftOf(deps, req);
    const { id, calendar } = calendarOf(draft, req);
    const language = viewerOf(req).language;
    const t = deps.i18n.getFixedT(language, 'admin');
    const mine = `$.calendars${/^[A-Za-z_$][\w$]*$/.test(id) ? `.${id}` : `['${id}']`}`;
    const problems = shownProblems(deps, req, draft.review.items.filter((i) => i.path === mine || i.path.startsWith(`${mine}.`) || i.path.startsWith(`${mine}[`)), (i) => fieldFor(i.path));
    const hours = isObj(calendar.hours) ? calendar.hours : {};
    adminPage(deps, req, res, 'calendar', {
      title: t('calendar.title', { calendar: id }),
      draft, calendarId: id,
      timeZone: String(calendar.timeZone ?? ''),
      alwaysOpen: calendar.alwaysOpen === true,
      weekdays: WEEKDAYS.map((d) => ({ day: d, ranges: rangesText(hours[d]) })),
      holidays: Array.isArray(calendar.holidays) ? calendar.holidays.map(String).join('\n') : '',
      countries: holidayCountryOptions(language),
      nextYear: new Date().getUTCFullYear() + 1,
      problems, byField: byField(problems),
      editable: draft.status === 'draft' || draft.status === 'shadow',
    });
  }

  async function save(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const { id, file } = calendarOf(draft, req);
    const next = structuredClone(file);
    const cal = (next.calendars as Obj)[id] as Obj;
    cal.timeZone = text(body, 'timeZone').trim();
    if (text(body, 'alwaysOpen') === '1') {
      cal.alwaysOpen = true;
      delete cal.hours;
    } else {
      delete cal.alwaysOpen;
      const hours: Obj = {};
      for (const d of WEEKDAYS) {
        const ranges = parseRanges(text(body, `hours:${d}`));
        if (ranges.length) hours[d] = ranges;
      }
      cal.hours = hours;
    }
    const holidays = text(body, 'holidays').split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
    if (holidays.length) cal.holidays = [...new Set(holidays)];
    else delete cal.holidays;
    await deps.rulesAdmin.drafts.save(draft.id, { revision: revisionOf(body), file: next }, actorOf(req));
    req.session.notice = { key: 'admin:notice.saved' };
    res.redirect(303, `/admin/drafts/${draft.id}/calendars/${encodeURIComponent(id)}`);
  }

  async function addPublicHolidays(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const { id, file } = calendarOf(draft, req);
    const year = text(body, 'year').trim();
    const list = publicHolidays(text(body, 'country'), /^\d{4}$/.test(year) ? Number(year) : Number.NaN, viewerOf(req).language);
    const next = structuredClone(file);
    const calendars = next.calendars as Obj;
    const merged = mergeHolidays(calendars[id] as CalendarDefinition, list);
    calendars[id] = merged.calendar;
    await deps.rulesAdmin.drafts.save(draft.id, { revision: revisionOf(body), file: next }, actorOf(req));
    req.session.notice = { key: 'admin:notice.holidaysAdded', params: { count: String(merged.added) } };
    res.redirect(303, `/admin/drafts/${draft.id}/calendars/${encodeURIComponent(id)}`);
  }
}
