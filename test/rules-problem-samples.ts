/**
 * Bad rules files, one or more per thing the validator, the versions and the static checks can
 * say, and every problem they produce: what test/rules-problem-text.test.ts renders in each
 * language. Between them they reach every sentence of locales/en/rules.json `problem.*`.
 */
import type { ErrorObject } from 'ajv';
import { checkRulesFile } from '../rules/checks.ts';
import type { ProblemLike } from '../rules/problem-text.ts';
import type { Condition, RulesFile } from '../rules/types.ts';
import { validateRulesObject, validateRulesText } from '../rules/validate.ts';
import { mapSchemaError } from '../rules/validate-schema.ts';
import { createRulesVersions, type RulesVersionRecord, type RulesVersionsStore } from '../rules/versions.ts';
import { defaultRules, defaultRulesText } from './rules-fixtures.ts';

type Edit = (f: RulesFile) => void;
type Loose = Record<string, unknown>;
const loose = (v: unknown): Loose => v as Loose;

/** A rule appended to the default rules, with these conditions and this event. */
const rule = (conditions: unknown, event: unknown = { type: 'add-tag', params: { tag: 'x' } }): Edit => (f) => {
  f.rules.push({ name: `Sample ${f.rules.length}`, conditions: conditions as Condition, event: event as RulesFile['rules'][number]['event'] });
};
const fact = (over: Loose = {}): Loose => ({ fact: 'ticket', path: '$.impact', operator: 'equal', value: 'high', ...over });
const hours = (f: RulesFile) => f.calendars['warsaw-business']!.hours as Record<string, unknown>;

