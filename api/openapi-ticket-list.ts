/**
 * The queue listing in the OpenAPI document (api/routes/ticket-list.ts, services/agent/queues.ts):
 * GET /api/v1/tickets with the queues' filters, sorts and keyset cursor; the item's shape per role
 * (api/access.ts listItemFor). Spread into api/openapi.ts's `/api/v1/tickets` entry beside createTicket.
 */
import { TicketStatus } from '../workflows/types.ts';
import { DEFAULT_LIMIT, MAX_LIMIT, QUEUE_IDS, SORT_KEYS } from '../services/agent/queues.ts';

const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const instant = { type: 'string', format: 'date-time' } as const;
const instantOrNull = { type: ['string', 'null'], format: 'date-time' } as const;
const status = { type: 'string', enum: Object.values(TicketStatus) } as const;
const nullableText = { type: ['string', 'null'] } as const;
const list = (description: string, items: object = { type: 'string' }) => ({
  in: 'query', required: false, style: 'form', explode: true, schema: { type: 'array', items }, description: `${description} Repeat the parameter or separate values by commas; any of them matches.`,
});
const one = (description: string, schema: object = { type: 'string' }) => ({ in: 'query', required: false, schema, description });

const staffSla = {
  type: ['object', 'null'],
  properties: {
    policyId: { type: 'string' }, calendarId: { type: 'string' }, businessHours: { type: 'boolean' },
    responseTargetMs: { type: 'integer' }, resolutionTargetMs: { type: 'integer' }, responseDueAt: instantOrNull, resolutionDueAt: instantOrNull,
    responded: { type: 'boolean' }, paused: { type: 'boolean' }, breached: { type: 'array', items: { type: 'string', enum: ['response', 'resolution'] } },
  },
} as const;

const publicSla = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    businessHours: { type: 'boolean' }, responseTargetMs: { type: 'integer' }, resolutionTargetMs: { type: 'integer' },
    responseDueAt: instantOrNull, resolutionDueAt: instantOrNull, responded: { type: 'boolean' }, paused: { type: 'boolean' },
  },
} as const;

const staffItem = {
  type: 'object',
  description: 'A queue row as staff read it. Titles are opened; "[erased]" (in the caller\'s language) where the requester\'s data was erased.',
  required: ['number', 'title', 'status', 'priority', 'category', 'tier', 'teamId', 'assignee', 'requester', 'organisation', 'vip', 'locale', 'rulesVersion', 'sla', 'escalated', 'createdAt', 'updatedAt'],
  properties: {
    number: { type: 'string', example: 'HD-2026-000042' }, title: { type: 'string' }, status, priority: nullableText, category: nullableText,
    tier: nullableText, teamId: nullableText, assignee: { type: ['string', 'null'], description: 'The assignee\'s e-mail address.' },
    requester: { type: ['string', 'null'], description: 'The requester\'s e-mail address; null once erased.' },
    organisation: { type: ['string', 'null'], description: 'The requester\'s organisation (their account\'s).' }, vip: { type: 'boolean' },
    locale: { type: 'string' }, rulesVersion: { type: ['integer', 'null'] }, sla: staffSla,
    escalated: { type: 'boolean', description: 'Escalated (by an agent or the ladder) and not de-escalated since.' }, createdAt: instant, updatedAt: instant,
  },
} as const;

const publicItem = {
  type: 'object',
  additionalProperties: false,
  description: 'One of the requester\'s own tickets: the public side only.',
  required: ['number', 'title', 'status', 'category', 'locale', 'sla', 'createdAt', 'updatedAt'],
  properties: { number: { type: 'string' }, title: { type: 'string' }, status, category: nullableText, locale: { type: 'string' }, sla: publicSla, createdAt: instant, updatedAt: instant },
} as const;

export const ticketListSchemas = {
  TicketListItemStaff: staffItem,
  TicketListItemPublic: publicItem,
  TicketList: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: { oneOf: [{ $ref: '#/components/schemas/TicketListItemStaff' }, { $ref: '#/components/schemas/TicketListItemPublic' }] } },
      nextCursor: { type: ['string', 'null'], description: 'Pass as `cursor` (with the same sort and filters) for the next page; null on the last page.' },
    },
  },
} as const;

/** GET /api/v1/tickets: the operation, put beside POST in api/openapi.ts. */
export const listTicketsOperation = {
  operationId: 'listTickets',
  summary: 'List tickets: a queue, filtered and sorted, a page at a time',
  description: 'Staff (agents, admins, process owners, auditors) list every ticket; a requester lists only their own, with the queue `all` and the filters status, category and q (anything else is 403). '
    + 'Open tickets only unless `status` says otherwise. Pages are keyset pages: pass `nextCursor` back as `cursor`; a ticket recorded between two pages neither repeats nor skips a row. '
    + 'A list is not an access-log read (it shows titles and addresses only); reading a ticket (GET /api/v1/tickets/{number}) is.',
  parameters: [
    { name: 'queue', ...one(`A queue: ${QUEUE_IDS.join(', ')} (default all). mine = assigned to me; team/tier = my team's/tier's; unassigned (in my tier); escalated (to my tier); pending (my team's); at_risk = warned, not breached; breached.`, { type: 'string', enum: [...QUEUE_IDS] }) },
    { name: 'status', ...list('Statuses (default: the open ones).', status) },
    { name: 'priority', ...list('Priorities, e.g. P1.') },
    { name: 'category', ...list('Categories.') },
    { name: 'team', ...list('Teams.') },
    { name: 'tier', ...list('Tiers, e.g. L2.') },
    { name: 'assignee', ...one('The assignee\'s e-mail address.', { type: 'string', format: 'email' }) },
    { name: 'requester', ...one('The requester\'s e-mail address.', { type: 'string', format: 'email' }) },
    { name: 'organisation', ...one('The requester\'s organisation.', { type: 'string', maxLength: 200 }) },
    { name: 'q', ...one('A ticket number (that ticket), or words matched in the tickets\' titles and descriptions (web-search syntax: "quoted phrase", -not, or).', { type: 'string', maxLength: 200 }) },
    { name: 'sort', ...one('due = next SLA deadline first (none last); priority (then due); created = newest first; created_asc; updated = last changed first. Default due.', { type: 'string', enum: [...SORT_KEYS] }) },
    { name: 'cursor', ...one('The previous page\'s nextCursor.', { type: 'string', maxLength: 1000 }) },
    { name: 'limit', ...one(`Rows per page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`, { type: 'integer', minimum: 1, maximum: MAX_LIMIT }) },
    { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' },
  ],
  responses: {
    '200': { description: 'A page of tickets, each shaped for the caller\'s role.', content: { 'application/json': { schema: { $ref: '#/components/schemas/TicketList' } } } },
    '422': err('A parameter is not valid (each named in `fields`): an unknown queue, status or sort, an address that is not one, a limit out of range, a cursor this list did not give, an unknown parameter.'),
    '503': err('PostgreSQL is unreachable.'),
  },
} as const;
