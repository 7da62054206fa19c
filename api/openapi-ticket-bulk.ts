/**
 * Bulk actions in the OpenAPI document (api/routes/ticket-bulk.ts, services/agent/bulk.ts):
 * one action on up to 50 tickets, each one's outcome reported. Agents and admins only.
 */
const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' };
const number = { type: 'string', pattern: '^[A-Z]{1,8}-\\d{4}-\\d{6,}$', example: 'HD-2026-000042' };

/** POST /api/v1/tickets/bulk's body: the fields the action needs, the others not read. */
export const bulkRequest = {
  type: 'object', required: ['numbers', 'action'],
  properties: {
    numbers: { type: 'array', minItems: 1, maxItems: 50, items: number, description: 'The tickets, done one by one in this order (repeats counted once).' },
    action: { enum: ['assign', 'change_priority', 'resolve_duplicate'] },
    assignee: { type: 'string', format: 'email', description: 'assign: the agent who takes the tickets (the caller\'s own address to take them).' },
    priority: { type: 'string', description: 'change_priority: a priority of the ticket\'s rules version, e.g. P2.' },
    reason: { type: 'string', maxLength: 1000, description: 'change_priority: why (in each ticket\'s timeline).' },
    duplicateOf: { ...number, description: 'resolve_duplicate: the ticket these duplicate; each is merged into it (as POST /api/v1/tickets/{number}/merge: it ends `merged`, its conversation and attachments linked into this one, its requester told).' },
    note: { type: 'string', minLength: 1, maxLength: 1000, description: 'resolve_duplicate (required): why, the merge\'s reason in both tickets\' timelines.' },
  },
} as const;

const bulkResult = {
  type: 'object', required: ['number', 'ok'],
  properties: {
    number,
    ok: { type: 'boolean' },
    status: { type: 'string', description: 'The ticket\'s status after the action (when ok).' },
    error: {
      type: 'object', required: ['code', 'message'], description: 'Why this ticket was not changed (when not ok): e.g. INVALID_TRANSITION, VALIDATION_FAILED (a priority or agent the ticket\'s rules do not know), NOT_FOUND, and for resolve_duplicate the refusals of a merge (MERGE_INTO_SELF, MERGE_INTO_MERGED, MERGE_TARGET_FINISHED), UNAVAILABLE.',
      properties: { code: { type: 'string' }, message: { type: 'string', description: 'In the caller\'s language.' } },
    },
  },
};

export const ticketBulkSchemas = {
  BulkRequest: bulkRequest,
  BulkResult: bulkResult,
  BulkResponse: { type: 'object', required: ['action', 'results'], properties: { action: { type: 'string' }, results: { type: 'array', items: ref('BulkResult') } } },
};

export const ticketBulkPaths = {
  '/api/v1/tickets/bulk': {
    post: {
      operationId: 'bulkTicketAction',
      summary: 'One action on several tickets (assign, change priority, resolve as duplicate), each ticket\'s outcome reported; one failure does not stop the rest',
      parameters: [lang],
      requestBody: { required: true, content: { 'application/json': { schema: ref('BulkRequest') } } },
      responses: {
        '200': { description: 'Each ticket\'s outcome, in the order given.', content: { 'application/json': { schema: ref('BulkResponse') } } },
        '400': err('Malformed JSON.'),
        '403': err('Not an agent or admin.'),
        '422': err('No numbers, more than 50, a number that is not a ticket number, an unknown action, or a field the action needs missing (each named in `fields`); nothing was done.'),
        '503': err('PostgreSQL is unreachable before any ticket was done; a ticket Temporal could not reach is reported as UNAVAILABLE in its result.'),
      },
    },
  },
};
