/**
 * The recording evaluation of rules/compiled.ts: json-rules-engine's explanation, as
 * Condition.toJSON(false) gives it after a run (every evaluated condition with factResult,
 * valueResult and result; conditions not evaluated as written; a condition reference evaluated
 * in the shape of the shared condition).
 */
import type { BoolNode, CNode, FactNode, Facts, Json } from './compiled-nodes.ts';

function head(priority: unknown, name: unknown): Json {
  const out: Json = {};
  if (priority) out.priority = priority;
  if (name) out.name = name;
  return out;
}

/**
 * toJSON of a fact condition; `ran` false: not evaluated. The file's values are shared with the
 * compiled tree, frozen (json-rules-engine gives copies: equal, but fresh).
 */
function factJson(n: FactNode, ran: boolean, factResult: unknown, valueResult: unknown, result: unknown): Json {
  const out = head(n.priority, n.name);
  out.operator = n.operator;
  out.value = n.value;
  out.fact = n.fact;
  if (ran) {
    if (factResult !== undefined) out.factResult = factResult;
    if (valueResult !== undefined) out.valueResult = valueResult;
    if (result !== undefined) out.result = result;
  }
  if (n.params) out.params = n.params;
  if (n.path) out.path = n.path;
  return out;
}

/** toJSON of a condition that was not evaluated. */
function unrun(n: CNode): Json {
  if (n.kind === 'fact') return factJson(n, false, undefined, undefined, undefined);
  if (n.kind === 'ref') return { ...head(n.priority, n.name), condition: n.condition };
  const out = head(n.priority, n.name);
  out[n.kind] = n.kind === 'not' ? unrun(n.children[0] as CNode) : n.children.map(unrun);
  return out;
}

/** Whether the condition {@link record} last wrote passed (saves a wrapper object per condition). */
let passed = false;

/** The truth of the condition {@link record} wrote last. */
export function lastPassed(): boolean {
  return passed;
}

function boolJson(n: BoolNode, priority: unknown, name: unknown, facts: Facts): Json {
  const out = head(priority, name);
  const { children } = n;
  if (n.kind === 'not') {
    out.not = record(children[0] as CNode, facts);
    passed = !passed;
    return out;
  }
  const any = n.kind === 'any';
  let passes: boolean;
  const jsons: Json[] = [];
  if (children.length === 0) passes = true;
  else if (children.length === 1) {
    jsons.push(record(children[0] as CNode, facts));
    passes = passed;
  } else {
    for (let i = 0; i < children.length; i++) jsons.push(UNRUN);
    passes = !any;
    for (const set of n.sets) {
      // Every condition of a group is evaluated (as json-rules-engine's Promise.all does).
      let hit = false;
      let miss = false;
      for (const i of set) {
        jsons[i] = record(children[i] as CNode, facts);
        if (passed) hit = true;
        else miss = true;
      }
      passes = any ? hit : !miss;
      if (passes === any) break;
    }
    for (let i = 0; i < children.length; i++) if (jsons[i] === UNRUN) jsons[i] = unrun(children[i] as CNode);
  }
  out[n.kind] = jsons;
  passed = passes;
  return out;
}

const UNRUN: Json = Object.freeze({});

/** The condition's toJSON after evaluating it; its truth in {@link passed}. */
export function record(n: CNode, facts: Facts): Json {
  if (n.kind === 'fact') {
    const factResult = n.lhs(facts);
    const valueResult = n.rhs === null ? n.value : n.rhs(facts);
    const result = n.op(factResult, valueResult);
    const json = factJson(n, true, factResult, valueResult, result);
    passed = result === true;
    return json;
  }
  if (n.kind === 'ref') return boolJson(n.target, n.target.priority, n.mergedName, facts);
  return boolJson(n, n.priority, n.name, facts);
}

