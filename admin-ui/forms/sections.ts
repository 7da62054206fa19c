/**
 * Which form section page edits a path of the rules file (the draft's overview links each problem
 * there): the matrix, tiers and teams, the ladders (a ladder's own part goes to its page, through
 * `?ladder=<index>` on the list), retention, and the general settings for the top-level rest.
 */
import type { Seg } from '../../rules/paths.ts';

export interface FormSection {
  key: 'matrix' | 'tiers' | 'ladders' | 'general' | 'retention';
  href: string;
}

/** Top-level keys of the general settings page (admin-ui/forms/general.ts). */
const GENERAL: readonly Seg[] = ['name', 'description', 'categories', 'serviceLevels', 'defaultServiceLevel', 'defaults', 'autoCloseAfter', 'facts', '$schema'];

export function formSectionOf(draftId: number, segs: readonly Seg[]): FormSection | undefined {
  const base = `/admin/drafts/${draftId}`;
  const [top, index, part] = segs;
  if (top === 'priorityMatrix') return { key: 'matrix', href: `${base}/matrix` };
  if (top === 'tiers' || top === 'teams') return { key: 'tiers', href: `${base}/tiers` };
  if (top === 'ladders') {
    const own = typeof index === 'number' && part !== undefined && part !== 'id' && part !== 'name';
    return { key: 'ladders', href: own ? `${base}/ladders?ladder=${index}` : `${base}/ladders` };
  }
  if (top === 'retention') return { key: 'retention', href: `${base}/retention` };
  if (top !== undefined && GENERAL.includes(top)) return { key: 'general', href: `${base}/general` };
  return undefined;
}
