/**
 * A change between two rules versions in the reader's language, for every surface (the admin
 * pages, the API, the command line). rules/diff.ts gives each change a sentence key and the values
 * the sentence is made of; the sentences are in locales/{lng}/rules.json under `change.<key>`, the
 * variant of a key named by its `context` param (`change.<key>_<context>`, i18next's context:
 * added, removed, changed, …). Words from a fixed set (impact and urgency levels, clocks, weekdays,
 * the fields of a policy, the defaults) are codes in the params and translated by the sentence
 * itself (`$t(rules:change.policyFieldName.{{field}})`); a value that is not there (null) is said by
 * `change.none` (`change.none_<key>` where the key has a word of its own, e.g. closed hours).
 *
 * The English sentence of each locale is the change's own `text` (test/rules-change-text.test.ts
 * renders the changes of many pairs of files and compares), and `text` is the fallback when a key
 * has no sentence.
 */
import { problemParams, RULES_NAMESPACE, type Translate } from './problem-text.ts';
import type { ChangeParams } from './diff-support.ts';

/** What is needed to say a change: a Change from rules/diff.ts (or one read back without its key). */
export interface ChangeLike {
  key?: string;
  params?: ChangeParams;
  text: string;
}

type Say = (key: string, options: Record<string, unknown>) => unknown;

/** The i18next key of a change's sentence; its variant comes from `params.context`. */
export function changeKey(change: Pick<ChangeLike, 'key'>): string {
  return `${RULES_NAMESPACE}:change.${change.key ?? ''}`;
}

/**
 * The params as the sentences read them, in the language `t` speaks: a list as "a, b", true/false
 * as codes (`change.bool.*`), none as that language's word for it, numbers kept (plurals count them).
 */
export function changeParams(change: Pick<ChangeLike, 'key' | 'params'>, t: Translate): Record<string, string | number> {
  const params = change.params ?? {};
  const none = Object.values(params).some((v) => v === null)
    ? String((t as Say)(`${RULES_NAMESPACE}:change.none`, { context: change.key, interpolation: { escapeValue: false } }))
    : '';
  const out = problemParams({ params });
  for (const [name, value] of Object.entries(params)) if (value === null) out[name] = none;
  return out;
}

/**
 * The change's sentence in the language `t` speaks, or its English `text` when it has no key or
 * its key no sentence. Plain text (values are not HTML-escaped): a page escapes it when it shows it.
 */
export function changeText(change: ChangeLike, t: Translate): string {
  if (!change.key) return change.text;
  const options = { ...changeParams(change, t), defaultValue: change.text, interpolation: { escapeValue: false } };
  return String((t as Say)(changeKey(change), options));
}

/** Each change with its sentence in the language `t` speaks as `text` (for a page). */
export function withChangeText<C extends ChangeLike>(changes: readonly C[], t: Translate): C[] {
  return changes.map((c) => ({ ...c, text: changeText(c, t) }));
}
