/**
 * The SLA promise in plain words (portal namespace `sla.*`), for the portal's ticket page and the
 * mails to requesters: the same sentence in both places.
 */
import type { TFunction } from 'i18next';
import { OPEN } from '../workflows/lifecycle.ts';
import type { TicketSla, TicketSnapshot } from '../workflows/types.ts';

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
