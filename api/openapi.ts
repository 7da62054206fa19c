/**
 * The OpenAPI 3.1 document served at /api/v1/openapi.json. Body schemas are the
 * ones validation uses; a test checks every route of the app is described here.
 */
import { agentWorkspacePaths, agentWorkspaceSchemas } from './openapi-agent-workspace.ts';
import { auditPaths, auditSchemas } from './openapi-audit.ts';
import { auditRunsPaths, auditRunsSchemas } from './openapi-audit-runs.ts';
import { ticketBulkPaths, ticketBulkSchemas } from './openapi-ticket-bulk.ts';
import { ticketContextPaths, ticketContextSchemas } from './openapi-ticket-context.ts';
import { listTicketsOperation, ticketListSchemas } from './openapi-ticket-list.ts';
import { ticketMergePaths, ticketMergeSchemas } from './openapi-merge.ts';
import { TICKET_ACTIONS } from '../workflows/types.ts';
import { ALLOWED_IN } from '../workflows/lifecycle.ts';
import {
  acceptedResponse, actionBodies, createTicketRequest, errorResponse, reclassifyRequest, requesterReplyRequest,
  slaPublicResponse, slaResponse, slaStaffResponse, ticketPublicResponse, ticketResponse, ticketStaffResponse,
} from './schemas.ts';
import { rulesAdminPaths, rulesAdminSchemas } from './openapi-rules.ts';
import { accessEntry, accessLogResponse, accessReasonHeader, personExportRequest, personExportResponse } from './privacy-schemas.ts';
import { addPersonRequest, changePersonRequest, peoplePaths, peopleSchemas } from './people-schemas.ts';
import { integrationPaths, integrationSchemas } from './openapi-integrations.ts';

const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const ticketNumberParam = { name: 'number', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z]{1,8}-\\d{4}-\\d{6,}$' }, example: 'HD-2026-000042' };
const langHeader = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of error messages: pl, en or de (default en).' };

