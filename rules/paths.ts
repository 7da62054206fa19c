/**
 * JSON paths of the rules file: how a place in the file is written in a message
 * (`$.slaPolicies[2].response`) and the plain fact paths conditions may use (`$.a.b`).
 * Used by the validator, the evaluator and the change descriptions.
 */

/** One step of a path: a property name or a list index. */
export type Seg = string | number;

/** Renders path segments as a JSON path: `$.slaPolicies[2].response`, `$.calendars['24x7']`. */
export function renderPath(segs: readonly Seg[]): string {
  let out = '$';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += `.${s}`;
    else out += `['${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

/**
 * Parses the fact paths this helpdesk supports: `$`, then `.name`, `['name']`, `["name"]` or
 * `[0]`, repeated. Returns null for anything else (wildcards, filters, recursive descent).
 */
export function parseFactPath(path: string): Seg[] | null {
  if (!path.startsWith('$')) return null;
  const segs: Seg[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return null;
    if (m[2] !== undefined) segs.push(Number(m[2]));
    else segs.push((m[1] ?? m[3] ?? m[4]) as string);
  }
  return segs;
}
