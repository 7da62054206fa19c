/**
 * Audit-log entries as the auditors' page shows them: the time in the viewer's language and time
 * zone, the actor with the person's name where the actor is a user, the action in words (a label
 * per known action, else its family's, else the code), the details as name and value, a rules
 * publication or rollback as the change in words from the version it replaced (rules/change-text.ts,
 * the admin pages' sentences), and a signed checkpoint as its id.
 */
import type { TFunction } from 'i18next';
import type { AuditEntry, AuditJson } from '../../db/audit-repo.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { withChangeText, type ChangeLike } from '../../rules/change-text.ts';
import type { Translate } from '../../rules/problem-text.ts';

/** The families of actions the page has words for (locales/{lng}/auditor-log.json `family.*`). */
export const ACTION_FAMILIES = ['rules', 'privacy', 'token', 'staff', 'audit', 'people', 'user'] as const;

/** Actions whose entry carries a rules version the page shows as a diff. */
export const RULES_CHANGE_ACTIONS = ['rules.published', 'rules.rolled_back'] as const;

export interface ShownRulesChange {
  version: number;
  /** The version it replaced (the one before it). */
  replaced: number;
  changes: Array<{ kind: string; text: string }>;
  /** Changes the entry left out (the log keeps at most a number of them). */
  more: number;
  /** /admin/versions/N, for those who may open it. */
  href?: string;
}

export interface ShownEntry {
  seq: number;
  occurredAt: string;
  shownAt: string;
  actor: string;
  actorName?: string;
  action: string;
  actionLabel: string;
  subject: string;
  details: Array<{ name: string; value: string }>;
  rules?: ShownRulesChange;
  /** A draft save's changes as the entry recorded them (English words; no version to say them from). */
  recorded?: string[];
  checkpoint?: { id: number; seq?: number };
}

export interface EntryContext {
  /** The auditor-log namespace in the viewer's language. */
  t: TFunction;
  /** The rules namespace in the viewer's language (the change sentences). */
  rulesT: Translate;
  language: string;
  timeZone: string;
  /** The people's names for `user:<id>` actors (and subjects). */
  nameOf(userId: number): Promise<string | undefined>;
  /** The changes from version `a` to `b` (services/rules-admin versions.diff); absent: the words the entry recorded. */
  diff?(a: number, b: number): Promise<Array<ChangeLike & { kind?: string }>>;
  /** May the viewer open /admin/versions/N? */
  canOpenVersions: boolean;
}

/** The label of an action: its own words, else its family's, else the code itself. */
export function actionLabel(action: string, t: TFunction): string {
  const family = action.split('.')[0] ?? '';
  const fallback = (ACTION_FAMILIES as readonly string[]).includes(family) ? t(`family.${family}`) : action;
  // Only `family.name` is looked up: anything else (a `:` or more dots) could name another key.
  return /^[a-z0-9_]+\.[a-z0-9_]+$/.test(action) ? t(`action.${action}`, { defaultValue: fallback }) : fallback;
}

/** A detail's value as text: strings as they are, everything else as JSON. */
export function detailText(value: AuditJson): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const wholeNumber = (v: AuditJson | undefined): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** The checkpoint an `audit.checkpoint*` entry is about: its id from the details or the subject (`checkpoint:<id>`). */
export function checkpointOf(e: Pick<AuditEntry, 'action' | 'subject' | 'details'>): { id: number; seq?: number } | undefined {
  if (!e.action.startsWith('audit.checkpoint')) return undefined;
  const fromSubject = /^checkpoint:(\d+)$/.exec(e.subject);
  const id = wholeNumber(e.details.checkpoint) ?? wholeNumber(e.details.checkpointId) ?? wholeNumber(e.details.id) ?? (fromSubject ? Number(fromSubject[1]) : undefined);
  if (id === undefined) return undefined;
  const seq = wholeNumber(e.details.seq);
  return seq === undefined ? { id } : { id, seq };
}

/** The rules version a publication or rollback made: `details.version`, else the subject `rules:<n>`. */
export function publishedVersionOf(e: Pick<AuditEntry, 'action' | 'subject' | 'details'>): number | undefined {
  if (!(RULES_CHANGE_ACTIONS as readonly string[]).includes(e.action)) return undefined;
  const fromSubject = /^rules:(\d+)$/.exec(e.subject);
  return wholeNumber(e.details.version) ?? (fromSubject ? Number(fromSubject[1]) : undefined);
}

/** What the entry itself recorded of the changes (English words; `{more: n}` at the end when cut). */
type KindedChange = ChangeLike & { kind?: string };

function recordedChanges(details: AuditEntry['details']): { changes: KindedChange[]; more: number } {
  const list = Array.isArray(details.changes) ? details.changes : [];
  const changes: KindedChange[] = [];
  let more = 0;
  for (const c of list) {
    if (c && typeof c === 'object' && !Array.isArray(c)) {
      if (typeof c.text === 'string') changes.push({ text: c.text, ...(typeof c.kind === 'string' ? { kind: c.kind } : {}) });
      else if (typeof c.more === 'number') more = c.more;
    }
  }
  return { changes, more };
}

async function rulesChange(e: AuditEntry, version: number, ctx: EntryContext, cache: Map<number, Promise<KindedChange[] | undefined>>): Promise<ShownRulesChange> {
  const replaced = version - 1;
  const recorded = recordedChanges(e.details);
  let changes: KindedChange[] | undefined;
  if (ctx.diff && replaced >= 1) {
    if (!cache.has(version)) cache.set(version, ctx.diff(replaced, version).catch(() => undefined));
    changes = await cache.get(version);
  }
  const said = withChangeText(changes ?? recorded.changes, ctx.rulesT).map((c) => ({ kind: c.kind ?? 'changed', text: c.text }));
  return { version, replaced, changes: said, more: changes ? 0 : recorded.more, ...(ctx.canOpenVersions ? { href: `/admin/versions/${version}` } : {}) };
}

/** Each entry as the page shows it, newest first as given. */
export async function shownEntries(entries: readonly AuditEntry[], ctx: EntryContext): Promise<ShownEntry[]> {
  const names = new Map<string, Promise<string | undefined>>();
  const nameOf = (who: string) => {
    const m = /^user:(\d+)$/.exec(who);
    if (!m) return Promise.resolve(undefined);
    if (!names.has(who)) names.set(who, ctx.nameOf(Number(m[1])));
    return names.get(who)!;
  };
  const diffs = new Map<number, Promise<KindedChange[] | undefined>>();
  return Promise.all(entries.map(async (e): Promise<ShownEntry> => {
    const version = publishedVersionOf(e);
    const checkpoint = checkpointOf(e);
    const actorName = await nameOf(e.actor);
    const recorded = version === undefined ? recordedChanges(e.details) : undefined;
    const saidRecorded = recorded && recorded.changes.length ? recorded.changes.map((c) => c.text) : undefined;
    const details = Object.entries(e.details)
      .filter(([name]) => !(name === 'changes' && (version !== undefined || saidRecorded)))
      .map(([name, value]) => ({ name, value: detailText(value) }));
    return {
      seq: e.seq, occurredAt: e.occurredAt, shownAt: formatDateTime(e.occurredAt, ctx.language, ctx.timeZone),
      actor: e.actor, ...(actorName ? { actorName } : {}),
      action: e.action, actionLabel: actionLabel(e.action, ctx.t), subject: e.subject, details,
      ...(version !== undefined ? { rules: await rulesChange(e, version, ctx, diffs) } : {}),
      ...(saidRecorded ? { recorded: saidRecorded } : {}),
      ...(checkpoint ? { checkpoint } : {}),
    };
  }));
}
