/**
 * Histograms out of Prometheus exposition text (a scrape of /metrics): the quantile a histogram's
 * buckets give (the upper bound of the bucket it falls in, as Prometheus's histogram_quantile
 * would report at bucket resolution), summed over every series whose labels match.
 */

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export interface HistogramSummary {
  count: number;
  /** '+Inf' when it falls beyond the last finite bucket. */
  p50: number | '+Inf' | null;
  p99: number | '+Inf' | null;
  mean: number | null;
}

/** p50, p99 (bucket upper bounds), count and mean of the histogram `name` over series matching `labels`. */
export function summarize(series: Series[], name: string, labels: Record<string, string> = {}): HistogramSummary {
  const matches = (l: Record<string, string>) => Object.entries(labels).every(([k, v]) => l[k] === v);
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const s of series) {
    if (!matches(s.labels)) continue;
    if (s.name === `${name}_bucket`) {
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    } else if (s.name === `${name}_sum`) sum += s.value;
    else if (s.name === `${name}_count`) count += s.value;
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  const q = (p: number) => {
    const le = total === 0 ? null : (sorted.find(([, c]) => c >= p * total)?.[0] ?? null);
    return le === Number.POSITIVE_INFINITY ? '+Inf' as const : le;
  };
  return { count, p50: q(0.5), p99: q(0.99), mean: count ? sum / count : null };
}

/** The sum of a counter or gauge over the series matching `labels`. */
export function total(series: Series[], name: string, labels: Record<string, string> = {}): number {
  return series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

/** The names of the histograms in a scrape whose name matches `pattern`. */
export function histogramNames(series: Series[], pattern: RegExp): string[] {
  return [...new Set(series.filter((s) => s.name.endsWith('_bucket')).map((s) => s.name.slice(0, -'_bucket'.length)))].filter((n) => pattern.test(n)).sort();
}
