/**
 * The rules file's process checks: ids unique and referred to correctly across service
 * levels, calendars, SLA policies, tiers, teams, ladders and defaults; retention
 * (validate-retention.ts).
 */
import { PRIORITIES } from './types.ts';
import { checkCalendar, type BusinessCalendar } from './calendar.ts';
import { parseDuration } from './duration.ts';
import { checkRules, checkSharedConditions } from './validate-conditions.ts';
import { checkRetention } from './validate-retention.ts';
import type { Seg } from './paths.ts';
import { calendarProblemParams } from './calendar-params.ts';
import { asArray, checkTeamInTier, FORBIDDEN_KEYS, isObj, relativeSegs, sentence, str, type Collector, type Ctx, type Obj } from './validate-support.ts';

/** What a list holds, in English, by the `context` of its DUPLICATE_ID. */
const KIND_WORDS = { slaPolicy: 'SLA policy', tier: 'tier', ladder: 'ladder', team: 'team' } as const;

/** Collects ids of a list of objects, reporting duplicates. */
function ids(list: unknown, at: string, kind: keyof typeof KIND_WORDS, out: Collector): Set<string> {
  const set = new Set<string>();
  asArray(list).forEach((item, i) => {
    const id = isObj(item) ? str(item.id) : undefined;
    if (id === undefined) return;
    if (set.has(id)) out.add([at, i, 'id'], 'DUPLICATE_ID', { context: kind, id }, `Another ${KIND_WORDS[kind]} already has the id "${id}"; ids must be unique.`);
    set.add(id);
  });
  return set;
}

/** What a duration is for, in English, by the `context` of its BAD_DURATION. */
const DURATION_WORDS = { autoClose: 'auto-close period', response: 'response time', resolution: 'resolution time', step: 'step time' } as const;

function durationMs(v: unknown, segs: Seg[], what: keyof typeof DURATION_WORDS, out: Collector): number | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parseDuration(v);
  } catch {
    out.add(segs, 'BAD_DURATION', { context: what, value: v }, `The ${DURATION_WORDS[what]} "${v}" is not a duration; write it like 30s, 15m, 4h, 2d or 1h30m.`);
    return undefined;
  }
}

export function checkSemantics(root: Obj, out: Collector): void {
  const serviceLevels = new Set<string>();
  asArray(root.serviceLevels).forEach((s, i) => {
    if (typeof s !== 'string') return;
    if (serviceLevels.has(s)) out.add(['serviceLevels', i], 'DUPLICATE_ID', { context: 'serviceLevel', id: s }, `The service level "${s}" is listed twice.`);
    serviceLevels.add(s);
  });
  const calendars = new Set(isObj(root.calendars) ? Object.keys(root.calendars).filter((k) => !FORBIDDEN_KEYS.includes(k)) : []);
  const ctx: Ctx = {
    root,
    serviceLevels,
    calendars,
    policies: ids(root.slaPolicies, 'slaPolicies', 'slaPolicy', out),
    tiers: ids(root.tiers, 'tiers', 'tier', out),
    teams: new Map(),
    ladders: ids(root.ladders, 'ladders', 'ladder', out),
    categories: Array.isArray(root.categories) ? new Set(root.categories.filter((c): c is string => typeof c === 'string')) : null,
    sharedConditions: new Set(isObj(root.conditions) ? Object.keys(root.conditions).filter((k) => !FORBIDDEN_KEYS.includes(k)) : []),
  };
  for (const id of ids(root.teams, 'teams', 'team', out)) ctx.teams.set(id, undefined);
  asArray(root.teams).forEach((t) => {
    if (isObj(t) && typeof t.id === 'string') ctx.teams.set(t.id, str(t.tier));
  });

  const sl = str(root.defaultServiceLevel);
  if (sl !== undefined && !serviceLevels.has(sl)) out.add(['defaultServiceLevel'], 'UNKNOWN_SERVICE_LEVEL', { context: 'default', serviceLevel: sl }, `The default service level "${sl}" is not one of the service levels listed in "serviceLevels".`);

  checkCalendars(root, out);
  checkPolicies(root, ctx, out);
  checkTiersAndTeams(root, ctx, out);
  checkLadders(root, ctx, out);
  checkDefaults(root, ctx, out);
  durationMs(root.autoCloseAfter, ['autoCloseAfter'], 'autoClose', out);
  checkRetention(ctx, out);
  checkSharedConditions(root, ctx, out);
  checkRules(root, ctx, out);
}

