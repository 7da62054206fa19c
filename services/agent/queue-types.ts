/** The queue service's shapes (services/agent/queues.ts re-exports them; the contract's names). */
import type { Role } from '../../db/users-repo.ts';
import type { TicketSla, TicketStatus } from '../../workflows/types.ts';

export type QueueId = 'mine' | 'team' | 'tier' | 'unassigned' | 'escalated' | 'pending' | 'at_risk' | 'breached' | 'all';
export type SortKey = 'due' | 'priority' | 'created' | 'created_asc' | 'updated';

export interface TicketFilters {
  queue?: QueueId;
  status?: string[];
  priority?: string[];
  category?: string[];
  team?: string[];
  tier?: string[];
  /** An e-mail address. */
  assignee?: string;
  /** An e-mail address. */
  requester?: string;
  organisation?: string;
  /** Words, or a ticket number. */
  text?: string;
}

export interface ListQuery {
  filters: TicketFilters;
  sort: SortKey;
  cursor?: string;
  /** 1..100, default 25. */
  limit: number;
}

export interface QueueViewer {
  role: Role;
  email: string;
  userId: number;
  teamId: string | null;
  tier: string | null;
  personId?: string | null;
}

export interface TicketRow {
  number: string;
  /** Opened; '[erased]' where erased. */
  title: string;
  status: TicketStatus;
  priority: string | null;
  category: string | null;
  tier: string | null;
  teamId: string | null;
  /** An e-mail address. */
  assignee: string | null;
  /** An e-mail address; null if erased. */
  requester: string | null;
  organisation: string | null;
  vip: boolean;
  locale: string;
  rulesVersion: number | null;
  sla: TicketSla | null;
  escalated: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ListPage {
  items: TicketRow[];
  nextCursor: string | null;
}

export interface QueueService {
  /** Raw query (API query string or page form) → ListQuery; ValidationError (422, field + key) on bad input. */
  parse(raw: Record<string, unknown>): ListQuery;
  /** A requester lists only their own tickets; queue ids other than 'all' and the staff filters are staff-only (403). */
  list(viewer: QueueViewer, q: ListQuery): Promise<ListPage>;
  /** Every queue's count of open tickets, in one SQL pass (count(*) FILTER …). */
  counts(viewer: QueueViewer): Promise<Record<QueueId, number>>;
}
