/**
 * Who names what in a rules file: the teams, ladder steps, defaults and rules that name a tier,
 * and so on for teams, ladders, service levels and categories. The forms show it beside each item
 * (removing a named item is not refused: the validator then says what breaks, and the form says
 * beforehand what will).
 */
import { asList, isObj, type Obj } from './fields.ts';

/** One place naming an item: a message key under `ref.` of admin-forms and its values. */
export interface Reference {
  key: 'team' | 'tier' | 'ladderStep' | 'defaults' | 'rule' | 'policy' | 'ladder' | 'defaultServiceLevel' | 'retention';
  params: Record<string, string>;
}

export interface References {
  tiers: Map<string, Reference[]>;
  teams: Map<string, Reference[]>;
  ladders: Map<string, Reference[]>;
  serviceLevels: Map<string, Reference[]>;
  categories: Map<string, Reference[]>;
}

const name = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

export function referencesOf(file: Obj | undefined): References {
  const refs: References = { tiers: new Map(), teams: new Map(), ladders: new Map(), serviceLevels: new Map(), categories: new Map() };
  if (!file) return refs;
  const add = (map: Map<string, Reference[]>, id: unknown, ref: Reference): void => {
    if (typeof id !== 'string') return;
    const list = map.get(id) ?? [];
    if (!list.some((r) => r.key === ref.key && JSON.stringify(r.params) === JSON.stringify(ref.params))) list.push(ref);
    map.set(id, list);
  };
  for (const team of asList(file.teams)) if (isObj(team)) add(refs.tiers, team.tier, { key: 'team', params: { team: name(team.id) } });
  for (const tier of asList(file.tiers)) {
    if (isObj(tier)) for (const team of asList(tier.teams)) add(refs.teams, team, { key: 'tier', params: { tier: name(tier.id) } });
  }
  for (const policy of asList(file.slaPolicies)) if (isObj(policy)) add(refs.serviceLevels, policy.serviceLevel, { key: 'policy', params: { policy: name(policy.id) } });
  for (const ladder of asList(file.ladders)) {
    if (!isObj(ladder)) continue;
    if (isObj(ladder.appliesTo)) for (const level of asList(ladder.appliesTo.serviceLevels)) add(refs.serviceLevels, level, { key: 'ladder', params: { ladder: name(ladder.id) } });
    for (const step of asList(ladder.steps)) {
      if (!isObj(step) || !isObj(step.moveTo)) continue;
      const ref: Reference = { key: 'ladderStep', params: { ladder: name(ladder.id), step: name(step.id) } };
      add(refs.tiers, step.moveTo.tier, ref);
      add(refs.teams, step.moveTo.team, ref);
    }
  }
  if (isObj(file.defaults)) {
    const ref: Reference = { key: 'defaults', params: {} };
    add(refs.tiers, file.defaults.tier, ref);
    add(refs.teams, file.defaults.team, ref);
    add(refs.ladders, file.defaults.ladder, ref);
    add(refs.categories, file.defaults.category, ref);
  }
  add(refs.serviceLevels, file.defaultServiceLevel, { key: 'defaultServiceLevel', params: {} });
  if (isObj(file.retention) && isObj(file.retention.personalData) && isObj(file.retention.personalData.byCategory)) {
    for (const category of Object.keys(file.retention.personalData.byCategory)) add(refs.categories, category, { key: 'retention', params: {} });
  }
  for (const rule of asList(file.rules)) {
    if (!isObj(rule) || !isObj(rule.event) || !isObj(rule.event.params)) continue;
    const p = rule.event.params;
    const ref: Reference = { key: 'rule', params: { rule: name(rule.name) } };
    if (rule.event.type === 'route' || rule.event.type === 'escalate') add(refs.tiers, p.tier, ref);
    if (rule.event.type === 'route') add(refs.teams, p.team, ref);
    if (rule.event.type === 'set-ladder') add(refs.ladders, p.ladder, ref);
    if (rule.event.type === 'set-service-level') add(refs.serviceLevels, p.serviceLevel, ref);
    if (rule.event.type === 'set-category') add(refs.categories, p.category, ref);
  }
  return refs;
}

/** Words for a message key of admin-forms with values (i18next's `t` bound to that namespace). */
export type Words = (key: string, params?: Record<string, unknown>) => string;

/** "Named by team “x”, the defaults." in the viewer's words, or '' when nothing names it. */
export function usedByText(refs: readonly Reference[] | undefined, t: Words): string {
  if (!refs?.length) return '';
  return t('ref.namedBy', { list: refs.map((r) => t(`ref.${r.key}`, r.params)).join(', ') });
}
