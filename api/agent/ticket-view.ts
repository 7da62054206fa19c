/**
 * What the staff ticket page shows, built from the opened ticket (plain words and addresses, or
 * ERASED), its SLA clocks and its attachments' names, in the staff member's language and time
 * zone. Staff see the whole ticket (api/access.ts): internal notes, the rules' decisions, SLA
 * warnings and escalations are on the timeline with the public events.
 */
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { OpenedAttachmentMeta } from '../portal/use-cases/portal-data.ts';
import type { ClockView, SlaView } from '../../services/tickets/sla-view.ts';
import { formatBytes, formatDateTime } from '../portal/format.ts';
import type { TicketEvent } from '../../workflows/types.ts';
import { categoryWord, clockWord, eventText, formatDuration, personLabel, shown, statusWord, type Words } from './words.ts';

export interface ViewerPlace {
  language: string;
  timeZone: string;
}

export interface Fact {
  id: string;
  label: string;
  value: string;
  /** A date's ISO instant, for a <time> element. */
  iso?: string;
}

export interface EventItem {
  seq: number;
  iso: string;
  when: string;
  who: string;
  text: string;
  /** An internal note (or any event marked not public): staff only. */
  internal: boolean;
  message: string | null;
  reason: string | null;
}

export interface ClockItem {
  name: string;
  target: string;
  elapsed: string;
  remaining: string;
  deadline: string;
  deadlineIso: string | null;
  state: string;
}

export interface StaffTicketView {
  number: string;
  title: string;
  description: string;
  facts: Fact[];
  sla: Fact[] | null;
  /** Null when the workflow could not be asked (see clocksUnavailable). */
  clocks: ClockItem[] | null;
  attachments: Array<{ name: string; size: string; erased: boolean }>;
  timeline: EventItem[];
}

const dash = '—';

function when(iso: string | null | undefined, at: ViewerPlace): string {
  return iso ? formatDateTime(iso, at.language, at.timeZone) : dash;
}

function yesNo(v: boolean, w: Words): string {
  return w.staff(v ? 'ticket.yes' : 'ticket.no');
}

function facts(t: TicketRecord, w: Words, at: ViewerPlace): Fact[] {
  const f = (id: string, value: string | null | undefined, iso?: string): Fact => ({ id, label: w.staff(`ticket.fact.${id}`), value: value || dash, ...(iso ? { iso } : {}) });
  return [
    f('status', statusWord(t.status, w)),
    f('priority', t.priority),
    f('category', categoryWord(t.category, w)),
    f('tier', t.tier),
    f('team', t.teamId),
    f('assignee', personLabel(t.assignee, w) ?? w.staff('ticket.unassigned')),
    f('requester', personLabel(t.requesterEmail, w)),
    f('filedBy', personLabel(t.filedBy, w)),
    f('rulesVersion', t.rulesVersion === null ? null : String(t.rulesVersion)),
    f('channel', t.channel),
    f('created', when(t.createdAt, at), t.createdAt),
    f('updated', when(t.updatedAt, at), t.updatedAt),
  ];
}

/** The SLA in force as the read model holds it (the workflow writes it): targets, due instants, calendar kind, paused, breached. */
function slaFacts(t: TicketRecord, w: Words, at: ViewerPlace): Fact[] | null {
  const s = t.sla;
  if (!s) return null;
  const f = (id: string, value: string, iso?: string | null): Fact => ({ id: `sla-${id}`, label: w.staff(`ticket.sla.${id}`), value, ...(iso ? { iso } : {}) });
  const due = (iso: string | null, stopped: boolean) => (iso ? when(iso, at) : w.staff(stopped ? 'ticket.sla.stopped' : 'ticket.sla.pausedNow'));
  return [
    f('policy', s.policyId),
    f('calendar', w.staff(s.businessHours ? 'ticket.sla.businessHours' : 'ticket.sla.allHours', { calendar: s.calendarId })),
    f('responseTarget', formatDuration(s.responseTargetMs, at.language)),
    f('responseDue', due(s.responseDueAt, s.responded), s.responseDueAt),
    f('responded', yesNo(s.responded, w)),
    f('resolutionTarget', formatDuration(s.resolutionTargetMs, at.language)),
    f('resolutionDue', due(s.resolutionDueAt, !s.paused), s.resolutionDueAt),
    f('paused', yesNo(s.paused, w)),
    f('breached', s.breached.length ? s.breached.map((c) => clockWord(c, w)).join(', ') : w.staff('ticket.sla.none')),
  ];
}

function clockState(c: ClockView): string {
  if (c.breached) return 'breached';
  if (c.stoppedAt) return 'stopped';
  return c.paused ? 'paused' : 'running';
}

function clockItem(c: ClockView, w: Words, at: ViewerPlace): ClockItem {
  return {
    name: clockWord(c.name, w),
    target: formatDuration(c.targetMs, at.language),
    elapsed: formatDuration(c.elapsedMs, at.language),
    remaining: c.remainingMs < 0 ? w.staff('ticket.clocks.overdue', { duration: formatDuration(c.remainingMs, at.language) }) : formatDuration(c.remainingMs, at.language),
    deadline: when(c.deadlineAt, at),
    deadlineIso: c.deadlineAt,
    state: w.staff(`ticket.clocks.state.${clockState(c)}`),
  };
}

function eventItem(e: TicketEvent, w: Words, at: ViewerPlace): EventItem {
  const message = typeof e.data.message === 'string' ? e.data.message : typeof e.data.comment === 'string' ? e.data.comment : null;
  return {
    seq: e.seq,
    iso: e.occurredAt,
    when: when(e.occurredAt, at),
    who: personLabel(e.actor, w) ?? dash,
    text: eventText(e, w),
    internal: e.type === 'commented' || e.data.public === false,
    message: shown(message, w),
    reason: shown(e.reason, w),
  };
}

export function staffTicketView(t: TicketRecord, sla: SlaView | undefined, attachments: OpenedAttachmentMeta[], w: Words, at: ViewerPlace): StaffTicketView {
  return {
    number: t.number,
    title: shown(t.title, w) ?? '',
    description: shown(t.description, w) ?? '',
    facts: facts(t, w, at),
    sla: slaFacts(t, w, at),
    clocks: sla ? sla.clocks.map((c) => clockItem(c, w, at)) : null,
    attachments: attachments.map((a) => ({ name: a.erased ? w.api('privacy.erased') : a.filename, size: formatBytes(a.sizeBytes, at.language), erased: a.erased })),
    timeline: t.timeline.map((e) => eventItem(e, w, at)),
  };
}
