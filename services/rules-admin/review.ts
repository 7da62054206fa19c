/**
 * What is wrong with a draft's text, at every step: the validator's problems (the same as
 * `helpdesk rules validate`) and, once the file is valid, the static checks' findings (the same
 * as `helpdesk rules check`). Errors block publishing; warnings do not.
 */
import * as jsonc from 'jsonc-parser';
import { checkRulesFile, type CheckProblem } from '../../rules/checks.ts';
import type { Problem, RulesFile } from '../../rules/types.ts';
import { validateRulesText } from '../../rules/validate.ts';

/** One thing wrong, in the one shape the pages and the API show. */
export interface ReviewItem {
  path: string;
  code: string;
  params: Record<string, unknown>;
  severity: 'error' | 'warning';
  /** The plain English sentence (the CLI's); pages show the localized one (rules/problem-text.ts). */
  message: string;
  line?: number;
  column?: number;
}

export interface Review {
  /** The text as a JSON object when it parses as one (forms edit it even while invalid), else undefined. */
  parsed: Record<string, unknown> | undefined;
  /** The file, when the validator accepts it. */
  file: RulesFile | undefined;
  items: ReviewItem[];
  errors: number;
  warnings: number;
}

const fromProblem = (p: Problem): ReviewItem => ({
  path: p.path, code: p.code, params: { ...((p as { params?: Record<string, unknown> }).params ?? {}) }, severity: 'error', message: p.message,
  ...(p.line !== undefined ? { line: p.line } : {}), ...(p.column !== undefined ? { column: p.column } : {}),
});
const fromFinding = (f: CheckProblem): ReviewItem => ({ path: f.path, code: f.code, params: { ...f.params }, severity: f.severity, message: f.message });

/** The JSON object the text holds, if it parses as one (strict JSON, as the validator reads it). */
export function parseObject(text: string): Record<string, unknown> | undefined {
  const errors: jsonc.ParseError[] = [];
  const value: unknown = jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The static checks over a file the validator refused, when they can run on it at all: they are
 * written for valid files, so one that trips over the invalid part yields nothing rather than a
 * guess.
 */
function checksOfInvalid(parsed: Record<string, unknown> | undefined): ReviewItem[] {
  if (!parsed) return [];
  try {
    return checkRulesFile(parsed as unknown as RulesFile).map(fromFinding);
  } catch {
    return [];
  }
}

export function reviewText(text: string): Review {
  const checked = validateRulesText(text);
  const parsed = parseObject(text);
  if (!checked.ok) {
    const problems = checked.problems.map(fromProblem);
    // The checks too, where the invalid file can still be read (an undefined calendar does not hide
    // a shadowed rule): each finding the validator has not already named at the same place.
    const named = new Set(problems.map((p) => `${p.path}\u0000${p.code}`));
    const items = [...problems, ...checksOfInvalid(parsed).filter((f) => !named.has(`${f.path}\u0000${f.code}`))];
    const errors = items.filter((i) => i.severity === 'error').length;
    return { parsed, file: undefined, items, errors, warnings: items.length - errors };
  }
  const items = checkRulesFile(checked.file).map(fromFinding);
  const errors = items.filter((i) => i.severity === 'error').length;
  return { parsed, file: checked.file, items, errors, warnings: items.length - errors };
}

/** The items about `path` or anything under it (a form section shows these beside its fields). */
export function itemsUnder(items: readonly ReviewItem[], path: string): ReviewItem[] {
  return items.filter((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
}

/** Text of a rules object as drafts keep it: two-space JSON with a final newline. */
export const formatRules = (obj: unknown): string => `${JSON.stringify(obj, null, 2)}\n`;
