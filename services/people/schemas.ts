/**
 * The JSON Schemas of adding and changing a staff member: services/people/ validates every
 * request against them, whichever adapter brings it (the admin pages, the REST API, the CLI), and
 * the OpenAPI document publishes them (api/people-schemas.ts), so the two cannot drift apart.
 */
import { LANGUAGES } from '../languages.ts';

/** The roles a staff member can have: everyone but requesters. */
export const PEOPLE_ROLES = ['agent', 'process_owner', 'auditor', 'admin'] as const;
export type PeopleRole = (typeof PEOPLE_ROLES)[number];

/** Who manages people and teams (the admin pages' guard and the API's check). */
export const PEOPLE_MANAGERS: readonly PeopleRole[] = ['process_owner', 'admin'];

const role = { type: 'string', enum: [...PEOPLE_ROLES], description: 'Only an admin gives or takes away the admin or the auditor role.' } as const;
const teamId = {
  type: ['string', 'null'], minLength: 1, maxLength: 64,
  description: 'A team of the active rules version (its `teams`); the person\'s tier is that team\'s. Agents need one; null for none.',
} as const;
const locale = { type: 'string', enum: [...LANGUAGES], description: 'The language of their pages and messages.' } as const;
const timeZone = { type: 'string', minLength: 1, maxLength: 64, description: 'An IANA time zone, e.g. Europe/Warsaw.', example: 'Europe/Warsaw' } as const;
const teamLead = {
  type: 'boolean',
  description: 'Whether they lead their team: they see its load and who holds what, and reassign (/agent/team). Only agents lead a team (422 otherwise); an agent made another role stops leading. Set as a team is set (the same who-may).',
} as const;
const displayName = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', 'x-blank-is-missing': true } as const;

export const addPersonRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'displayName', 'role', 'locale'],
  properties: {
    email: { type: 'string', format: 'email', maxLength: 254, description: 'Their work address; a requester account of the address becomes this staff member (only when an admin adds them).' },
    displayName,
    role,
    teamId,
    teamLead: { ...teamLead, description: `${teamLead.description} Default false.` },
    locale,
    timeZone: { ...timeZone, description: 'An IANA time zone. Default Europe/Warsaw.' },
  },
} as const;

export const changePersonRequest = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    displayName,
    role: { ...role, description: 'Nobody changes their own role; only an admin gives or takes away the admin or the auditor role.' },
    teamId,
    teamLead,
    locale,
    timeZone,
    active: { type: 'boolean', description: 'false deactivates: they can no longer sign in, their web sessions end and their API tokens are revoked. true reactivates (new tokens are needed). Nobody deactivates themselves.' },
  },
} as const;

export interface AddPersonInput {
  email: string;
  displayName: string;
  role: PeopleRole;
  teamId?: string | null;
  teamLead?: boolean;
  locale: string;
  timeZone?: string;
}

export interface ChangePersonInput {
  displayName?: string;
  role?: PeopleRole;
  teamId?: string | null;
  teamLead?: boolean;
  locale?: string;
  timeZone?: string;
  active?: boolean;
}
