/**
 * The compiled condition tree of rules/compiled.ts: one node per condition of the file, shared
 * conditions compiled once and referred to.
 */
import type { OperatorFn } from './operators.ts';

export type Facts = Readonly<Record<string, unknown>>;
export type Getter = (facts: Facts) => unknown;
export type Json = Record<string, unknown>;

export interface FactNode {
  kind: 'fact';
  /** Priority for grouping among siblings. */
  group: number;
  lhs: Getter;
  /** null: the value is the constant `value`. */
  rhs: Getter | null;
  value: unknown;
  op: OperatorFn;
  mayThrow: boolean;
  /** The props Condition.toJSON writes around the results. */
  priority: unknown;
  name: unknown;
  operator: string;
  fact: string;
  params: unknown;
  path: unknown;
  index: { key: string; lhs: Getter; values: unknown[] } | null;
}

export interface BoolNode {
  kind: 'all' | 'any' | 'not';
  group: number;
  /** Written by toJSON: parseInt(priority) || 1. */
  priority: number;
  name: unknown;
  children: CNode[];
  /** Children indexes grouped by priority, highest first (for more than one child). */
  sets: number[][];
  setMayThrow: boolean[];
  mayThrow: boolean;
}

export interface RefNode {
  kind: 'ref';
  group: number;
  condition: string;
  /** The reference's own props (written while it is not evaluated). */
  priority: unknown;
  name: unknown;
  /** The shared condition it stands for, and the name the merged condition carries. */
  target: BoolNode;
  mergedName: unknown;
  mayThrow: boolean;
}

export type CNode = FactNode | BoolNode | RefNode;


/** Deep-freezes JSON data shared between the compiled tree and the decisions it gives. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}


/**
 * The copy json-rules-engine evaluates and explains (it copies conditions with the `clone`
 * library on every run, which leaves out an object's own keys that its prototype also has
 * without a setter: `toString`, `valueOf`, `hasOwnProperty`, …). Compiled values are made the
 * same way, so `{ "toString": 1 }` is `{}` in both.
 */
export function asJsonRulesEngineCopies<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  const proto = Object.getPrototypeOf(v) as object | null;
  const out: Record<string, unknown> = Array.isArray(v) ? ([] as unknown as Record<string, unknown>) : {};
  for (const k of Object.keys(v)) {
    const inherited = proto ? Object.getOwnPropertyDescriptor(proto, k) : undefined;
    if (inherited && inherited.set == null) continue;
    out[k] = asJsonRulesEngineCopies((v as Record<string, unknown>)[k]);
  }
  return out as T;
}
