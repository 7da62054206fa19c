/**
 * A problem with a rules file in the reader's language: one function for every surface (the
 * command line, the admin pages, the API). The validator's problems (rules/validate.ts,
 * rules/versions.ts) and the static checks' findings (rules/checks.ts) carry a machine code and
 * the values their message is made of; the sentences are in locales/{lng}/rules.json under
 * `problem.<CODE>`, the variant of a code named by its `context` param (`problem.<CODE>_<context>`,
 * i18next's context). Words from a fixed set (JSON types, clocks, weekdays, bounds) are codes in
 * the params and translated by the message itself (`$t(rules:clock.{{clock}})`).
 *
 * The English sentence of each locale is the problem's own `message` (test/rules-problem-text.test.ts
 * renders every problem of a set of bad files and compares), and `message` is the fallback when a
 * code has no text.
 */
import type { TFunction } from 'i18next';

/** What is needed to say a problem: a Problem, a CheckProblem, or an item an adapter made of one. */
export interface ProblemLike {
  code: string;
  params?: Readonly<Record<string, unknown>>;
  message: string;
}

/** A translation function: i18next's `t` (any namespace bound; the key names its own) or one shaped like it. */
export type Translate = TFunction | ((key: string, options: Record<string, unknown>) => string);

/** The namespace of the problems' sentences (registered in api/i18n.ts). */
export const RULES_NAMESPACE = 'rules';

/** The i18next key of a problem's sentence; its variant comes from `params.context`. */
export function problemKey(problem: Pick<ProblemLike, 'code'>): string {
  return `${RULES_NAMESPACE}:problem.${problem.code}`;
}

/** The params as the sentences read them: a list as "a, b, c", true/false as text, numbers kept (plurals count them). */
export function problemParams(problem: Pick<ProblemLike, 'params'>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(problem.params ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' || typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.map(String).join(', ');
    else out[name] = typeof value === 'object' ? JSON.stringify(value) : String(value as boolean);
  }
  return out;
}

/**
 * The problem's sentence in the language `t` speaks, or its English `message` when the code has no
 * text. Plain text (values are not HTML-escaped): a page escapes it when it shows it.
 */
export function problemText(problem: ProblemLike, t: Translate): string {
  const options = { ...problemParams(problem), defaultValue: problem.message, interpolation: { escapeValue: false } };
  return String((t as (key: string, options: Record<string, unknown>) => unknown)(problemKey(problem), options));
}
