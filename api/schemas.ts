/**
 * JSON Schemas of the REST API's bodies. Validation uses them and the OpenAPI
 * document publishes them, so the two cannot drift apart.
 */
import { PUBLIC_SLA_FIELDS, PUBLIC_TIMELINE } from './access.ts';
import { channel, level } from '../services/tickets/schemas.ts';
import { TicketStatus } from '../workflows/types.ts';

export { createTicketIntake, createTicketRequest, type CreateTicketRequest } from '../services/tickets/schemas.ts';

const status = { type: 'string', enum: Object.values(TicketStatus) } as const;
const instant = { type: 'string', format: 'date-time' } as const;
const instantOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

const ticketEvent = {
  type: 'object',
  required: ['seq', 'type', 'actor', 'reason', 'data', 'occurredAt'],
  properties: {
    seq: { type: 'integer' },
    type: { type: 'string' },
    actor: { type: 'string', description: 'Who acted: an e-mail address, or rules, sla, ladder, system.' },
    reason: { type: ['string', 'null'] },
    data: { type: 'object' },
    occurredAt: instant,
  },
} as const;

const sla = {
  type: ['object', 'null'],
  required: ['policyId', 'calendarId', 'responseTargetMs', 'resolutionTargetMs', 'responseDueAt', 'resolutionDueAt'],
  properties: {
    policyId: { type: 'string' },
    calendarId: { type: 'string' },
    businessHours: { type: 'boolean' },
    responseTargetMs: { type: 'integer' },
    resolutionTargetMs: { type: 'integer' },
    responseDueAt: instantOrNull,
    resolutionDueAt: instantOrNull,
    responded: { type: 'boolean' },
    paused: { type: 'boolean' },
    breached: { type: 'array', items: { type: 'string', enum: ['response', 'resolution'] } },
  },
} as const;

/** The whole ticket, as agents, process owners, admins and auditors read it. */
export const ticketStaffResponse = {
  type: 'object',
  description: 'The whole ticket (agents, process owners, admins, auditors): every event, internal notes and the rules\' decisions included.',
  required: ['number', 'workflowId', 'title', 'description', 'requesterEmail', 'filedBy', 'locale', 'channel', 'impact', 'urgency', 'category', 'priority', 'status', 'tier', 'teamId', 'assignee', 'rulesVersion', 'sla', 'createdAt', 'updatedAt', 'lastEventSeq', 'timeline'],
  properties: {
    number: { type: 'string', example: 'HD-2026-000042' },
    workflowId: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    requesterEmail: { type: 'string', description: 'Whom the ticket is for.' },
    filedBy: { type: ['string', 'null'], description: 'Who filed it (the API token\'s user or the portal\'s signed-in account); null when not recorded.' },
    locale: { type: 'string' },
    channel,
    impact: level,
    urgency: level,
    category: { type: ['string', 'null'] },
    priority: { type: ['string', 'null'] },
    status,
    tier: { type: ['string', 'null'] },
    teamId: { type: ['string', 'null'] },
    assignee: { type: ['string', 'null'] },
    rulesVersion: { type: ['integer', 'null'] },
    sla,
    createdAt: instant,
    updatedAt: instant,
    lastEventSeq: { type: 'integer' },
    timeline: { type: 'array', items: ticketEvent },
  },
} as const;

/** Public events and their data fields: the whitelist of api/access.ts, published. */
const publicEvent = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'type', 'actor', 'reason', 'data', 'occurredAt'],
  properties: {
    seq: { type: 'integer', description: 'The event\'s number in the ticket; numbers of internal events are skipped.' },
    type: { type: 'string', enum: Object.keys(PUBLIC_TIMELINE) },
    actor: { type: 'string', enum: ['requester', 'support', 'system'] },
    reason: { type: ['string', 'null'], description: 'Only where it is addressed to the requester (pending, resolved, reopened).' },
    data: { type: 'object', additionalProperties: false, properties: Object.fromEntries([...new Set(Object.values(PUBLIC_TIMELINE).flatMap((e) => e.data))].map((f) => [f, {}])) },
    occurredAt: instant,
  },
} as const;

/** The public side of a ticket, as its requester reads it. */
export const ticketPublicResponse = {
  type: 'object',
  description: 'The public side of a ticket (its requester): public events only, no internal notes, rules decisions, staff addresses or routing.',
  additionalProperties: false,
  required: ['number', 'title', 'description', 'requesterEmail', 'locale', 'channel', 'impact', 'urgency', 'category', 'status', 'sla', 'createdAt', 'updatedAt', 'timeline'],
  properties: {
    number: { type: 'string', example: 'HD-2026-000042' },
    title: { type: 'string' },
    description: { type: 'string' },
    requesterEmail: { type: 'string' },
    locale: { type: 'string' },
    channel,
    impact: level,
    urgency: level,
    category: { type: ['string', 'null'] },
    status,
    sla: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: [...PUBLIC_SLA_FIELDS],
      properties: Object.fromEntries(PUBLIC_SLA_FIELDS.map((k) => [k, sla.properties[k]])),
    },
    createdAt: instant,
    updatedAt: instant,
    timeline: { type: 'array', items: publicEvent },
  },
} as const;

/** The ticket: the staff's shape or the requester's, by the caller's role. */
export const ticketResponse = {
  oneOf: [{ $ref: '#/components/schemas/TicketStaff' }, { $ref: '#/components/schemas/TicketPublic' }],
  description: 'Agents, process owners, admins and auditors get TicketStaff; a requester gets TicketPublic.',
} as const;

