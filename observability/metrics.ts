/**
 * The helpdesk's Prometheus metrics (prom-client), one registry per process: the web process
 * serves it at GET /metrics, a worker process on HELPDESK_METRICS_ADDRESS (runtime/metrics-server.ts),
 * `helpdesk start` (both in one process) at the web's /metrics. Labels are bounded sets (route
 * patterns, clocks, channels, outcomes): never a ticket number, an address or a name.
 *
 * The Temporal worker's own metrics (task slots, sticky cache, poll latencies, schedule-to-start)
 * come from the SDK's runtime telemetry on HELPDESK_TEMPORAL_METRICS_ADDRESS (runtime/temporal.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'helpdesk_' });

/** Seconds: from a few ms to ten minutes (a worker that was down makes a breach that late). */
const LATENESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 600];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  httpRequests: new Histogram({
    name: 'helpdesk_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  }),
  intake: new Histogram({
    name: 'helpdesk_intake_duration_seconds',
    help: 'Time to file a ticket through the portal or the API (until its workflow has started), by outcome: created, refused (bad input) or unavailable (503).',
    labelNames: ['channel', 'outcome'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  }),
  actions: new Histogram({
    name: 'helpdesk_action_duration_seconds',
    help: 'Time to carry out a staff action on a ticket (reply, assign, resolve, …) through the API or the pages, by route pattern and status class.',
    labelNames: ['route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  }),
  breachLateness: new Histogram({
    name: 'helpdesk_sla_breach_lateness_seconds',
    help: 'How long after its deadline an SLA breach was recorded (due → recorded), by clock.',
    labelNames: ['clock'] as const,
    buckets: LATENESS_BUCKETS,
    registers: [registry],
  }),
  deliveryLag: new Histogram({
    name: 'helpdesk_outbox_delivery_lag_seconds',
    help: 'From a delivery entering the outbox to the receiving server taking it, by channel (email, sms, digest, webhook).',
    labelNames: ['channel'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  }),
  deliveryFailures: new Counter({
    name: 'helpdesk_outbox_delivery_failures_total',
    help: 'Deliveries given up for good, by channel.',
    labelNames: ['channel'] as const,
    registers: [registry],
  }),
};

/** The status class of an HTTP status: "2xx", "4xx", "503" (kept apart: the one to alert on), "5xx". */
export function statusClass(status: number): string {
  return status === 503 ? '503' : `${Math.floor(status / 100)}xx`;
}

/** The value at quantile q (0–1) of a histogram's observations, from its buckets (upper bound of the bucket it falls in). */
export async function histogramQuantile(h: Histogram<string>, q: number, labels: Record<string, string> = {}): Promise<number | null> {
  const data = await h.get();
  const matches = (l: Record<string, unknown>): boolean => Object.entries(labels).every(([k, v]) => l[k] === v);
  const buckets = new Map<number, number>();
  for (const v of data.values) {
    if (v.metricName !== `${data.name}_bucket` || !matches(v.labels)) continue;
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + v.value);
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const found = sorted.find(([, count]) => count >= q * total);
  return found ? found[0] : null;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Whether a scrape may read the metrics: the bearer token, or without one a request from this machine. */
export function mayScrape(token: string | null, authorization: string | undefined, remote: string | undefined): boolean {
  if (token === null) return remote !== undefined && LOOPBACK.has(remote);
  const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * One scrape of GET /metrics, the same on the web and the worker's own endpoint: the metrics, or
 * the refusal (403 without a token to another machine, 401 with a wrong one), or 503 when they
 * could not be collected.
 */
export async function scrape(token: string | null, authorization: string | undefined, remote: string | undefined): Promise<{ status: number; contentType: string; body: string }> {
  if (!mayScrape(token, authorization, remote)) {
    return {
      status: token === null ? 403 : 401,
      contentType: 'text/plain',
      body: token === null
        ? 'The metrics are served only to this machine; set HELPDESK_METRICS_TOKEN to let Prometheus scrape them from elsewhere.\n'
        : 'Send the metrics token (HELPDESK_METRICS_TOKEN) as "Authorization: Bearer <token>".\n',
    };
  }
  try {
    return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
  } catch {
    return { status: 503, contentType: 'text/plain', body: 'The metrics could not be collected; try again.\n' };
  }
}