function checkCalendars(root: Obj, out: Collector): void {
  if (!isObj(root.calendars)) return;
  for (const [id, cal] of Object.entries(root.calendars)) {
    if (FORBIDDEN_KEYS.includes(id) || !isObj(cal)) continue;
    if (cal.id !== undefined && cal.id !== id) out.add(['calendars', id, 'id'], 'CALENDAR_ID_MISMATCH', { calendar: id, id: String(cal.id) }, `The calendar is filed under "${id}" but its id says "${String(cal.id)}"; leave the id out or make them the same.`);
    if (typeof cal.timeZone !== 'string') continue;
    let found: ReturnType<typeof checkCalendar>;
    try {
      found = checkCalendar({ ...cal, id } as unknown as BusinessCalendar);
    } catch (err) {
      const detail = (err as Error).message;
      out.add(['calendars', id], 'CALENDAR_INVALID', { calendar: id, detail }, `The calendar "${id}" could not be checked: ${detail}`);
      continue;
    }
    for (const p of found) {
      out.add(['calendars', id, ...relativeSegs(p.path)], p.code, { calendar: id, where: p.path, ...calendarProblemParams(cal, p) }, `In the calendar "${id}", ${p.path}: ${sentence(p.message)}`);
    }
  }
}

function checkPolicies(root: Obj, ctx: Ctx, out: Collector): void {
  const pairs = new Map<string, number>();
  asArray(root.slaPolicies).forEach((p, i) => {
    if (!isObj(p)) return;
    const at = (k: string): Seg[] => ['slaPolicies', i, k];
    const level = str(p.serviceLevel);
    const policy = String(p.id);
    if (level !== undefined && !ctx.serviceLevels.has(level)) out.add(at('serviceLevel'), 'UNKNOWN_SERVICE_LEVEL', { context: 'policy', policy, serviceLevel: level }, `The SLA policy "${String(p.id)}" names the service level "${level}", which is not listed in "serviceLevels".`);
    const cal = str(p.calendar);
    if (cal !== undefined && !ctx.calendars.has(cal)) out.add(at('calendar'), 'UNKNOWN_CALENDAR', { context: 'policy', policy, calendar: cal }, `The SLA policy "${String(p.id)}" names the calendar "${cal}", which is not defined in "calendars".`);
    const response = durationMs(p.response, at('response'), 'response', out);
    const resolution = durationMs(p.resolution, at('resolution'), 'resolution', out);
    if (response !== undefined && resolution !== undefined && resolution < response) {
      out.add(at('resolution'), 'RESOLUTION_BEFORE_RESPONSE', { policy, resolution: String(p.resolution), response: String(p.response) }, `The SLA policy "${String(p.id)}" allows less time to resolve (${String(p.resolution)}) than to respond (${String(p.response)}).`);
    }
    const warnAt = asArray(p.warnAt);
    for (let w = 1; w < warnAt.length; w++) {
      const prev = warnAt[w - 1];
      const cur = warnAt[w];
      if (typeof prev === 'number' && typeof cur === 'number' && cur <= prev) out.add([...at('warnAt'), w], 'WARN_AT_ORDER', { value: cur, previous: prev }, `Warning fractions must increase: ${cur} comes after ${prev}.`);
    }
    if (level !== undefined && typeof p.priority === 'string') {
      const key = `${level}/${p.priority}`;
      const first = pairs.get(key);
      if (first !== undefined) out.add(at('priority'), 'DUPLICATE_SLA_POLICY', { serviceLevel: level, priority: p.priority, other: `$.slaPolicies[${first}]` }, `Two SLA policies cover service level "${level}" at ${p.priority}: this one and the one at $.slaPolicies[${first}]; keep one.`);
      else pairs.set(key, i);
    }
  });
  for (const level of ctx.serviceLevels) {
    for (const prio of PRIORITIES) {
      if (!pairs.has(`${level}/${prio}`)) out.add(['slaPolicies'], 'MISSING_SLA_POLICY', { serviceLevel: level, priority: prio }, `No SLA policy covers service level "${level}" at ${prio}; every service level needs a policy for every priority.`);
    }
  }
}

