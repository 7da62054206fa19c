/**
 * Validator of the rules file: reports every problem at once, each with a JSON path, a plain
 * English sentence, a machine code with the params the sentence is made of (said in other
 * languages by rules/problem-text.ts) and (from text) a line and column. It never executes
 * anything from the file.
 */
import * as jsonc from 'jsonc-parser';
import type { Problem, RulesFile, ValidationResult } from './types.ts';
import { checkSemantics } from './validate-process.ts';
import { mapSchemaError, schemaValidate } from './validate-schema.ts';
import type { Seg } from './paths.ts';
import { Collector, FORBIDDEN_KEYS, isObj, located as locatedProblem, type Located } from './validate-support.ts';

export { FORBIDDEN_KEYS } from './validate-support.ts';

/** Thrown by {@link parseRules} when a rules file is not valid. */
export class RulesValidationError extends Error {
  readonly code = 'RULES_INVALID';
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(`The rules file has ${problems.length} problem(s): ${problems.map((p) => `${p.path}: ${p.message}`).join(' ')}`);
    this.name = 'RulesValidationError';
    this.problems = problems;
  }
}

/** Validates rules text and returns the file, or throws {@link RulesValidationError}. */
export function parseRules(text: string): RulesFile {
  const result = validateRulesText(text);
  if (!result.ok) throw new RulesValidationError(result.problems);
  return result.file;
}


// ---------------------------------------------------------------------------------------------
// Text entry point

/** Validates the text of a rules file (strict JSON: no comments, no trailing commas). */
export function validateRulesText(text: string): ValidationResult {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 };
  };

  const errors: jsonc.ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !tree) {
    const problems = errors.map((e): Problem => {
      const at = position(e.offset);
      const error = syntaxError(e.error);
      return {
        path: '$',
        code: 'INVALID_JSON',
        params: { context: 'syntax', error, ...at },
        message: `The file is not valid JSON: ${SYNTAX_WORDS[error]} at line ${at.line}, column ${at.column}.`,
        ...at,
      };
    });
    if (problems.length === 0) problems.push({ path: '$', code: 'INVALID_JSON', params: { context: 'empty' }, message: 'The file is empty; it should hold one JSON object.', line: 1, column: 1 });
    return { ok: false, problems };
  }

  const located: Located[] = [];
  // Duplicate keys are only visible in the text: JSON.parse silently keeps the last one.
  const walk = (node: jsonc.Node, segs: Seg[]): void => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const prop of node.children ?? []) {
        const keyNode = prop.children?.[0];
        const valueNode = prop.children?.[1];
        if (!keyNode || typeof keyNode.value !== 'string') continue;
        const key = keyNode.value;
        if (seen.has(key)) {
          located.push(locatedProblem([...segs, key], 'DUPLICATE_KEY', { key }, `The key "${key}" appears more than once in the same object; only one may be written.`));
        }
        seen.add(key);
        if (valueNode) walk(valueNode, [...segs, key]);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => walk(child, [...segs, i]));
    }
  };
  walk(tree, []);

  let value: unknown;
  try {
    value = JSON.parse(text); // own "__proto__" properties stay plain data with JSON.parse
  } catch (err) {
    const detail = (err as Error).message;
    return { ok: false, problems: [{ path: '$', code: 'INVALID_JSON', params: { context: 'parse', detail }, message: `The file is not valid JSON: ${detail}.`, line: 1, column: 1 }] };
  }
  located.push(...collectProblems(value));

  const problems = dedupe(located).map(({ segs, problem }) => {
    let node: jsonc.Node | undefined;
    for (let n = segs.length; n >= 0 && !node; n--) node = jsonc.findNodeAtLocation(tree, segs.slice(0, n));
    // Point at the key of a property when there is one, else at the value.
    const at = node?.parent?.type === 'property' && node.parent.children?.[0] ? node.parent.children[0] : node;
    return at ? { ...problem, ...position(at.offset) } : problem;
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, file: value as RulesFile };
}

/** A syntax error in English words, by jsonc-parser's name for it (the `syntax` words of locales/{lng}/rules.json). */
export const SYNTAX_WORDS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'an unexpected character',
  InvalidNumberFormat: 'a badly written number',
  PropertyNameExpected: 'a property name in double quotes was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing brace } was expected',
  CloseBracketExpected: 'a closing bracket ] was expected',
  EndOfFileExpected: 'the file should end here',
  InvalidCommentToken: 'comments are not allowed',
  UnexpectedEndOfComment: 'a comment is not closed',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'an invalid unicode escape',
  InvalidEscapeCharacter: 'an invalid escape character',
  InvalidCharacter: 'an invalid character',
  Other: 'a syntax error',
};

/** The `error` param of a syntax error: jsonc-parser's name for it, "Other" for one without words. */
function syntaxError(code: jsonc.ParseErrorCode): string {
  const name = jsonc.printParseErrorCode(code);
  return Object.hasOwn(SYNTAX_WORDS, name) ? name : 'Other';
}

/** Validates an already parsed rules file. */
export function validateRulesObject(obj: unknown): ValidationResult {
  const problems = dedupe(collectProblems(obj)).map((l) => l.problem);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, file: obj as RulesFile };
}

/** Problems about a key itself (not its value): a key is named once, by the most telling of them. */
const KEY_PROBLEMS = ['FORBIDDEN_KEY', 'UNKNOWN_PROPERTY', 'UNKNOWN_CONDITION_KEY', 'UNKNOWN_EVENT_PARAM', 'DUPLICATE_KEY'];

function dedupe(list: Located[]): Located[] {
  const rank = (l: Located) => KEY_PROBLEMS.indexOf(l.problem.code);
  const bestKeyProblem = new Map<string, Located>();
  for (const l of list) {
    if (rank(l) < 0) continue;
    const held = bestKeyProblem.get(l.problem.path);
    if (!held || rank(l) < rank(held)) bestKeyProblem.set(l.problem.path, l);
  }
  const seen = new Set<string>();
  return list.filter((l) => {
    if (rank(l) >= 0 && bestKeyProblem.get(l.problem.path) !== l) return false;
    const key = `${l.problem.path}\u0000${l.problem.code}\u0000${l.problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function collectProblems(root: unknown): Located[] {
  const out = new Collector();
  scanForbiddenKeys(root, [], out);
  if (!isObj(root)) {
    out.add([], 'NOT_AN_OBJECT', {}, 'The rules file must be one JSON object { … }.');
    return out.list;
  }
  const validate = schemaValidate();
  if (!validate(root)) {
    for (const e of validate.errors ?? []) {
      const l = mapSchemaError(e, root);
      if (l) out.list.push(l);
    }
  }
  checkSemantics(root, out);
  return out.list;
}

function scanForbiddenKeys(v: unknown, segs: Seg[], out: Collector): void {
  if (Array.isArray(v)) {
    v.forEach((item, i) => scanForbiddenKeys(item, [...segs, i], out));
  } else if (isObj(v)) {
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.includes(key)) {
        out.add([...segs, key], 'FORBIDDEN_KEY', { key }, `The key "${key}" is not allowed anywhere in a rules file.`);
        continue;
      }
      scanForbiddenKeys(v[key], [...segs, key], out);
    }
  }
}
