/**
 * A signed-in requester's own data (services/privacy/export.ts): the JSON document they download
 * and its readable summary, in their language. Each ticket is in the requester's shape
 * (api/access.ts publicTicket), the same the ticket page shows, so nothing internal reaches them
 * through the export. An account whose address is not proven gets the tickets it reported itself
 * only, by the same rule as "my tickets" (canSee in follow.ts).
 */
import type { TFunction } from 'i18next';
import type { TicketsRepo } from '../../../db/tickets-repo.ts';
import type { UserRecord } from '../../../db/users-repo.ts';
import { exportPerson, type ExportAccessEntry, type PersonalDataRepos, type PersonExport } from '../../../services/privacy/export.ts';
import type { Vault } from '../../../db/vault.ts';
import type { TicketSla } from '../../../workflows/types.ts';
import { publicTicket, type TicketPublic } from '../../access.ts';
import { formatBytes, formatDateTime, slaPromise } from '../format.ts';
import type { Viewer } from '../types.ts';
import { timelineItem, type TimelineItem } from './follow.ts';

export type RequesterExport = PersonExport<TicketPublic>;

export interface ExportUseCaseDeps {
  tickets: TicketsRepo;
  vault: Vault;
  personalData: PersonalDataRepos;
}

/**
 * Everything held about the signed-in requester: `download` is the export (recorded: audit log
 * `privacy.exported`); `preview` is the same content for the summary page, recorded nowhere.
 */
export function requesterExport(deps: ExportUseCaseDeps, user: UserRecord, as: 'download' | 'preview'): Promise<RequesterExport> {
  return exportPerson({ ...deps.personalData, tickets: deps.tickets, vault: deps.vault }, {
    email: user.email,
    scope: 'requester',
    shape: publicTicket,
    by: { label: `user:${user.id}`, userId: user.id, role: 'requester' },
    channel: 'web',
    format: 'json',
    record: as === 'download',
    ...(user.emailVerified ? {} : { submittedBy: user.id }),
  });
}

interface SummaryTicket {
  number: string;
  title: string;
  status: string;
  statusText: string;
  promise: string;
  created: string;
  createdIso: string;
  description: string;
  timeline: TimelineItem[];
  attachments: Array<{ filename: string; size: string }>;
  rating: string | undefined;
}

interface SummaryAccess {
  when: string;
  iso: string;
  who: string;
  what: string;
  ticket: string;
  why: string;
  hasReason: boolean;
}

/** Every word of the summary page that is not the portal's (locales/<lng>/privacy.json). */
const WORDS = [
  'privacy:export.title', 'privacy:export.heading', 'privacy:export.intro', 'privacy:export.download', 'privacy:export.generated',
  'privacy:export.person.heading', 'privacy:export.person.address', 'privacy:export.person.pseudonym', 'privacy:export.person.displayName',
  'privacy:export.person.role', 'privacy:export.person.language', 'privacy:export.person.timeZone', 'privacy:export.person.created',
  'privacy:export.tickets.heading', 'privacy:export.tickets.none', 'privacy:export.tickets.noAttachments',
  'privacy:export.access.heading', 'privacy:export.access.intro', 'privacy:export.access.none', 'privacy:export.access.when',
  'privacy:export.access.who', 'privacy:export.access.what', 'privacy:export.access.ticket', 'privacy:export.access.why',
] as const;

/** `privacy:export.person.address` → `person_address`, as the template names it. */
const wordName = (key: string) => key.replace('privacy:export.', '').replace('.', '_');

function who(e: ExportAccessEntry, t: TFunction): string {
  if (e.viewerRole === 'operator') return t('privacy:export.access.operator');
  return t('privacy:export.access.staff', { role: t(`privacy:export.role.${e.viewerRole}`), id: e.viewer.replace(/^user:/, '') });
}

/** The summary page's model: the export in the viewer's words, dates in their language and time zone. */
export function exportSummary(exp: RequesterExport, viewer: Viewer, t: TFunction) {
  const when = (iso: string) => formatDateTime(iso, viewer.language, viewer.timeZone);
  const w: Record<string, string> = Object.fromEntries(WORDS.map((k) => [wordName(k), t(k)]));
  const account = exp.person.account;
  const tickets: SummaryTicket[] = exp.tickets.map((tk) => ({
    number: tk.number, title: tk.title, status: tk.status, statusText: t(`status.${tk.status}`),
    // The requester's SLA fields are the ones the promise is worded from (targets, answered, paused, business hours).
    promise: slaPromise({ status: tk.status, sla: tk.sla as TicketSla | null }, t),
    created: when(tk.createdAt), createdIso: tk.createdAt, description: tk.description,
    timeline: tk.timeline.map((e) => timelineItem(e, viewer, t)),
    attachments: tk.attachments.map((a) => ({ filename: a.filename, size: formatBytes(a.sizeBytes, viewer.language) })),
    rating: tk.rating ? t('privacy:export.tickets.rating', { score: tk.rating.score }) : undefined,
  }));
  const access: SummaryAccess[] = exp.accessLog.map((e) => ({
    when: when(e.occurredAt), iso: e.occurredAt, who: who(e, t),
    what: `${t(`privacy:export.what.${e.what.replace('.', '_')}`)} ${t(`privacy:export.channel.${e.channel}`)}`,
    ticket: e.ticketNumber ?? t('privacy:export.access.allTickets'),
    why: e.reason ?? t('privacy:export.access.noReason'), hasReason: e.reason !== null,
  }));
  return {
    title: w.title,
    w,
    generated: when(exp.generatedAt),
    generatedIso: exp.generatedAt,
    person: [
      { label: w.person_address, value: exp.person.address, id: 'person-address' },
      ...(exp.person.pseudonym ? [{ label: w.person_pseudonym, value: exp.person.pseudonym, id: 'person-pseudonym' }] : []),
      ...(account ? [
        { label: w.person_displayName, value: account.displayName, id: 'person-name' },
        { label: w.person_role, value: t(`privacy:export.role.${account.role}`), id: 'person-role' },
        { label: w.person_language, value: t(`language.${account.locale}`, { defaultValue: account.locale }), id: 'person-language' },
        { label: w.person_timeZone, value: account.timeZone, id: 'person-time-zone' },
        { label: w.person_created, value: when(account.createdAt), id: 'person-created' },
      ] : []),
    ],
    tickets,
    ticketCount: t('privacy:export.tickets.count', { count: tickets.length }),
    access,
    accessCount: t('privacy:export.access.count', { count: access.length }),
  };
}
