/**
 * The auditors' routes in the OpenAPI document (api/routes/audit.ts): a ticket's replay check
 * and the audit log with filters. Auditors and admins only.
 */
const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' };
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, schema, description });
const number = { name: 'number', in: 'path', required: true, schema: { type: 'string' }, example: 'HD-2026-000042' };
const forbidden = err('Not an auditor or admin.');
const anyValue = { description: 'A value as recorded or recomputed (JSON).' };

const difference = {
  type: 'object',
  required: ['kind', 'runId', 'eventId'],
  properties: {
    kind: { enum: ['determinism', 'decision', 'deadline', 'policy', 'rules_version'] },
    runId: { type: 'string' },
    eventId: { type: ['integer', 'null'], description: 'The history event where it was found.' },
    eventType: { type: ['string', 'null'], description: 'determinism: the type of the event the code diverges at.' },
    message: { type: 'string', description: 'determinism: the SDK\'s message.' },
    field: { type: 'string', description: 'decision, deadline, policy, rules_version: what differs (priority, response.deadlineAt, policy.calendar …).' },
    recorded: anyValue,
    recomputed: anyValue,
  },
};

const verdict = {
  type: 'object',
  required: ['ticket', 'workflowId', 'checkedAt', 'reproducible', 'runs', 'checked', 'differences', 'unchecked'],
  properties: {
    ticket: { type: 'string' },
    workflowId: { type: 'string' },
    checkedAt: { type: 'string', format: 'date-time' },
    reproducible: { type: 'boolean', description: 'Every run replayed and every decision and deadline was reproduced; what could not be checked is listed in `unchecked` and does not count against it.' },
    runs: {
      type: 'array',
      items: {
        type: 'object', required: ['runId', 'origin', 'eventCount', 'sha256', 'status'],
        properties: { runId: { type: 'string' }, origin: { enum: ['temporal', 'archive'] }, eventCount: { type: 'integer' }, sha256: { type: 'string' }, status: { type: 'string' } },
      },
    },
    checked: { type: 'object', required: ['decisions', 'plans'], properties: { decisions: { type: 'integer' }, plans: { type: 'integer' } } },
    differences: { type: 'array', items: ref('ReplayDifference') },
    unchecked: {
      type: 'array',
      items: { type: 'object', required: ['runId', 'what', 'why'], properties: { runId: { type: ['string', 'null'] }, what: { type: 'string' }, why: { type: 'string' } } },
    },
  },
};

const entry = {
  type: 'object',
  required: ['seq', 'occurredAt', 'actor', 'action', 'subject', 'details', 'prevHash', 'hash'],
  properties: {
    seq: { type: 'integer' }, occurredAt: { type: 'string', format: 'date-time' }, actor: { type: 'string' }, action: { type: 'string' },
    subject: { type: 'string' }, details: { type: 'object' }, prevHash: { type: 'string' }, hash: { type: 'string' },
  },
};

export const auditPaths = {
  '/api/v1/audit/tickets/{number}/replay': {
    post: {
      operationId: 'replayCheckTicket',
      summary: 'Replay the ticket\'s recorded history through the current workflow code and recompute its decisions and deadlines (docs/audit-replay.md)',
      parameters: [number, lang],
      responses: { '200': json(ref('ReplayVerdict'), 'The verdict: reproducible, or each difference.'), '403': forbidden, '404': err('No such ticket.'), '503': err('Temporal did not answer; try again.') },
    },
  },
  '/api/v1/audit/log': {
    get: {
      operationId: 'searchAuditLog',
      summary: 'The audit log, newest first, filtered; page with `before` = the previous page\'s next.before',
      parameters: [
        lang,
        query('actor', { type: 'string' }, 'Exactly, or a prefix ending in * (user:*).'),
        query('action', { type: 'string' }, 'Exactly, or a prefix ending in * (rules.*).'),
        query('subject', { type: 'string' }, 'Exactly (rules:3, user:12).'),
        query('from', { type: 'string' }, 'From this date (UTC) or ISO instant, inclusive.'),
        query('to', { type: 'string' }, 'To this date (UTC) or ISO instant, exclusive.'),
        query('before', { type: 'integer', minimum: 1 }, 'Entries with a lower number than this.'),
        query('limit', { type: 'integer', minimum: 1, maximum: 1000 }, 'Entries per page (default 50).'),
      ],
      responses: {
        '200': json({ type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: ref('AuditEntry') }, next: { type: 'object', properties: { before: { type: 'integer' } } } } }, 'One page of entries.'),
        '400': err('A query parameter is not a date, a number or given twice.'),
        '403': forbidden,
      },
    },
  },
};

export const auditSchemas = { ReplayVerdict: verdict, ReplayDifference: difference, AuditEntry: entry };
