/**
 * The model of the ticket page's live part (`#ticket-live`, views/ticket-live.hbs with
 * ticket-actions.hbs): the status line and countdowns, the conversation (the merged tickets'
 * messages in it), the action forms, the timeline and the merged tickets' timelines. One function
 * for both places it is shown, so they cannot differ: the page puts it in place (page.ts
 * ticketModel), and `GET /agent/tickets/:number/live` answers it alone (page.ts liveModel, over
 * read.ts readLivePart) for live.js. What the part does not show is not part of this model: the
 * side (requester card, suggestions, templates, duplicates), the SLA table, the attachments.
 */
import type { UserRecord } from '../../db/users-repo.ts';
import type { ViewerPlace } from '../../api/agent/ticket-view.ts';
import { staffTicketView } from '../../api/agent/ticket-view.ts';
import { personLabel } from '../../api/agent/words.ts';
import { allowedForms, PRIORITIES, RESOLUTION_CODES, type FormAction } from './actions.ts';
import type { CountdownView } from './context-view.ts';
import type { MergedSource } from './merge.ts';
import type { LivePartData } from './read.ts';
import { conversationOf, type AgentTicketView, type PageWords } from './view.ts';

/** A form's problem as the page shows it: a sentence, and one per field. */
export interface FormProblem {
  action: FormAction | 'merge';
  message: string;
  fields: Record<string, string>;
  values: Record<string, string>;
}

export interface LivePartInput extends LivePartData {
  /** The ticket's view: the page's whole one, or the live read's (no workflow clocks, no attachments: the part shows neither). */
  view: AgentTicketView;
  countdowns: CountdownView[];
  /** A form refused: its sentence and what was typed, shown again (the page only). */
  problem?: FormProblem | undefined;
  /** The reply's prefill from a suggestion's or template's link (the page only). */
  prefill?: string | undefined;
}

function choices<T extends string>(ids: readonly T[], current: string | null | undefined, name: (id: T) => string) {
  return ids.map((id) => ({ id, name: name(id), selected: id === current }));
}

/** The merged tickets as the page and its live part show them: title, conversation, timeline, attachments as links. */
export function mergedViews(merged: MergedSource[], w: PageWords, viewer: ViewerPlace) {
  return merged.map((m) => {
    const v = staffTicketView(m.ticket, undefined, m.attachments, w, viewer);
    return {
      number: m.ticket.number,
      title: v.title,
      conversation: conversationOf(m.ticket, v, w, m.ticket.number),
      timeline: v.timeline,
      attachments: v.attachments.map((a, i) => ({ ...a, href: a.erased ? null : `/agent/tickets/${m.ticket.number}/attachments/${m.attachments[i]!.id}` })),
    };
  });
}

/** Everything the live part shows, and nothing else. */
export function livePartModel(w: PageWords, viewer: ViewerPlace, me: UserRecord, input: LivePartInput) {
  const { view, problem: p } = input;
  const t = input.ticket;
  const merged = mergedViews(input.merged, w, viewer);
  const conversation = [...view.conversation, ...merged.flatMap((m) => m.conversation)].sort((a, b) => a.iso.localeCompare(b.iso));
  const forms = Object.fromEntries(allowedForms(t, me.email).map((a) => [a, true]));
  const tierIndex = input.tiers.findIndex((x) => x.id === t.tier);
  const tierChoice = (x: { id: string; name?: string }) => ({ id: x.id, name: x.name ? `${x.id} — ${x.name}` : x.id, selected: false });
  const higher = input.tiers.slice(tierIndex + 1).map(tierChoice);
  const lower = input.tiers.slice(0, Math.max(tierIndex, 0)).reverse().map(tierChoice);
  if (higher[0]) higher[0].selected = true;
  if (lower[0]) lower[0].selected = true;
  const values: Record<string, Record<string, string>> = p ? { [p.action]: p.values } : {};
  if (input.prefill && !values.respond?.message) values.respond = { message: input.prefill };
  return {
    view,
    seq: t.lastEventSeq,
    countdowns: input.countdowns,
    conversation,
    conversationCount: conversation.filter((c) => c.public).length,
    noteCount: conversation.filter((c) => !c.public).length,
    assigneeText: personLabel(t.assignee, w) ?? w.tk('live.unassigned'),
    tierText: t.tier ?? '—',
    priorityText: t.priority ?? '—',
    forms,
    anyForm: Object.keys(forms).length > 0,
    colleagues: input.colleagues.map((c) => ({ ...c, selected: c.email === (p?.values.assignee ?? t.assignee) })),
    priorities: choices(PRIORITIES, p?.values.priority ?? t.priority, (id) => id),
    resolutionCodes: choices(RESOLUTION_CODES, p?.values.code, (id) => w.staff(`ticket.resolutionCode.${id}`, { defaultValue: id })),
    higherTiers: higher,
    lowerTiers: lower,
    errors: p ? { [p.action]: { message: p.message, fields: p.fields } } : {},
    values,
    mergedTimelines: merged,
  };
}
