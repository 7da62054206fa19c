/**
 * JSON Schemas of the REST API's bodies. Validation uses them and the OpenAPI
 * document publishes them, so the two cannot drift apart.
 */
import { LANGUAGES } from './i18n.ts';

const level = { type: 'string', enum: ['high', 'medium', 'low'] } as const;

export const createTicketRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'description'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', 'x-blank-is-missing': true, example: 'VPN disconnects every few minutes' },
    description: { type: 'string', minLength: 1, maxLength: 20000, pattern: '\\S', 'x-blank-is-missing': true },
    requesterEmail: { type: 'string', format: 'email', maxLength: 254, description: 'Whom the ticket is for. Requesters may leave it out (it is them); agents must give it.' },
    locale: { type: 'string', enum: [...LANGUAGES], description: 'Language the requester follows the ticket in. Defaults to the request language.' },
    impact: { ...level, description: 'How many are affected: high = the whole company, medium = a team, low = only me. Default low.' },
    urgency: { ...level, description: 'How soon it hurts: high = work stopped, medium = work impaired, low = can wait. Default medium.' },
    category: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' },
    channel: { type: 'string', enum: ['portal', 'api', 'email', 'phone'], description: 'Default api.' },
  },
} as const;

/** What intake itself requires: by then the requester is always known. */
export const createTicketIntake = { ...createTicketRequest, required: [...createTicketRequest.required, 'requesterEmail'] } as const;

export interface CreateTicketRequest {
  title: string;
  description: string;
  requesterEmail: string;
  locale?: string;
  impact?: 'high' | 'medium' | 'low';
  urgency?: 'high' | 'medium' | 'low';
  category?: string;
  channel?: 'portal' | 'api' | 'email' | 'phone';
}

const ticketEvent = {
  type: 'object',
  required: ['seq', 'type', 'actor', 'reason', 'data', 'occurredAt'],
  properties: {
    seq: { type: 'integer' },
    type: { type: 'string' },
    actor: { type: 'string' },
    reason: { type: ['string', 'null'] },
    data: { type: 'object' },
    occurredAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const ticketResponse = {
  type: 'object',
  required: ['number', 'title', 'description', 'requesterEmail', 'locale', 'channel', 'impact', 'urgency', 'category', 'priority', 'status', 'tier', 'teamId', 'assignee', 'rulesVersion', 'createdAt', 'updatedAt', 'timeline'],
  properties: {
    number: { type: 'string', example: 'HD-2026-000042' },
    title: { type: 'string' },
    description: { type: 'string' },
    requesterEmail: { type: 'string' },
    locale: { type: 'string' },
    channel: { type: 'string' },
    impact: level,
    urgency: level,
    category: { type: ['string', 'null'] },
    priority: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed', 'reopened', 'cancelled'] },
    tier: { type: ['string', 'null'] },
    teamId: { type: ['string', 'null'] },
    assignee: { type: ['string', 'null'] },
    rulesVersion: { type: ['integer', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    timeline: { type: 'array', items: ticketEvent },
  },
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
const tier = { type: 'string', minLength: 1, maxLength: 32 } as const;
/** Action bodies: the actor is the caller (their API token), never a field. */
const body = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties }) as const;

/** The body of POST /api/v1/tickets/{number}/actions/{action}, per action. */
export const actionBodies = {
  assign: body(['assignee'], { assignee: { type: 'string', minLength: 1, maxLength: 254 }, team: { type: 'string', minLength: 1, maxLength: 64 } }),
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

export const slaResponse = {
  type: 'object',
  required: ['number', 'policy', 'calendar', 'clocks'],
  properties: {
    number: { type: 'string' },
    policy: { type: ['string', 'null'] },
    calendar: { type: ['string', 'null'] },
    clocks: { type: 'array', items: clockView },
  },
} as const;
