/**
 * A period check in the viewer's words: its period (UTC, as it was asked for), its status, the
 * progress sentence with plural forms ("Checked 120 of 1,003 tickets: 118 reproducible, 2
 * differing, 0 unreadable."), numbers and instants through Intl in the viewer's language and
 * zone, the result, and each differing ticket with what was found.
 */
import type { TFunction } from 'i18next';
import type { AuditRunView } from '../../services/audit/runs.ts';
import { formatDateTime } from '../../api/portal/format.ts';

const DAY_MS = 86_400_000;

/** A period bound: the day (UTC) when it is a day's start, else the instant in UTC. */
export function periodBound(iso: string, language: string): string {
  const ms = Date.parse(iso);
  if (ms % DAY_MS === 0) return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(ms);
  return `${formatDateTime(iso, language, 'UTC')} UTC`;
}

/** The period's days as a form shows them (the day before `to` is the last one included). */
export const formDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function progressSentence(run: Pick<AuditRunView, 'done' | 'total' | 'counts'>, t: TFunction, language: string): string {
  if (run.total === null) return t('progress.counting');
  const n = new Intl.NumberFormat(language);
  const part = (key: string, count: number) => t(`progress.${key}`, { count, n: n.format(count) });
  return t('progress.sentence', {
    checked: t('progress.checked', { count: run.total, done: n.format(run.done), total: n.format(run.total) }),
    reproducible: part('reproducible', run.counts.reproducible),
    differing: part('differing', run.counts.differing),
    unreadable: part('unreadable', run.counts.unreadable),
  });
}

export function runModel(run: AuditRunView, t: TFunction, language: string, timeZone: string) {
  const n = new Intl.NumberFormat(language);
  const notReproducible = run.counts.differing + run.counts.unreadable;
  const ended = run.status === 'done' || run.status === 'cancelled';
  return {
    ...run,
    going: run.status === 'queued' || run.status === 'running',
    periodText: t('run.period', { from: periodBound(run.period.from, language), to: periodBound(run.period.to, language) }),
    statusText: t(`status.${run.status}`),
    progressText: run.status === 'queued' ? '' : progressSentence(run, t, language),
    startedText: run.startedAt && t('run.started', { at: formatDateTime(run.startedAt, language, timeZone) }),
    finishedText: run.finishedAt && t('run.finished', { at: formatDateTime(run.finishedAt, language, timeZone) }),
    errorText: run.error && t(`runError.${run.error}`),
    result: ended && run.total !== null && {
      summary: run.done === 0 && run.status === 'done' ? t('result.none')
        : notReproducible === 0 ? t('result.all', { count: run.done, n: n.format(run.done) })
          : t('result.notAll', { count: notReproducible, n: n.format(notReproducible), total: n.format(run.done) }),
      partial: run.status === 'cancelled',
      tickets: run.differing.map((d) => ({
        number: d.number,
        found: d.unreadable ? t('differing.unreadable') : t('differing.differences', { count: d.differences, kinds: d.kinds.map((k) => t(`kind.${k}`)).join(', ') }),
      })),
      unlisted: notReproducible - run.differing.length,
    },
  };
}
