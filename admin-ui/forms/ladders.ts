/**
 * The list of escalation ladders as a form: each ladder's id and name in file order (the first
 * ladder whose "applies to" matches a ticket is chosen, so the order matters), what it applies to
 * in words, its steps' count and a link to its own page (admin-ui/forms/ladder.ts); adding,
 * removing and moving ladders. Who names a ladder (the defaults, `set-ladder` rules) is shown
 * beside it.
 *
 * Fields: `ladder:<i>:id|name`, `newLadder:id|name`; buttons `op` = save, add-ladder,
 * remove-ladder:<i>, up-ladder:<i>, down-ladder:<i>.
 */
import type { FormBody } from '../../api/portal/forms.ts';
import { parseFactPath, type Seg } from '../../rules/paths.ts';
import type { ReviewItem } from '../../services/rules-admin/review.ts';
import { asList, isObj, listText, moveItem, opOf, posted, setField, shownText, textValue, type Obj } from './fields.ts';
import { fieldModel, type FieldModel, type PageProblems } from './page.ts';
import { referencesOf, usedByText, type Words } from './references.ts';

/** The list page shows the problems of the ladders' ids and names (and of the list itself). */
export const laddersMine = (segs: Seg[]): boolean => segs[0] === 'ladders' && (segs.length <= 2 || segs[2] === 'id' || segs[2] === 'name');

export function laddersFieldFor(segs: Seg[]): string | undefined {
  const [list, i, key] = segs;
  if (list !== 'ladders' || typeof i !== 'number') return undefined;
  return `ladder-${i}-${key === 'name' ? 'name' : 'id'}`;
}

/** What a ladder is chosen for, in words: "only when named", or its priorities and service levels. */
export function appliesToText(ladder: Obj, t: Words): string {
  const a = ladder.appliesTo;
  if (a === undefined) return t('ladders.onlyNamed');
  const applies = isObj(a) ? a : {};
  const priorities = applies.priorities === undefined ? t('ladders.allPriorities') : listText(applies.priorities) || t('ladders.none');
  const levels = applies.serviceLevels === undefined ? t('ladders.allLevels') : listText(applies.serviceLevels) || t('ladders.none');
  return t('ladders.appliesTo', { priorities, levels });
}

export interface LadderRow {
  index: number;
  position: number;
  key: string;
  id: FieldModel;
  name: FieldModel;
  /** The ladder's own page, when its id can be written in an address. */
  href?: string;
  appliesTo: string;
  steps: number;
  /** Problems of its steps and "applies to", shown on its own page. */
  otherProblems: number;
  usedBy: string;
  first: boolean;
  last: boolean;
}

export interface LaddersView {
  ladders: LadderRow[];
  defaultLadder: string;
  newLadder: { id: FieldModel; name: FieldModel };
}

export function laddersView(file: Obj, draftId: number, items: readonly ReviewItem[], p: PageProblems, t: Words): LaddersView {
  const refs = referencesOf(file);
  const ladders = asList(file.ladders);
  return {
    ladders: ladders.map((raw, i) => {
      const ladder = isObj(raw) ? raw : {};
      const id = ladder.id;
      return {
        index: i, position: i + 1, key: shownText(id) || String(i + 1),
        id: fieldModel(p, `ladder-${i}-id`, `ladder:${i}:id`, shownText(id)),
        name: fieldModel(p, `ladder-${i}-name`, `ladder:${i}:name`, shownText(ladder.name)),
        ...(typeof id === 'string' && id !== '' ? { href: `/admin/drafts/${draftId}/ladders/${encodeURIComponent(id)}` } : {}),
        appliesTo: appliesToText(ladder, t),
        steps: asList(ladder.steps).length,
        otherProblems: items.filter((item) => { const s = parseFactPath(item.path) ?? []; return s[0] === 'ladders' && s[1] === i && !laddersMine(s); }).length,
        usedBy: typeof id === 'string' ? usedByText(refs.ladders.get(id), t) : '',
        first: i === 0, last: i === ladders.length - 1,
      };
    }),
    defaultLadder: isObj(file.defaults) ? shownText(file.defaults.ladder) : '',
    newLadder: { id: fieldModel(p, 'new-ladder-id', 'newLadder:id', ''), name: fieldModel(p, 'new-ladder-name', 'newLadder:name', '') },
  };
}

/** The file with the ladders' ids and names as posted, the button's operation applied. */
export function applyLadders(file: Obj, body: FormBody): Obj {
  const next = structuredClone(file);
  const ladders = Array.isArray(next.ladders) ? next.ladders : [];
  ladders.forEach((ladder, i) => {
    if (!isObj(ladder)) return;
    setField(ladder, 'id', body, `ladder:${i}:id`);
    setField(ladder, 'name', body, `ladder:${i}:name`);
  });
  const { op, index } = opOf(body);
  if (index !== undefined && op === 'remove-ladder' && index < ladders.length) ladders.splice(index, 1);
  if (index !== undefined && (op === 'up-ladder' || op === 'down-ladder')) moveItem(ladders, index, op === 'up-ladder' ? -1 : 1);
  const id = textValue(posted(body, 'newLadder:id') ?? '');
  const name = textValue(posted(body, 'newLadder:name') ?? '');
  if (id !== undefined || name !== undefined) {
    ladders.push({ ...(id !== undefined ? { id } : {}), ...(name !== undefined ? { name } : {}), steps: [] });
    next.ladders = ladders;
  }
  return next;
}

/** The id of the ladder a new one's fields name, for going on to its page after adding it. */
export const newLadderId = (body: FormBody): string | undefined => textValue(posted(body, 'newLadder:id') ?? '');
