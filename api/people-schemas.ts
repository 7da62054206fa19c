/**
 * The people routes (api/routes/people.ts) in the OpenAPI document: the request bodies are the
 * ones the service validates (services/people/schemas.ts); the answers and the paths are here,
 * spread into api/openapi.ts.
 */
import { LANGUAGES } from '../services/languages.ts';
import { PEOPLE_ROLES } from '../services/people/index.ts';

export { addPersonRequest, changePersonRequest } from '../services/people/index.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const err = (description: string) => ({ description, content: json('Error') });
const langHeader = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of error messages: pl, en or de (default en).' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 }, description: 'The staff member\'s user id.' };

export const personResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'email', 'displayName', 'role', 'teamId', 'teamName', 'tier', 'teamLead', 'teamInRules', 'locale', 'timeZone', 'active', 'deactivatedAt', 'secondFactor'],
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string', enum: [...PEOPLE_ROLES] },
    teamId: { type: ['string', 'null'] },
    teamName: { type: ['string', 'null'], description: 'The team\'s name in the active rules version.' },
    tier: { type: ['string', 'null'], description: 'Their team\'s tier (L1, L2, L3 …); null without a team.' },
    teamLead: { type: 'boolean', description: 'Whether they lead their team (agents only): they see its load and who holds what, and reassign (/agent/team).' },
    teamInRules: { type: 'boolean', description: 'False when the active rules version no longer has their team: move them to another.' },
    locale: { type: 'string', enum: [...LANGUAGES] },
    timeZone: { type: 'string' },
    active: { type: 'boolean', description: 'False while deactivated: no sign-in anywhere, no API token.' },
    deactivatedAt: { type: ['string', 'null'], format: 'date-time' },
    secondFactor: { type: 'boolean', description: 'Whether they have set up their authenticator (then no enrolment code is issued).' },
  },
} as const;

export const teamResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'tier', 'tierName'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, tier: { type: 'string' }, tierName: { type: ['string', 'null'] } },
} as const;

export const enrolmentCodeResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'expiresAt', 'hours'],
  description: 'Shown this once (only its hash is kept). They type it at their first staff sign-in, before setting up their authenticator app. Hand it over yourself, not by e-mail to their address; an earlier code no longer works.',
  properties: { code: { type: 'string', example: 'K7QM-3XRT-8HWN' }, expiresAt: { type: 'string', format: 'date-time' }, hours: { type: 'integer' } },
} as const;

export const peopleListResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['people', 'teams'],
  properties: { people: { type: 'array', items: ref('Person') }, teams: { type: 'array', items: ref('Team'), description: 'The teams of the active rules version, in its tiers\' order.' } },
} as const;

export const personAddedResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['person', 'enrolmentCode', 'promoted'],
  properties: {
    person: ref('Person'),
    enrolmentCode: { oneOf: [ref('EnrolmentCode'), { type: 'null' }], description: 'Null when they have set up an authenticator already.' },
    promoted: { type: 'boolean', description: 'True when the address was a requester\'s account, which is now this staff member\'s.' },
  },
} as const;

export const peopleSchemas = {
  Person: personResponse,
  Team: teamResponse,
  EnrolmentCode: enrolmentCodeResponse,
  PeopleList: peopleListResponse,
  PersonAdded: personAddedResponse,
};

const who = 'Process owners and admins; everyone else gets 403.';

export const peoplePaths = {
  '/api/v1/people': {
    get: {
      operationId: 'listPeople',
      summary: 'Staff (everyone but requesters) with their role, team, tier, language and status, by name',
      description: `${who} The same list as the /admin/people page.`,
      parameters: [
        { name: 'role', in: 'query', required: false, schema: { type: 'string', enum: [...PEOPLE_ROLES] } },
        { name: 'team', in: 'query', required: false, schema: { type: 'string', maxLength: 64 }, description: 'A team id, or `none` for staff without a team.' },
        { name: 'active', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false', 'all'], default: 'all' } },
        langHeader,
      ],
      responses: {
        '200': { description: 'The staff and the teams of the active rules version.', content: json('PeopleList') },
        '422': err('A filter is not one of its values (each named in `fields`).'),
      },
    },
    post: {
      operationId: 'addPerson',
      summary: 'Add a staff member; answers the enrolment code of their first sign-in, this once',
      description: `${who} Only an admin gives the admin or the auditor role, or adds an address that has a requester account (which then becomes the staff member's, its web sessions ended). Audited (user.created; a requester account of the address made staff: user.role_changed; staff.enrolment_code_issued). See docs/people.md.`,
      parameters: [langHeader],
      requestBody: { required: true, content: json('AddPersonRequest') },
      responses: {
        '201': { description: 'Added.', headers: { Location: { schema: { type: 'string' } } }, content: json('PersonAdded') },
        '400': err('Malformed JSON.'),
        '409': err('The address is a staff member\'s already (the message names their id).'),
        '422': err('A field is missing or invalid (each named in `fields`): an agent needs a team of the active rules version; only an agent is a team lead (`teamLead`).'),
      },
    },
  },
  '/api/v1/people/{id}': {
    get: {
      operationId: 'getPerson',
      summary: 'One staff member',
      description: who,
      parameters: [idParam, langHeader],
      responses: { '200': { description: 'The staff member.', content: json('Person') }, '404': err('No staff member has this id.') },
    },
    patch: {
      operationId: 'changePerson',
      summary: 'Change a staff member\'s role, team, team lead flag, language, time zone or name; deactivate or reactivate them',
      description: `${who} Nobody changes their own role or deactivates themselves; only an admin gives or takes away the admin or the auditor role or changes, deactivates or reactivates an admin's or an auditor's account. \`teamLead\` is set by whoever may change the person's team; only agents lead a team (422 on \`teamLead\` otherwise), and an agent given another role stops leading. Deactivating ends their web sessions, revokes their API tokens and withdraws an unused enrolment code. Audited (user.changed, user.deactivated, user.reactivated).`,
      parameters: [idParam, langHeader],
      requestBody: { required: true, content: json('ChangePersonRequest') },
      responses: {
        '200': { description: 'The staff member as they are now.', content: json('Person') },
        '400': err('Malformed JSON.'),
        '404': err('No staff member has this id.'),
        '422': err('A field is invalid (each named in `fields`): e.g. `teamLead` true for someone who is not (or is made no longer) an agent; nothing changed.'),
      },
    },
  },
  '/api/v1/people/{id}/enrolment-codes': {
    post: {
      operationId: 'issueEnrolmentCode',
      summary: 'A new enrolment code for a staff member\'s first sign-in, shown once (as `helpdesk user enrolment-code`)',
      description: `${who} Only an admin issues one for an admin or an auditor. An earlier code stops working. Audited (staff.enrolment_code_issued).`,
      parameters: [idParam, langHeader],
      responses: {
        '201': { description: 'The code.', content: json('EnrolmentCode') },
        '404': err('No staff member has this id.'),
        '409': err('They are deactivated, or have set up an authenticator already (a reset gives a code then: `helpdesk user reset-second-factor`).'),
      },
    },
  },
};
