/**
 * Which keyword tests of a candidate rules file the recorded facts of a decision can answer.
 *
 * A decision records, of the ticket's words, only those its own rules version tested for
 * (rules/DECISIONS.md): with `containsAny ["vpn", "wifi"]` in that version, "vpn" is recorded when
 * the ticket said it and "printer" never is. Re-evaluating those facts under another version is
 * exact for a keyword test only when the recorded version tested for the same words; a test for
 * a word it never looked for would read "absent" whatever the ticket said. So such a test is not
 * silently taken as false: it is listed, as a condition the derived facts cannot reproduce
 * (reason `keyword-not-recorded`).
 *
 * A candidate's keyword test is covered by a recorded version when the version holds an identical
 * keyword test (same operator and value), or when every word it tests for was recorded whenever
 * the ticket had it: a word equal to one the version tested for exactly, or containing a value the
 * version tested with `textContains`. A `textContains` of the candidate is covered only by the
 * same `textContains` value in the version.
 */
import { canonicalJson } from '../../rules/hash.ts';
import type { Condition, RulesFile } from '../../rules/types.ts';

/** The words a rules version's keyword tests look for. */
export interface KeywordVocabulary {
  /** Words tested for by equality (`containsAny`, `in`, `equal`, …). */
  exact: string[];
  /** Values tested for with `textContains` (lowercase). */
  contains: string[];
  /** Every keyword test as written (operator and value, canonical JSON). */
  tests: string[];
}

/** A keyword test of the candidate that a recorded version did not test for. */
export interface UncoveredKeywordTest {
  rule: string;
  fact: 'keywords';
  operator: string;
  value: unknown;
  reason: 'keyword-not-recorded';
  /** The words the recorded version never looked for. */
  words: string[];
}

interface Leaf { fact: string; path?: unknown; operator: string; value: unknown }

const KEYWORD_TESTS = new Set(['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'containsAny', 'containsAll', 'textContains']);
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every fact condition of a tree, named conditions followed (each once per path, so a loop cannot hang). */
function leaves(node: unknown, named: Record<string, Condition>, seen: Set<string> = new Set()): Leaf[] {
  if (!isObj(node)) return [];
  if (Array.isArray(node.all)) return node.all.flatMap((c) => leaves(c, named, seen));
  if (Array.isArray(node.any)) return node.any.flatMap((c) => leaves(c, named, seen));
  if (isObj(node.not)) return leaves(node.not, named, seen);
  if (typeof node.condition === 'string') {
    if (seen.has(node.condition) || !Object.hasOwn(named, node.condition)) return [];
    return leaves(named[node.condition], named, new Set([...seen, node.condition]));
  }
  return typeof node.fact === 'string' && typeof node.operator === 'string' ? [node as unknown as Leaf] : [];
}

/** A keyword test with literal words: its base operator and the words, or null for anything else. */
function keywordTest(leaf: Leaf): { base: string; words: string[] } | null {
  if (leaf.fact !== 'keywords' || leaf.path !== undefined || isObj(leaf.value)) return null;
  const parts = leaf.operator.split(':');
  const base = parts[parts.length - 1] as string;
  if (!KEYWORD_TESTS.has(base) || parts.some((d) => d === 'everyFact' || d === 'everyValue')) return null;
  const values = Array.isArray(leaf.value) ? leaf.value : [leaf.value];
  return { base, words: values.filter((v): v is string => typeof v === 'string') };
}

const testKey = (leaf: Leaf): string => canonicalJson({ operator: leaf.operator, value: leaf.value });

function ruleLeaves(file: RulesFile): Array<{ rule: string; leaf: Leaf }> {
  const named = file.conditions ?? {};
  return file.rules.flatMap((r) => leaves(r.conditions, named).map((leaf) => ({ rule: r.name, leaf })));
}

/** The words a rules version's keyword tests look for. */
export function keywordVocabulary(file: RulesFile): KeywordVocabulary {
  const exact = new Set<string>();
  const contains = new Set<string>();
  const tests = new Set<string>();
  for (const { leaf } of ruleLeaves(file)) {
    if (leaf.fact !== 'keywords') continue;
    tests.add(testKey(leaf));
    const test = keywordTest(leaf);
    if (!test) continue;
    for (const w of test.words) (test.base === 'textContains' ? contains : exact).add(test.base === 'textContains' ? w.toLowerCase() : w);
  }
  return { exact: [...exact].sort(), contains: [...contains].sort(), tests: [...tests].sort() };
}

/**
 * The keyword tests of `candidate` that facts recorded under a version with vocabulary `recorded`
 * cannot answer, each with the words that version never looked for. Conditions on `keywords`
 * that are not keyword tests are left to evaluateDerived, which lists them itself.
 */
export function uncoveredKeywordTests(candidate: RulesFile, recorded: KeywordVocabulary): UncoveredKeywordTest[] {
  const exact = new Set(recorded.exact);
  const tests = new Set(recorded.tests);
  const out: UncoveredKeywordTest[] = [];
  for (const { rule, leaf } of ruleLeaves(candidate)) {
    const test = keywordTest(leaf);
    if (!test || tests.has(testKey(leaf))) continue;
    const words = test.base === 'textContains'
      ? test.words.filter((w) => !recorded.contains.includes(w.toLowerCase()))
      : test.words.filter((w) => !exact.has(w) && !recorded.contains.some((v) => v !== '' && w.includes(v)));
    if (words.length) out.push({ rule, fact: 'keywords', operator: leaf.operator, value: structuredClone(leaf.value), reason: 'keyword-not-recorded', words });
  }
  return out;
}