export const acceptedResponse = {
  type: 'object',
  required: ['number', 'status', 'message'],
  properties: { number: { type: 'string' }, status: { type: 'string', enum: ['accepted'] }, message: { type: 'string' } },
} as const;

export const errorResponse = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', example: 'VALIDATION_FAILED' },
        message: { type: 'string' },
        fields: {
          type: 'array',
          items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
} as const;

// ----- ticket actions ------------------------------------------------------------------------

const reason = { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S', 'x-blank-is-missing': true } as const;
const message = { type: 'string', minLength: 1, maxLength: 20000, pattern: '\\S', 'x-blank-is-missing': true } as const;
const tier = { type: 'string', minLength: 1, maxLength: 32, description: 'A tier of the ticket\'s rules version.' } as const;
/** Action bodies: the actor is the caller (their API token), never a field. */
const body = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties }) as const;

/** The body of POST /api/v1/tickets/{number}/actions/{action}, per action. */
export const actionBodies = {
  assign: body(['assignee'], {
    assignee: { type: 'string', format: 'email', maxLength: 254, description: 'An active agent (role agent); of `team` when one is given.' },
    team: { type: 'string', minLength: 1, maxLength: 64, description: 'A team of the ticket\'s rules version; the assignee must belong to it.' },
  }),
  start: body([], {}),
  respond: body(['message'], { message }),
  comment: body(['message'], { message }),
  set_pending: body(['reason'], { reason }),
  resume: body(['reason'], { reason }),
  resolve: body(['code'], { code: { type: 'string', enum: ['solved', 'workaround', 'not_reproducible', 'duplicate', 'no_response'] }, note: { type: 'string', maxLength: 20000 } }),
  reopen: body(['reason'], { reason }),
  close: body([], { reason: { type: 'string', maxLength: 2000 } }),
  cancel: body(['reason'], { reason }),
  escalate: body(['reason'], { reason, tier }),
  deescalate: body(['reason'], { reason, tier }),
  change_priority: body(['priority', 'reason'], { priority: { type: 'string', enum: ['P1', 'P2', 'P3', 'P4'] }, reason }),
  rate: body(['score'], { score: { type: 'integer', minimum: 1, maximum: 5 }, comment: { type: 'string', maxLength: 2000 } }),
  // Not one of the generic actions: POST /api/v1/tickets/{number}/merge (api/routes/ticket-merge.ts).
  merge: body(['into', 'reason'], { into: { type: 'string', pattern: '^[A-Z]{1,8}-\\d{4}-\\d{6,}$', description: 'The ticket this one is a duplicate of (open, not this one).', example: 'HD-2026-000042' }, reason }),
} as const;

export const requesterReplyRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['message'],
  properties: { message },
} as const;

export const reclassifyRequest = body(['reason'], { reason });

const clockView = {
  type: 'object',
  required: ['name', 'targetMs', 'elapsedMs', 'remainingMs', 'deadlineAt', 'startedAt', 'stoppedAt', 'paused', 'pausedMs', 'warned', 'breached', 'breachedAt'],
  properties: {
    name: { type: 'string', enum: ['response', 'resolution'] },
    targetMs: { type: 'integer', description: 'The target in business milliseconds.' },
    elapsedMs: { type: 'integer', description: 'Business time counted so far (pauses excluded).' },
    remainingMs: { type: 'integer', description: 'Target minus elapsed; negative once breached.' },
    deadlineAt: { type: ['string', 'null'], format: 'date-time', description: 'When the target is reached if nothing pauses the clock; null while paused or stopped.' },
    startedAt: { type: 'string', format: 'date-time' },
    stoppedAt: { type: ['string', 'null'], format: 'date-time' },
    paused: { type: 'boolean' },
    pausedMs: { type: 'integer', description: 'Wall-clock time spent paused.' },
    warned: { type: 'array', items: { type: 'number' }, description: 'Warning fractions already raised.' },
    breached: { type: 'boolean' },
    breachedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/** The clocks as staff read them. */
export const slaStaffResponse = {
  type: 'object',
  required: ['number', 'policy', 'calendar', 'clocks'],
  properties: {
    number: { type: 'string' },
    policy: { type: ['string', 'null'] },
    calendar: { type: ['string', 'null'] },
    clocks: { type: 'array', items: clockView },
    merged: {
      type: ['object', 'null'], required: ['into', 'at'],
      properties: { into: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
      description: 'Merged into another ticket: which one and when; the clocks stopped then and stay frozen (neither met nor breached since). Null otherwise.',
    },
  },
} as const;

/** The clocks as a requester reads them: no policy, calendar, warnings or breaches. */
export const slaPublicResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['number', 'clocks'],
  properties: {
    number: { type: 'string' },
    clocks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'targetMs', 'elapsedMs', 'remainingMs', 'deadlineAt', 'startedAt', 'stoppedAt', 'paused'],
        properties: Object.fromEntries((['name', 'targetMs', 'elapsedMs', 'remainingMs', 'deadlineAt', 'startedAt', 'stoppedAt', 'paused'] as const).map((k) => [k, clockView.properties[k]])),
      },
    },
  },
} as const;

export const slaResponse = {
  oneOf: [{ $ref: '#/components/schemas/SlaStaff' }, { $ref: '#/components/schemas/SlaPublic' }],
  description: 'Staff get SlaStaff; a requester gets SlaPublic.',
} as const;