/** An operation that signals the ticket's workflow and answers 202. */
function signalOperation(operationId: string, summary: string, bodySchema: string) {
  return {
    operationId,
    summary,
    parameters: [ticketNumberParam, langHeader],
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${bodySchema}` } } } },
    responses: {
      '202': { description: 'Accepted.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } },
      '400': err('Not a ticket number, or malformed JSON.'),
      '404': err('No such ticket.'),
      '422': err('A field is missing or invalid.'),
      '503': err('Temporal is unreachable.'),
    },
  };
}

export function openApiDocument(serverUrl = '/') {
  const doc = {
    openapi: '3.1.0',
    info: {
      title: 'Helpdesk engine API',
      version: '1',
      description: 'Tickets whose lifecycle runs as durable Temporal workflows. Errors carry a machine `code` and a `message` in the request language.',
    },
    servers: [{ url: serverUrl }],
    paths: {
      '/api/v1/tickets': {
        get: listTicketsOperation,
        post: {
          operationId: 'createTicket',
          summary: 'Report a problem: creates a ticket and starts its workflow',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'Repeat the same request with the same key to get the same ticket instead of a second one.' },
            langHeader,
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateTicketRequest' } } } },
          responses: {
            '201': { description: 'The ticket, recorded (also for a repeated Idempotency-Key; then the header Idempotent-Replayed is true).', headers: { Location: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Ticket' } } } },
            '202': { description: 'Accepted and numbered; the workflow records it shortly (the worker is busy or restarting).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } },
            '400': err('Malformed JSON or a bad Idempotency-Key header.'),
            '415': err('The body is not JSON.'),
            '422': err('A field is missing or invalid (each named in `fields`), or the Idempotency-Key was used for a different request.'),
            '503': err('Temporal or PostgreSQL is unreachable; nothing was created, try again.'),
          },
        },
      },
      '/api/v1/tickets/{number}': {
        get: {
          operationId: 'getTicket',
          summary: 'A ticket with its status and timeline',
          description: 'A staff caller\'s read is recorded in the access log first (who, what, when, and the X-Access-Reason header\'s reason); a requester\'s read of their own ticket is not.',
          parameters: [ticketNumberParam, langHeader, accessReasonHeader],
          responses: {
            '200': { description: 'The ticket: the whole of it for staff, its public side for its requester.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Ticket' } } } },
            '400': err('Not a ticket number, or an X-Access-Reason that is too long, has line breaks or an e-mail address, or is not UTF-8.'),
            '404': err('No such ticket.'),
            '503': err('PostgreSQL is unreachable, or the read could not be recorded in the access log; nothing was answered.'),
          },
        },
      },
      '/api/v1/tickets/{number}/sla': {
        get: {
          operationId: 'getTicketSla',
          summary: 'The SLA clocks now: target, business time elapsed, remaining, paused, warned, breached',
          parameters: [ticketNumberParam, langHeader],
          responses: {
            '200': { description: 'The clocks (empty until the ticket is classified); a requester gets targets, elapsed, remaining and deadlines only.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Sla' } } } },
            '400': err('Not a ticket number.'),
            '404': err('No such ticket.'),
            '503': err('Temporal is unreachable.'),
          },
        },
      },
      '/api/v1/tickets/{number}/actions/{action}': {
        post: {
          operationId: 'performTicketAction',
          summary: 'An agent or requester action: a workflow Update, refused with 409 when the ticket\'s state does not allow it',
          description: `Allowed states per action:\n${TICKET_ACTIONS.map((a) => `- \`${a}\`: ${ALLOWED_IN[a].join(', ')}`).join('\n')}`,
          parameters: [ticketNumberParam, { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: [...TICKET_ACTIONS] } }, langHeader, accessReasonHeader],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { oneOf: TICKET_ACTIONS.map((a) => ({ $ref: `#/components/schemas/Action_${a}` })) } } },
          },
          responses: {
            '200': { description: 'The ticket after the action.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Ticket' } } } },
            '400': err('Not a ticket number, or malformed JSON.'),
            '404': err('No such ticket or action.'),
            '409': err('Not allowed in the ticket\'s current state; nothing changed.'),
            '422': err('A field is missing or invalid — e.g. an assignee who is not an active agent (of the given team), a team or tier the ticket\'s rules version does not have; nothing changed.'),
            '503': err('Temporal is unreachable; nothing changed.'),
          },
        },
      },
      '/api/v1/tickets/{number}/replies': {
        post: signalOperation('replyToTicket', 'The requester writes back (a signal): recorded as a public comment; resumes a pending ticket', 'RequesterReply'),
      },
      '/api/v1/tickets/{number}/reclassify': {
        post: signalOperation('reclassifyTicket', 'Apply the newest rules version to this open ticket (explicit, with a reason; elapsed SLA time carries over)', 'Reclassify'),
      },
      '/api/v1/privacy/exports': {
        post: {
          operationId: 'exportPerson',
          summary: 'Everything held about a person, as JSON (admins only): account, tickets whole (internal notes included), attachments\' names, ratings, and the access-log entries about them',
          description: 'Recorded before it is answered: in the audit log (privacy.exported, subject person:<pseudonym>) and the access log (person.export, and ticket.export for each ticket). Nothing is made: someone without a pseudonym (known only from before sealing) is exported with pseudonym null, recorded under user:<account id> or person:unsealed, and with ticket.export entries only. The address travels in the body, not the URL. A requester downloads their own data from the portal (the form on /account/export: the public side of each ticket).',
          parameters: [langHeader, accessReasonHeader],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PersonExportRequest' } } } },
          responses: {
            '200': { description: 'The export.', content: { 'application/json': { schema: { $ref: '#/components/schemas/PersonExport' } } } },
            '400': err('Malformed JSON, or a reason that has line breaks or an e-mail address.'),
            '404': err('No one with this address is known: no account, no ticket. Nothing was recorded.'),
            '422': err('The address or the reason is missing or invalid; nothing was recorded.'),
            '503': err('PostgreSQL is unreachable, or the export could not be recorded; nothing was answered.'),
          },
        },
      },
      '/api/v1/privacy/erasures': {
        post: {
          operationId: 'erasePerson',
          summary: 'Erase a person (admins only): their data keys destroyed, account and plain-text copies deleted; tickets, timelines and SLA figures stay, showing "[erased]"',
          description: 'The same as `helpdesk privacy erase`. Recorded in the erasure ledger (pseudonymous, re-applied after a restore) and the audit log (privacy.erased, with the reason). The reason stays in the audit log for good: the legal ground and a case reference, never a name or an address. See docs/privacy.md.',
          parameters: [langHeader],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['email', 'reason'], additionalProperties: false, properties: { email: { type: 'string', format: 'email' }, reason: { type: 'string', minLength: 1, maxLength: 500 } } } } } },
          responses: {
            '200': { description: 'What was erased.', content: { 'application/json': { schema: { type: 'object', required: ['person', 'tickets', 'keysDestroyed', 'accountDeleted', 'legacyTickets'], properties: { person: { type: ['string', 'null'], description: 'The pseudonym the person\'s actions stay attributed to.' }, tickets: { type: 'array', items: { type: 'string' } }, keysDestroyed: { type: 'integer' }, accountDeleted: { type: 'boolean' }, legacyTickets: { type: 'array', items: { type: 'string' }, description: 'Tickets reported before sealing: scrubbed in the database; Temporal keeps their plain history until its retention.' } } } } } },
            '403': err('Only admins erase people.'),
            '404': err('No personal data is held about this address (never known, or erased already). Nothing changed.'),
            '422': err('The address is malformed, or the reason is missing, too long or holds an e-mail address. Nothing changed.'),
            '503': err('PostgreSQL is unreachable; nothing was erased (a ledger line written before is completed by `helpdesk privacy reapply-erasures`).'),
          },
        },
      },
      '/api/v1/privacy/access-log': {
        get: {
          operationId: 'accessLog',
          summary: 'Who of the staff read which ticket\'s personal data, when and why; newest first (admins and auditors)',
          parameters: [
            { name: 'ticket', in: 'query', required: false, schema: { type: 'string', pattern: '^[A-Z]{1,8}-\\d{4}-\\d{6,}$' }, description: 'Only entries about this ticket.' },
            { name: 'person', in: 'query', required: false, schema: { type: 'string', format: 'email' }, description: 'Only entries about this person: their pseudonym and the tickets reported for their address. The address is then in the URL; query by ticket or pseudonym where URLs are logged. After an erasure the address leads to no one (404): use pseudonym.' },
            { name: 'pseudonym', in: 'query', required: false, schema: { type: 'string', format: 'uuid' }, description: 'Only entries naming this pseudonym (the `person` of an entry; an erasure reports it): how an erased person\'s entries are still found. With other parameters, all apply.' },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
            langHeader,
          ],
          responses: {
            '200': { description: 'The entries.', content: { 'application/json': { schema: { $ref: '#/components/schemas/AccessLog' } } } },
            '400': err('Not a ticket number, or a parameter given twice.'),
            '404': err('No one with this address is known.'),
            '422': err('The person is not an e-mail address, the pseudonym not a UUID, or the limit not a whole number from 1 to 1000.'),
            '503': err('PostgreSQL is unreachable.'),
          },
        },
      },
      ...peoplePaths,
      ...integrationPaths,
      ...rulesAdminPaths,
      ...auditPaths,
      ...auditRunsPaths,
      ...ticketBulkPaths,
      ...ticketContextPaths,
      ...ticketMergePaths,
      ...agentWorkspacePaths,
      '/api/v1/openapi.json': {
        get: { operationId: 'openApi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document.' } } },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness and dependencies',
          description: '`{ status, postgres, temporal, workers }`: each part `ok` or `down`; `workers` is `ok` when a worker polled the ticket task queue in the last 90 seconds, `none` when none did (tickets are taken but no SLA timer is acted on: alert), `unknown` while Temporal is down or does not say in time.',
          responses: { '200': { description: 'This process can take requests; `status` is `degraded` when no worker polls.' }, '503': { description: 'PostgreSQL or Temporal is down.' } },
        },
      },
    },
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token from `helpdesk token create --email …`; its user\'s role decides what the caller may do.' },
      },
      schemas: {
        CreateTicketRequest: createTicketRequest,
        Ticket: ticketResponse,
        TicketStaff: ticketStaffResponse,
        TicketPublic: ticketPublicResponse,
        Accepted: acceptedResponse,
        Error: errorResponse,
        Sla: slaResponse,
        SlaStaff: slaStaffResponse,
        SlaPublic: slaPublicResponse,
        RequesterReply: requesterReplyRequest,
        Reclassify: reclassifyRequest,
        PersonExportRequest: personExportRequest,
        PersonExport: personExportResponse,
        AccessEntry: accessEntry,
        AccessLog: accessLogResponse,
        AddPersonRequest: addPersonRequest,
        ChangePersonRequest: changePersonRequest,
        ...peopleSchemas,
        ...integrationSchemas,
        ...rulesAdminSchemas,
        ...auditSchemas,
        ...auditRunsSchemas,
        ...ticketBulkSchemas,
        ...ticketContextSchemas,
        ...ticketListSchemas,
        ...ticketMergeSchemas,
        ...agentWorkspaceSchemas,
        ...Object.fromEntries(TICKET_ACTIONS.map((a) => [`Action_${a}`, actionBodies[a]])),
      },
    },
  };
  // Every ticket and privacy route needs a bearer token; the document and the health check do not.
  for (const [p, ops] of Object.entries(doc.paths) as Array<[string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>]>) {
    for (const op of Object.values(ops)) {
      if (!['/api/v1/tickets', '/api/v1/privacy', '/api/v1/rules', '/api/v1/people', '/api/v1/agent/', '/api/v1/teams/', '/api/v1/integrations', '/api/v1/me/'].some((prefix) => p.startsWith(prefix))) {
        op.security = [];
        continue;
      }
      op.responses['401'] = err('No API token, or a token that is not valid.');
      // A path's own 403 (who may) is kept; the others get the general one.
      op.responses['403'] ??= err('The caller\'s role may not do this.');
    }
  }
  return doc;
}
