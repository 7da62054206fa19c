/**
 * A ticket's figures in a staff member's (or an auditor's) words: durations through Intl
 * (plural forms come with the language), people as their address or, where a person was erased,
 * "[erased]" with their pseudonym, and each timeline event's type as a sentence (staff namespace,
 * `ticket.event.<type>`), with the figures it carries. Shared by the staff ticket page
 * (api/agent/, which re-exports it from api/agent/words.ts) and the auditors' timeline
 * (services/audit/timeline.ts), so both say an event the same way.
 */
import type { TFunction } from 'i18next';
import { isPersonRef } from '../../db/vault.ts';
import { ERASED } from '../privacy/ticket-data.ts';
import type { TicketEvent } from '../../workflows/types.ts';

/** Every event type the ticket workflow records (workflows/transitions/); each has `ticket.event.<type>` in pl, en, de. */
export const EVENT_TYPES = [
  'created', 'classified', 'reclassified', 'priority_changed', 'assigned', 'started', 'responded', 'commented',
  'pending', 'resumed', 'requester_replied', 'resolved', 'reopened', 'closed', 'cancelled', 'rated',
  'sla_warning', 'sla_breached', 'escalated', 'deescalated', 'escalation_notified', 'merged', 'merge_received',
] as const;

/** Actors that are the helpdesk itself, not a person; each has `ticket.actor.<name>`. */
export const MACHINE_ACTORS = ['system', 'rules', 'sla', 'ladder'] as const;

/** The SLA clocks; each has `ticket.clock.<name>` (a heading) and `ticket.clockOf.<name>` (in a sentence). */
export const CLOCK_NAMES = ['response', 'resolution'] as const;

/** The translations a staff page reads: its own (staff), the API's (status names, "[erased]") and the portal's (categories). */
export interface Words {
  language: string;
  staff: TFunction;
  api: TFunction;
  portal: TFunction;
}

const MINUTE = 60_000;

/** "2 godziny 15 minut", "1 hour", "0 minutes": whole minutes, in hours and minutes (business time has no days). */
export function formatDuration(ms: number, language: string): string {
  const total = Math.round(Math.abs(ms) / MINUTE);
  const hours = Math.floor(total / 60);
  const minutes = total % 60;
  const unit = (u: 'hour' | 'minute', n: number) => new Intl.NumberFormat(language, { style: 'unit', unit: u, unitDisplay: 'long' }).format(n);
  if (hours === 0) return unit('minute', minutes);
  return minutes === 0 ? unit('hour', hours) : `${unit('hour', hours)} ${unit('minute', minutes)}`;
}

/** "[erased]" in the viewer's language where the value was erased; the value otherwise. */
export function shown(value: string | null | undefined, w: Words): string | null {
  if (value === null || value === undefined) return null;
  return value === ERASED ? w.api('privacy.erased') : value;
}

/** A person as staff see them: their address, "[erased] (pseudonym …)" for an erased person's pseudonym, or the helpdesk's own actors in words. */
export function personLabel(who: string | null | undefined, w: Words): string | null {
  if (who === null || who === undefined || who === '') return null;
  if (who === ERASED) return w.api('privacy.erased');
  if (isPersonRef(who)) return w.staff('ticket.erasedPerson', { erased: w.api('privacy.erased'), id: who });
  if ((MACHINE_ACTORS as readonly string[]).includes(who)) return w.staff(`ticket.actor.${who}`, { defaultValue: who });
  return who;
}

export const statusWord = (status: unknown, w: Words): string => (typeof status === 'string' ? w.api(`statusName.${status}`, { defaultValue: status }) : '—');
export const categoryWord = (category: string | null, w: Words): string => (category ? w.portal(`category.${category}`, { defaultValue: category }) : '—');
export const clockWord = (clock: unknown, w: Words): string => (typeof clock === 'string' ? w.staff(`ticket.clock.${clock}`, { defaultValue: clock }) : '—');

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '—');
const field = (v: unknown, key: string): unknown => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined);

/** The figures an event's sentence may name, from its data (absent ones read "—"). */
function eventParams(e: TicketEvent, w: Words): Record<string, unknown> {
  const d = e.data;
  const from = d.from;
  const to = d.to;
  return {
    from: statusWord(typeof from === 'string' ? from : undefined, w),
    to: statusWord(typeof to === 'string' ? to : undefined, w),
    assignee: personLabel(typeof d.assignee === 'string' ? d.assignee : null, w) ?? '—',
    team: str(d.team),
    tier: str(d.tier),
    fromTier: str(d.fromTier),
    toTier: str(d.toTier),
    priority: str(d.priority),
    fromPriority: str(field(from, 'priority')),
    toPriority: str(field(to, 'priority') ?? d.priority),
    rulesVersion: str(d.rulesVersion ?? field(to, 'rulesVersion')),
    category: categoryWord(typeof d.category === 'string' ? d.category : null, w),
    code: typeof d.code === 'string' ? w.staff(`ticket.resolutionCode.${d.code}`, { defaultValue: d.code }) : '—',
    score: str(d.score),
    // In a sentence: "the response clock", "zegar odpowiedzi", "die Reaktionszeit".
    clock: typeof d.clock === 'string' ? w.staff(`ticket.clockOf.${d.clock}`, { defaultValue: d.clock }) : '—',
    percent: typeof d.fraction === 'number' ? new Intl.NumberFormat(w.language, { style: 'percent' }).format(d.fraction) : '—',
    step: str(d.step),
    // A merge: the ticket merged into (on the source), the ticket merged from (on the target; its `from` is a number, not a status).
    into: str(d.into),
    source: e.type === 'merge_received' ? str(from) : '—',
  };
}

/** The event's type as a sentence in the viewer's language ("Assigned to nina@example.com (team service-desk)"). */
export function eventText(e: TicketEvent, w: Words): string {
  const known = (EVENT_TYPES as readonly string[]).includes(e.type);
  return known ? w.staff(`ticket.event.${e.type}`, eventParams(e, w)) : w.staff('ticket.event.other', { type: e.type });
}