function checkTiersAndTeams(root: Obj, ctx: Ctx, out: Collector): void {
  const listedIn = new Map<string, string>();
  asArray(root.tiers).forEach((t, i) => {
    if (!isObj(t)) return;
    asArray(t.teams).forEach((team, j) => {
      if (typeof team !== 'string') return;
      const tier = String(t.id);
      if (!ctx.teams.has(team)) out.add(['tiers', i, 'teams', j], 'UNKNOWN_TEAM', { context: 'tier', tier, team }, `The tier "${String(t.id)}" lists the team "${team}", which is not defined in "teams".`);
      else if (ctx.teams.get(team) !== t.id) out.add(['tiers', i, 'teams', j], 'TEAM_TIER_MISMATCH', { context: 'tierLists', tier, team, teamTier: String(ctx.teams.get(team)) }, `The tier "${String(t.id)}" lists the team "${team}", but that team says it belongs to tier "${String(ctx.teams.get(team))}".`);
      if (typeof t.id === 'string') listedIn.set(team, t.id);
    });
  });
  asArray(root.teams).forEach((t, i) => {
    if (!isObj(t) || typeof t.tier !== 'string') return;
    if (!ctx.tiers.has(t.tier)) out.add(['teams', i, 'tier'], 'UNKNOWN_TIER', { context: 'team', team: String(t.id), tier: t.tier }, `The team "${String(t.id)}" belongs to the tier "${t.tier}", which is not defined in "tiers".`);
    else if (typeof t.id === 'string' && !listedIn.has(t.id)) out.add(['teams', i, 'tier'], 'TEAM_TIER_MISMATCH', { context: 'teamClaims', team: t.id, tier: t.tier }, `The team "${t.id}" says it belongs to tier "${t.tier}", but that tier does not list it in its "teams".`);
  });
}


function checkLadders(root: Obj, ctx: Ctx, out: Collector): void {
  asArray(root.ladders).forEach((l, i) => {
    if (!isObj(l)) return;
    const name = String(l.id);
    if (isObj(l.appliesTo)) {
      asArray(l.appliesTo.serviceLevels).forEach((s, j) => {
        if (typeof s === 'string' && !ctx.serviceLevels.has(s)) out.add(['ladders', i, 'appliesTo', 'serviceLevels', j], 'UNKNOWN_SERVICE_LEVEL', { context: 'ladder', ladder: name, serviceLevel: s }, `The ladder "${name}" applies to the service level "${s}", which is not listed in "serviceLevels".`);
      });
    }
    const stepIds = new Set<string>();
    const last = new Map<string, { value: number; step: string }>(); // "clock/kind" → last value
    asArray(l.steps).forEach((s, j) => {
      if (!isObj(s)) return;
      const segs: Seg[] = ['ladders', i, 'steps', j];
      if (typeof s.id === 'string') {
        if (stepIds.has(s.id)) out.add([...segs, 'id'], 'DUPLICATE_ID', { context: 'ladderStep', ladder: name, id: s.id }, `The ladder "${name}" has two steps with the id "${s.id}".`);
        stepIds.add(s.id);
      }
      if (isObj(s.moveTo)) checkTeamInTier(s.moveTo.team, s.moveTo.tier, [...segs, 'moveTo'], ctx, out);
      // Another clock is refused by the schema (NOT_ALLOWED_VALUE).
      if (!isObj(s.at) || (s.at.clock !== 'response' && s.at.clock !== 'resolution')) return;
      const clock = s.at.clock;
      let kind: string | undefined;
      let value: number | undefined;
      let key: Seg = 'fraction';
      if (typeof s.at.fraction === 'number' && s.at.after === undefined) {
        kind = 'fraction';
        value = s.at.fraction;
      } else if (typeof s.at.after === 'string' && s.at.fraction === undefined) {
        kind = 'after';
        key = 'after';
        value = durationMs(s.at.after, [...segs, 'at', 'after'], 'step', out);
      }
      if (kind === undefined || value === undefined) return;
      const prev = last.get(`${clock}/${kind}`);
      if (prev && value <= prev.value) {
        out.add([...segs, 'at', key], 'LADDER_STEP_ORDER', { step: String(s.id), ladder: name, earlier: prev.step, clock }, `The step "${String(s.id)}" of ladder "${name}" comes at or before the earlier step "${prev.step}" on the ${clock} clock; steps on one clock must be listed in increasing order.`);
      }
      last.set(`${clock}/${kind}`, { value, step: String(s.id) });
    });
  });
}

function checkDefaults(root: Obj, ctx: Ctx, out: Collector): void {
  const d = root.defaults;
  if (!isObj(d)) return;
  checkTeamInTier(d.team, d.tier, ['defaults'], ctx, out);
  if (typeof d.ladder === 'string' && !ctx.ladders.has(d.ladder)) out.add(['defaults', 'ladder'], 'UNKNOWN_LADDER', { context: 'default', ladder: d.ladder }, `The default ladder "${d.ladder}" is not defined in "ladders".`);
  if (typeof d.calendar === 'string' && !ctx.calendars.has(d.calendar)) out.add(['defaults', 'calendar'], 'UNKNOWN_CALENDAR', { context: 'default', calendar: d.calendar }, `The default calendar "${d.calendar}" is not defined in "calendars".`);
  if (typeof d.category === 'string' && ctx.categories && !ctx.categories.has(d.category)) out.add(['defaults', 'category'], 'UNKNOWN_CATEGORY', { context: 'default', category: d.category }, `The default category "${d.category}" is not listed in "categories".`);
}
