/**
 * No import circle anywhere in the tree, type-only imports included. ESLint's
 * import-x/no-cycle guards the imports that run; it skips `import type` by design, and a
 * circle of types (activities/classify.ts ⇄ activities/index.ts once) still ties two
 * modules together, so this counts every import TypeScript sees.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', 'coverage']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || SKIP.has(e.name)) return [];
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Each file's relative imports (import, import type, export … from, import()), as paths from the root. */
function importGraph(files: Map<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const imports = ts.preProcessFile(text, true, true).importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)))
      .filter((target) => files.has(target));
    graph.set(file, [...new Set(imports)]);
  }
  return graph;
}

/** Every circle: the strongly connected components of more than one file, or a file importing itself (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, order.get(w)!));
      }
    }
    if (low.get(v) !== order.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!order.has(v)) visit(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('imports run one way', () => {
  it('a circle through type-only imports and re-exports is found, and a chain is not a circle', () => {
    const files = new Map([
      ['activities/index.ts', "import { createClassifyActivities } from './classify.ts';\nexport interface ActivityDeps { a: 1 }"],
      ['activities/classify.ts', "import type { ActivityDeps } from './index.ts';"],
      ['rules/versions.ts', "export type { Store } from './store.ts';"],
      ['rules/store.ts', "import type { Version } from './versions.ts';"],
      ['services/intake.ts', "import { createActivities } from '../activities/index.ts';\nimport type { Store } from '../rules/store.ts';"],
    ]);
    expect(circles(importGraph(files))).to.deep.equal([
      ['activities/classify.ts', 'activities/index.ts'],
      ['rules/store.ts', 'rules/versions.ts'],
    ]);
  });

  it('no file of the tree takes part in an import circle, counting type-only imports', () => {
    const files = new Map(sourceFiles(root).map((f) => [path.relative(root, f).split(path.sep).join('/'), fs.readFileSync(f, 'utf8')]));
    expect(files.size).to.be.greaterThan(100);
    expect(circles(importGraph(files)), 'import circles (each line: the files that import one another)').to.deep.equal([]);
  });
});
