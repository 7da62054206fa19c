/**
 * The ticket's context for agents in the OpenAPI document (api/routes/ticket-context.ts): the
 * requester's card, knowledge-base suggestions and reply templates, and the likely duplicates.
 */
const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const number = { name: 'number', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z]{1,8}-\\d{4}-\\d{6,}$' }, example: 'HD-2026-000042' };
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages and of the templates\' names: pl, en or de (default en).' };
const reason = { name: 'X-Access-Reason', in: 'header', required: false, schema: { type: 'string', maxLength: 500 }, description: 'Why you read it (kept in the access log): one line, no e-mail address; percent-encoded UTF-8 or plain ASCII.' };
const status = { type: 'string', description: 'The ticket\'s status (workflows/types.ts TicketStatus).' };

const ticketBrief = {
  type: 'object',
  required: ['number', 'title', 'status', 'priority', 'createdAt', 'updatedAt'],
  properties: {
    number: { type: 'string' }, title: { type: 'string', description: 'Opened; "[erased]" (in the reader\'s language) where its words were erased.' },
    status, priority: { type: ['string', 'null'] }, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
  },
};

const requesterCard = {
  type: ['object', 'null'],
  description: 'Null when the requester was erased (nothing of theirs is shown).',
  required: ['displayName', 'email', 'organisation', 'department', 'serviceLevel', 'vip', 'language', 'open', 'past'],
  properties: {
    displayName: { type: ['string', 'null'], description: 'The name of their account; null without one.' },
    email: { type: ['string', 'null'] },
    organisation: { type: ['string', 'null'] }, department: { type: ['string', 'null'] }, serviceLevel: { type: ['string', 'null'] },
    vip: { type: 'boolean' }, language: { type: ['string', 'null'], description: 'Their account\'s language; null without an account.' },
    open: { type: 'array', items: ref('TicketBrief'), description: 'Their other open tickets, newest first, at most 10.' },
    past: { type: 'array', items: ref('TicketBrief'), description: 'Their other tickets no longer open, newest first, at most 10.' },
  },
};

const kbSuggestion = {
  type: 'object',
  required: ['id', 'slug', 'title', 'excerpt', 'language', 'url'],
  properties: {
    id: { type: 'string' }, slug: { type: 'string' }, title: { type: 'string' }, excerpt: { type: 'string', maxLength: 200 },
    language: { type: 'string', description: 'The language of this version: the ticket\'s where the article has it, another otherwise.' },
    url: { type: 'string', description: 'The article in the portal (relative to the portal\'s address).' },
  },
};

const replyTemplate = {
  type: 'object',
  required: ['id', 'name', 'body'],
  properties: {
    id: { enum: ['acknowledge', 'password_reset', 'confirm_fixed', 'closing_no_response', 'escalated'] },
    name: { type: 'string', description: 'In the caller\'s language.' },
    body: { type: 'string', description: 'In the ticket\'s language (the requester reads it), with the ticket\'s number and the requester\'s name filled in.' },
  },
};

const duplicateCandidate = {
  type: 'object',
  required: ['number', 'title', 'status', 'createdAt', 'similarity', 'rank', 'sameRequester', 'sameOrganisation'],
  properties: {
    number: { type: 'string' }, title: { type: 'string' }, status, createdAt: { type: 'string', format: 'date-time' },
    similarity: { type: 'number', minimum: 0, maximum: 1, description: 'pg_trgm similarity of the two tickets\' words; 0 where PostgreSQL has no pg_trgm (rank only).' },
    rank: { type: 'number', minimum: 0, description: 'Full-text rank (ts_rank) of the candidate for this ticket\'s words.' },
    sameRequester: { type: 'boolean' }, sameOrganisation: { type: 'boolean' },
  },
};

const roles = {
  '400': err('Not a ticket number, or a bad X-Access-Reason.'),
  '403': err('Only agents and admins use the agents\' workspace.'),
  '404': err('No such ticket (a requester always gets this).'),
  '503': err('PostgreSQL is unreachable, or the read could not be recorded in the access log; nothing was answered.'),
};

export const ticketContextPaths = {
  '/api/v1/tickets/{number}/context': {
    get: {
      operationId: 'getTicketContext',
      summary: 'The whole ticket at hand for an agent: the requester\'s card (organisation, service level, VIP, their other tickets), knowledge-base suggestions and reply templates',
      description: 'Agents and admins only. Recorded in the access log first (ticket.read, channel api). Suggestions come from the ticket\'s title and description, in the ticket\'s language first; templates are named in the caller\'s language and written in the ticket\'s.',
      parameters: [number, lang, reason],
      responses: {
        '200': json(ref('TicketContext'), 'The context.'),
        ...roles,
      },
    },
  },
  '/api/v1/tickets/{number}/duplicates': {
    get: {
      operationId: 'getTicketDuplicates',
      summary: 'Likely duplicates of an open ticket: other open tickets of the same requester or organisation, by similar words (pg_trgm similarity plus full-text rank), recent first on ties',
      description: 'Agents and admins only. Merged, closed and other finished tickets are never candidates; a ticket no longer open has none. Recorded in the access log first: the ticket, and each candidate shown.',
      parameters: [number, { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 20, default: 5 } }, lang, reason],
      responses: {
        '200': json(ref('TicketDuplicates'), 'The candidates, best first.'),
        ...roles,
        '422': err('The limit is not a whole number from 1 to 20.'),
      },
    },
  },
};

export const ticketContextSchemas = {
  TicketBrief: ticketBrief,
  RequesterCard: requesterCard,
  KbSuggestion: kbSuggestion,
  ReplyTemplate: replyTemplate,
  DuplicateCandidate: duplicateCandidate,
  TicketContext: {
    type: 'object',
    required: ['number', 'requester', 'suggestions', 'templates'],
    properties: { number: { type: 'string' }, requester: ref('RequesterCard'), suggestions: { type: 'array', items: ref('KbSuggestion') }, templates: { type: 'array', items: ref('ReplyTemplate') } },
  },
  TicketDuplicates: {
    type: 'object',
    required: ['number', 'items'],
    properties: { number: { type: 'string' }, items: { type: 'array', items: ref('DuplicateCandidate') } },
  },
};
