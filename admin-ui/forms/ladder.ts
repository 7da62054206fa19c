/**
 * One escalation ladder as a form: its name, what it is chosen for (only when named, or tickets
 * of some priorities and service levels), and its ordered steps — each at a fraction of a clock's
 * target ("75%" of response or resolution) or after business time on it ("2h"), moving the ticket
 * to a tier and team, notifying roles. Steps are added (in time order among their clock's steps),
 * removed and moved with submit buttons, so the page works without JavaScript.
 *
 * Fields: `name`; `applies` (named | match), `prioritiesMode` / `levelsMode` (all | some),
 * `priorities`, `serviceLevels` (checkboxes); `step:<j>:id|clock|when|tier|team|notify`;
 * `newStep:id|clock|when|tier|team|notify`; buttons `op` = save, add-step, up-step:<j>,
 * down-step:<j>, remove-step:<j>.
 */
import type { FormBody } from '../../api/portal/forms.ts';
import { parseDuration } from '../../rules/duration.ts';
import type { Seg } from '../../rules/paths.ts';
import { PRIORITIES } from '../../rules/types.ts';
import { asList, freshId, idsOf, isObj, listText, moveItem, opOf, options, percent, posted, postedAll, setField, shownText, splitList, textValue, type Obj } from './fields.ts';
import { fieldModel, type FieldModel, type PageProblems } from './page.ts';
import type { Words } from './references.ts';

/** The index of the ladder with this id (the first, should two share it), or -1. */
export const ladderIndex = (file: Obj, id: string): number => asList(file.ladders).findIndex((l) => isObj(l) && l.id === id);

export const ladderMine = (index: number) => (segs: Seg[]): boolean => segs[0] === 'ladders' && segs[1] === index;

export function ladderFieldFor(index: number) {
  return (segs: Seg[]): string | undefined => {
    if (segs[0] !== 'ladders' || segs[1] !== index) return undefined;
    const [, , part, j, key, sub] = segs;
    if (part === 'name') return 'ladder-name';
    if (part === 'appliesTo') return j === 'priorities' ? 'ladder-priorities' : j === 'serviceLevels' ? 'ladder-levels' : 'ladder-applies';
    if (part !== 'steps' || typeof j !== 'number') return undefined;
    if (key === 'at') return sub === 'clock' ? `step-${j}-clock` : `step-${j}-when`;
    if (key === 'moveTo') return sub === 'team' ? `step-${j}-team` : `step-${j}-tier`;
    if (key === 'notify') return `step-${j}-notify`;
    return `step-${j}-id`;
  };
}

/** When a step runs, as the form shows it: "75%" (a fraction of the target) or "2h" (business time). */
export function whenText(at: unknown): string {
  if (!isObj(at)) return '';
  const parts = [...(at.fraction !== undefined ? [percent(at.fraction)] : []), ...(at.after !== undefined ? [shownText(at.after)] : [])];
  return parts.join(', ');
}

/** "75%" → { fraction: 0.75 }, "0.5" → { fraction: 0.5 }, "2h" (or anything else) → { after: "2h" }, "" → {}. */
export function parseWhen(s: string): { fraction?: number; after?: string } {
  const t = s.trim();
  if (t === '') return {};
  const pct = /^(\d+(?:[.,]\d+)?)\s*%$/.exec(t);
  if (pct) return { fraction: Math.round(Number(pct[1]!.replace(',', '.')) * 100) / 10000 };
  const bare = /^\d*[.,]?\d+$/.test(t) ? Number(t.replace(',', '.')) : Number.NaN;
  if (bare <= 1) return { fraction: bare };
  return { after: t };
}

const CLOCKS = ['response', 'resolution'] as const;

interface AppliesState {
  applies: string;
  prioritiesMode: string;
  priorities: string[];
  levelsMode: string;
  levels: string[];
}

const sortedUnique = (v: readonly string[]): string[] => [...new Set(v)].sort();

