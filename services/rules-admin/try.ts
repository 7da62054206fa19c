/**
 * "Try it" (issue 11, item 5): one sample ticket evaluated under two rules versions side by side —
 * a draft and the active version — each with its outcome and its explanation (explain.ts): the
 * rules that fired in the order they applied, applied or overridden, and for each rule that did
 * not fire the conditions that failed with the fact's value.
 *
 * The sample is a form's fields, or an existing ticket's recorded facts (sampleFromTicket): then
 * the title and description are not there (they are sealed; only the keywords its own rules
 * version tested for were recorded), and a condition that would need them — it reads the text,
 * or tests for a word that version never looked for — is shown as unknown, never as failed.
 *
 * Pure except sampleFromTicket, which reads the recorded decision and its version.
 */
import type { DecisionKind, TicketDecisionsRepo } from '../../db/ticket-decisions-repo.ts';
import { TICKET_NUMBER_PATTERN } from '../../db/tickets-repo.ts';
import { unreproducibleConditions } from '../../rules/derived-facts.ts';
import { compileRules, evaluateFacts, ruleFacts, type CompiledRules } from '../../rules/evaluate.ts';
import type { RuleFacts } from '../../rules/facts.ts';
import { hashRules } from '../../rules/hash.ts';
import type { Decision, DerivedFacts, RulesFile } from '../../rules/types.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import { Channel, Level } from '../../workflows/types.ts';
import { NotFoundError, ServiceError } from '../errors.ts';
import { LANGUAGES } from '../languages.ts';
import { validate } from '../validation.ts';
import { explain, type Explanation } from './explain.ts';
import { keywordVocabulary, uncoveredKeywordTests, type KeywordVocabulary } from './keyword-coverage.ts';
import type { OpenCondition } from './uncertainty.ts';

/** A rules version (or a draft) as "try it" evaluates with it: the file and its compiled form. */
export interface RulesUnderTest {
  file: RulesFile;
  compiled: CompiledRules;
}

/** A draft's content, compiled (version 0, its content's hash). @throws RulesValidationError when it is not valid */
export function rulesUnderTest(file: RulesFile, version = 0): RulesUnderTest {
  return { file, compiled: compileRules(file, { version, hash: hashRules(file) }) };
}

/** The sample form's fields. */
export interface FormSample {
  kind: 'form';
  ticket: { title?: string; description?: string; category?: string; impact: Level; urgency: Level; channel?: Channel; language?: string };
  requester?: { vip?: boolean; serviceLevel?: string; organisation?: string; department?: string };
}

/** An existing ticket's recorded facts (sampleFromTicket). */
export interface RecordedSample {
  kind: 'recorded';
  number: string;
  /** The recorded decision the facts are from. */
  decision: { kind: DecisionKind; decidedAt: string; rulesVersion: number };
  /** Its instant, epoch ms: the instant to try it at, so calendar and time read as they did. */
  atMs: number;
  facts: DerivedFacts;
  /** The words that version's keyword tests looked for: only those can be in `facts.keywords`. */
  vocabulary: KeywordVocabulary;
  /** The title and description are not used: they are sealed. */
  sealed: ['title', 'description'];
}

export type TrySample = FormSample | RecordedSample;

/** What the rules decide for the sample. */
export interface TryOutcome {
  priority: string;
  category: string;
  team: string;
  tier: string;
  serviceLevel: string;
  /** The SLA policy: its targets as written ("4h") and in ms, its calendar and warnings. */
  policy: { id: string; response: string | null; resolution: string | null; responseMs: number; resolutionMs: number; calendar: string; warnAt: number[] };
  ladder: Decision['ladder'];
  tags: string[];
  notify: string[];
  escalation: Decision['escalation'];
}

export interface TrySide {
  rules: { name: string; version: number; hash: string };
  outcome: TryOutcome;
  explanation: Explanation;
  /** The facts the conditions read (for a recorded sample: without the text). */
  facts: RuleFacts;
  /** The outcome rests on conditions the sample's facts cannot answer. */
  uncertain: boolean;
  /** Those conditions (a recorded sample only). */
  unknownConditions: OpenCondition[];
}

export interface TryResult {
  /** The instant evaluated at (ISO 8601). */
  at: string;
  sample: { kind: TrySample['kind']; number: string | null; textSealed: boolean };
  draft: TrySide;
  active: TrySide;
  /** The outcome's fields in which the draft and the active version differ. */
  differences: Array<keyof TryOutcome>;
}

/** The JSON Schema of the sample form (for the API's validation and its OpenAPI document). */
export const trySampleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['impact', 'urgency'],
  properties: {
    title: { type: 'string', maxLength: 200 },
    description: { type: 'string', maxLength: 20000 },
    category: { type: 'string', minLength: 1, maxLength: 64 },
    impact: { type: 'string', enum: Object.values(Level) },
    urgency: { type: 'string', enum: Object.values(Level) },
    channel: { type: 'string', enum: Object.values(Channel) },
    language: { type: 'string', enum: [...LANGUAGES] },
    requester: {
      type: 'object',
      additionalProperties: false,
      properties: {
        vip: { type: 'boolean' },
        serviceLevel: { type: 'string', minLength: 1, maxLength: 64 },
        organisation: { type: 'string', maxLength: 200 },
        department: { type: 'string', maxLength: 200 },
      },
    },
  },
} as const;

type FormBody = FormSample['ticket'] & { requester?: FormSample['requester'] };