/** Edits of the default rules the validator refuses. */
const INVALID: Record<string, Edit> = {
  'missing and unknown properties': (f) => { delete (f as Partial<RulesFile>).autoCloseAfter; loose(f).slaPolicy = []; },
  'wrong types': (f) => {
    loose(f.teams[0]).name = 7; loose(f.teams[1]).name = true; loose(f.teams[2]).name = []; loose(f.teams[3]).name = null;
    loose(f.tiers[0]).name = {}; loose(f.tiers[1]).teams = 'infrastructure';
    loose(f.calendars['24x7']).alwaysOpen = 'yes'; loose(f.retention).closedTicketDays = 'forever';
  },
  'values outside the lists': (f) => { (f.priorityMatrix.high as Loose).low = 'P5'; loose(f.ladders[0]!.steps[0]!.at).clock = 'wall'; },
  'malformed ids, times, roles and dates': (f) => {
    f.tiers[0]!.id = 'L 1';
    loose(f.calendars)['bad key'] = { timeZone: 'UTC', alwaysOpen: true };
    (hours(f).mon as Loose[])[0]!.from = '8am';
    f.ladders[0]!.steps[0]!.notify = ['Team Lead'];
    f.calendars['warsaw-business']!.holidays = ['24.12.2026'];
  },
  'empty, repeated and out of range': (f) => {
    f.categories = ['access', 'access'];
    f.slaPolicies[0]!.warnAt = [0, 1.5];
    loose(f.retention).closedTicketDays = 0;
    loose(f.ladders[0]!.steps[0]!.at).after = '1h';
    loose(f).name = '';
  },
  'an unlisted service level': (f) => { f.serviceLevels = []; },
  'calendar problems': (f) => {
    hours(f).mon = [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '17:00' }, { from: '13:00', to: '12:30' }];
    hours(f).tue = 'all day';
    hours(f).wed = [{ from: '25:00', to: '24:30' }];
    hours(f).funday = [];
    f.calendars['warsaw-business']!.holidays = ['2026-02-30'];
    f.calendars['24x7']!.timeZone = 'Europe/Warszawa';
    f.calendars['24x7']!.hours = { mon: [{ from: '00:00', to: '24:00' }] };
    loose(f.calendars['24x7']).id = 'always';
    f.calendars.closed = { timeZone: 'UTC', hours: {} };
    f.calendars.broken = { timeZone: 'UTC', alwaysOpen: true, holidays: 'none' as unknown as string[] };
  },
  'duplicate ids': (f) => {
    f.slaPolicies[1]!.id = f.slaPolicies[0]!.id;
    f.ladders[1]!.id = f.ladders[0]!.id;
    f.teams[1]!.id = 'service-desk';
    f.serviceLevels.push('gold');
    f.ladders[0]!.steps[1]!.id = f.ladders[0]!.steps[0]!.id;
  },
  'a duplicate tier': (f) => { f.tiers.push({ ...f.tiers[0]!, teams: [] }); },
  'bad durations': (f) => {
    f.autoCloseAfter = '3x'; f.slaPolicies[2]!.response = '15x'; f.slaPolicies[3]!.resolution = '4y';
    f.ladders[1]!.steps[0]!.at = { clock: 'response', after: 'soon' };
  },
  'unknown service levels, calendars, ladders and categories': (f) => {
    f.defaultServiceLevel = 'platinum';
    f.slaPolicies[0]!.serviceLevel = 'platinum';
    f.slaPolicies[1]!.calendar = 'krakow';
    f.ladders[0]!.appliesTo = { ...f.ladders[0]!.appliesTo, serviceLevels: ['platinum'] };
    f.defaults = { ...f.defaults, ladder: 'slow', calendar: 'krakow', category: 'printers' };
  },
  'policy timing': (f) => {
    f.slaPolicies[0]!.resolution = '10m';
    f.slaPolicies[0]!.warnAt = [0.75, 0.5];
    f.slaPolicies[1]!.priority = 'P1';
  },
  'teams and tiers that disagree': (f) => {
    f.tiers[0]!.teams.push('ghosts', 'engineering');
    f.teams[0]!.tier = 'L9';
    f.teams.find((t) => t.id === 'applications')!.tier = 'L3';
  },
  'ladder steps out of order': (f) => { loose(f.ladders[1]!.steps[1]!.at).fraction = 0.5; },
  'retention periods': (f) => {
    f.autoCloseAfter = '72h';
    f.retention = { personalData: { defaultDays: 1, byCategory: { access: 3000, hardware: 2, printers: 400 } }, closedTicketDays: 2555 };
  },
  'personal data kept longer than the ticket': (f) => {
    f.retention = { personalData: { defaultDays: 3000 }, closedTicketDays: 2555 };
  },
  'conditions': (f) => {
    f.conditions = { a: { all: [{ condition: 'b' }] }, b: { any: [{ condition: 'a' }] } };
    f.rules[3]!.name = f.rules[2]!.name;
    rule({ all: [5, {}, { all: [], fact: 'ticket' }, { all: {} }, { not: [] }, { condition: 5 }, fact({ fact: 5 }), fact({ path: 5 })] })(f);
    rule({ all: [fact({ bogus: 1, priority: 0 }), { condition: 'nowhere' }, fact({ fact: 'tickets' }), fact({ path: '$.categry' })] })(f);
    rule({ all: [fact({ path: '$..[?(@.x)]' }), fact({ operator: undefined }), fact({ operator: 'equals' })] })(f);
    rule({ all: [{ fact: 'ticket', path: '$.impact', operator: 'equal' }, fact({ value: 'hgih' })] })(f);
    rule(fact())(f);
  },
  'shared conditions that double at every step': (f) => {
    // c0 → c1 twice → … → c11 twice, c11 one fact test: c0 and the rule expand to 2^11 tests, c1 to 2^10.
    for (let i = 0; i < 11; i++) f.conditions![`c${i}`] = { all: [{ condition: `c${i + 1}` }, { condition: `c${i + 1}` }] } as Condition;
    f.conditions!.c11 = { all: [fact()] } as Condition;
    rule({ condition: 'c0' })(f);
  },
  'events': (f) => {
    rule({ all: [] }, 5)(f);
    rule({ all: [] }, { params: {} })(f);
    rule({ all: [] }, { type: 'add-tag', params: 5 })(f);
    rule({ all: [] }, { type: 'add-tag', params: { tag: 'x' }, when: 'now' })(f);
    rule({ all: [] }, { type: 'send-sms' })(f);
    rule({ all: [] }, { type: 'set-priority', params: { prio: 'P1', atLeast: 'yes' } })(f);
    rule({ all: [] }, { type: 'set-category', params: { category: 5 } })(f);
    rule({ all: [] }, { type: 'notify', params: { roles: [] } })(f);
    rule({ all: [] }, { type: 'set-priority', params: { priority: 'P9' } })(f);
    rule({ all: [] }, { type: 'set-category', params: { category: 'printers' } })(f);
    rule({ all: [] }, { type: 'route', params: { team: 'networks', tier: 'L4' } })(f);
    rule({ all: [] }, { type: 'route', params: { team: 'infrastructure', tier: 'L1' } })(f);
    rule({ all: [] }, { type: 'set-service-level', params: { serviceLevel: 'platinum' } })(f);
    rule({ all: [] }, { type: 'set-sla-policy', params: { policy: 'platinum-p1' } })(f);
    rule({ all: [] }, { type: 'set-ladder', params: { ladder: 'fast' } })(f);
  },
};

