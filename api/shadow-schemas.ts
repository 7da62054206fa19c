/**
 * JSON Schemas of shadow mode's divergence (GET /api/v1/rules/drafts/{id}/shadow,
 * services/rules-admin/shadow.ts), for the OpenAPI document (api/openapi-rules.ts).
 */
import { SHADOW_FIELDS } from '../services/rules-admin/shadow.ts';

const instant = { type: 'string', format: 'date-time' } as const;
const optionalInstant = { type: ['string', 'null'], format: 'date-time' } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;

export const shadowOutcome = {
  type: 'object',
  required: ['priority', 'category', 'team', 'tier', 'serviceLevel', 'policy', 'responseMs', 'resolutionMs', 'calendar', 'ladder', 'tags', 'notify', 'fired'],
  description: 'One side\'s decision: what it decided, as recorded.',
  properties: {
    priority: { type: 'string' }, category: { type: 'string' }, team: { type: 'string' }, tier: { type: 'string' }, serviceLevel: { type: 'string' },
    policy: { type: 'string', description: 'The SLA policy id.' },
    responseMs: { type: 'integer', description: 'The policy\'s response target, ms of its calendar\'s working time.' },
    resolutionMs: { type: 'integer', description: 'The policy\'s resolution target, ms of its calendar\'s working time.' },
    calendar: { type: 'string' }, ladder: { type: 'string' }, tags: strings, notify: strings,
    escalation: { type: ['object', 'null'], properties: { tier: { type: 'string' }, reason: { type: ['string', 'null'] }, rule: { type: 'string' } } },
    fired: { type: 'array', description: 'The rules that fired, in order.', items: { type: 'object', properties: { rule: { type: 'string' }, type: { type: 'string' }, applied: { type: 'boolean' } } } },
    notFired: strings,
    revision: { type: 'integer', description: 'On the shadow side: the draft revision that decided.' },
  },
} as const;

const field = { type: 'string', enum: [...SHADOW_FIELDS] } as const;
const count = { type: 'integer', minimum: 0 } as const;

export const shadowDivergence = {
  type: 'object',
  required: ['draftId', 'title', 'status', 'running', 'since', 'firstDecidedAt', 'lastDecidedAt', 'decided', 'diverged', 'byField', 'byCell', 'serviceLevels', 'examples'],
  properties: {
    draftId: { type: 'integer' }, title: { type: 'string' }, status: { type: 'string', enum: ['draft', 'shadow', 'published', 'dropped'] },
    running: { type: 'boolean', description: 'Whether shadow mode is on now.' },
    since: { ...optionalInstant, description: 'When the current shadow period started; null while shadow mode is off.' },
    firstDecidedAt: optionalInstant, lastDecidedAt: optionalInstant,
    decided: { ...count, description: 'New tickets the draft decided in shadow (every period it was on).' },
    diverged: { ...count, description: 'Of them, those it decided differently in at least one field.' },
    byField: { type: 'object', description: 'Per outcome field, on how many tickets it differed.', properties: Object.fromEntries(SHADOW_FIELDS.map((f) => [f, count])), required: [...SHADOW_FIELDS] },
    byCell: {
      type: 'array', description: 'Per service level × priority of the live decision.',
      items: { type: 'object', required: ['serviceLevel', 'priority', 'decided', 'diverged'], properties: { serviceLevel: { type: 'string' }, priority: { type: 'string' }, decided: count, diverged: count } },
    },
    serviceLevels: { ...strings, description: 'The rows of a service level × priority table: the active version\'s service levels, then others seen.' },
    examples: {
      type: 'array', description: 'The latest tickets it decided differently, newest first.',
      items: {
        type: 'object', required: ['ticketNumber', 'decidedAt', 'activeVersion', 'differs', 'active', 'shadow'],
        properties: {
          ticketNumber: { type: 'string' }, decidedAt: instant, activeVersion: { type: 'integer' }, differs: { type: 'array', items: field },
          active: { $ref: '#/components/schemas/ShadowOutcome' }, shadow: { $ref: '#/components/schemas/ShadowOutcome' },
        },
      },
    },
  },
} as const;
