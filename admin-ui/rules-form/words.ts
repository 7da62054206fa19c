/**
 * A rule in words, for the rules list: its conditions on one line ("ticket category equals
 * "network" and (requester VIP equals yes or keywords contains any of "vpn", "tunnel")") and its
 * event ("set the priority to P1"), in the viewer's language (locales/{lng}/admin-rules.json).
 */
import type { TFunction } from 'i18next';
import { classify, isObj, type Obj } from './model.ts';
import { DECORATORS, isFactValue, OPERATORS, propertiesOf, propertyOf } from './values.ts';

const MAX_WORDS = 300;

/** A fact and its property in words: "ticket category", "keywords". */
export function subjectWords(fact: unknown, path: unknown, t: TFunction): string {
  const f = String(fact);
  const known = propertiesOf(f);
  const factWords = known !== undefined ? t(`fact.${f}`) : f;
  const prop = propertyOf(path);
  if (prop !== undefined && known?.includes(prop)) return t('words.subject', { fact: factWords, property: t(`property.${f}.${prop}`) });
  return typeof path === 'string' ? t('words.subject', { fact: factWords, property: path }) : factWords;
}

/** An operator in words, decorators included ("not equals"). */
export function operatorWords(op: unknown, t: TFunction): string {
  if (typeof op !== 'string') return t('words.noOperator');
  const parts = op.split(':');
  const base = parts.pop() ?? '';
  const words = OPERATORS.includes(base) ? t(`operator.${base}`) : base;
  return parts.reduceRight((acc, d) => (DECORATORS.includes(d) ? t('tree.decorated', { decorator: t(`decorator.${d}`), operator: acc }) : `${d}:${acc}`), words);
}

function scalarWords(v: unknown, t: TFunction): string {
  if (typeof v === 'string') return t('words.quoted', { value: v });
  if (typeof v === 'boolean') return t(v ? 'words.true' : 'words.false');
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v) ?? String(v);
}

function valueWords(leaf: Obj, t: TFunction): string {
  if (!Object.hasOwn(leaf, 'value')) return t('words.noValue');
  const v = leaf.value;
  if (isFactValue(v)) return subjectWords((v as Obj).fact, (v as Obj).path, t);
  if (Array.isArray(v)) return v.map((x) => scalarWords(x, t)).join(', ');
  return scalarWords(v, t);
}

function words(c: unknown, t: TFunction, depth: number): string {
  const k = classify(c);
  const n = c as Obj;
  switch (k.kind) {
    case 'opaque': return t('words.opaque');
    case 'ref': return t('words.ref', { name: n.condition });
    case 'leaf': return t('words.leaf', { subject: subjectWords(n.fact, n.path, t), operator: operatorWords(n.operator, t), value: valueWords(n, t) });
    default: break;
  }
  if (k.group === 'not') return t('words.not', { condition: words(n.not, t, depth + 1) });
  const items = (n[k.group] as unknown[]).map((x) => words(x, t, depth + 1));
  if (items.length === 0) return t(k.group === 'all' ? 'words.always' : 'words.never');
  if (items.length === 1) return items[0]!;
  const joined = items.join(t(k.group === 'all' ? 'words.and' : 'words.or'));
  return depth > 0 ? `(${joined})` : joined;
}

/** A condition tree on one line (shortened with "…" when long). */
export function conditionWords(c: unknown, t: TFunction): string {
  const text = words(c, t, 0);
  return text.length > MAX_WORDS ? `${text.slice(0, MAX_WORDS - 1)}…` : text;
}

/** What an event does, in words. */
export function eventWords(event: unknown, t: TFunction, teamName: (id: string) => string = (id) => id): string {
  if (!isObj(event) || typeof event.type !== 'string') return t('words.event.unknown', { type: JSON.stringify(isObj(event) ? event.type : event) ?? '?' });
  const p = isObj(event.params) ? event.params : {};
  const s = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : p[k] === undefined ? '?' : JSON.stringify(p[k]));
  switch (event.type) {
    case 'set-priority': return t(p.atLeast === true ? 'words.event.atLeast' : 'words.event.set-priority', { priority: s('priority') });
    case 'route': return p.tier === undefined ? t('words.event.route', { team: teamName(s('team')) }) : t('words.event.routeTier', { team: teamName(s('team')), tier: s('tier') });
    case 'notify': return t('words.event.notify', { roles: Array.isArray(p.roles) ? p.roles.map(String).join(', ') : s('roles') });
    case 'escalate': return p.reason === undefined ? t('words.event.escalate', { tier: s('tier') }) : t('words.event.escalateReason', { tier: s('tier'), reason: s('reason') });
    case 'set-category': return t('words.event.set-category', { category: s('category') });
    case 'set-service-level': return t('words.event.set-service-level', { serviceLevel: s('serviceLevel') });
    case 'set-sla-policy': return t('words.event.set-sla-policy', { policy: s('policy') });
    case 'add-tag': return t('words.event.add-tag', { tag: s('tag') });
    case 'set-ladder': return t('words.event.set-ladder', { ladder: s('ladder') });
    default: return t('words.event.unknown', { type: event.type });
  }
}
