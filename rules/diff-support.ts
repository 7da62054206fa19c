/**
 * The pieces of rules/diff.ts: what a change is, how one is recorded (its English words, and its
 * sentence key and params for rules/change-text.ts), list matching, and the changes of the
 * calendars, ladders and retention periods.
 */
import { canonicalJson } from './hash.ts';
import type { CalendarDefinition, Ladder, LadderAt, LadderStep, RulesFile } from './types.ts';
import { retentionOf } from './retention.ts';

export const ChangeKind = {
  added: 'added',
  removed: 'removed',
  changed: 'changed',
  moved: 'moved',
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

/**
 * A value a change's sentence is made of: an id or a value as shown (a list is said "a, b"),
 * a code of a fixed set of words (said by the sentence itself), a boolean (said as yes/no), or
 * null for "none" (said by `change.none`, or `change.none_<key>` where the key has its own word).
 */
export type ChangeParam = string | number | boolean | null | readonly string[];
export type ChangeParams = Readonly<Record<string, ChangeParam>>;

export interface Change {
  kind: ChangeKind;
  /** What the change is about: 'rule', 'policy', 'calendar', 'holiday', 'ladder', 'step', … */
  subject: string;
  /** JSON path in the newer file (in the older one for removals). */
  path: string;
  from: unknown;
  to: unknown;
  /**
   * The sentence that says it, `change.<key>` in locales/{lng}/rules.json, its variant named by
   * `params.context` (rules/change-text.ts changeText).
   */
  key: string;
  /** The values of the sentence: ids and values as shown, words of a fixed set as codes. */
  params: ChangeParams;
  /** English sentence (what changeText says in English). */
  text: string;
}

export type Seg = string | number;
export type Add = (kind: ChangeKind, subject: string, segs: Seg[], from: unknown, to: unknown, key: string, params: ChangeParams, text: string) => void;
/** Records a change of one value when it differs, with `from` and `to` in its params. */
export type Field = (subject: string, segs: Seg[], key: string, params: ChangeParams, label: string, x: unknown, y: unknown) => void;

export const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);
export const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : canonicalJson(v));
/** A value as a sentence param: as `show` says it, but none is null and booleans stay codes. */
export const shown = (v: unknown): ChangeParam => (v === undefined ? null : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : canonicalJson(v));
const percentOf = (f: number): number => Math.round(f * 1000) / 10;
export const pct = (f: number): string => `${percentOf(f)}%`;

export function listOfStrings(a: readonly string[] | undefined, b: readonly string[] | undefined, on: (s: string, kind: 'added' | 'removed') => void): void {
  const x = a ?? [];
  const y = b ?? [];
  for (const s of y) if (!x.includes(s)) on(s, 'added');
  for (const s of x) if (!y.includes(s)) on(s, 'removed');
}

export function keyed<T>(a: Record<string, T>, b: Record<string, T>, on: { added: (id: string, v: T) => void; removed: (id: string, v: T) => void; both: (id: string, x: T, y: T) => void }): void {
  for (const [id, v] of Object.entries(b ?? {})) {
    const old = Object.hasOwn(a ?? {}, id) ? a[id] : undefined;
    if (old === undefined) on.added(id, v);
    else on.both(id, old, v);
  }
  for (const [id, v] of Object.entries(a ?? {})) if (!Object.hasOwn(b ?? {}, id)) on.removed(id, v);
}

