/**
 * The JSON Schema of a new ticket: intake (services/tickets/intake.ts) validates every
 * report against it, whichever adapter brings it, and the OpenAPI document (api/schemas.ts,
 * api/openapi.ts) publishes it, so the two cannot drift apart.
 */
import { Channel, Level } from '../../workflows/types.ts';
import { LANGUAGES } from '../languages.ts';

// The enums are the workflow types' own values (workflows/types.ts), in their order.
export const level = { type: 'string', enum: Object.values(Level) } as const;
export const channel = { type: 'string', enum: Object.values(Channel) } as const;

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
    channel: { ...channel, description: 'Default api.' },
  },
} as const;

/** What intake itself requires: by then the requester is always known. */
export const createTicketIntake = { ...createTicketRequest, required: [...createTicketRequest.required, 'requesterEmail'] } as const;

export interface CreateTicketRequest {
  title: string;
  description: string;
  requesterEmail: string;
  locale?: string;
  impact?: Level;
  urgency?: Level;
  category?: string;
  channel?: Channel;
}
