/**
 * Dates, sizes and SLA promises in the viewer's language and time zone, through Intl.
 */
import type { TFunction } from 'i18next';
import { OPEN } from '../../workflows/lifecycle.ts';
import type { TicketSla, TicketSnapshot } from '../../workflows/types.ts';

export function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** "23 lis 2026, 18:49" / "Nov 23, 2026, 6:49 PM" / "23.11.2026, 18:49" in the viewer's zone. */
export function formatDateTime(iso: string, language: string, timeZone: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

export function formatBytes(bytes: number, language: string): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), 'megabyte'] : bytes >= 1024 ? [bytes / 1024, 'kilobyte'] : [bytes, 'byte'];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A target as a count and a unit key: whole hours as hours, anything else as minutes. */
function durationParts(ms: number): { count: number; unit: 'hours' | 'minutes' } {
  if (ms >= HOUR && ms % HOUR === 0) return { count: ms / HOUR, unit: 'hours' };
  return { count: Math.max(1, Math.round(ms / MINUTE)), unit: 'minutes' };
}

/**
 * The SLA promise in plain words from the ticket's SLA: "We will answer within 1
 * working hour", "… within 15 minutes, day and night"; once answered, the
 * resolution target; before classification, a neutral sentence.
 */
export function slaPromise(ticket: Pick<TicketSnapshot, 'status'> & { sla?: TicketSla | null }, t: TFunction): string {
  const sla = ticket.sla;
  if (!OPEN.includes(ticket.status)) return t('sla.done');
  if (!sla) return t('sla.unclassified');
  if (sla.paused || ticket.status === 'pending') return t('sla.paused');
  const kind = sla.responded ? 'resolve' : 'answer';
  const { count, unit } = durationParts(sla.responded ? sla.resolutionTargetMs : sla.responseTargetMs);
  const clock = sla.businessHours ? 'working' : 'anytime';
  return t(`sla.${kind}.${clock}.${unit}`, { count });
}
