/** The digest's interval in words (`1 hour`, `30 minutes`, `1 day`), in the viewer's language and plural forms. */
import type { TFunction } from 'i18next';

export function durationWords(ms: number, t: TFunction): string {
  if (ms % 86_400_000 === 0) return t('every.days', { count: ms / 86_400_000 });
  if (ms % 3_600_000 === 0) return t('every.hours', { count: ms / 3_600_000 });
  return t('every.minutes', { count: Math.round(ms / 60_000) });
}
