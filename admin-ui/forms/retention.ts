/**
 * The retention periods as a form: whether the file sets its own or keeps the documented defaults
 * (DEFAULT_RETENTION, rules/retention.ts), how many days a closed ticket's personal data is kept
 * (by default and per category), and how many days the closed ticket itself is kept, with what
 * that means said in words. A file without `retention` posted back unchanged stays without it.
 *
 * Fields: `mode` (defaults | own), `defaultDays`, `closedTicketDays`, `cat:<k>:name` (hidden, or
 * typed in the new row) and `cat:<k>:days` for each category row; `newCat:name|days` when the file
 * has no list of categories.
 */
import type { FormBody } from '../../api/portal/forms.ts';
import { parseDuration } from '../../rules/duration.ts';
import type { Seg } from '../../rules/paths.ts';
import { DAY_MS, DEFAULT_RETENTION } from '../../rules/retention.ts';
import { isObj, numberValue, posted, shownText, textValue, type Obj } from './fields.ts';
import { fieldModel, type FieldModel, type PageProblems } from './page.ts';
import type { Words } from './references.ts';

export const retentionMine = (segs: Seg[]): boolean => segs[0] === 'retention';

/** The categories the form has a row for: those listed in `categories`, then those only in `byCategory`. */
export function categoryRows(file: Obj): string[] {
  const listed = Array.isArray(file.categories) ? file.categories.filter((c): c is string => typeof c === 'string') : [];
  const r = isObj(file.retention) && isObj(file.retention.personalData) && isObj(file.retention.personalData.byCategory) ? file.retention.personalData.byCategory : {};
  return [...new Set([...listed, ...Object.keys(r)])];
}

export function retentionFieldFor(file: Obj | undefined) {
  const rows = file ? categoryRows(file) : [];
  return (segs: Seg[]): string | undefined => {
    if (segs[0] !== 'retention') return undefined;
    if (segs[1] === 'closedTicketDays') return 'ret-closedTicketDays';
    if (segs[1] !== 'personalData') return 'ret-mode';
    if (segs[2] === 'byCategory') return typeof segs[3] === 'string' && rows.includes(segs[3]) ? `ret-cat-${rows.indexOf(segs[3])}` : 'ret-byCategory';
    return 'ret-defaultDays';
  };
}

/** The retention section as the form shows it: the file's, or the defaults when it has none. */
function shown(file: Obj): { own: boolean; personalData: Obj; byCategory: Obj; closedTicketDays: unknown } {
  const r = file.retention;
  if (r === undefined) return { own: false, personalData: { ...DEFAULT_RETENTION.personalData }, byCategory: {}, closedTicketDays: DEFAULT_RETENTION.closedTicketDays };
  const retention = isObj(r) ? r : {};
  const personalData = isObj(retention.personalData) ? retention.personalData : {};
  return { own: true, personalData, byCategory: isObj(personalData.byCategory) ? personalData.byCategory : {}, closedTicketDays: retention.closedTicketDays };
}

export interface RetentionView {
  own: boolean;
  modeProblems: unknown[];
  defaultDays: FieldModel;
  closedTicketDays: FieldModel;
  categories: Array<{ index: number; category: string; listed: boolean; nameField: string; days: FieldModel; usesDefault: boolean }>;
  /** A row to type a category in, when the file has no list of categories. */
  newCategory?: { name: FieldModel; days: FieldModel };
  byCategoryProblems: unknown[];
  /** What the periods mean, in words (when they are whole numbers of days). */
  meaning: string[];
}

const days = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : undefined);

