/**
 * The auditors' routes in the OpenAPI document (api/routes/audit.ts): a ticket's replay check,
 * its timeline in words and the audit log with filters. Auditors and admins only.
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
    kind: { enum: ['determinism', 'decision', 'deadline', 'policy', 'rules_version', 'integrity'] },
    runId: { type: 'string' },
    eventId: { type: ['integer', 'null'], description: 'The history event where it was found.' },
    eventType: { type: ['string', 'null'], description: 'determinism: the type of the event the code diverges at.' },
    message: { type: 'string', description: 'determinism: the SDK\'s message.' },
    field: { type: 'string', description: 'decision, deadline, policy, rules_version: what differs (priority, response.deadlineAt, policy.calendar …); integrity: sha256, an archived history changed after archiving (recorded: the sha256 when archived, recomputed: now).' },
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

const why = {
  type: ['object', 'null'],
  description: 'Why the helpdesk did it (null for a person\'s plain action): a title and sentences, with what it rests on (decision and pause are indexes into decisions and pauses).',
  required: ['anchor', 'kind', 'title', 'sentences'],
  properties: {
    anchor: { type: 'string' }, kind: { enum: ['decision', 'priority', 'warning', 'breach', 'ladder', 'pause', 'auto_close'] }, title: { type: 'string' },
    sentences: { type: 'array', items: { type: 'string' } }, decision: { type: 'integer' }, pause: { type: 'integer' }, calendar: { type: 'string' },
    step: { type: 'object' }, ladder: { type: 'object' }, policy: { type: 'object' },
  },
};

const timelineEntry = {
  type: 'object',
  required: ['seq', 'type', 'at', 'when', 'actor', 'actorText', 'automated', 'reason', 'reasonSealed', 'text', 'details', 'deadlines', 'due', 'notifications', 'why'],
  properties: {
    seq: { type: 'integer' }, type: { type: 'string' }, at: { type: 'string', format: 'date-time' },
    when: { type: 'string', description: '`at` in the reader\'s language and time zone.' },
    actor: { type: 'string' }, actorText: { type: 'string' }, automated: { type: 'boolean', description: 'Done by the rules, an SLA clock, the ladder or the system.' },
    reason: { type: ['string', 'null'] }, reasonSealed: { type: 'boolean' }, text: { type: 'string' },
    details: { type: 'array', items: { type: 'string' } },
    deadlines: { type: 'array', items: { type: 'object', required: ['clock', 'state', 'dueAt', 'breached', 'text'], properties: { clock: { enum: ['response', 'resolution'] }, state: { enum: ['running', 'paused', 'stopped', 'none'] }, dueAt: { type: ['string', 'null'], format: 'date-time' }, breached: { type: 'boolean' }, text: { type: 'string' } } } },
    due: { type: 'array', items: { type: 'object', required: ['id', 'clock', 'kind', 'at', 'text'], properties: { id: { type: 'string' }, clock: { type: 'string' }, kind: { enum: ['warning', 'breach', 'ladder'] }, at: { type: 'string', format: 'date-time' }, text: { type: 'string' } } } },
    notifications: { type: 'array', items: { type: 'object', required: ['kind', 'roles', 'queuedAt', 'status', 'text'], properties: { kind: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, queuedAt: { type: 'string', format: 'date-time' }, status: { enum: ['queued', 'delivered'] }, deliveredAt: { type: ['string', 'null'] }, text: { type: 'string' } } } },
    why,
  },
};

const timeline = {
  type: 'object',
  description: 'The ticket\'s timeline in the reader\'s words (docs/audit-timeline.md): every sentence already in the reader\'s language, every figure beside it as data.',
  required: ['ticket', 'workflowId', 'language', 'timeZone', 'status', 'statusText', 'builtAt', 'history', 'entries', 'decisions', 'pauses', 'calendars'],
  properties: {
    ticket: { type: 'string' }, workflowId: { type: 'string' }, language: { enum: ['pl', 'en', 'de'] }, timeZone: { type: 'string' },
    status: { type: 'string' }, statusText: { type: 'string' }, builtAt: { type: 'string', format: 'date-time' },
    history: {
      type: 'object', required: ['complete', 'runs', 'missing', 'notes'],
      properties: { complete: { type: 'boolean' }, runs: { type: 'array', items: { type: 'object' } }, missing: { type: 'array', items: { type: 'object' } }, notes: { type: 'array', items: { type: 'string' }, description: 'Where the history came from and what is not shown because a part of it is not there.' } },
    },
    entries: { type: 'array', items: ref('TimelineEntry') },
    decisions: { type: 'array', items: { type: 'object', description: 'Each classification: rules version and hash, outcome, rules fired in order and why the others did not, policy, calendar, ladder.' } },
    pauses: { type: 'array', items: { type: 'object' } },
    calendars: { type: 'array', items: { type: 'object', description: 'Each calendar a decision named: time zone, hours per weekday, holidays, or 24×7.' } },
  },
};

export const auditPaths = {
  '/api/v1/audit/tickets/{number}/timeline': {
    get: {
      operationId: 'ticketTimeline',
      summary: 'The ticket\'s timeline in words, in the caller\'s language (Accept-Language) and time zone (their profile\'s); the read is recorded in the access log',
      parameters: [number, lang, { name: 'X-Access-Reason', in: 'header', required: false, schema: { type: 'string', maxLength: 500 }, description: 'Why you read it, kept in the access log (percent-encoded UTF-8; no personal data).' }],
      responses: { '200': json(ref('Timeline'), 'The timeline.'), '400': err('The reason is not one line of at most 500 characters, or names a person.'), '403': forbidden, '404': err('No such ticket.'), '503': err('The access log could not be written; nothing was shown. Try again.') },
    },
  },
  '/api/v1/audit/tickets/{number}/replay': {
    post: {
      operationId: 'replayCheckTicket',
      summary: 'Replay the ticket\'s recorded history through the current workflow code and recompute its decisions and deadlines (docs/audit-replay.md)',
      parameters: [number, lang],
      responses: { '200': json(ref('ReplayVerdict'), 'The verdict: reproducible, or each difference.'), '403': forbidden, '404': err('No such ticket.'), '503': err('Temporal did not answer; try again.') },
    },
  },
  '/api/v1/audit/tickets/{number}/evidence': {
    post: {
      operationId: 'exportTicketEvidence',
      summary: 'The ticket\'s signed evidence bundle (docs/audit-proof.md), its timeline in the caller\'s language; the export is recorded in the audit log and covered by a new signed checkpoint. Check it offline with `helpdesk audit verify-bundle FILE`',
      parameters: [number, lang],
      responses: {
        '200': json({ type: 'object', required: ['format', 'files', 'manifest', 'checkpoint', 'signature'], description: 'The bundle exactly as `helpdesk audit export` writes it (Content-Disposition: attachment).' }, 'The bundle.'),
        '403': forbidden, '404': err('No such ticket.'), '503': err('Temporal or PostgreSQL did not answer, or the signing key could not be read; nothing was signed. Try again.'),
      },
    },
  },
  '/api/v1/audit/population': {
    post: {
      operationId: 'exportAuditPopulation',
      summary: 'A period\'s population for sampling: every ticket closed, cancelled or merged in [from, to) with its SLA outcome, as CSV with the query, row count and SHA-256, in a signed bundle (as `helpdesk audit population`); recorded in the audit log with a new signed checkpoint',
      parameters: [lang],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string', description: 'A day (UTC) or a zoned ISO instant, inclusive.' }, to: { type: 'string', description: 'A day (UTC) or a zoned ISO instant, exclusive; at most 366 days after from.' } } } } },
      },
      responses: {
        '200': json({ type: 'object', required: ['format', 'files', 'manifest', 'checkpoint', 'signature'], description: 'The bundle exactly as `helpdesk audit population` writes it (Content-Disposition: attachment).' }, 'The bundle.'),
        '403': forbidden, '422': err('from or to is missing or not a date, to is not after from, or the period is longer than 366 days (each named in `fields`); nothing was written.'), '503': err('PostgreSQL did not answer; nothing was signed. Try again.'),
      },
    },
  },
  '/api/v1/audit/verify': {
    get: {
      operationId: 'verifyAuditLog',
      summary: 'The audit log\'s proof, as `helpdesk audit verify` gives it: every entry\'s hash recomputed from entry 1 and every signed checkpoint checked; the first entry that does not match, named',
      parameters: [lang],
      responses: {
        '200': json({
          type: 'object', required: ['ok', 'chain', 'checkpoints', 'problems', 'configuredKeyId', 'otherKeys', 'firstBad'],
          properties: {
            ok: { type: 'boolean' }, chain: { type: 'object' }, checkpoints: { type: 'object', properties: { total: { type: 'integer' }, valid: { type: 'integer' }, latest: { type: ['object', 'null'] } } },
            problems: { type: 'array', items: { type: 'object' } }, configuredKeyId: { type: ['string', 'null'] }, otherKeys: { type: 'array', items: { type: 'object' } },
            firstBad: { type: ['object', 'null'], properties: { seq: { type: 'integer' }, sentence: { type: 'string' } } },
          },
        }, 'The check: ok, or the first entry that does not match and every problem.'),
        '403': forbidden, '503': err('PostgreSQL did not answer. Try again.'),
      },
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

export const auditSchemas = { ReplayVerdict: verdict, ReplayDifference: difference, AuditEntry: entry, Timeline: timeline, TimelineEntry: timelineEntry };
