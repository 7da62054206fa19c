/** Small factories for the rules tests. */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Problem, RulesFile, TicketFacts } from '../rules/types.ts';
import { validateRulesObject } from '../rules/validate.ts';

const defaultText = readFileSync(new URL('../rules/default.rules.json', import.meta.url), 'utf8');

/** The shipped default rules text. */
export function defaultRulesText(): string {
  return defaultText;
}

/** A fresh copy of the shipped default rules file, changed by `edit` when given. */
export function defaultRules(edit?: (file: RulesFile) => void): RulesFile {
  const file = JSON.parse(defaultText) as RulesFile;
  edit?.(file);
  return file;
}

/** The problems the validator finds in an object (none → empty list). */
export function problemsOf(obj: unknown): Problem[] {
  const result = validateRulesObject(obj);
  return result.ok ? [] : result.problems;
}

/** Asserts that a problem with this path and code is reported and that its message says `words`. */
export function expectProblem(problems: Problem[], path: string, code: string, words: string | RegExp): Problem {
  const found = problems.find((p) => p.path === path && p.code === code);
  expect(found, `no ${code} at ${path}; got ${JSON.stringify(problems, null, 1)}`).to.not.equal(undefined);
  const p = found as Problem;
  if (typeof words === 'string') expect(p.message).to.include(words);
  else expect(p.message).to.match(words);
  expect(p.message, 'messages are sentences').to.match(/^[A-Z"0-9].*[.!?]$/s);
  return p;
}

/** A ticket with no keyword any default rule reacts to. */
export function ticket(over: { ticket?: Partial<TicketFacts['ticket']>; requester?: TicketFacts['requester'] } = {}): TicketFacts {
  return {
    ticket: { title: 'Printer jams on the second floor', impact: 'medium', urgency: 'medium', ...over.ticket },
    requester: { email: 'anna@example.com', ...over.requester },
  };
}

/** Wednesday 2026-03-04 10:00 in Warsaw (09:00 UTC): the Warsaw business calendar is open. */
export const WEDNESDAY_MORNING = Date.UTC(2026, 2, 4, 9, 0);
/** Saturday 2026-03-07 12:00 UTC: closed. */
export const SATURDAY_NOON = Date.UTC(2026, 2, 7, 12, 0);
