/**
 * What changed between two rules versions, in words for process owners and as structured
 * changes (kind, path, from, to) the admin UI can translate.
 */
import { canonicalJson } from './hash.ts';
import type { CalendarDefinition, Ladder, LadderAt, LadderStep, Rule, RulesFile, SlaPolicy, Team, Tier } from './types.ts';
import { renderPath } from './paths.ts';
import { retentionOf } from './retention.ts';

export const ChangeKind = {
  added: 'added',
  removed: 'removed',
  changed: 'changed',
  moved: 'moved',
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface Change {
  kind: ChangeKind;
  /** What the change is about: 'rule', 'policy', 'calendar', 'holiday', 'ladder', 'step', … */
  subject: string;
  /** JSON path in the newer file (in the older one for removals). */
  path: string;
  from: unknown;
  to: unknown;
  /** English sentence. */
  text: string;
}

type Seg = string | number;
const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : canonicalJson(v));
const pct = (f: number): string => `${Math.round(f * 1000) / 10}%`;

/** Describes every change from `a` (older) to `b` (newer), in file order. */
export function describeChanges(a: RulesFile, b: RulesFile): Change[] {
  const out: Change[] = [];
  const add = (kind: ChangeKind, subject: string, segs: Seg[], from: unknown, to: unknown, text: string): void => {
    out.push({ kind, subject, path: renderPath(segs), from: from ?? null, to: to ?? null, text });
  };
  const field = (subject: string, segs: Seg[], label: string, x: unknown, y: unknown): void => {
    if (!same(x, y)) add(ChangeKind.changed, subject, segs, x, y, `${label} ${show(x)} → ${show(y)}`);
  };

  field('name', ['name'], 'name', a.name, b.name);
  field('description', ['description'], 'description', a.description, b.description);
  field('categories', ['categories'], 'categories', a.categories, b.categories);

  for (const impact of ['high', 'medium', 'low'] as const) {
    for (const urgency of ['high', 'medium', 'low'] as const) {
      field('matrix', ['priorityMatrix', impact, urgency], `priority for impact ${impact} × urgency ${urgency}`,
        a.priorityMatrix?.[impact]?.[urgency], b.priorityMatrix?.[impact]?.[urgency]);
    }
  }

  listOfStrings(a.serviceLevels, b.serviceLevels, (s, kind) => add(kind, 'serviceLevel', ['serviceLevels'], kind === 'removed' ? s : null, kind === 'added' ? s : null, `service level '${s}' ${kind}`));
  field('defaultServiceLevel', ['defaultServiceLevel'], 'default service level', a.defaultServiceLevel, b.defaultServiceLevel);

  keyed(a.calendars, b.calendars, {
    added: (id, c) => add('added', 'calendar', ['calendars', id], null, c, `calendar '${id}' added`),
    removed: (id, c) => add('removed', 'calendar', ['calendars', id], c, null, `calendar '${id}' removed`),
    both: (id, x, y) => calendarChanges(id, x, y, add, field),
  });

  byId(a.slaPolicies, b.slaPolicies, (p) => p.id, {
    added: (p, i) => add('added', 'policy', ['slaPolicies', i], null, p, `SLA policy '${p.id}' (${p.priority}, ${p.serviceLevel}) added: respond ${p.response}, resolve ${p.resolution}`),
    removed: (p, i) => add('removed', 'policy', ['slaPolicies', i], p, null, `SLA policy '${p.id}' (${p.priority}, ${p.serviceLevel}) removed`),
    both: (x: SlaPolicy, y: SlaPolicy, i) => {
      const label = `${y.priority} %s (${y.serviceLevel})`;
      field('policy', ['slaPolicies', i, 'response'], label.replace('%s', 'response'), x.response, y.response);
      field('policy', ['slaPolicies', i, 'resolution'], label.replace('%s', 'resolution'), x.resolution, y.resolution);
      field('policy', ['slaPolicies', i, 'calendar'], label.replace('%s', 'calendar'), x.calendar, y.calendar);
      field('policy', ['slaPolicies', i, 'warnAt'], label.replace('%s', 'warnings at'), x.warnAt?.map(pct).join(', '), y.warnAt?.map(pct).join(', '));
      field('policy', ['slaPolicies', i, 'priority'], `SLA policy '${y.id}' priority`, x.priority, y.priority);
      field('policy', ['slaPolicies', i, 'serviceLevel'], `SLA policy '${y.id}' service level`, x.serviceLevel, y.serviceLevel);
    },
  });

  byId(a.tiers, b.tiers, (t) => t.id, {
    added: (t, i) => add('added', 'tier', ['tiers', i], null, t, `tier '${t.id}' added`),
    removed: (t, i) => add('removed', 'tier', ['tiers', i], t, null, `tier '${t.id}' removed`),
    both: (x: Tier, y: Tier, i) => {
      field('tier', ['tiers', i, 'name'], `tier '${y.id}' name`, x.name, y.name);
      listOfStrings(x.teams, y.teams, (team, kind) => add(kind, 'tier', ['tiers', i, 'teams'], kind === 'removed' ? team : null, kind === 'added' ? team : null, `tier '${y.id}' team '${team}' ${kind}`));
    },
  });
  byId(a.teams, b.teams, (t) => t.id, {
    added: (t, i) => add('added', 'team', ['teams', i], null, t, `team '${t.id}' added`),
    removed: (t, i) => add('removed', 'team', ['teams', i], t, null, `team '${t.id}' removed`),
    both: (x: Team, y: Team, i) => {
      field('team', ['teams', i, 'name'], `team '${y.id}' name`, x.name, y.name);
      field('team', ['teams', i, 'tier'], `team '${y.id}' tier`, x.tier, y.tier);
    },
  });

  byId(a.ladders, b.ladders, (l) => l.id, {
    added: (l, i) => add('added', 'ladder', ['ladders', i], null, l, `ladder '${l.id}' added`),
    removed: (l, i) => add('removed', 'ladder', ['ladders', i], l, null, `ladder '${l.id}' removed`),
    both: (x: Ladder, y: Ladder, i) => ladderChanges(x, y, i, add, field),
  });

  for (const k of ['team', 'tier', 'category', 'ladder', 'calendar'] as const) {
    field('defaults', ['defaults', k], `default ${k}`, a.defaults?.[k], b.defaults?.[k]);
  }
  field('autoCloseAfter', ['autoCloseAfter'], 'auto-close after', a.autoCloseAfter, b.autoCloseAfter);
  retentionChanges(a, b, add);

  keyed(a.conditions ?? {}, b.conditions ?? {}, {
    added: (id, c) => add('added', 'condition', ['conditions', id], null, c, `shared condition '${id}' added`),
    removed: (id, c) => add('removed', 'condition', ['conditions', id], c, null, `shared condition '${id}' removed`),
    both: (id, x, y) => { if (!same(x, y)) add('changed', 'condition', ['conditions', id], x, y, `shared condition '${id}' changed`); },
  });

  // A rule has moved when its place among the rules both versions share has changed.
  const common = (x: Rule[], y: Rule[]): string[] => x.map((r) => r.name).filter((n) => y.some((r) => r.name === n));
  const sharedA = common(a.rules ?? [], b.rules ?? []);
  const sharedB = common(b.rules ?? [], a.rules ?? []);
  byId(a.rules, b.rules, (r) => r.name, {
    added: (r, i) => add('added', 'rule', ['rules', i], null, r, `rule '${r.name}' added`),
    removed: (r, i) => add('removed', 'rule', ['rules', i], r, null, `rule '${r.name}' removed`),
    both: (x: Rule, y: Rule, i, j) => {
      field('rule', ['rules', i, 'priority'], `rule '${y.name}' priority`, x.priority ?? 1, y.priority ?? 1);
      if (!same(x.conditions, y.conditions)) add('changed', 'rule', ['rules', i, 'conditions'], x.conditions, y.conditions, `rule '${y.name}' conditions changed`);
      if (!same(x.event, y.event)) add('changed', 'rule', ['rules', i, 'event'], x.event, y.event, `rule '${y.name}' event ${x.event.type} ${show(x.event.params ?? {})} → ${y.event.type} ${show(y.event.params ?? {})}`);
      field('rule', ['rules', i, 'description'], `rule '${y.name}' description`, x.description, y.description);
      if (sharedA.indexOf(y.name) !== sharedB.indexOf(y.name)) add('moved', 'rule', ['rules', i], j, i, `rule '${y.name}' moved from position ${j + 1} to ${i + 1}`);
    },
  });
  return out;
}

