/** The rules DSL: types, validation, hashing, evaluation and change descriptions. */
export * from './types.ts';
export { validateRulesText, validateRulesObject, parseRules, RulesValidationError, FORBIDDEN_KEYS } from './validate.ts';
export { parseFactPath, renderPath } from './paths.ts';
export { compileRules, evaluate, keywordsOf, policyFor, resolvePath, tiersOf, TicketFactsError } from './evaluate.ts';
export type { CompiledRules } from './evaluate.ts';
export { evaluateFacts, ruleFacts } from './evaluate.ts';
export type { FactsInput, RuleFacts } from './facts.ts';
export {
  decisionOutcome, derivedFactsOf, evaluateDerived, evaluateRedacted, redactDecision, SEALED, SEALED_PROPERTIES,
  unreproducibleConditions, UnreproducibleReason,
} from './derived-facts.ts';
export type { DecisionOutcome, DerivedEvaluation, RedactedDecision, UnreproducibleCondition } from './derived-facts.ts';
export { canonicalJson, hashRules } from './hash.ts';
export { describeChanges, ChangeKind } from './diff.ts';
export type { Change } from './diff.ts';
export { DEFAULT_RETENTION, describeRetention, personalDataDays, planRetention, retentionEntry, retentionOf, RetentionAction } from './retention.ts';
export type { ClosedTicket, DueEntry, RetentionEntry, RetentionPlan, RetentionPlanInput } from './retention.ts';
export { checkRulesFile, hasCheckErrors, CHECK_SEVERITY, CheckCode } from './checks.ts';
export type { CheckParam, CheckProblem, CheckSeverity } from './checks.ts';
