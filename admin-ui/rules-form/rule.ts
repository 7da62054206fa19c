/**
 * One rule's form as a whole: its name, description and priority, its condition tree
 * (tree-view.ts / tree-post.ts) and its event (event.ts). `ruleView` is what views/rule.hbs
 * renders; `readPostedRule` reads the posted form back over the stored rule, keeping everything
 * the form showed read-only. Posting a form unchanged gives the rule back unchanged
 * (test/admin-rules-roundtrip.test.ts).
 */
import type { TFunction } from 'i18next';
import type { FormBody } from '../../api/portal/forms.ts';
import { eventChoices, eventView, readPostedEvent, type EventView } from './event.ts';
import { fieldView, type FieldView, type ProblemMap } from './fields.ts';
import { isObj, jsonText, type Obj } from './model.ts';
import { postedText, readPostedTree } from './tree-post.ts';
import { valueDomains } from './values.ts';
import { treeView, type NodeView } from './tree-view.ts';

const RULE_KEYS = ['name', 'description', 'priority', 'conditions', 'event'];

const nameShown = (v: unknown): boolean => v === undefined || (typeof v === 'string' && !/[\r\n]/.test(v));
const descriptionShown = (v: unknown): boolean => v === undefined || typeof v === 'string';
const priorityShown = (v: unknown): boolean => v === undefined || (typeof v === 'number' && /^-?\d+(\.\d+)?$/.test(String(v)));

/** A typed priority: a number when it is one, else the text (the validator says what is wrong with it), none when empty. */
export function parsePriority(text: string): number | string | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}

export interface RuleView {
  /** The rule as JSON when it is not an object the form can show. */
  json?: string;
  name: FieldView & { value?: string; readOnly?: string };
  description: FieldView & { value?: string; readOnly?: string };
  priority: FieldView & { value?: string; readOnly?: string };
  tree?: NodeView;
  treeMissing?: boolean;
  event?: EventView;
  extrasJson?: string;
}

export interface RuleViewContext {
  t: TFunction;
  file: Obj;
  problems: ProblemMap;
  editable: boolean;
}

/** The shared conditions' names a reference may name. */
export const sharedNames = (file: Obj): string[] => (isObj(file.conditions) ? Object.keys(file.conditions) : []);

/** The context a condition tree of `file` is shown in. */
export function treeContext(ctx: RuleViewContext) {
  return { t: ctx.t, shared: sharedNames(ctx.file), problems: ctx.problems, editable: ctx.editable, domains: valueDomains(ctx.file) };
}

export function ruleView(rule: unknown, ctx: RuleViewContext): RuleView {
  const { problems } = ctx;
  const text = (key: string, shown: (v: unknown) => boolean, id: string) => {
    const v = isObj(rule) ? rule[key] : undefined;
    return { ...fieldView(id, `rule:${key}`, problems), ...(shown(v) ? { value: v === undefined ? '' : String(v) } : { readOnly: jsonText(v) }) };
  };
  const base: RuleView = {
    name: text('name', nameShown, 'rule-name'),
    description: text('description', descriptionShown, 'rule-description'),
    priority: text('priority', priorityShown, 'rule-priority'),
  };
  if (!isObj(rule)) return { ...base, json: jsonText(rule) };
  const extras = Object.fromEntries(Object.entries(rule).filter(([k]) => !RULE_KEYS.includes(k)));
  return {
    ...base,
    ...(Object.hasOwn(rule, 'conditions') ? { tree: treeView(rule.conditions, treeContext(ctx)) } : { treeMissing: true }),
    ...(Object.hasOwn(rule, 'event') ? { event: eventView(rule.event, { t: ctx.t, problems, choices: eventChoices(ctx.file) }) } : {}),
    ...(Object.keys(extras).length ? { extrasJson: jsonText(extras) } : {}),
  };
}

/** The rule with the posted form applied over `stored`. */
export function readPostedRule(stored: unknown, body: FormBody): unknown {
  if (!isObj(stored)) return structuredClone(stored);
  const out = structuredClone(stored);
  const name = nameShown(stored.name) ? postedText(body, 'rule:name') : undefined;
  if (name !== undefined && !(name === '' && stored.name === undefined)) out.name = name;
  const description = descriptionShown(stored.description) ? postedText(body, 'rule:description') : undefined;
  if (description !== undefined) {
    if (description !== '' || stored.description === '') out.description = description;
    else delete out.description;
  }
  const priority = priorityShown(stored.priority) ? postedText(body, 'rule:priority') : undefined;
  if (priority !== undefined) {
    const p = parsePriority(priority);
    if (p === undefined) delete out.priority;
    else out.priority = p;
  }
  if (Object.hasOwn(stored, 'conditions')) out.conditions = readPostedTree(stored.conditions, body);
  if (Object.hasOwn(stored, 'event')) out.event = readPostedEvent(stored.event, body);
  return out;
}
