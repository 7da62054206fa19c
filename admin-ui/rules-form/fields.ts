/**
 * A form field as the rules pages render it: its id and name, the problems shown beside it
 * and what describes it (aria-describedby), and the options of a select.
 */
import type { ShownProblem } from '../pages.ts';

export type ProblemMap = Readonly<Record<string, readonly ShownProblem[]>>;

export interface FieldView {
  id: string;
  name: string;
  problems: readonly ShownProblem[];
  invalid: boolean;
  /** The ids of the hint and problems that describe the field (aria-describedby). */
  describedBy?: string;
}

export interface OptionView {
  value: string;
  label: string;
  selected: boolean;
}

/** A field with its problems (and, with `also`, further descriptions such as a hint or its node's problems). */
export function fieldView(id: string, name: string, problems: ProblemMap, also: readonly string[] = []): FieldView {
  const mine = problems[id] ?? [];
  const described = [...mine.map((_, i) => `${id}-problem-${i}`), ...also];
  return { id, name, problems: mine, invalid: mine.length > 0, ...(described.length ? { describedBy: described.join(' ') } : {}) };
}

/** The ids of the problems shown beside an element (for aria-describedby). */
export const problemIds = (id: string, problems: ProblemMap): string[] => (problems[id] ?? []).map((_, i) => `${id}-problem-${i}`);

