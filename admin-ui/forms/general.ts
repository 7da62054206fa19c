/**
 * The rules file's general settings as a form: its name and description, the categories, the
 * service levels (added and removed here; their SLA targets are on the SLA page), the default
 * service level, the defaults (team, tier, category, ladder, calendar), the auto-close period and
 * the facts' documentation (fact name → description).
 *
 * Fields: `name`, `description`, `categories`, `level:<i>`, `newLevel`, `defaultServiceLevel`,
 * `defaults:team|tier|category|ladder|calendar`, `autoCloseAfter`, `fact:<i>:name|text`,
 * `newFact:name|text`; buttons `op` = save, add-level, remove-level:<i>, add-fact, remove-fact:<i>.
 */
import type { FormBody } from '../../api/portal/forms.ts';
import type { Seg } from '../../rules/paths.ts';
import { asList, idsOf, isObj, opOf, options, posted, setField, shownText, splitList, textValue, type Obj } from './fields.ts';
import { fieldModel, type FieldModel, type PageProblems } from './page.ts';
import { referencesOf, usedByText, type Words } from './references.ts';

/** The parts of the file other pages edit; every other top-level key is this page's. */
const ELSEWHERE: readonly Seg[] = ['priorityMatrix', 'calendars', 'slaPolicies', 'tiers', 'teams', 'ladders', 'retention', 'rules', 'conditions'];
export const DEFAULT_KEYS = ['team', 'tier', 'category', 'ladder', 'calendar'] as const;

export const generalMine = (segs: Seg[]): boolean => segs.length === 0 || !ELSEWHERE.includes(segs[0]!);

export function generalFieldFor(file: Obj | undefined) {
  const facts = isObj(file?.facts) ? Object.keys(file.facts) : [];
  return (segs: Seg[]): string | undefined => {
    const [key, sub] = segs;
    if (key === 'name' || key === 'description' || key === 'categories' || key === 'defaultServiceLevel' || key === 'autoCloseAfter') return `gen-${key}`;
    if (key === 'serviceLevels') return typeof sub === 'number' ? `level-${sub}` : 'gen-levels';
    if (key === 'defaults') return typeof sub === 'string' && (DEFAULT_KEYS as readonly string[]).includes(sub) ? `def-${sub}` : 'gen-defaults';
    if (key === 'facts') return typeof sub === 'string' && facts.includes(sub) ? `fact-${facts.indexOf(sub)}-text` : 'gen-facts';
    return undefined;
  };
}

/** A text area's text as posted: line breaks as the file keeps them. */
const areaText = (body: FormBody, name: string): string | undefined => posted(body, name)?.replace(/\r\n?/g, '\n');

/** A value as a text area gives it back: its line breaks as LF. */
const areaShown = (v: unknown): string => shownText(v).replace(/\r\n?/g, '\n');
const listOrNothing = (s: string): string[] | undefined => (splitList(s).length ? splitList(s) : undefined);
const linesText = (v: unknown): string => (Array.isArray(v) ? v.map(shownText).join('\n') : shownText(v));

export interface GeneralView {
  name: FieldModel;
  description: FieldModel;
  categories: FieldModel;
  levels: Array<{ index: number; key: string; field: FieldModel; usedBy: string }>;
  newLevel: FieldModel;
  defaultServiceLevel: FieldModel;
  defaults: Array<{ key: string; field: FieldModel; select: boolean }>;
  autoCloseAfter: FieldModel;
  facts: Array<{ index: number; key: string; name: FieldModel; text: FieldModel }>;
  newFact: { name: FieldModel; text: FieldModel };
}

