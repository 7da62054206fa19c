/**
 * Static checks of a rules file: what no helpdesk tells a process owner before a change goes
 * live. Every finding has its JSON path, a machine code with parameters (for a translated
 * message), a severity (errors block publishing, warnings do not) and a plain English message.
 *
 * The checks read a file that passes the schema; they need not pass the semantic validator, so
 * an editor can show them on a draft. Some (MISSING_SLA_POLICY, NEVER_OPENS, OVERLAPPING_RANGES)
 * are also refused by the validator under the same code and path; `helpdesk rules check` validates
 * first, so on the command line they appear as validation problems. Nothing is executed.
 */
import { CalendarProblemCode, checkCalendar, type BusinessCalendar } from './calendar.ts';
import { calendarProblemParams } from './calendar-params.ts';
import { checkConditions } from './checks-conditions.ts';
import { CheckCode, Findings, type CheckProblem } from './checks-support.ts';
import { parseDuration } from './duration.ts';
import { PRIORITIES, type Clock, type RulesFile, type SlaPolicy } from './types.ts';
import { relativeSegs } from './validate-support.ts';

export { CHECK_SEVERITY, CheckCode } from './checks-support.ts';
export type { CheckParam, CheckProblem, CheckSeverity } from './checks-support.ts';

const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

/** "on <weekday>" in English, by the weekday's key in a calendar (the `onWeekday` words of locales/{lng}/rules.json). */
const ON_WEEKDAY: Readonly<Record<string, string>> = {
  mon: 'on Monday', tue: 'on Tuesday', wed: 'on Wednesday', thu: 'on Thursday', fri: 'on Friday', sat: 'on Saturday', sun: 'on Sunday',
};

function ms(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

/** Every finding of the static checks, in file order of the sections checked. */
export function checkRulesFile(file: RulesFile): CheckProblem[] {
  const out = new Findings();
  checkSlaCoverage(file, out);
  checkWarnings(file, out);
  checkCalendars(file, out);
  checkLadderSteps(file, out);
  checkConditions(file, out);
  return out.list;
}

/** Whether any finding is an error (so the file must not be published). */
export function hasCheckErrors(problems: readonly CheckProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

function checkSlaCoverage(file: RulesFile, out: Findings): void {
  const pairs = new Set(list(file.slaPolicies).map((p) => `${p?.serviceLevel}/${p?.priority}`));
  for (const level of list(file.serviceLevels)) {
    for (const priority of PRIORITIES) {
      if (pairs.has(`${level}/${priority}`)) continue;
      out.add(['slaPolicies'], CheckCode.MissingSlaPolicy, { context: 'check', serviceLevel: level, priority },
        `No SLA policy covers service level "${level}" at ${priority}: a ticket classified so would have no targets. Add a policy for it.`);
    }
  }
}

function checkWarnings(file: RulesFile, out: Findings): void {
  list(file.slaPolicies).forEach((p, i) => {
    list(p?.warnAt).forEach((fraction, w) => {
      if (typeof fraction !== 'number' || fraction < 1) return;
      const percent = Math.round(fraction * 100);
      out.add(['slaPolicies', i, 'warnAt', w], CheckCode.WarningAtBreach, { policy: String(p.id), fraction, percent },
        `The SLA policy "${String(p.id)}" warns at ${percent} % of the target, which is the breach itself or after it: a warning must come before, e.g. 0.75.`);
    });
  });
}

/** The calendar checks of calendar-check.ts that make a calendar unusable for SLA clocks. */
function checkCalendars(file: RulesFile, out: Findings): void {
  const calendars = file.calendars !== null && typeof file.calendars === 'object' ? file.calendars : {};
  for (const [id, cal] of Object.entries(calendars)) {
    if (cal === null || typeof cal !== 'object') continue;
    let found: ReturnType<typeof checkCalendar>;
    try {
      found = checkCalendar({ ...cal, id } as BusinessCalendar);
    } catch {
      continue; // the validator says why
    }
    for (const p of found) {
      const segs = relativeSegs(p.path);
      if (p.code === CalendarProblemCode.NeverOpens) {
        out.add(['calendars', id, ...segs], CheckCode.NeverOpens, { context: 'check', calendar: id },
          `The calendar "${id}" has no working time at all (no hours on any weekday and not alwaysOpen): SLA clocks in it would never run. Add working hours or make it alwaysOpen.`);
      } else if (p.code === CalendarProblemCode.OverlappingRanges) {
        const weekday = String(segs[1]);
        const r = calendarProblemParams(cal as unknown as Record<string, unknown>, p);
        out.add(['calendars', id, ...segs], CheckCode.OverlappingRanges, { context: 'check', calendar: id, weekday, ...r },
          `In the calendar "${id}" ${ON_WEEKDAY[weekday] ?? `on ${weekday}`}, ${String(r.from)}–${String(r.to)} overlaps ${String(r.otherFrom)}–${String(r.otherTo)} (${String(r.otherWhere)}); merge the ranges or make them follow one another.`);
      }
    }
  }
}

/** Policies a ladder can be chosen for by its `appliesTo` (all of them without one). */
function policiesOf(file: RulesFile, appliesTo: { priorities?: string[]; serviceLevels?: string[] } | undefined): SlaPolicy[] {
  return list(file.slaPolicies).filter((p) => p
    && (appliesTo?.priorities === undefined || appliesTo.priorities.includes(p.priority))
    && (appliesTo?.serviceLevels === undefined || appliesTo.serviceLevels.includes(p.serviceLevel)));
}

function checkLadderSteps(file: RulesFile, out: Findings): void {
  list(file.ladders).forEach((ladder, i) => {
    if (!ladder) return;
    const policies = policiesOf(file, ladder.appliesTo);
    list(ladder.steps).forEach((step, j) => {
      const at = step?.at as { clock?: Clock; fraction?: unknown; after?: unknown } | undefined;
      if (!at || (at.clock !== 'response' && at.clock !== 'resolution')) return;
      const clock = at.clock;
      const segs = ['ladders', i, 'steps', j, 'at'];
      const base = { ladder: String(ladder.id), step: String(step.id), clock };
      if (typeof at.fraction === 'number' && at.fraction > 1) {
        const percent = Math.round(at.fraction * 100);
        out.add([...segs, 'fraction'], CheckCode.LadderStepBeyondTarget, { ...base, context: 'fraction', at: at.fraction, percent, policies: [] },
          `The step "${String(step.id)}" of ladder "${String(ladder.id)}" runs at ${percent} % of the ${clock} target, after the breach; use a fraction up to 1 for a step before or at the breach.`);
        return;
      }
      const after = ms(at.after);
      if (after === undefined) return;
      const beyond = policies.filter((p) => { const target = ms(p[clock]); return target !== undefined && after > target; });
      if (beyond.length === 0) return;
      const targets = beyond.map((p) => `"${p.id}" (${p[clock]})`);
      out.add([...segs, 'after'], CheckCode.LadderStepBeyondTarget, { ...base, at: String(at.after), policies: beyond.map((p) => p.id), targets },
        `The step "${String(step.id)}" of ladder "${String(ladder.id)}" runs after ${String(at.after)} on the ${clock} clock, beyond the ${clock} target of ${targets.join(', ')}: for those tickets it comes only after the breach.`);
    });
  });
}
