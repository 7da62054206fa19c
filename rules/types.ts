/**
 * Types of the helpdesk rules file and of the decision the evaluator returns.
 *
 * Enumerations are `as const` objects with a derived union type, so their string values are the
 * ones a rules file uses.
 */
import type { BusinessCalendar } from './calendar.ts';

/** Ticket priority, P1 the most urgent. */
export const Priority = { P1: 'P1', P2: 'P2', P3: 'P3', P4: 'P4' } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
export const PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4'];

/** ITIL impact and urgency levels (the two axes of the priority matrix). */
export const Level = { high: 'high', medium: 'medium', low: 'low' } as const;
export type Level = (typeof Level)[keyof typeof Level];
export const LEVELS: readonly Level[] = ['high', 'medium', 'low'];

/** The SLA clocks a ladder step can be measured on. */
export const Clock = { response: 'response', resolution: 'resolution' } as const;
export type Clock = (typeof Clock)[keyof typeof Clock];

/** Event types the helpdesk acts on. Any other event type is refused by the validator. */
export const EventType = {
  setPriority: 'set-priority',
  setCategory: 'set-category',
  route: 'route',
  setServiceLevel: 'set-service-level',
  setSlaPolicy: 'set-sla-policy',
  addTag: 'add-tag',
  notify: 'notify',
  escalate: 'escalate',
  setLadder: 'set-ladder',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/** Facts a rule condition may read (top-level facts; use `path` to reach a property). */
export const FactName = {
  ticket: 'ticket',
  requester: 'requester',
  keywords: 'keywords',
  calendar: 'calendar',
  time: 'time',
  matrix: 'matrix',
} as const;
export type FactName = (typeof FactName)[keyof typeof FactName];

/**
 * Properties of each object fact. `null` marks a fact that is not an object (a path is not
 * checked for it).
 */
export const FACT_PROPERTIES: Readonly<Record<FactName, readonly string[] | null>> = {
  ticket: ['title', 'description', 'category', 'impact', 'urgency', 'channel', 'language'],
  requester: ['email', 'vip', 'serviceLevel', 'organisation', 'department'],
  keywords: null,
  calendar: ['open'],
  time: ['hour', 'weekday'],
  matrix: ['impact', 'urgency', 'priority'],
};

/** Operators this helpdesk adds to json-rules-engine's built-in ones. */
export const CustomOperator = {
  /** fact is an array holding at least one of the value's items */
  containsAny: 'containsAny',
  /** fact is an array holding every one of the value's items */
  containsAll: 'containsAll',
  /** fact is a string containing the value, ignoring case */
  textContains: 'textContains',
} as const;
export type CustomOperator = (typeof CustomOperator)[keyof typeof CustomOperator];

export const BUILTIN_OPERATORS: readonly string[] = [
  'equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain',
  'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
];
/** Decorators written as a prefix, e.g. `"not:equal"`, `"someFact:textContains"`. */
export const BUILTIN_DECORATORS: readonly string[] = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'];

// ---------------------------------------------------------------------------------------------
// The rules file

/** impact → urgency → priority */
export type PriorityMatrix = Record<Level, Record<Level, Priority>>;

/** A calendar as written in the file: the map key is its id, so `id` may be left out. */
export type CalendarDefinition = Omit<BusinessCalendar, 'id'> & { id?: string };

export interface SlaPolicy {
  id: string;
  serviceLevel: string;
  priority: Priority;
  /** Duration text, e.g. "15m". */
  response: string;
  /** Duration text, e.g. "4h". */
  resolution: string;
  /** Calendar id. */
  calendar: string;
  /** Fractions of each clock at which a warning is raised, increasing, each in (0, 1]. */
  warnAt?: number[];
}

export interface Tier {
  id: string;
  name?: string;
  teams: string[];
}

export interface Team {
  id: string;
  name: string;
  tier: string;
}

export type LadderAt = { clock: Clock; fraction: number } | { clock: Clock; after: string };

export interface LadderStep {
  id: string;
  at: LadderAt;
  moveTo?: { tier: string; team?: string };
  notify?: string[];
}

export interface Ladder {
  id: string;
  name?: string;
  appliesTo?: { priorities?: Priority[]; serviceLevels?: string[] };
  steps: LadderStep[];
}

export interface Defaults {
  team: string;
  tier: string;
  category: string;
  ladder: string;
  /** Calendar whose zone gives `time.*` and whose hours give `calendar.open`. */
  calendar: string;
}

/**
 * How long a closed ticket's personal data, and the ticket itself, are kept: whole days counted
 * from the ticket's closing (its latest `closed` event). See rules/README.md, "Retention".
 */
export interface Retention {
  personalData: {
    /** Days personal data is kept after closing, unless the ticket's category has its own. */
    defaultDays: number;
    /** Category → days, overriding `defaultDays` for tickets of that category. */
    byCategory?: Record<string, number>;
  };
  /** Days a closed ticket is kept at all; at least every personal-data period. */
  closedTicketDays: number;
}

/** A json-rules-engine condition, as written. */
export type Condition = { [key: string]: unknown };

export interface RuleEvent {
  type: EventType;
  params?: Record<string, unknown>;
}

export interface Rule {
  name: string;
  description?: string;
  /** json-rules-engine priority: integer ≥ 1, higher runs first and wins. @default 1 */
  priority?: number;
  conditions: Condition;
  event: RuleEvent;
}

export interface RulesFile {
  $schema?: string;
  name: string;
  description?: string;
  /** Documentation only: fact name → description. */
  facts?: Record<string, string>;
  /** Optional list of categories; when present, categories named elsewhere must be in it. */
  categories?: string[];
  priorityMatrix: PriorityMatrix;
  serviceLevels: string[];
  defaultServiceLevel: string;
  calendars: Record<string, CalendarDefinition>;
  slaPolicies: SlaPolicy[];
  tiers: Tier[];
  teams: Team[];
  ladders: Ladder[];
  defaults: Defaults;
  /** Quiet period after `resolved` before a ticket closes itself. */
  autoCloseAfter: string;
  /** Optional: without it the documented defaults apply (DEFAULT_RETENTION in rules/retention.ts). */
  retention?: Retention;
  rules: Rule[];
  /** Shared conditions, referenced from rules as `{ "condition": "name" }`. */
  conditions?: Record<string, Condition>;
}

// ---------------------------------------------------------------------------------------------
// Validation

export interface Problem {
  /** JSON path of the offending value, e.g. `$.slaPolicies[2].response`. */
  path: string;
  /** A plain English sentence for process owners. */
  message: string;
  /** Machine code, e.g. `UNKNOWN_EVENT_TYPE`. */
  code: string;
  /**
   * Every value the message is made of, by name, so that the sentence can be said in another
   * language (locales/{lng}/rules.json, `problem.<code>`; rules/problem-text.ts). Words from a fixed
   * set (a JSON type, a clock, a weekday) are codes here, translated by the message. `context`, when
   * present, names the variant of the code's message (i18next's context: `problem.<code>_<context>`).
   */
  params?: Record<string, string | number>;
  /** 1-based, when the problem was found in text. */
  line?: number;
  /** 1-based, when the problem was found in text. */
  column?: number;
}

export type ValidationResult = { ok: true; file: RulesFile } | { ok: false; problems: Problem[] };

// ---------------------------------------------------------------------------------------------
// Evaluation

/** What the evaluator is told about a ticket. */
export interface TicketFacts {
  ticket: {
    title: string;
    description?: string;
    category?: string;
    impact: Level;
    urgency: Level;
    channel?: string;
    language?: string;
  };
  requester: {
    email?: string;
    vip?: boolean;
    serviceLevel?: string;
    organisation?: string;
    department?: string;
  };
}

export interface ResolvedLadderStep {
  id: string;
  clock: Clock;
  /** Set when the step was written as a fraction of the clock's target. */
  fraction?: number;
  /** Business time on `clock` after which the step runs, in ms (fractions resolved against the policy). */
  afterMs: number;
  moveTo?: { tier: string; team?: string };
  notify: string[];
}

export interface ResolvedLadder {
  id: string;
  steps: ResolvedLadderStep[];
}

export interface FiredEvent {
  rule: string;
  priority: number;
  event: { type: string; params: Record<string, unknown> };
  /** 1-based order of application. */
  order: number;
  /** False when an earlier event already set the same field (see the conflict rule in README). */
  applied: boolean;
}

export interface Decision {
  priority: Priority;
  category: string;
  team: string;
  tier: string;
  serviceLevel: string;
  policy: {
    id: string;
    responseMs: number;
    resolutionMs: number;
    calendar: BusinessCalendar;
    warnAt: number[];
  };
  ladder: ResolvedLadder;
  tags: string[];
  notify: string[];
  /** Set when an `escalate` event raised the tier at intake. */
  escalation: { tier: string; reason: string | null; rule: string } | null;
  autoCloseAfterMs: number;
  rulesVersion: number;
  rulesHash: string;
  explanation: {
    matrix: { impact: Level; urgency: Level; priority: Priority };
    fired: FiredEvent[];
    notFired: string[];
    /**
     * Per rule, json-rules-engine's evaluated condition tree (with factResult / result). In a
     * recorded decision (rules/derived-facts.ts) text is sealed out of it: `keywords` results hold
     * only the keywords the condition tested for, title, description and e-mail read "[sealed]".
     */
    conditions: Array<{ rule: string; result: boolean; conditions: unknown }>;
    /** The facts the decision was made on, without the text; set on recorded decisions. */
    facts?: DerivedFacts;
  };
}

/**
 * What a classification read, without the ticket's title and description or the requester's
 * e-mail address, shaped like the facts the conditions read: enough to re-evaluate the decision
 * (rules/derived-facts.ts).
 */
export interface DerivedFacts {
  ticket: Omit<Partial<TicketFacts['ticket']>, 'title' | 'description'> & Pick<TicketFacts['ticket'], 'impact' | 'urgency'>;
  requester: Omit<TicketFacts['requester'], 'email'>;
  /** The keywords the rules tested for that the title or description held: sorted, each once. */
  keywords: string[];
  calendar: { open: boolean };
  time: { hour: number; weekday: string };
  matrix: { impact: Level; urgency: Level; priority: Priority };
}
