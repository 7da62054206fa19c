/**
 * The what-if's figures (what-if.ts): each ticket's two sides, and the aggregate — how many
 * tickets change in each field, the breaches the candidate would have avoided or added, the
 * uncertain tickets and the conditions that made them so, and a service level × priority table.
 * Plain JSON throughout: a run's result is stored as it is (what_if_runs.result).
 */
import { PRIORITIES } from '../../rules/types.ts';
import type { ClockOutcome } from './clock-replay.ts';
import { conditionKey, type OpenCondition } from './uncertainty.ts';

export type ChangedField =
  | 'priority' | 'category' | 'team' | 'tier' | 'serviceLevel' | 'policy'
  | 'responseDeadline' | 'resolutionDeadline' | 'responseBreach' | 'resolutionBreach';

export const CHANGED_FIELDS: readonly ChangedField[] = [
  'priority', 'category', 'team', 'tier', 'serviceLevel', 'policy', 'responseDeadline', 'resolutionDeadline', 'responseBreach', 'resolutionBreach',
];

/** One side of a ticket: what the rules decide, and how its clocks fare with those targets. */
export interface SideOutcome {
  priority: string;
  category: string;
  team: string;
  tier: string;
  serviceLevel: string;
  /** SLA policy id. */
  policy: string;
  /** The policy's calendar id. */
  calendar: string;
  responseMs: number;
  resolutionMs: number;
  response: ClockOutcome;
  resolution: ClockOutcome;
}

export interface WhatIfTicket {
  number: string;
  createdAt: string;
  /** Its status in the read model now. */
  status: string;
  /** The instant it was classified at, and re-evaluated at. */
  decidedAt: string;
  /** The version that classified it. */
  rulesVersion: number;
  then: SideOutcome;
  candidate: SideOutcome;
  changed: ChangedField[];
  /** The candidate's decision rests on conditions the recorded facts cannot answer. */
  uncertain: boolean;
  uncertainRules: string[];
  openConditions: OpenCondition[];
  /** Its targets were changed after the classification (priority change, re-classification): its real clocks ran on other targets. */
  retargetedLater: boolean;
}

export interface BreachFigures {
  then: number;
  candidate: number;
  /** Breached then, not under the candidate. */
  avoided: number;
  /** Not breached then, breached under the candidate. */
  added: number;
}

export interface CellFigures {
  tickets: number;
  responseBreaches: number;
  resolutionBreaches: number;
}

/** One service level × priority: the tickets that were in it then, and those the candidate puts in it. */
export interface WhatIfCell {
  serviceLevel: string;
  priority: string;
  then: CellFigures;
  candidate: CellFigures;
  /** Of the tickets in it then, how many change in anything. */
  changed: number;
}

export interface WhatIfSummary {
  period: { from: string; to: string };
  /** The instant open clocks were judged at. */
  asOf: string;
  candidate: { name: string; hash: string };
  /** Tickets created in the period that the run went through. */
  seen: number;
  /** Of those, re-evaluated and compared. */
  evaluated: number;
  /** Without recorded facts (classified before they were recorded, or not classified yet). */
  skipped: number;
  /** Could not be evaluated (the first 20 with the reason). */
  failed: number;
  failures: Array<{ number: string; reason: string }>;
  /** How many evaluated tickets change in each field, and in any. */
  changed: Record<ChangedField | 'any', number>;
  breaches: { response: BreachFigures; resolution: BreachFigures };
  /** Tickets whose candidate decision rests on conditions the recorded facts cannot answer, and those conditions with how many tickets each. */
  uncertain: { tickets: number; conditions: Array<OpenCondition & { tickets: number }> };
  retargetedLater: number;
  /** The versions that classified the evaluated tickets. */
  versions: Array<{ version: number; tickets: number }>;
  cells: WhatIfCell[];
  /** The tickets listed one by one (those that change or are uncertain, unless all were asked for), at most the run's limit. */
  tickets: WhatIfTicket[];
  /** Evaluated tickets not listed. */
  unlisted: number;
}

/** The summary while it is made; finishSummary() drops the working maps. */
export interface SummaryBuilder extends WhatIfSummary {
  serviceLevelOrder: string[];
  cellMap: Map<string, WhatIfCell>;
  conditionMap: Map<string, OpenCondition & { tickets: number }>;
  versionMap: Map<number, number>;
}

const zeroCell = (): CellFigures => ({ tickets: 0, responseBreaches: 0, resolutionBreaches: 0 });
const zeroBreaches = (): BreachFigures => ({ then: 0, candidate: 0, avoided: 0, added: 0 });

