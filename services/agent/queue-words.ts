/**
 * A language's and namespace's words as the queue page and the countdowns ask for them, hundreds
 * of times a page: `fixedWords(i18n, language, namespace)` is i18next's `getFixedT(language,
 * namespace)`, answered faster.
 *
 * - A fixed-language `t` of i18next copies the instance's whole options object on every call
 *   (10–25 µs a call); asking the instance's own `t` with the language and namespace in the
 *   options, as the fixed `t` does after that copy, is the same lookup at a third of the cost.
 * - A page of 25 rows asks for the same few dozen sentences over and over ("none", the column
 *   names, "1 h", "working time left"): a key and options seen before are answered from a map
 *   (cleared when it holds `limit` entries), so each distinct sentence is made once.
 *
 * The words are a pure function of the key, the options and the loaded resources, which the web
 * process loads once at start (api/i18n.ts: preloaded, never reloaded). Options are compared by
 * their JSON, so only plain ones (strings, numbers, booleans) are remembered; a call with anything
 * else, or with a key that is not a string, is asked afresh.
 */
import type { i18n, TFunction } from 'i18next';

const PLAIN = new Set(['string', 'number', 'boolean', 'undefined']);

function isPlain(options: unknown): boolean {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return false;
  return Object.values(options).every((v) => PLAIN.has(typeof v));
}

export function fixedWords(i18next: Pick<i18n, 't'>, language: string, namespace: string, limit = 4096): TFunction {
  const made = new Map<string, unknown>();
  const t = i18next.t as unknown as (key: unknown, options: Record<string, unknown>) => unknown;
  // As getFixedT's t: the caller's own lng / ns win when given.
  const ask = (key: unknown, options: unknown): unknown => {
    const o: Record<string, unknown> = typeof options === 'object' && options !== null ? { ...options } : {};
    o.lng ||= language;
    o.ns ||= namespace;
    return t.call(i18next, key, o);
  };
  const words = (key: unknown, options?: unknown): unknown => {
    if (typeof key !== 'string' || (options !== undefined && !isPlain(options))) return ask(key, options);
    const id = options === undefined ? key : `${key}\u0000${JSON.stringify(options)}`;
    if (made.has(id)) return made.get(id);
    const text = ask(key, options);
    if (made.size >= limit) made.clear();
    made.set(id, text);
    return text;
  };
  return words as unknown as TFunction;
}