export function retentionView(file: Obj, p: PageProblems, t: Words): RetentionView {
  const s = shown(file);
  const listed = Array.isArray(file.categories) ? file.categories.filter((c): c is string => typeof c === 'string') : undefined;
  const rows = categoryRows(file);
  const personal = days(s.personalData.defaultDays);
  const ticket = days(s.closedTicketDays);
  const overrides = rows.filter((c) => days(s.byCategory[c]) !== undefined).map((c) => t('retention.categoryDays', { category: c, count: days(s.byCategory[c]) }));
  const meaning: string[] = [];
  if (personal !== undefined) meaning.push(t(overrides.length ? 'retention.meansPersonalExcept' : 'retention.meansPersonal', { count: personal, categories: overrides.join(', ') }));
  if (ticket !== undefined) meaning.push(t('retention.meansTicket', { count: ticket }));
  let rating: number | undefined;
  try {
    rating = typeof file.autoCloseAfter === 'string' ? Math.ceil(parseDuration(file.autoCloseAfter) / DAY_MS) : undefined;
  } catch {
    rating = undefined;
  }
  if (rating) meaning.push(t('retention.meansRating', { count: rating, autoCloseAfter: String(file.autoCloseAfter) }));
  return {
    own: s.own,
    modeProblems: p.byField['ret-mode'] ?? [],
    defaultDays: fieldModel(p, 'ret-defaultDays', 'defaultDays', shownText(s.personalData.defaultDays), { hint: 'ret-defaultDays-hint' }),
    closedTicketDays: fieldModel(p, 'ret-closedTicketDays', 'closedTicketDays', shownText(s.closedTicketDays), { hint: 'ret-closedTicketDays-hint' }),
    categories: rows.map((category, k) => ({
      index: k, category, listed: listed?.includes(category) ?? false, nameField: `cat:${k}:name`,
      days: fieldModel(p, `ret-cat-${k}`, `cat:${k}:days`, shownText(s.byCategory[category])),
      usesDefault: s.byCategory[category] === undefined,
    })),
    ...(listed === undefined ? { newCategory: { name: fieldModel(p, 'ret-new-category', 'newCat:name', ''), days: fieldModel(p, 'ret-new-days', 'newCat:days', '') } } : {}),
    byCategoryProblems: p.byField['ret-byCategory'] ?? [],
    meaning,
  };
}

/** The file with the retention as posted: written out when it is the file's own or a field was changed. */
export function applyRetention(file: Obj, body: FormBody): Obj {
  const next = structuredClone(file);
  const s = shown(next);
  const typed = (name: string): string | undefined => posted(body, name);
  const changed = (name: string, value: unknown): boolean => typed(name) !== undefined && typed(name) !== shownText(value);
  const rows = categoryRows(next);
  const rowChanged = rows.some((c, k) => typed(`cat:${k}:name`) === c && changed(`cat:${k}:days`, s.byCategory[c]));
  const newName = textValue(typed('newCat:name') ?? '');
  const newDays = textValue(typed('newCat:days') ?? '');
  const anyChanged = changed('defaultDays', s.personalData.defaultDays) || changed('closedTicketDays', s.closedTicketDays) || rowChanged || newName !== undefined || newDays !== undefined;
  const mode = typed('mode');
  if (!anyChanged) {
    if (mode === 'defaults' && s.own) delete next.retention;
    if (mode !== 'own' || s.own) return next;
  }
  const retention: Obj = isObj(next.retention) ? next.retention : {};
  const personalData: Obj = isObj(retention.personalData) ? retention.personalData : {};
  const set = (obj: Obj, key: string, name: string, value: unknown): void => {
    const v = typed(name) === undefined ? value : typed(name) === shownText(value) ? value : numberValue(typed(name)!);
    if (v === undefined) delete obj[key];
    else obj[key] = v;
  };
  set(personalData, 'defaultDays', 'defaultDays', s.personalData.defaultDays);
  if (rowChanged || newName !== undefined || newDays !== undefined) {
    const byCategory: Obj = isObj(personalData.byCategory) ? personalData.byCategory : {};
    rows.forEach((c, k) => {
      if (typed(`cat:${k}:name`) === c) set(byCategory, c, `cat:${k}:days`, byCategory[c]);
    });
    if (newName !== undefined || newDays !== undefined) byCategory[newName ?? ''] = newDays === undefined ? '' : numberValue(newDays);
    if (Object.keys(byCategory).length) personalData.byCategory = byCategory;
    else delete personalData.byCategory;
  }
  retention.personalData = personalData;
  set(retention, 'closedTicketDays', 'closedTicketDays', s.closedTicketDays);
  next.retention = retention;
  return next;
}
