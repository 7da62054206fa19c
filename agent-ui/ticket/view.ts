/**
 * What the agent's ticket page shows, built on the staff page's view (api/agent/ticket-view.ts:
 * facts, the SLA in force, the clocks, the attachments, the timeline in words) with what an agent
 * works from besides: the conversation — the public messages (the description, the agents'
 * answers, the requester's replies) and the internal notes, each marked for what it is — the rules'
 * decision and why (rules fired, the priority matrix, version and hash, policy and calendar), and
 * the attachments as links.
 */
import type { TFunction } from 'i18next';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { OpenedAttachmentMeta } from '../../api/portal/use-cases/portal-data.ts';
import type { SlaView } from '../../services/tickets/sla-view.ts';
import { staffTicketView, type EventItem, type StaffTicketView, type ViewerPlace } from '../../api/agent/ticket-view.ts';
import { formatDuration, statusWord, type Words } from '../../api/agent/words.ts';
import type { TicketEvent } from '../../workflows/types.ts';

/** The staff page's words and the ticket page's own (agent-ticket.json). */
export interface PageWords extends Words {
  tk: TFunction;
}

export type MessageKind = 'description' | 'response' | 'reply' | 'note';

export interface ConversationItem extends EventItem {
  kind: MessageKind;
  /** Public (the requester reads it) or an internal note. */
  public: boolean;
  /** The ticket it was written on, when it is a merged ticket's (shown linked). */
  from?: string;
}

export interface DecisionView {
  text: string;
  iso: string;
  when: string;
  rulesVersion: string;
  rulesHash: string;
  matrix: string | null;
  policy: string | null;
  calendar: string | null;
  serviceLevel: string | null;
  fired: Array<{ rule: string; applied: boolean }>;
}

export interface AttachmentLink {
  name: string;
  size: string;
  erased: boolean;
  href: string | null;
}

export interface AgentTicketView extends Omit<StaffTicketView, 'attachments'> {
  status: string;
  statusText: string;
  attachments: AttachmentLink[];
  conversation: ConversationItem[];
  decision: DecisionView | null;
}

const KIND_OF: Record<string, MessageKind> = { responded: 'response', requester_replied: 'reply', commented: 'note' };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** The messages of a ticket, the description first, oldest first; `from` names a merged source. */
export function conversationOf(t: TicketRecord, view: StaffTicketView, w: PageWords, from?: string): ConversationItem[] {
  const created = view.timeline.find((e) => t.timeline.find((x) => x.seq === e.seq)?.type === 'created');
  const out: ConversationItem[] = [];
  if (created) out.push({ ...created, kind: 'description', public: true, message: view.description, text: w.tk('conversation.description'), ...(from ? { from } : {}) });
  view.timeline.forEach((item, i) => {
    const kind = KIND_OF[t.timeline[i]!.type];
    if (!kind || item.message === null) return;
    out.push({ ...item, kind, public: !item.internal && kind !== 'note', ...(from ? { from } : {}) });
  });
  return out;
}

/** The latest classification (or re-classification) in words: what the rules decided and why. */
export function decisionOf(t: TicketRecord, w: PageWords, view: StaffTicketView): DecisionView | null {
  const i = t.timeline.findLastIndex((e) => e.type === 'classified' || e.type === 'reclassified');
  if (i < 0) return null;
  const e: TicketEvent = t.timeline[i]!;
  const d = e.data;
  const to = (d.to && typeof d.to === 'object' ? d.to : {}) as Record<string, unknown>;
  const m = (d.matrix && typeof d.matrix === 'object' ? d.matrix : null) as Record<string, unknown> | null;
  const policy = (d.policy && typeof d.policy === 'object' ? d.policy : null) as Record<string, unknown> | null;
  const fired = Array.isArray(d.fired) ? (d.fired as Array<Record<string, unknown>>) : [];
  const level = (v: unknown) => (typeof v === 'string' ? w.tk(`decision.level.${v}`, { defaultValue: v }) : '—');
  return {
    text: view.timeline[i]!.text,
    iso: e.occurredAt,
    when: view.timeline[i]!.when,
    rulesVersion: str(d.rulesVersion ?? to.rulesVersion) ?? '—',
    rulesHash: (str(d.rulesHash ?? to.rulesHash) ?? '—').slice(0, 12),
    matrix: m ? w.tk('decision.matrixValue', { impact: level(m.impact), urgency: level(m.urgency), priority: str(m.priority) ?? '—' }) : null,
    policy: policy ? w.tk('decision.policyValue', { policy: str(policy.id) ?? '—', response: formatDuration(Number(policy.responseMs) || 0, w.language), resolution: formatDuration(Number(policy.resolutionMs) || 0, w.language) }) : null,
    calendar: policy ? str(policy.calendar) : null,
    serviceLevel: str(d.serviceLevel),
    fired: fired.map((f) => ({ rule: str(f.rule) ?? '—', applied: f.applied !== false })),
  };
}

function attachmentLinks(number: string, view: StaffTicketView, files: OpenedAttachmentMeta[]): AttachmentLink[] {
  return view.attachments.map((a, i) => ({ ...a, href: a.erased ? null : `/agent/tickets/${number}/attachments/${files[i]!.id}` }));
}

export function agentTicketView(t: TicketRecord, sla: SlaView | undefined, files: OpenedAttachmentMeta[], w: PageWords, at: ViewerPlace): AgentTicketView {
  const view = staffTicketView(t, sla, files, w, at);
  return {
    ...view,
    status: t.status,
    statusText: statusWord(t.status, w),
    attachments: attachmentLinks(t.number, view, files),
    conversation: conversationOf(t, view, w),
    decision: decisionOf(t, w, view),
  };
}