type Add = (kind: ChangeKind, subject: string, segs: Seg[], from: unknown, to: unknown, text: string) => void;
type Field = (subject: string, segs: Seg[], label: string, x: unknown, y: unknown) => void;

function listOfStrings(a: readonly string[] | undefined, b: readonly string[] | undefined, on: (s: string, kind: 'added' | 'removed') => void): void {
  const x = a ?? [];
  const y = b ?? [];
  for (const s of y) if (!x.includes(s)) on(s, 'added');
  for (const s of x) if (!y.includes(s)) on(s, 'removed');
}

function keyed<T>(a: Record<string, T>, b: Record<string, T>, on: { added: (id: string, v: T) => void; removed: (id: string, v: T) => void; both: (id: string, x: T, y: T) => void }): void {
  for (const [id, v] of Object.entries(b ?? {})) {
    const old = Object.hasOwn(a ?? {}, id) ? a[id] : undefined;
    if (old === undefined) on.added(id, v);
    else on.both(id, old, v);
  }
  for (const [id, v] of Object.entries(a ?? {})) if (!Object.hasOwn(b ?? {}, id)) on.removed(id, v);
}

/** Matches list items by key; `i` is the index in b (in a for removals), `j` the index in a. */
function byId<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, key: (t: T) => string, on: { added: (t: T, i: number) => void; removed: (t: T, i: number) => void; both: (x: T, y: T, i: number, j: number) => void }): void {
  const x = a ?? [];
  const y = b ?? [];
  const inA = new Map(x.map((t, j) => [key(t), j]));
  const inB = new Set(y.map(key));
  y.forEach((t, i) => {
    const j = inA.get(key(t));
    if (j === undefined) on.added(t, i);
    else on.both(x[j] as T, t, i, j);
  });
  x.forEach((t, j) => { if (!inB.has(key(t))) on.removed(t, j); });
}

