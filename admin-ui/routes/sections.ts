/**
 * Where each part of the rules file is edited: the page (section) a problem's JSON path belongs
 * to, so the draft's summary links every problem to the form that shows it beside its field.
 * Parts without a form of their own yet are edited in the raw view.
 */
import { parseFactPath } from '../../rules/paths.ts';
import { formSectionOf } from '../forms/sections.ts';

export interface Section {
  key: 'sla' | 'calendars' | 'raw' | 'matrix' | 'tiers' | 'ladders' | 'general' | 'retention' | 'rules';
  href: string;
}

export function sectionOf(draftId: number, path: string): Section {
  const base = `/admin/drafts/${draftId}`;
  const segs = parseFactPath(path) ?? [];
  if (segs[0] === 'slaPolicies') return { key: 'sla', href: `${base}/sla` };
  const form = formSectionOf(draftId, segs);
  if (form) return form;
  if (segs[0] === 'calendars' && typeof segs[1] === 'string') return { key: 'calendars', href: `${base}/calendars/${encodeURIComponent(segs[1])}` };
  if (segs[0] === 'rules') return { key: 'rules', href: typeof segs[1] === 'number' ? `${base}/rules/${segs[1]}` : `${base}/rules` };
  if (segs[0] === 'conditions') return { key: 'rules', href: typeof segs[1] === 'string' ? `${base}/rules/shared/${encodeURIComponent(segs[1])}` : `${base}/rules` };
  return { key: 'raw', href: `${base}/raw` };
}

/** The people's names for version authors (`user:<id>`; `system`, and CLI authors, as they are). */
export async function authorNames(users: { findById(id: number): Promise<{ displayName: string } | undefined> }, authors: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const a of new Set(authors)) {
    const m = /^user:(\d+)$/.exec(a);
    out.set(a, m ? ((await users.findById(Number(m[1])))?.displayName ?? a) : a);
  }
  return out;
}
