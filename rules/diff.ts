/**
 * What changed between two rules versions, in words for process owners and as structured
 * changes (kind, path, from, to, and the sentence's key and params) that rules/change-text.ts
 * says in the reader's language.
 */
import type { Rule, RulesFile, SlaPolicy, Team, Tier } from './types.ts';
import { renderPath } from './paths.ts';
import {
  byId, calendarChanges, ChangeKind, keyed, ladderChanges, listOfStrings, pct, retentionChanges, same, show, shown,
  type Add, type Change, type Field,
} from './diff-support.ts';

export { ChangeKind, type Change, type ChangeParam, type ChangeParams } from './diff-support.ts';

const LEVELS = ['high', 'medium', 'low'] as const;

/** Describes every change from `a` (older) to `b` (newer), in file order. */
export function describeChanges(a: RulesFile, b: RulesFile): Change[] {
  const out: Change[] = [];
  const add: Add = (kind, subject, segs, from, to, key, params, text) => {
    out.push({ kind, subject, path: renderPath(segs), from: from ?? null, to: to ?? null, key, params, text });
  };
  const field: Field = (subject, segs, key, params, label, x, y) => {
    if (!same(x, y)) add(ChangeKind.changed, subject, segs, x, y, key, { ...params, from: shown(x), to: shown(y) }, `${label} ${show(x)} → ${show(y)}`);
  };

  field('name', ['name'], 'name', {}, 'name', a.name, b.name);
  field('description', ['description'], 'description', {}, 'description', a.description, b.description);
  field('categories', ['categories'], 'categories', {}, 'categories', a.categories, b.categories);

  for (const impact of LEVELS) {
    for (const urgency of LEVELS) {
      field('matrix', ['priorityMatrix', impact, urgency], 'matrix', { impact, urgency }, `priority for impact ${impact} × urgency ${urgency}`,
        a.priorityMatrix?.[impact]?.[urgency], b.priorityMatrix?.[impact]?.[urgency]);
    }
  }

  listOfStrings(a.serviceLevels, b.serviceLevels, (s, kind) => add(kind, 'serviceLevel', ['serviceLevels'], kind === 'removed' ? s : null, kind === 'added' ? s : null, 'serviceLevel', { context: kind, serviceLevel: s }, `service level '${s}' ${kind}`));
  field('defaultServiceLevel', ['defaultServiceLevel'], 'defaultServiceLevel', {}, 'default service level', a.defaultServiceLevel, b.defaultServiceLevel);

  keyed(a.calendars, b.calendars, {
    added: (id, c) => add('added', 'calendar', ['calendars', id], null, c, 'calendar', { context: 'added', calendar: id }, `calendar '${id}' added`),
    removed: (id, c) => add('removed', 'calendar', ['calendars', id], c, null, 'calendar', { context: 'removed', calendar: id }, `calendar '${id}' removed`),
    both: (id, x, y) => calendarChanges(id, x, y, add, field),
  });

  byId(a.slaPolicies, b.slaPolicies, (p) => p.id, {
    added: (p, i) => add('added', 'policy', ['slaPolicies', i], null, p, 'policy', { context: 'added', policy: p.id, priority: p.priority, serviceLevel: p.serviceLevel, response: p.response, resolution: p.resolution }, `SLA policy '${p.id}' (${p.priority}, ${p.serviceLevel}) added: respond ${p.response}, resolve ${p.resolution}`),
    removed: (p, i) => add('removed', 'policy', ['slaPolicies', i], p, null, 'policy', { context: 'removed', policy: p.id, priority: p.priority, serviceLevel: p.serviceLevel }, `SLA policy '${p.id}' (${p.priority}, ${p.serviceLevel}) removed`),
    both: (x: SlaPolicy, y: SlaPolicy, i) => {
      // "P2 resolution (silver) 9h → 4h": the policy's target, calendar or warnings, `field` a code.
      const target = (name: 'response' | 'resolution' | 'calendar' | 'warnAt', fieldCode: string, label: string, from: unknown, to: unknown): void =>
        field('policy', ['slaPolicies', i, name], 'policyField', { policy: y.id, priority: y.priority, serviceLevel: y.serviceLevel, field: fieldCode }, `${y.priority} ${label} (${y.serviceLevel})`, from, to);
      target('response', 'response', 'response', x.response, y.response);
      target('resolution', 'resolution', 'resolution', x.resolution, y.resolution);
      target('calendar', 'calendar', 'calendar', x.calendar, y.calendar);
      target('warnAt', 'warnings', 'warnings at', x.warnAt?.map(pct).join(', '), y.warnAt?.map(pct).join(', '));
      field('policy', ['slaPolicies', i, 'priority'], 'policyPriority', { policy: y.id }, `SLA policy '${y.id}' priority`, x.priority, y.priority);
      field('policy', ['slaPolicies', i, 'serviceLevel'], 'policyServiceLevel', { policy: y.id }, `SLA policy '${y.id}' service level`, x.serviceLevel, y.serviceLevel);
    },
  });

  byId(a.tiers, b.tiers, (t) => t.id, {
    added: (t, i) => add('added', 'tier', ['tiers', i], null, t, 'tier', { context: 'added', tier: t.id }, `tier '${t.id}' added`),
    removed: (t, i) => add('removed', 'tier', ['tiers', i], t, null, 'tier', { context: 'removed', tier: t.id }, `tier '${t.id}' removed`),
    both: (x: Tier, y: Tier, i) => {
      field('tier', ['tiers', i, 'name'], 'tierName', { tier: y.id }, `tier '${y.id}' name`, x.name, y.name);
      listOfStrings(x.teams, y.teams, (team, kind) => add(kind, 'tier', ['tiers', i, 'teams'], kind === 'removed' ? team : null, kind === 'added' ? team : null, 'tierTeam', { context: kind, tier: y.id, team }, `tier '${y.id}' team '${team}' ${kind}`));
    },
  });
  byId(a.teams, b.teams, (t) => t.id, {
    added: (t, i) => add('added', 'team', ['teams', i], null, t, 'team', { context: 'added', team: t.id }, `team '${t.id}' added`),
    removed: (t, i) => add('removed', 'team', ['teams', i], t, null, 'team', { context: 'removed', team: t.id }, `team '${t.id}' removed`),
    both: (x: Team, y: Team, i) => {
      field('team', ['teams', i, 'name'], 'teamName', { team: y.id }, `team '${y.id}' name`, x.name, y.name);
      field('team', ['teams', i, 'tier'], 'teamTier', { team: y.id }, `team '${y.id}' tier`, x.tier, y.tier);
    },
  });

  byId(a.ladders, b.ladders, (l) => l.id, {
    added: (l, i) => add('added', 'ladder', ['ladders', i], null, l, 'ladder', { context: 'added', ladder: l.id }, `ladder '${l.id}' added`),
    removed: (l, i) => add('removed', 'ladder', ['ladders', i], l, null, 'ladder', { context: 'removed', ladder: l.id }, `ladder '${l.id}' removed`),
    both: (x, y, i) => ladderChanges(x, y, i, add, field),
  });

  for (const k of ['team', 'tier', 'category', 'ladder', 'calendar'] as const) {
    field('defaults', ['defaults', k], 'default', { field: k }, `default ${k}`, a.defaults?.[k], b.defaults?.[k]);
  }
  field('autoCloseAfter', ['autoCloseAfter'], 'autoCloseAfter', {}, 'auto-close after', a.autoCloseAfter, b.autoCloseAfter);
  retentionChanges(a, b, add);

  keyed(a.conditions ?? {}, b.conditions ?? {}, {
    added: (id, c) => add('added', 'condition', ['conditions', id], null, c, 'condition', { context: 'added', condition: id }, `shared condition '${id}' added`),
    removed: (id, c) => add('removed', 'condition', ['conditions', id], c, null, 'condition', { context: 'removed', condition: id }, `shared condition '${id}' removed`),
    both: (id, x, y) => { if (!same(x, y)) add('changed', 'condition', ['conditions', id], x, y, 'condition', { context: 'changed', condition: id }, `shared condition '${id}' changed`); },
  });

  // A rule has moved when its place among the rules both versions share has changed.
  const common = (x: Rule[], y: Rule[]): string[] => x.map((r) => r.name).filter((n) => y.some((r) => r.name === n));
  const sharedA = common(a.rules ?? [], b.rules ?? []);
  const sharedB = common(b.rules ?? [], a.rules ?? []);
  byId(a.rules, b.rules, (r) => r.name, {
    added: (r, i) => add('added', 'rule', ['rules', i], null, r, 'rule', { context: 'added', rule: r.name }, `rule '${r.name}' added`),
    removed: (r, i) => add('removed', 'rule', ['rules', i], r, null, 'rule', { context: 'removed', rule: r.name }, `rule '${r.name}' removed`),
    both: (x: Rule, y: Rule, i, j) => {
      const rule = y.name;
      field('rule', ['rules', i, 'priority'], 'rulePriority', { rule }, `rule '${rule}' priority`, x.priority ?? 1, y.priority ?? 1);
      if (!same(x.conditions, y.conditions)) add('changed', 'rule', ['rules', i, 'conditions'], x.conditions, y.conditions, 'ruleConditions', { rule }, `rule '${rule}' conditions changed`);
      if (!same(x.event, y.event)) {
        const params = { rule, fromType: x.event.type, fromParams: show(x.event.params ?? {}), toType: y.event.type, toParams: show(y.event.params ?? {}) };
        add('changed', 'rule', ['rules', i, 'event'], x.event, y.event, 'ruleEvent', params, `rule '${rule}' event ${params.fromType} ${params.fromParams} → ${params.toType} ${params.toParams}`);
      }
      field('rule', ['rules', i, 'description'], 'ruleDescription', { rule }, `rule '${rule}' description`, x.description, y.description);
      if (sharedA.indexOf(rule) !== sharedB.indexOf(rule)) add('moved', 'rule', ['rules', i], j, i, 'ruleMoved', { rule, from: j + 1, to: i + 1 }, `rule '${rule}' moved from position ${j + 1} to ${i + 1}`);
    },
  });
  return out;
}