function appliesState(appliesTo: unknown): AppliesState {
  const a = isObj(appliesTo) ? appliesTo : {};
  const texts = (v: unknown): string[] => sortedUnique(asList(v).map(shownText));
  return {
    applies: appliesTo === undefined ? 'named' : 'match',
    prioritiesMode: a.priorities === undefined ? 'all' : 'some', priorities: texts(a.priorities),
    levelsMode: a.serviceLevels === undefined ? 'all' : 'some', levels: texts(a.serviceLevels),
  };
}

export interface StepRow {
  index: number;
  position: number;
  key: string;
  id: FieldModel;
  clock: FieldModel;
  when: FieldModel;
  tier: FieldModel;
  team: FieldModel;
  notify: FieldModel;
  /** Whether any of its fields has a problem, and those fields: shown in a row under the step. */
  problems: boolean;
  fields: FieldModel[];
  first: boolean;
  last: boolean;
}

export interface LadderView {
  ladderId: string;
  name: FieldModel;
  applies: { named: boolean; match: boolean; problems: unknown[] };
  priorities: { all: boolean; choices: Array<{ value: string; checked: boolean; id: string }>; problems: unknown[] };
  levels: { all: boolean; choices: Array<{ value: string; checked: boolean; id: string }>; problems: unknown[] };
  steps: StepRow[];
  newStep: { id: FieldModel; clock: FieldModel; when: FieldModel; tier: FieldModel; team: FieldModel; notify: FieldModel };
  /** The SLA policies the ladder can be chosen for, with their targets (what fractions resolve against). */
  targets: string;
}

export function ladderView(file: Obj, index: number, p: PageProblems, t: Words): LadderView {
  const ladder = asList(file.ladders)[index] as Obj;
  const state = appliesState(ladder.appliesTo);
  const levels = asList(file.serviceLevels).filter((s): s is string => typeof s === 'string');
  const tierIds = idsOf(file.tiers);
  const teams = asList(file.teams).filter(isObj).filter((x) => typeof x.id === 'string');
  const teamIds = teams.map((x) => x.id as string);
  const teamLabel = new Map(teams.map((x) => [x.id as string, typeof x.tier === 'string' ? t('ladder.teamInTier', { team: x.id, tier: x.tier }) : String(x.id)]));
  const clockOptions = (cur: unknown) => options(CLOCKS, cur, undefined, (v) => t('ladder.unknownValue', { value: v })).map((o) => ({ ...o, label: (CLOCKS as readonly string[]).includes(o.value) ? t(`clock.${o.value}`) : o.label }));
  const tierOptions = (cur: unknown) => options(tierIds, cur, t('ladder.noMove'), (v) => t('ladder.unknownValue', { value: v }));
  const teamOptions = (cur: unknown) => options(teamIds, cur, t('ladder.anyTeam'), (v) => t('ladder.unknownValue', { value: v })).map((o) => ({ ...o, label: teamLabel.get(o.value) ?? o.label }));
  const choices = (known: readonly string[], checked: readonly string[], prefix: string) =>
    [...known, ...checked.filter((c) => !known.includes(c))].map((value, k) => ({ value, checked: checked.includes(value), id: `${prefix}-${k}` }));
  const steps = asList(ladder.steps);
  const appliesTo = isObj(ladder.appliesTo) ? ladder.appliesTo : undefined;
  const policies = asList(file.slaPolicies).filter(isObj).filter((pol) => ladder.appliesTo === undefined
    || ((appliesTo?.priorities === undefined || asList(appliesTo.priorities).includes(pol.priority))
      && (appliesTo?.serviceLevels === undefined || asList(appliesTo.serviceLevels).includes(pol.serviceLevel))));
  return {
    ladderId: shownText(ladder.id),
    name: fieldModel(p, 'ladder-name', 'name', shownText(ladder.name)),
    applies: { named: state.applies === 'named', match: state.applies === 'match', problems: p.byField['ladder-applies'] ?? [] },
    priorities: { all: state.prioritiesMode === 'all', choices: choices(PRIORITIES, state.priorities, 'ladder-priority'), problems: p.byField['ladder-priorities'] ?? [] },
    levels: { all: state.levelsMode === 'all', choices: choices(levels, state.levels, 'ladder-level'), problems: p.byField['ladder-levels'] ?? [] },
    steps: steps.map((raw, j) => {
      const step = isObj(raw) ? raw : {};
      const at = isObj(step.at) ? step.at : {};
      const moveTo = isObj(step.moveTo) ? step.moveTo : {};
      const f = (key: string, value: string, extra: Parameters<typeof fieldModel>[4] = {}) => fieldModel(p, `step-${j}-${key}`, `step:${j}:${key}`, value, extra);
      const fields = {
        id: f('id', shownText(step.id)),
        clock: f('clock', shownText(at.clock), { options: clockOptions(at.clock) }),
        when: f('when', whenText(step.at), { hint: 'steps-when-hint' }),
        tier: f('tier', shownText(moveTo.tier), { options: tierOptions(moveTo.tier) }),
        team: f('team', shownText(moveTo.team), { options: teamOptions(moveTo.team) }),
        notify: f('notify', listText(step.notify), { hint: 'steps-notify-hint' }),
      };
      const withProblems = Object.values(fields).filter((x) => x.problems.length > 0);
      return {
        index: j, position: j + 1, key: shownText(step.id) || String(j + 1), ...fields,
        problems: withProblems.length > 0, fields: withProblems,
        first: j === 0, last: j === steps.length - 1,
      };
    }),
    newStep: {
      id: fieldModel(p, 'new-step-id', 'newStep:id', ''),
      clock: fieldModel(p, 'new-step-clock', 'newStep:clock', 'response', { options: clockOptions('response') }),
      when: fieldModel(p, 'new-step-when', 'newStep:when', '', { hint: 'steps-when-hint' }),
      tier: fieldModel(p, 'new-step-tier', 'newStep:tier', '', { options: tierOptions(undefined) }),
      team: fieldModel(p, 'new-step-team', 'newStep:team', '', { options: teamOptions(undefined) }),
      notify: fieldModel(p, 'new-step-notify', 'newStep:notify', '', { hint: 'steps-notify-hint' }),
    },
    targets: policies.map((pol) => t('ladder.target', { policy: shownText(pol.id), response: shownText(pol.response), resolution: shownText(pol.resolution) })).join(', '),
  };
}