export function emptySummary(o: { period: { fromMs: number; toMs: number }; asOfMs: number; candidate: { name: string; hash: string }; serviceLevels: string[] }): SummaryBuilder {
  return {
    period: { from: new Date(o.period.fromMs).toISOString(), to: new Date(o.period.toMs).toISOString() },
    asOf: new Date(o.asOfMs).toISOString(),
    candidate: { ...o.candidate },
    seen: 0,
    evaluated: 0,
    skipped: 0,
    failed: 0,
    failures: [],
    changed: Object.fromEntries([...CHANGED_FIELDS, 'any'].map((f) => [f, 0])) as Record<ChangedField | 'any', number>,
    breaches: { response: zeroBreaches(), resolution: zeroBreaches() },
    uncertain: { tickets: 0, conditions: [] },
    retargetedLater: 0,
    versions: [],
    cells: [],
    tickets: [],
    unlisted: 0,
    serviceLevelOrder: [...o.serviceLevels],
    cellMap: new Map(),
    conditionMap: new Map(),
    versionMap: new Map(),
  };
}

function cell(s: SummaryBuilder, serviceLevel: string, priority: string): WhatIfCell {
  const key = `${serviceLevel}\u0000${priority}`;
  let c = s.cellMap.get(key);
  if (!c) {
    c = { serviceLevel, priority, then: zeroCell(), candidate: zeroCell(), changed: 0 };
    s.cellMap.set(key, c);
  }
  return c;
}

function count(b: BreachFigures, then: boolean, cand: boolean): void {
  if (then) b.then += 1;
  if (cand) b.candidate += 1;
  if (then && !cand) b.avoided += 1;
  if (!then && cand) b.added += 1;
}

/** Counts one evaluated ticket into the figures. */
export function tally(s: SummaryBuilder, t: WhatIfTicket): void {
  s.evaluated += 1;
  for (const f of t.changed) s.changed[f] += 1;
  if (t.changed.length) s.changed.any += 1;
  count(s.breaches.response, t.then.response.breached, t.candidate.response.breached);
  count(s.breaches.resolution, t.then.resolution.breached, t.candidate.resolution.breached);
  if (t.uncertain) {
    s.uncertain.tickets += 1;
    for (const c of t.openConditions) {
      const key = `${conditionKey(c.rule, c)}\u0000${c.reason}`;
      const known = s.conditionMap.get(key);
      if (known) known.tickets += 1;
      else s.conditionMap.set(key, { ...structuredClone(c), tickets: 1 });
    }
  }
  if (t.retargetedLater) s.retargetedLater += 1;
  s.versionMap.set(t.rulesVersion, (s.versionMap.get(t.rulesVersion) ?? 0) + 1);
  const then = cell(s, t.then.serviceLevel, t.then.priority);
  then.then.tickets += 1;
  if (t.then.response.breached) then.then.responseBreaches += 1;
  if (t.then.resolution.breached) then.then.resolutionBreaches += 1;
  if (t.changed.length) then.changed += 1;
  const cand = cell(s, t.candidate.serviceLevel, t.candidate.priority);
  cand.candidate.tickets += 1;
  if (t.candidate.response.breached) cand.candidate.responseBreaches += 1;
  if (t.candidate.resolution.breached) cand.candidate.resolutionBreaches += 1;
}

/** The figures as plain JSON: cells in service-level (the candidate's order first) and priority order. */
export function finishSummary(s: SummaryBuilder, seen: number): WhatIfSummary {
  const levelRank = (l: string): number => {
    const i = s.serviceLevelOrder.indexOf(l);
    return i === -1 ? s.serviceLevelOrder.length : i;
  };
  const cells = [...s.cellMap.values()].sort((a, b) => levelRank(a.serviceLevel) - levelRank(b.serviceLevel)
    || a.serviceLevel.localeCompare(b.serviceLevel)
    || PRIORITIES.indexOf(a.priority as never) - PRIORITIES.indexOf(b.priority as never));
  const { serviceLevelOrder: _o, cellMap: _c, conditionMap, versionMap, ...rest } = s;
  return {
    ...rest,
    seen,
    uncertain: { tickets: s.uncertain.tickets, conditions: [...conditionMap.values()].sort((a, b) => b.tickets - a.tickets || a.rule.localeCompare(b.rule)) },
    versions: [...versionMap.entries()].sort((a, b) => a[0] - b[0]).map(([version, tickets]) => ({ version, tickets })),
    cells,
  };
}
