/**
 * The server's problems (its validator and static checks, in the user's language) as editor
 * diagnostics. They stay on their text while the user edits elsewhere (mapped through each
 * change) and leave when an edit touches their line: the next save brings the server's new answer.
 */
import type { Diagnostic } from '@codemirror/lint';
import { syntaxTree } from '@codemirror/language';
import { StateField, type EditorState, type Text } from '@codemirror/state';

/** One problem as the page gives it: 1-based line and column; without a line it marks the start. */
export interface ServerProblem {
  line?: number;
  column?: number;
  message: string;
  severity?: 'error' | 'warning' | 'info';
  /** The problem's machine code, shown as the diagnostic's source. */
  code?: string;
}

interface Placed {
  from: number;
  to: number;
  message: string;
  severity: 'error' | 'warning' | 'info';
  source?: string;
}

const SEVERITIES = new Set(['error', 'warning', 'info']);

/** The problems in a `<script type="application/json">` text; anything not shaped like one is skipped. */
export function parseProblems(text: string | null | undefined): ServerProblem[] {
  if (!text?.trim()) return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.filter((p): p is ServerProblem => typeof p === 'object' && p !== null && typeof (p as ServerProblem).message === 'string');
}

/** Where a problem sits: from its column to the end of the JSON token starting there (else the line's end). */
function place(state: EditorState, problem: ServerProblem): Placed {
  const doc: Text = state.doc;
  const lineNo = Number.isInteger(problem.line) ? Math.min(Math.max(problem.line!, 1), doc.lines) : 1;
  const line = doc.line(lineNo);
  const column = Number.isInteger(problem.column) ? Math.max(problem.column!, 1) : 1;
  const from = Math.min(line.from + column - 1, line.to);
  const node = syntaxTree(state).resolveInner(from, 1);
  const to = node.from === from && node.to > from && node.to <= line.to ? node.to : Math.max(line.to, from);
  const severity = SEVERITIES.has(problem.severity ?? '') ? problem.severity! : 'error';
  return { from, to, message: problem.message, severity, ...(problem.code ? { source: problem.code } : {}) };
}

/** A field holding the given problems, placed in the document it starts with. */
export function serverProblemsField(problems: ServerProblem[]): StateField<Placed[]> {
  return StateField.define<Placed[]>({
    create: (state) => problems.map((p) => place(state, p)),
    update(placed, tr) {
      if (!tr.docChanged || placed.length === 0) return placed;
      const before = tr.startState.doc;
      return placed.flatMap((p) => {
        const start = before.lineAt(p.from).from;
        const end = before.lineAt(p.to).to;
        let touched = false;
        tr.changes.iterChangedRanges((fromA, toA) => {
          if (fromA <= end && toA >= start) touched = true;
        });
        if (touched) return [];
        return [{ ...p, from: tr.changes.mapPos(p.from, 1), to: tr.changes.mapPos(p.to, -1) }];
      });
    },
  });
}

/** A lint source reading the field (CodeMirror merges it with the JSON and schema linters). */
export function serverProblemsSource(field: StateField<Placed[]>) {
  return (view: { state: EditorState }): Diagnostic[] => view.state.field(field).map((p) => ({ ...p }));
}
