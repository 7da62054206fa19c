/**
 * Merging a duplicate in the OpenAPI document (api/routes/ticket-merge.ts, services/tickets/merge.ts):
 * the source ends as `merged` into the target. Agents and admins only. The request's schema is
 * the one the route validates with (api/schemas.ts actionBodies.merge).
 */
import { actionBodies } from './schemas.ts';

const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' };
const numberParam = { name: 'number', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z]{1,8}-\\d{4}-\\d{6,}$', example: 'HD-2026-000007' }, description: 'The duplicate: the ticket that ends as merged.' };
const accessReason = { name: 'X-Access-Reason', in: 'header', required: false, schema: { type: 'string', maxLength: 500 }, description: 'Why the caller reads the two tickets (recorded in the access log with both reads).' };

export const ticketMergeSchemas = {
  MergeRequest: actionBodies.merge,
  MergeResponse: {
    type: 'object', required: ['source', 'target'], additionalProperties: false,
    properties: {
      source: { ...ref('TicketStaff'), description: 'The duplicate after the merge: status `merged`, its `sla.merged` { into, at } (clocks stopped and frozen then), the `merged` event { into } in its timeline.' },
      target: { ...ref('TicketStaff'), description: 'The ticket merged into, with its `merge_received` event { from } (once the read model has it: the answer waits up to 5 s).' },
    },
  },
};

export const ticketMergePaths = {
  '/api/v1/tickets/{number}/merge': {
    post: {
      operationId: 'mergeTicket',
      summary: 'Merge a duplicate into another ticket: the duplicate ends as merged (its SLA frozen, its requester told), the other records it',
      description: 'Not one of the generic actions. The target is checked first (it exists, is not the duplicate itself, was not merged, is not closed or cancelled), then the duplicate is merged (it must be open: new, assigned, in progress, pending or reopened), then the target is told. Repeating a merge whose answer was a 503 after the duplicate was merged tells the target again (recorded once). Both tickets\' reads are recorded in the access log.',
      parameters: [numberParam, lang, accessReason],
      requestBody: { required: true, content: { 'application/json': { schema: ref('MergeRequest') } } },
      responses: {
        '200': { description: 'Both tickets after the merge, in the staff shape.', content: { 'application/json': { schema: ref('MergeResponse') } } },
        '400': err('The path\'s ticket number is malformed, or the body is not JSON.'),
        '403': err('Not an agent or admin (requesters, process owners and auditors do not merge).'),
        '404': err('There is no such ticket (the duplicate or the target).'),
        '409': err('Refused, nothing changed: into itself (MERGE_INTO_SELF), into a merged ticket (MERGE_INTO_MERGED), into a closed or cancelled one (MERGE_TARGET_FINISHED), or the duplicate is no longer open (INVALID_TRANSITION, TICKET_FINISHED).'),
        '422': err('`into` or `reason` missing or malformed (each named in `fields`); nothing changed.'),
        '503': err('PostgreSQL or Temporal out of reach; if the duplicate was merged already, repeat the request to tell the target.'),
      },
    },
  },
};