/** Texts refused before they are read as a rules file. */
const TEXTS: Record<string, string> = {
  'a missing value': '{\n  "name": "x",\n  "rules": [1,, 2]\n}',
  'a comment': '{ "name": "x", // note\n }',
  'a trailing comma and a stray character': '{ "name": "x", } #',
  'an empty file': '   ',
  'a list': '[]',
  'a key twice and one that reaches a prototype': defaultRulesText().replace('"autoCloseAfter": "72h"', '"autoCloseAfter": "72h",\n  "autoCloseAfter": "1h",\n  "__proto__": { "polluted": true }'),
};

/** Edits the validator lets through and the static checks find. */
const CHECKED: Record<string, Edit> = {
  'coverage and warnings': (f) => {
    f.slaPolicies = f.slaPolicies.filter((p) => p.id !== 'silver-p2');
    f.slaPolicies[0]!.warnAt = [0.5, 1];
  },
  'ladder steps beyond the target': (f) => {
    f.ladders[0]!.steps[0]!.at = { clock: 'response', after: '1h' };
    f.ladders[1]!.steps[3]!.at = { clock: 'resolution', fraction: 1.5 };
  },
  'shadowed rules': (f) => {
    f.rules.push({ name: 'Everything P3', priority: 30, conditions: { all: [] }, event: { type: 'set-priority', params: { priority: 'P3' } } });
    f.rules.push({ name: 'Everything L1', priority: 1, conditions: { all: [] }, event: { type: 'route', params: { team: 'service-desk' } } });
    f.rules.push({ name: 'Everything L1 again', priority: 1, conditions: { all: [] }, event: { type: 'route', params: { team: 'service-desk' } } });
  },
  'conditions that never hold': (f) => {
    rule({
      all: [
        fact(), fact({ path: "$['impact']", value: 'low' }),
        fact({ path: '$.channel', value: 'email' }), { all: [fact({ path: '$.channel', operator: 'notEqual', value: 'email' })] },
        { fact: 'time', path: '$.hour', operator: 'greaterThanInclusive', value: 18 }, { fact: 'time', path: '$.hour', operator: 'lessThan', value: 9 },
        fact({ path: '$.category', operator: 'in', value: [] }),
        fact({ path: '$.urgency', value: 3 }),
        fact({ path: '$.channel', operator: 'notIn', value: ['fax'] }),
        { fact: 'calendar', path: '$.open', operator: 'equal', value: 'yes' },
      ],
    })(f);
    rule({ all: [{ fact: 'time', path: '$.hour', operator: 'greaterThan', value: 20 }, { fact: 'time', path: '$.hour', operator: 'lessThanInclusive', value: 20 }] })(f);
  },
};