/** The form's fields as a sample. @throws ValidationError naming each bad field */
export function sampleFromForm(body: unknown): FormSample {
  const b = validate<FormBody>(trySampleSchema, body);
  const { requester, ...ticket } = b;
  const blankless = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined)) as T;
  return { kind: 'form', ticket: blankless(ticket), ...(requester ? { requester: blankless(requester) } : {}) };
}

const SEALED_TEXT: ['title', 'description'] = ['title', 'description'];

/**
 * The facts recorded for an existing ticket, as a sample: its latest recorded decision's derived
 * facts and instant, and the words its version's keyword tests looked for.
 * @throws ServiceError 400 for a malformed number; NotFoundError for no such ticket; 409 when nothing was recorded for it
 */
export async function sampleFromTicket(
  deps: { decisions: Pick<TicketDecisionsRepo, 'forTicket'>; rules: Pick<RulesVersions, 'get'> },
  number: string,
): Promise<RecordedSample> {
  const n = typeof number === 'string' ? number.trim().toUpperCase() : '';
  if (!TICKET_NUMBER_PATTERN.test(n)) throw new ServiceError(400, 'BAD_TICKET_NUMBER', 'errors.badTicketNumber', { number: n.slice(0, 40) });
  const { exists, decisions } = await deps.decisions.forTicket(n);
  if (!exists) throw new NotFoundError('errors.ticketNotFound', { number: n });
  const latest = decisions[decisions.length - 1];
  if (!latest) throw new ServiceError(409, 'NO_RECORDED_FACTS', 'admin:errors.noRecordedFacts', { number: n });
  const version = await deps.rules.get(latest.rulesVersion);
  return {
    kind: 'recorded',
    number: n,
    decision: { kind: latest.kind, decidedAt: latest.decidedAt, rulesVersion: latest.rulesVersion },
    atMs: Date.parse(latest.decidedAt),
    facts: latest.facts,
    // A version that is gone (it never is: versions are kept) tested for no word we know of: every keyword test is then unknown.
    vocabulary: version ? keywordVocabulary(version.file) : { exact: [], contains: [], tests: [] },
    sealed: SEALED_TEXT,
  };
}

function factsOf(rules: RulesUnderTest, sample: TrySample, atMs: number): RuleFacts {
  if (sample.kind === 'form') {
    return ruleFacts(rules.compiled, { ticket: { ...sample.ticket }, requester: { ...(sample.requester ?? {}) } }, atMs);
  }
  const { ticket, requester, keywords } = sample.facts;
  return ruleFacts(rules.compiled, { ticket: { ...ticket }, requester: { ...requester } }, atMs, [...keywords]);
}

function outcomeOf(d: Decision, file: RulesFile): TryOutcome {
  const written = file.slaPolicies.find((p) => p.id === d.policy.id);
  return {
    priority: d.priority,
    category: d.category,
    team: d.team,
    tier: d.tier,
    serviceLevel: d.serviceLevel,
    policy: {
      id: d.policy.id, response: written?.response ?? null, resolution: written?.resolution ?? null,
      responseMs: d.policy.responseMs, resolutionMs: d.policy.resolutionMs, calendar: d.policy.calendar.id, warnAt: [...d.policy.warnAt],
    },
    ladder: structuredClone(d.ladder),
    tags: [...d.tags],
    notify: [...d.notify],
    escalation: d.escalation === null ? null : { ...d.escalation },
  };
}

async function side(rules: RulesUnderTest, sample: TrySample, atMs: number): Promise<TrySide> {
  const facts = factsOf(rules, sample, atMs);
  const decision = await evaluateFacts(rules.compiled, facts);
  const open: OpenCondition[] = sample.kind === 'recorded'
    ? [...unreproducibleConditions(decision), ...uncoveredKeywordTests(rules.file, sample.vocabulary)]
    : [];
  const explanation = explain(decision, rules.file, open);
  const uncertainRules = new Set([...explanation.fired, ...explanation.notFired].filter((r) => r.uncertain).map((r) => r.rule));
  return {
    rules: { name: rules.compiled.name, version: rules.compiled.version, hash: rules.compiled.hash },
    outcome: outcomeOf(decision, rules.file),
    explanation,
    facts,
    uncertain: uncertainRules.size > 0,
    unknownConditions: open.filter((c) => uncertainRules.has(c.rule)),
  };
}

const OUTCOME_FIELDS: Array<keyof TryOutcome> = ['priority', 'category', 'team', 'tier', 'serviceLevel', 'policy', 'ladder', 'tags', 'notify', 'escalation'];

/**
 * The sample evaluated at `atMs` under the draft and under the active version, side by side.
 * @throws TicketFactsError when the sample has no valid impact or urgency (sampleFromForm checks that first)
 */
export async function tryTicket(draft: RulesUnderTest, active: RulesUnderTest, sample: TrySample, atMs: number): Promise<TryResult> {
  const [d, a] = [await side(draft, sample, atMs), await side(active, sample, atMs)];
  return {
    at: new Date(atMs).toISOString(),
    sample: { kind: sample.kind, number: sample.kind === 'recorded' ? sample.number : null, textSealed: sample.kind === 'recorded' },
    draft: d,
    active: a,
    differences: OUTCOME_FIELDS.filter((f) => JSON.stringify(d.outcome[f]) !== JSON.stringify(a.outcome[f])),
  };
}