export function generalView(file: Obj, p: PageProblems, t: Words): GeneralView {
  const refs = referencesOf(file);
  const levels = asList(file.serviceLevels);
  const levelIds = levels.filter((s): s is string => typeof s === 'string');
  const categories = Array.isArray(file.categories) ? file.categories.filter((c): c is string => typeof c === 'string') : undefined;
  const defaults = isObj(file.defaults) ? file.defaults : {};
  const unknown = (v: string): string => t('general.unknownValue', { value: v });
  const choices: Record<(typeof DEFAULT_KEYS)[number], string[] | undefined> = {
    team: idsOf(file.teams), tier: idsOf(file.tiers), category: categories, ladder: idsOf(file.ladders),
    calendar: isObj(file.calendars) ? Object.keys(file.calendars) : [],
  };
  const facts = isObj(file.facts) ? Object.entries(file.facts) : [];
  return {
    name: fieldModel(p, 'gen-name', 'name', shownText(file.name)),
    description: fieldModel(p, 'gen-description', 'description', shownText(file.description)),
    categories: fieldModel(p, 'gen-categories', 'categories', linesText(file.categories), { hint: 'gen-categories-hint' }),
    levels: levels.map((level, i) => ({
      index: i, key: shownText(level) || String(i + 1),
      field: fieldModel(p, `level-${i}`, `level:${i}`, shownText(level)),
      usedBy: typeof level === 'string' ? usedByText(refs.serviceLevels.get(level), t) : '',
    })),
    newLevel: fieldModel(p, 'new-level', 'newLevel', ''),
    defaultServiceLevel: fieldModel(p, 'gen-defaultServiceLevel', 'defaultServiceLevel', shownText(file.defaultServiceLevel), { options: options(levelIds, file.defaultServiceLevel, undefined, unknown) }),
    defaults: DEFAULT_KEYS.map((key) => {
      const list = choices[key];
      return {
        key, select: list !== undefined,
        field: fieldModel(p, `def-${key}`, `defaults:${key}`, shownText(defaults[key]), list ? { options: options(list, defaults[key], undefined, unknown) } : {}),
      };
    }),
    autoCloseAfter: fieldModel(p, 'gen-autoCloseAfter', 'autoCloseAfter', shownText(file.autoCloseAfter), { hint: 'gen-autoCloseAfter-hint' }),
    facts: facts.map(([name, text], i) => ({
      index: i, key: name,
      name: fieldModel(p, `fact-${i}-name`, `fact:${i}:name`, name),
      text: fieldModel(p, `fact-${i}-text`, `fact:${i}:text`, shownText(text)),
    })),
    newFact: { name: fieldModel(p, 'new-fact-name', 'newFact:name', ''), text: fieldModel(p, 'new-fact-text', 'newFact:text', '') },
  };
}

function applyFacts(next: Obj, body: FormBody, op: string, index: number | undefined): void {
  const entries = isObj(next.facts) ? Object.entries(next.facts) : [];
  let changed = false;
  const kept: Array<[string, unknown]> = [];
  entries.forEach(([name, text], i) => {
    if (op === 'remove-fact' && index === i) {
      changed = true;
      return;
    }
    const typedName = posted(body, `fact:${i}:name`);
    const typedText = posted(body, `fact:${i}:text`);
    const nameChanged = typedName !== undefined && typedName !== name;
    const textChanged = typedText !== undefined && typedText !== shownText(text);
    if (nameChanged || textChanged) changed = true;
    kept.push([nameChanged ? typedName.trim() : name, textChanged ? typedText.trim() : text]);
  });
  const name = textValue(posted(body, 'newFact:name') ?? '');
  const text = textValue(posted(body, 'newFact:text') ?? '');
  if (name !== undefined || text !== undefined) {
    kept.push([name ?? '', text ?? '']);
    changed = true;
  }
  if (!changed) return;
  if (kept.length === 0) delete next.facts;
  else next.facts = Object.fromEntries(kept);
}

/** The file with the general settings as posted, the button's operation applied. */
export function applyGeneral(file: Obj, body: FormBody): Obj {
  const next = structuredClone(file);
  setField(next, 'name', body, 'name');
  const description = areaText(body, 'description');
  if (description !== undefined) setField(next, 'description', { description }, 'description', textValue, areaShown);
  const categories = areaText(body, 'categories');
  if (categories !== undefined) setField(next, 'categories', { categories }, 'categories', listOrNothing, linesText);
  const { op, index } = opOf(body);
  if (Array.isArray(next.serviceLevels)) {
    const levels = next.serviceLevels as unknown[];
    levels.forEach((level, i) => {
      const typed = posted(body, `level:${i}`);
      if (typed !== undefined && typed !== shownText(level)) levels[i] = typed.trim();
    });
    if (op === 'remove-level' && index !== undefined && index < levels.length) levels.splice(index, 1);
  }
  const level = textValue(posted(body, 'newLevel') ?? '');
  if (level !== undefined) next.serviceLevels = [...asList(next.serviceLevels), level];
  setField(next, 'defaultServiceLevel', body, 'defaultServiceLevel');
  const defaults = isObj(next.defaults) ? next.defaults : {};
  const before = JSON.stringify(defaults);
  for (const key of DEFAULT_KEYS) setField(defaults, key, body, `defaults:${key}`);
  if (defaults !== next.defaults && JSON.stringify(defaults) !== before) next.defaults = defaults;
  setField(next, 'autoCloseAfter', body, 'autoCloseAfter');
  applyFacts(next, body, op, index);
  return next;
}