/**
 * Retention, compared as it applies: a file without `retention` has the defaults, so writing them
 * out changes nothing; a category without its own period has the file's default one.
 */
function retentionChanges(a: RulesFile, b: RulesFile, add: Add): void {
  const x = retentionOf(a);
  const y = retentionOf(b);
  const days = (n: number): string => `${n} ${n === 1 ? 'day' : 'days'}`;
  const change = (segs: Seg[], label: string, from: number, to: number): void => {
    if (from !== to) add('changed', 'retention', segs, from, to, `${label} ${days(from)} → ${days(to)}`);
  };
  change(['retention', 'personalData', 'defaultDays'], 'personal data kept after closing', x.personalData.defaultDays, y.personalData.defaultDays);
  const ownX = x.personalData.byCategory ?? {};
  const ownY = y.personalData.byCategory ?? {};
  for (const category of [...new Set([...Object.keys(ownY), ...Object.keys(ownX)])]) {
    const from = Object.hasOwn(ownX, category) ? (ownX[category] as number) : undefined;
    const to = Object.hasOwn(ownY, category) ? (ownY[category] as number) : undefined;
    const segs: Seg[] = ['retention', 'personalData', 'byCategory', category];
    const label = `personal data of category '${category}' kept after closing`;
    if (from === undefined && to !== undefined) add('added', 'retention', segs, null, to, `${label} ${days(to)} (was the default, ${days(x.personalData.defaultDays)})`);
    else if (from !== undefined && to === undefined) add('removed', 'retention', segs, from, null, `${label} ${days(from)} removed (now the default, ${days(y.personalData.defaultDays)})`);
    else if (from !== undefined && to !== undefined) change(segs, label, from, to);
  }
  change(['retention', 'closedTicketDays'], 'closed tickets kept', x.closedTicketDays, y.closedTicketDays);
}

