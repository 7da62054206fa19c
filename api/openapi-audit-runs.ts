/**
 * The period replay check's runs in the OpenAPI document (api/routes/audit-runs.ts,
 * docs/audit-runs.md): start one, follow it, cancel it, the recent ones. Auditors and admins only.
 * The request's schema is the one the route validates with.
 */
const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' };
const runParam = { name: 'run', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const forbidden = err('Not an auditor or admin.');
const count = { type: 'integer', minimum: 0 };
const instant = { type: 'string', format: 'date-time' };
const maybeInstant = { type: ['string', 'null'], format: 'date-time' };

const day = 'A date (YYYY-MM-DD: the start of that day in UTC) or an ISO 8601 instant with a zone';

/** POST /api/v1/audit/runs. */
export const auditRunRequest = {
  type: 'object', additionalProperties: false, required: ['from', 'to'],
  properties: {
    from: { type: 'string', maxLength: 40, description: `${day}: tickets closed, cancelled or merged from then (included) …`, example: '2026-11-01' },
    to: { type: 'string', maxLength: 40, description: `… until then (not included); at most 366 days after from. ${day}.`, example: '2026-12-01' },
  },
} as const;

const differingTicket = {
  type: 'object', required: ['number', 'unreadable', 'differences', 'kinds'],
  properties: {
    number: { type: 'string', example: 'HD-2026-000042' },
    unreadable: { type: 'boolean', description: 'None of its history could be read (neither Temporal nor the archive holds it).' },
    differences: count,
    kinds: { type: 'array', items: { enum: ['determinism', 'decision', 'deadline', 'policy', 'rules_version', 'integrity'] }, description: 'Which checks found a difference; the ticket\'s own replay check (POST /api/v1/audit/tickets/{number}/replay) gives each one.' },
  },
};

const run = {
  type: 'object',
  required: ['id', 'requestedBy', 'status', 'period', 'done', 'total', 'counts', 'differing', 'createdAt', 'startedAt', 'updatedAt', 'cancelRequestedAt', 'finishedAt', 'error', 'cancelling'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    requestedBy: { type: ['integer', 'null'], description: 'The user id of the auditor or admin who started it; null once that account was deleted.' },
    status: { enum: ['queued', 'running', 'done', 'cancelled', 'failed'] },
    period: { type: 'object', required: ['from', 'to'], properties: { from: instant, to: instant }, description: 'Tickets closed, cancelled or merged from `from` (included) to `to` (not included).' },
    done: { ...count, description: 'Tickets checked so far.' },
    total: { type: ['integer', 'null'], minimum: 0, description: 'Tickets in the period; null until counted.' },
    counts: { type: 'object', required: ['reproducible', 'differing', 'unreadable'], properties: { reproducible: count, differing: count, unreadable: count } },
    differing: { type: 'array', maxItems: 500, items: ref('AuditRunDifferingTicket'), description: 'The first 500 tickets not reproducible, in the order found; counts.differing + counts.unreadable is how many in all.' },
    createdAt: instant, startedAt: maybeInstant, updatedAt: instant, cancelRequestedAt: maybeInstant, finishedAt: maybeInstant,
    error: { enum: ['startFailed', 'checkFailed', 'stopped', null], description: 'Why a failed run failed: its workflow could not be started, every attempt stopped with an error, or its attempts timed out.' },
    cancelling: { type: 'boolean', description: 'A cancellation was asked for and the run has not stopped yet.' },
  },
};

export const auditRunsPaths = {
  '/api/v1/audit/runs': {
    post: {
      operationId: 'startAuditRun',
      summary: 'Start the replay check of every ticket closed, cancelled or merged in a period, on a worker (docs/audit-runs.md); follow it with GET …/runs/{run}',
      parameters: [lang],
      requestBody: { required: true, content: { 'application/json': { schema: ref('AuditRunRequest') } } },
      responses: {
        '202': { ...json(ref('AuditRun'), 'Queued: the run as it is now.'), headers: { Location: { schema: { type: 'string' } } } },
        '400': err('Malformed JSON.'),
        '403': forbidden,
        '409': err('Another period check is queued or running (code AUDIT_RUN_IN_PROGRESS): one runs at a time; nothing was started.'),
        '422': err('from or to is missing or not a date, to is not after from, or the period is longer than 366 days (each named in `fields`); nothing was started.'),
        '503': err('PostgreSQL or Temporal is unreachable; nothing runs, try again.'),
      },
    },
    get: {
      operationId: 'listAuditRuns',
      summary: 'The recent period checks, newest first',
      parameters: [lang, { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 }, description: 'How many (default 20).' }],
      responses: { '200': json({ type: 'object', required: ['runs'], properties: { runs: { type: 'array', items: ref('AuditRun') } } }, 'The runs.'), '400': err('limit is not a number from 1 to 100.'), '403': forbidden },
    },
  },
  '/api/v1/audit/runs/{run}': {
    get: {
      operationId: 'getAuditRun',
      summary: 'A period check: its status, progress, counts and the differing tickets',
      parameters: [runParam, lang],
      responses: { '200': json(ref('AuditRun'), 'The run.'), '403': forbidden, '404': err('No such run.'), '503': err('PostgreSQL is unreachable.') },
    },
  },
  '/api/v1/audit/runs/{run}/cancel': {
    post: {
      operationId: 'cancelAuditRun',
      summary: 'Stop a period check that has not finished (it stops after the batch it is checking); a finished one is answered as it is',
      parameters: [runParam, lang],
      responses: { '200': json(ref('AuditRun'), 'The run, cancelled or cancelling.'), '403': forbidden, '404': err('No such run.'), '503': err('PostgreSQL is unreachable.') },
    },
  },
};

export const auditRunsSchemas = { AuditRunRequest: auditRunRequest, AuditRun: run, AuditRunDifferingTicket: differingTicket };
