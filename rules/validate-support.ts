/**
 * What the rules validator's parts share: path segments, the collector of located
 * problems, and the ids a file defines (its context).
 */
import { renderPath, type Seg } from './paths.ts';
import type { Problem } from './types.ts';

export type Obj = Record<string, unknown>;

/** Keys refused anywhere in the file: they could reach an object's prototype. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Splits a relative path such as `hours.mon[1].to` into segments. */
export function relativeSegs(rel: string): Seg[] {
  const segs: Seg[] = [];
  for (const m of rel.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) segs.push(Number(m[2]));
    else if (m[1] !== undefined) segs.push(m[1]);
  }
  return segs;
}

export function pointerSegs(pointer: string): Seg[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

export interface Located { segs: Seg[]; problem: Problem }

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export type Params = Record<string, string | number>;

/** A problem at a path: its code, the values its message is made of (see Problem.params) and the English sentence. */
export function located(segs: Seg[], code: string, params: Params, message: string): Located {
  return { segs, problem: { path: renderPath(segs), code, params, message } };
}

export class Collector {
  readonly list: Located[] = [];
  add(segs: Seg[], code: string, params: Params, message: string): void {
    this.list.push(located(segs, code, params, message));
  }
}

/** A list of names or values as a message lists them (the same in every language). */
export const listed = (items: readonly unknown[]): string => items.map(String).join(', ');

export interface Ctx {
  root: Obj;
  serviceLevels: Set<string>;
  calendars: Set<string>;
  policies: Set<string>;
  tiers: Set<string>;
  teams: Map<string, string | undefined>; // team → its tier
  ladders: Set<string>;
  categories: Set<string> | null;
  sharedConditions: Set<string>;
}

/** Ends a message fragment as a sentence. */
export function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** How a JSON type is named in an English message (the `type` words of locales/{lng}/rules.json). */
export const TYPE_WORDS: Record<string, string> = {
  string: 'a text string', number: 'a number', integer: 'a whole number', boolean: 'true or false',
  object: 'an object { … }', array: 'a list [ … ]', null: 'null',
};

/** A team and tier named together (a ladder step, a routing event, the defaults) must exist and agree. */
export function checkTeamInTier(team: unknown, tier: unknown, segs: Seg[], ctx: Ctx, out: Collector): void {
  if (typeof tier === 'string' && !ctx.tiers.has(tier)) out.add([...segs, 'tier'], 'UNKNOWN_TIER', { tier }, `The tier "${tier}" is not defined in "tiers".`);
  if (typeof team === 'string') {
    const teamTier = String(ctx.teams.get(team));
    if (!ctx.teams.has(team)) out.add([...segs, 'team'], 'UNKNOWN_TEAM', { team }, `The team "${team}" is not defined in "teams".`);
    else if (typeof tier === 'string' && ctx.tiers.has(tier) && ctx.teams.get(team) !== tier) out.add([...segs, 'team'], 'TEAM_TIER_MISMATCH', { team, teamTier, tier }, `The team "${team}" belongs to tier "${teamTier}", not "${tier}".`);
  }
}