/** Matches list items by key; `i` is the index in b (in a for removals), `j` the index in a. */
export function byId<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, key: (t: T) => string, on: { added: (t: T, i: number) => void; removed: (t: T, i: number) => void; both: (x: T, y: T, i: number, j: number) => void }): void {
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
 * Periods are counted days in the params (`from`, `to`, `defaultDays`).
 */
export function retentionChanges(a: RulesFile, b: RulesFile, add: Add): void {
  const x = retentionOf(a);
  const y = retentionOf(b);
  const days = (n: number): string => `${n} ${n === 1 ? 'day' : 'days'}`;
  const change = (segs: Seg[], key: string, params: ChangeParams, label: string, from: number, to: number): void => {
    if (from !== to) add('changed', 'retention', segs, from, to, key, { ...params, from, to }, `${label} ${days(from)} → ${days(to)}`);
  };
  change(['retention', 'personalData', 'defaultDays'], 'retentionDefault', {}, 'personal data kept after closing', x.personalData.defaultDays, y.personalData.defaultDays);
  const ownX = x.personalData.byCategory ?? {};
  const ownY = y.personalData.byCategory ?? {};
  for (const category of [...new Set([...Object.keys(ownY), ...Object.keys(ownX)])]) {
    const from = Object.hasOwn(ownX, category) ? (ownX[category] as number) : undefined;
    const to = Object.hasOwn(ownY, category) ? (ownY[category] as number) : undefined;
    const segs: Seg[] = ['retention', 'personalData', 'byCategory', category];
    const label = `personal data of category '${category}' kept after closing`;
    if (from === undefined && to !== undefined) {
      const defaultDays = x.personalData.defaultDays;
      add('added', 'retention', segs, null, to, 'retentionCategory', { context: 'added', category, to, defaultDays }, `${label} ${days(to)} (was the default, ${days(defaultDays)})`);
    } else if (from !== undefined && to === undefined) {
      const defaultDays = y.personalData.defaultDays;
      add('removed', 'retention', segs, from, null, 'retentionCategory', { context: 'removed', category, from, defaultDays }, `${label} ${days(from)} removed (now the default, ${days(defaultDays)})`);
    } else if (from !== undefined && to !== undefined) {
      change(segs, 'retentionCategory', { context: 'changed', category }, label, from, to);
    }
  }
  change(['retention', 'closedTicketDays'], 'closedTicketDays', {}, 'closed tickets kept', x.closedTicketDays, y.closedTicketDays);
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function calendarChanges(calendar: string, x: CalendarDefinition, y: CalendarDefinition, add: Add, field: Field): void {
  field('calendar', ['calendars', calendar, 'timeZone'], 'calendarTimeZone', { calendar }, `calendar '${calendar}' time zone`, x.timeZone, y.timeZone);
  field('calendar', ['calendars', calendar, 'alwaysOpen'], 'calendarAlwaysOpen', { calendar }, `calendar '${calendar}' always open`, x.alwaysOpen ?? false, y.alwaysOpen ?? false);
  for (const weekday of WEEKDAYS) {
    // Closed (no ranges) is null in the params: `change.none_hours` says it.
    const ranges = (r: Array<{ from: string; to: string }> | undefined): string[] | null => (r && r.length > 0 ? r.map((t) => `${t.from}–${t.to}`) : null);
    const before = ranges(x.hours?.[weekday]);
    const after = ranges(y.hours?.[weekday]);
    const fmt = (r: string[] | null): string => r?.join(', ') ?? 'closed';
    if (fmt(before) !== fmt(after)) {
      add('changed', 'hours', ['calendars', calendar, 'hours', weekday], x.hours?.[weekday] ?? null, y.hours?.[weekday] ?? null, 'hours', { calendar, weekday, from: before, to: after }, `calendar '${calendar}' ${weekday} hours ${fmt(before)} → ${fmt(after)}`);
    }
  }
  listOfStrings(x.holidays, y.holidays, (date, kind) => add(kind, 'holiday', ['calendars', calendar, 'holidays'], kind === 'removed' ? date : null, kind === 'added' ? date : null, 'holiday', { context: kind, calendar, date }, `calendar '${calendar}' holiday ${date} ${kind}`));
}

/** When a step comes, as shown ("75%", "2h") with its kind and clock as codes. */
function atParams(at: LadderAt): { amount: string; kind: 'fraction' | 'after'; clock: string } {
  return 'fraction' in at ? { amount: pct(at.fraction), kind: 'fraction', clock: at.clock } : { amount: at.after, kind: 'after', clock: at.clock };
}

export function ladderChanges(x: Ladder, y: Ladder, i: number, add: Add, field: Field): void {
  const ladder = y.id;
  field('ladder', ['ladders', i, 'name'], 'ladderName', { ladder }, `ladder '${ladder}' name`, x.name, y.name);
  field('ladder', ['ladders', i, 'appliesTo'], 'ladderAppliesTo', { ladder }, `ladder '${ladder}' applies to`, x.appliesTo, y.appliesTo);
  byId(x.steps, y.steps, (s) => s.id, {
    added: (s, j) => {
      const at = atParams(s.at);
      add('added', 'step', ['ladders', i, 'steps', j], null, s, 'step', { context: 'added', ladder, step: s.id, at: at.amount, atKind: at.kind, clock: at.clock }, `ladder '${ladder}' step '${s.id}' added at ${at.amount} of ${at.clock}`);
    },
    removed: (s, j) => add('removed', 'step', ['ladders', i, 'steps', j], s, null, 'step', { context: 'removed', ladder, step: s.id }, `ladder '${ladder}' step '${s.id}' removed`),
    both: (s: LadderStep, t: LadderStep, j) => {
      const step = t.id;
      if (!same(s.at, t.at)) {
        const from = atParams(s.at);
        const to = atParams(t.at);
        const sameClock = from.clock === to.clock;
        const params = { ...(sameClock ? { context: 'sameClock' } : {}), ladder, step, from: from.amount, fromKind: from.kind, fromClock: from.clock, to: to.amount, toKind: to.kind, clock: to.clock };
        const text = sameClock
          ? `ladder '${ladder}' step '${step}' at ${from.amount} → ${to.amount} of ${to.clock}`
          : `ladder '${ladder}' step '${step}' at ${from.amount} of ${from.clock} → ${to.amount} of ${to.clock}`;
        add('changed', 'step', ['ladders', i, 'steps', j, 'at'], s.at, t.at, 'stepAt', params, text);
      }
      const move = (m: LadderStep['moveTo']): string | undefined => (m ? `${m.tier}${m.team ? ` (${m.team})` : ''}` : undefined);
      field('step', ['ladders', i, 'steps', j, 'moveTo'], 'stepMoveTo', { ladder, step }, `ladder '${ladder}' step '${step}' moves to`, move(s.moveTo), move(t.moveTo));
      field('step', ['ladders', i, 'steps', j, 'notify'], 'stepNotify', { ladder, step }, `ladder '${ladder}' step '${step}' notifies`, s.notify?.join(', '), t.notify?.join(', '));
    },
  });
}