const notifyValue = (s: string): string[] | undefined => (splitList(s).length ? splitList(s) : undefined);

/** Sets a step's `at` from its clock and "when" fields (a changed "when" replaces fraction and after). */
function applyAt(step: Obj, body: FormBody, prefix: string): void {
  const at = isObj(step.at) ? step.at : {};
  const before = JSON.stringify(at);
  setField(at, 'clock', body, `${prefix}:clock`, textValue);
  const when = posted(body, `${prefix}:when`);
  if (when !== undefined && when !== whenText(step.at)) {
    delete at.fraction;
    delete at.after;
    Object.assign(at, parseWhen(when));
  }
  if (at !== step.at && JSON.stringify(at) !== before) step.at = at;
}

/** Sets a step's `moveTo` from its tier and team selects; neither chosen → no move. */
function applyMoveTo(step: Obj, body: FormBody, prefix: string): void {
  const tier = posted(body, `${prefix}:tier`);
  const team = posted(body, `${prefix}:team`);
  const moveTo = isObj(step.moveTo) ? step.moveTo : undefined;
  if (tier === undefined || team === undefined) return;
  if (tier === shownText(moveTo?.tier) && team === shownText(moveTo?.team)) return;
  if (tier === '' && team === '') {
    delete step.moveTo;
    return;
  }
  const next: Obj = moveTo ?? {};
  setField(next, 'tier', body, `${prefix}:tier`, textValue);
  setField(next, 'team', body, `${prefix}:team`, textValue);
  step.moveTo = next;
}