function calendarChanges(id: string, x: CalendarDefinition, y: CalendarDefinition, add: Add, field: Field): void {
  field('calendar', ['calendars', id, 'timeZone'], `calendar '${id}' time zone`, x.timeZone, y.timeZone);
  field('calendar', ['calendars', id, 'alwaysOpen'], `calendar '${id}' always open`, x.alwaysOpen ?? false, y.alwaysOpen ?? false);
  for (const day of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const) {
    const fmt = (r: Array<{ from: string; to: string }> | undefined): string => (r && r.length > 0 ? r.map((t) => `${t.from}–${t.to}`).join(', ') : 'closed');
    const before = fmt(x.hours?.[day]);
    const after = fmt(y.hours?.[day]);
    if (before !== after) add('changed', 'hours', ['calendars', id, 'hours', day], x.hours?.[day] ?? null, y.hours?.[day] ?? null, `calendar '${id}' ${day} hours ${before} → ${after}`);
  }
  listOfStrings(x.holidays, y.holidays, (d, kind) => add(kind, 'holiday', ['calendars', id, 'holidays'], kind === 'removed' ? d : null, kind === 'added' ? d : null, `calendar '${id}' holiday ${d} ${kind}`));
}

function atText(at: LadderAt | undefined): string {
  if (!at) return '(none)';
  return 'fraction' in at ? `${pct(at.fraction)} of ${at.clock}` : `${at.after} of ${at.clock}`;
}

function ladderChanges(x: Ladder, y: Ladder, i: number, add: Add, field: Field): void {
  field('ladder', ['ladders', i, 'name'], `ladder '${y.id}' name`, x.name, y.name);
  field('ladder', ['ladders', i, 'appliesTo'], `ladder '${y.id}' applies to`, x.appliesTo, y.appliesTo);
  byId(x.steps, y.steps, (s) => s.id, {
    added: (s, j) => add('added', 'step', ['ladders', i, 'steps', j], null, s, `ladder '${y.id}' step '${s.id}' added at ${atText(s.at)}`),
    removed: (s, j) => add('removed', 'step', ['ladders', i, 'steps', j], s, null, `ladder '${y.id}' step '${s.id}' removed`),
    both: (s: LadderStep, t: LadderStep, j) => {
      if (!same(s.at, t.at)) {
        const sameClock = s.at.clock === t.at.clock;
        const text = sameClock
          ? `ladder '${y.id}' step '${t.id}' at ${atText(s.at).replace(` of ${s.at.clock}`, '')} → ${atText(t.at).replace(` of ${t.at.clock}`, '')} of ${t.at.clock}`
          : `ladder '${y.id}' step '${t.id}' at ${atText(s.at)} → ${atText(t.at)}`;
        add('changed', 'step', ['ladders', i, 'steps', j, 'at'], s.at, t.at, text);
      }
      const move = (m: LadderStep['moveTo']): string | undefined => (m ? `${m.tier}${m.team ? ` (${m.team})` : ''}` : undefined);
      field('step', ['ladders', i, 'steps', j, 'moveTo'], `ladder '${y.id}' step '${t.id}' moves to`, move(s.moveTo), move(t.moveTo));
      field('step', ['ladders', i, 'steps', j, 'notify'], `ladder '${y.id}' step '${t.id}' notifies`, s.notify?.join(', '), t.notify?.join(', '));
    },
  });
}
