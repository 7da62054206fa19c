/**
 * A replay verdict (services/audit/types.ts ReplayVerdict) for its page: the outcome and what was
 * recomputed in the auditor's words, each difference as a sentence (the replay's own English
 * message or reason shown as it is, inside a localized sentence), what could not be checked and
 * why, and the runs with their origin and sha256.
 */
import type { TFunction } from 'i18next';
import { formatDateTime } from '../api/portal/format.ts';
import type { Difference, ReplayVerdict } from '../services/audit/types.ts';

const shown = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '—' : JSON.stringify(v));

/** One difference in the auditor's words. */
export function differenceText(d: Difference, t: TFunction): string {
  const event = d.eventId ?? '?';
  if (d.kind === 'integrity') return t('verdict.difference.integrity', { run: d.runId, recorded: d.recorded, recomputed: d.recomputed });
  if (d.kind === 'determinism') {
    return t(d.eventType ? 'verdict.difference.determinismTyped' : 'verdict.difference.determinism', { run: d.runId, event, type: d.eventType ?? '', message: d.message });
  }
  return t('verdict.difference.field', { run: d.runId, event, what: t(`verdict.kind.${d.kind}`), field: d.field, recorded: shown(d.recorded), recomputed: shown(d.recomputed) });
}

export function verdictView(v: ReplayVerdict, t: TFunction, language: string, timeZone: string) {
  const outcome = v.reproducible ? 'reproducible' : v.runs.length ? 'notReproducible' : 'noHistory';
  return {
    outcome,
    reproducible: v.reproducible,
    heading: t(`verdict.outcome.${outcome}`),
    scope: t('verdict.scope', {
      runs: t('verdict.runsCount', { count: v.runs.length }),
      decisions: t('verdict.decisionsCount', { count: v.checked.decisions }),
      plans: t('verdict.plansCount', { count: v.checked.plans }),
    }),
    checkedAt: { iso: v.checkedAt, text: formatDateTime(v.checkedAt, language, timeZone) },
    differences: v.differences.map((d) => ({ kind: d.kind, kindText: t(`verdict.kind.${d.kind}`), text: differenceText(d, t) })),
    unchecked: v.unchecked.map((u) => ({ what: u.what, why: u.why, run: u.runId })),
    runs: v.runs.map((r) => ({ ...r, originText: t(`verdict.origin.${r.origin}`), statusText: t(`run.statusText.${r.status}`, { defaultValue: r.status }) })),
  };
}
