/**
 * A staff session limit in words, in the reader's language ("12 hours", "12 godzin",
 * "12 Stunden"): in the largest unit that divides it — hours or minutes as the settings give them
 * (seconds only for the short limits of tests) — through Intl's unit formatting and its plurals.
 */
export function limitWords(ms: number, language: string): string {
  const [unit, n] = ms % 3_600_000 === 0 ? ['hour', ms / 3_600_000] : ms % 60_000 === 0 ? ['minute', ms / 60_000] : ['second', Math.round(ms / 1000)];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(n);
}
