/**
 * The impact × urgency priority matrix as a form: nine selects of P1–P4, one per cell, posted
 * as `cell:<impact>:<urgency>`. A cell holding something else (a typo, nothing) keeps it as an
 * option of its own, so posting the form back unchanged changes nothing.
 */
import type { FormBody } from '../../api/portal/forms.ts';
import type { Seg } from '../../rules/paths.ts';
import { LEVELS, PRIORITIES } from '../../rules/types.ts';
import { isObj, options, setField, shownText, textValue, type Obj } from './fields.ts';
import { fieldModel, type FieldModel, type PageProblems } from './page.ts';
import type { Words } from './references.ts';

export const cellId = (impact: string, urgency: string): string => `matrix-${impact}-${urgency}`;
export const cellName = (impact: string, urgency: string): string => `cell:${impact}:${urgency}`;

export const matrixMine = (segs: Seg[]): boolean => segs[0] === 'priorityMatrix';

/** A problem about a cell (wrong or missing priority) is shown beside its select; others in the summary. */
export function matrixFieldFor(segs: Seg[]): string | undefined {
  if (segs[0] !== 'priorityMatrix') return undefined;
  const [, impact, urgency] = segs;
  if (typeof impact === 'string' && typeof urgency === 'string' && LEVELS.includes(impact as never) && LEVELS.includes(urgency as never)) return cellId(impact, urgency);
  return undefined;
}

export interface MatrixView {
  urgencies: Array<{ level: string; label: string }>;
  rows: Array<{ impact: string; label: string; cells: Array<{ urgency: string; label: string; field: FieldModel }> }>;
}

export function matrixView(file: Obj, p: PageProblems, t: Words): MatrixView {
  const m = isObj(file.priorityMatrix) ? file.priorityMatrix : {};
  const unknown = (v: string): string => t('matrix.notPriority', { value: v });
  return {
    urgencies: LEVELS.map((level) => ({ level, label: t(`level.${level}`) })),
    rows: LEVELS.map((impact) => {
      const row = isObj(m[impact]) ? m[impact] : {};
      return {
        impact,
        label: t(`level.${impact}`),
        cells: LEVELS.map((urgency) => ({
          urgency,
          label: t('matrix.cell', { impact: t(`level.${impact}`), urgency: t(`level.${urgency}`) }),
          field: fieldModel(p, cellId(impact, urgency), cellName(impact, urgency), shownText(row[urgency]), {
            options: options(PRIORITIES, row[urgency], undefined, unknown),
          }),
        })),
      };
    }),
  };
}

/** The file with the matrix as posted; cells posted as shown keep their value. */
export function applyMatrix(file: Obj, body: FormBody): Obj {
  const next = structuredClone(file);
  const matrix = isObj(next.priorityMatrix) ? next.priorityMatrix : {};
  for (const impact of LEVELS) {
    const row = isObj(matrix[impact]) ? matrix[impact] : {};
    const before = JSON.stringify(row);
    for (const urgency of LEVELS) setField(row, urgency, body, cellName(impact, urgency), textValue);
    if (JSON.stringify(row) !== before) matrix[impact] = row;
  }
  if (matrix !== next.priorityMatrix && Object.keys(matrix).length) next.priorityMatrix = matrix;
  return next;
}