function applyAppliesTo(ladder: Obj, body: FormBody): void {
  const applies = posted(body, 'applies');
  if (applies === undefined) return;
  const state: AppliesState = {
    applies, prioritiesMode: posted(body, 'prioritiesMode') ?? 'all', priorities: sortedUnique(postedAll(body, 'priorities')),
    levelsMode: posted(body, 'levelsMode') ?? 'all', levels: sortedUnique(postedAll(body, 'serviceLevels')),
  };
  if (JSON.stringify(state) === JSON.stringify(appliesState(ladder.appliesTo))) return;
  if (applies === 'named') {
    delete ladder.appliesTo;
    return;
  }
  const a: Obj = isObj(ladder.appliesTo) ? ladder.appliesTo : {};
  if (state.prioritiesMode === 'some') a.priorities = postedAll(body, 'priorities');
  else delete a.priorities;
  if (state.levelsMode === 'some') a.serviceLevels = postedAll(body, 'serviceLevels');
  else delete a.serviceLevels;
  ladder.appliesTo = a;
}

/** Where a step sorts among its clock's steps of the same kind: its fraction, or its business time in ms. */
function stepOrder(step: unknown): { key: string; value: number } | undefined {
  if (!isObj(step) || !isObj(step.at)) return undefined;
  const { clock, fraction, after } = step.at;
  if (typeof fraction === 'number' && after === undefined) return { key: `${String(clock)}/fraction`, value: fraction };
  if (typeof after === 'string' && fraction === undefined) {
    try {
      return { key: `${String(clock)}/after`, value: parseDuration(after) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The new step from its fields, when any is filled in (its id made from its clock and time when none is typed). */
function newStep(body: FormBody, steps: readonly unknown[]): Obj | undefined {
  const field = (k: string): string => (posted(body, `newStep:${k}`) ?? '').trim();
  const [id, when, tier, team, notify] = ['id', 'when', 'tier', 'team', 'notify'].map(field) as [string, string, string, string, string];
  if (!id && !when && !tier && !team && !notify) return undefined;
  const clock = field('clock') || 'response';
  const made = `${clock}-${when.replace(/%/g, 'pct').replace(/[^A-Za-z0-9_.-]/g, '') || 'step'}`;
  const roles = notifyValue(notify);
  return {
    id: id || freshId(made, idsOf(steps)),
    at: { clock, ...parseWhen(when) },
    ...(tier || team ? { moveTo: { ...(tier ? { tier } : {}), ...(team ? { team } : {}) } } : {}),
    ...(roles ? { notify: roles } : {}),
  };
}

/** The file with the ladder at `index` as posted, the button's operation applied. */
export function applyLadder(file: Obj, index: number, body: FormBody): Obj {
  const next = structuredClone(file);
  const ladder = (next.ladders as unknown[])[index] as Obj;
  setField(ladder, 'name', body, 'name');
  applyAppliesTo(ladder, body);
  const steps = Array.isArray(ladder.steps) ? ladder.steps : [];
  steps.forEach((step, j) => {
    if (!isObj(step)) return;
    setField(step, 'id', body, `step:${j}:id`);
    applyAt(step, body, `step:${j}`);
    applyMoveTo(step, body, `step:${j}`);
    setField(step, 'notify', body, `step:${j}:notify`, notifyValue, listText);
  });
  const { op, index: j } = opOf(body);
  if (j !== undefined && op === 'remove-step' && j < steps.length) steps.splice(j, 1);
  if (j !== undefined && (op === 'up-step' || op === 'down-step')) moveItem(steps, j, op === 'up-step' ? -1 : 1);
  const added = newStep(body, steps);
  if (added) {
    // In time order among its clock's steps of its kind: before the first that comes later.
    const order = stepOrder(added);
    const at = order ? steps.findIndex((s) => { const o = stepOrder(s); return o?.key === order.key && o.value > order.value; }) : -1;
    if (at >= 0) steps.splice(at, 0, added);
    else steps.push(added);
    ladder.steps = steps;
  }
  return next;
}
