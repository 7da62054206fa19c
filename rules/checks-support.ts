/**
 * What the static checks of a rules file share: the shape of a finding and its collector.
 * A finding carries a machine code and parameters, so that its message can come from locales/
 * (`problem.<CODE>` of locales/{lng}/rules.json, said by rules/problem-text.ts); `message` is the
 * plain English sentence.
 */
import { renderPath, type Seg } from './paths.ts';

export type CheckSeverity = 'error' | 'warning';

export type CheckParam = string | number | boolean | string[];

export interface CheckProblem {
  /** JSON path of the value concerned, e.g. `$.rules[3].conditions.all[1]`. */
  path: string;
  code: CheckCode;
  /**
   * Every value the message is made of, for a translated message: ids, values, paths; codes of
   * fixed words (clock, weekday, field, bounds); `context` names the variant of the code's message.
   */
  params: Record<string, CheckParam>;
  /** Errors block publishing; warnings do not. */
  severity: CheckSeverity;
  /** A plain English sentence for process owners. */
  message: string;
}

export const CheckCode = {
  MissingSlaPolicy: 'MISSING_SLA_POLICY',
  NeverOpens: 'NEVER_OPENS',
  OverlappingRanges: 'OVERLAPPING_RANGES',
  WarningAtBreach: 'WARNING_AT_BREACH',
  LadderStepBeyondTarget: 'LADDER_STEP_BEYOND_TARGET',
  ShadowedRule: 'SHADOWED_RULE',
  ConflictingEquals: 'CONFLICTING_EQUALS',
  EqualAndNotEqual: 'EQUAL_AND_NOT_EQUAL',
  EmptyRange: 'EMPTY_VALUE_RANGE',
  EmptyInList: 'EMPTY_IN_LIST',
  ImpossibleValue: 'IMPOSSIBLE_VALUE',
} as const;
export type CheckCode = (typeof CheckCode)[keyof typeof CheckCode];

/** Severity of each code: fixed, so a code always means the same weight. */
export const CHECK_SEVERITY: Readonly<Record<CheckCode, CheckSeverity>> = {
  MISSING_SLA_POLICY: 'error',
  NEVER_OPENS: 'error',
  OVERLAPPING_RANGES: 'error',
  WARNING_AT_BREACH: 'error',
  LADDER_STEP_BEYOND_TARGET: 'warning',
  SHADOWED_RULE: 'warning',
  CONFLICTING_EQUALS: 'error',
  EQUAL_AND_NOT_EQUAL: 'error',
  EMPTY_VALUE_RANGE: 'error',
  EMPTY_IN_LIST: 'error',
  IMPOSSIBLE_VALUE: 'error',
};

export class Findings {
  readonly list: CheckProblem[] = [];
  add(segs: readonly Seg[], code: CheckCode, params: Record<string, CheckParam>, message: string): void {
    this.list.push({ path: renderPath(segs), code, params, severity: CHECK_SEVERITY[code], message });
  }
}

/** A value as a message quotes it: strings in double quotes, the rest as JSON. */
export function quote(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v);
}