/** Calendar findings the validator refuses first: the static checks find them on a draft. */
const CHECKED_ANYWAY: Record<string, Edit> = {
  'a calendar that never opens and one with overlapping hours': (f) => {
    f.calendars['24x7'] = { timeZone: 'UTC', hours: {} };
    hours(f).wed = [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '17:00' }];
  },
};

/** Problems no file can cause (the schema has no such rule; what jsonc-parser reads, JSON.parse reads too): said as the code would say them. */
function unreachable(): ProblemLike[] {
  const schema = (e: Partial<ErrorObject>) => mapSchemaError({ instancePath: '/name', schemaPath: '#/properties/name', params: {}, ...e } as ErrorObject, { name: 'x' })!.problem;
  return [
    schema({ keyword: 'pattern', schemaPath: '#/properties/name/pattern' }),
    schema({ keyword: 'oneOf', schemaPath: '#/properties/name/oneOf' }),
    schema({ keyword: 'const', message: 'must be equal to constant' }),
    // validate.ts, when jsonc-parser finds neither an error nor a value, and when JSON.parse refuses what it read:
    { code: 'INVALID_JSON', params: { context: 'empty' }, message: 'The file is empty; it should hold one JSON object.' },
    { code: 'INVALID_JSON', params: { context: 'parse', detail: 'Unexpected token' }, message: 'The file is not valid JSON: Unexpected token.' },
  ];
}

/** An in-memory store of versions, for what publishing and rolling back refuse. */
function memoryStore(): RulesVersionsStore {
  const rows: RulesVersionRecord[] = [];
  const latest = async () => rows.at(-1);
  const get = async (v: number) => rows[v - 1];
  return {
    latest, get, list: async () => [...rows].reverse(),
    publishing: (work) => work({
      latest, get, handle: undefined,
      append: async (d) => {
        const row = { ...d, version: rows.length + 1, publishedAt: new Date(0).toISOString(), name: d.file.name, ruleCount: d.file.rules.length };
        rows.push(row);
        return row;
      },
    }),
  };
}

async function versionProblems(): Promise<ProblemLike[]> {
  const versions = createRulesVersions(memoryStore());
  const found: ProblemLike[] = [];
  const keep = (r: { ok: boolean; problems?: ProblemLike[] }) => { if (!r.ok) found.push(...(r as { problems: ProblemLike[] }).problems); };
  keep(await versions.publish(defaultRulesText(), { author: ' ', comment: '' }));
  keep(await versions.publish(defaultRulesText().replace('"Default IT service desk process"', '"Default \\u0000"'), { author: 'anna', comment: 'x' }));
  await versions.publish(defaultRulesText(), { author: 'anna', comment: 'Go live' });
  keep(await versions.publish(defaultRulesText(), { author: 'anna', comment: 'Again' }));
  await versions.publish(JSON.stringify(defaultRules((f) => { f.autoCloseAfter = '48h'; })), { author: 'anna', comment: 'Shorter' });
  keep(await versions.publish(JSON.stringify(defaultRules((f) => { f.autoCloseAfter = '24h'; })), { author: 'anna', comment: 'Shorter still', baseVersion: 1 }));
  keep(await versions.rollback(9, { author: 'anna', comment: 'Back' }));
  return found;
}

export interface Sample { name: string; problems: ProblemLike[] }

/** Every sample with the problems it produces. */
export async function problemSamples(): Promise<Sample[]> {
  const problemsOf = (r: ReturnType<typeof validateRulesText>) => (r.ok ? [] : r.problems);
  return [
    ...Object.entries(TEXTS).map(([name, text]) => ({ name, problems: problemsOf(validateRulesText(text)) })),
    ...Object.entries(INVALID).map(([name, edit]) => ({ name, problems: problemsOf(validateRulesObject(defaultRules(edit))) })),
    ...Object.entries({ ...CHECKED, ...CHECKED_ANYWAY }).map(([name, edit]) => ({ name, problems: checkRulesFile(defaultRules(edit)) })),
    { name: 'what no file can cause', problems: unreachable() },
    { name: 'publishing and rolling back', problems: await versionProblems() },
  ];
}
