/**
 * JSON Schemas of the personal-data routes (api/routes/privacy.ts) for the OpenAPI document: an
 * admin's export of a person and the access log. The request body is the one the service
 * validates (services/privacy/export.ts).
 */
import { AccessChannel, AccessKind, REASON_MAX } from '../services/privacy/access-log.ts';
import { EXPORT_FORMAT } from '../services/privacy/export.ts';

export { personExportRequest } from '../services/privacy/export.ts';

const instant = { type: 'string', format: 'date-time' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

/** The X-Access-Reason header of the routes that give staff a ticket's personal data. */
export const accessReasonHeader = {
  name: 'X-Access-Reason',
  in: 'header',
  required: false,
  schema: { type: 'string', maxLength: REASON_MAX * 9 },
  description: `Why a staff member reads this ticket, kept in the access log with who read it and when (docs/access-log.md): one line, at most ${REASON_MAX} characters, no personal data (an e-mail address is refused). Percent-encode non-ASCII text as encodeURIComponent does (\`Zg%C5%82oszenie%20VIP\`). Every staff read is recorded, with a reason or without; if it cannot be recorded the answer is 503.`,
} as const;

const accessEntryProperties = {
  id: { type: 'integer' },
  occurredAt: instant,
  viewer: { type: 'string', description: '`user:<id>` for a staff member, `cli:<os user>` for a command.' },
  viewerRole: { type: 'string', enum: ['agent', 'process_owner', 'admin', 'auditor', 'operator'] },
  ticketNumber: { type: ['string', 'null'], description: 'Null for an entry about the person as a whole (person.export).' },
  what: { type: 'string', enum: Object.values(AccessKind) },
  channel: { type: 'string', enum: Object.values(AccessChannel) },
  reason: { type: ['string', 'null'], maxLength: REASON_MAX },
} as const;

/** One access-log entry, as admins and auditors read it. */
export const accessEntry = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(accessEntryProperties), 'viewerUserId', 'viewerEmail', 'person', 'decode'],
  properties: {
    ...accessEntryProperties,
    viewerUserId: { type: ['integer', 'null'] },
    viewerEmail: { type: ['string', 'null'], description: 'The staff member\'s work address; null for a command or a removed user.' },
    person: { type: ['string', 'null'], format: 'uuid', description: 'The requester\'s (or exported person\'s) pseudonym; null for a ticket reported before personal data was sealed, and for temporal.decode.' },
    decode: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['namespace', 'payloads'],
      description: 'For temporal.decode (Temporal payloads decoded with the service key at /api/codec; no ticket is named, the request does not say which workflow): the namespace the caller named and how many payloads it sent. Null for every other entry.',
      properties: { namespace: { type: ['string', 'null'] }, payloads: { type: 'integer', minimum: 1 } },
    },
  },
} as const;

export const accessLogResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['entries'],
  properties: { entries: { type: 'array', items: { $ref: '#/components/schemas/AccessEntry' } } },
} as const;

const account = {
  type: ['object', 'null'],
  required: ['displayName', 'role', 'locale', 'timeZone', 'createdAt'],
  properties: {
    displayName: { type: 'string' }, role: { type: 'string' }, locale: { type: 'string' }, timeZone: { type: 'string' },
    teamId: { type: ['string', 'null'] }, vip: { type: 'boolean' }, serviceLevel: { type: ['string', 'null'] },
    organisation: { type: ['string', 'null'] }, department: { type: ['string', 'null'] }, hasPassword: { type: 'boolean' },
    emailVerifiedAt: { type: ['string', 'null'], format: 'date-time' }, createdAt: instant,
  },
} as const;

/** An admin's export: each ticket whole (TicketStaff: internal notes included), its attachments' names and rating. */
export const personExportResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'generatedAt', 'scope', 'person', 'tickets', 'accessLog'],
  properties: {
    format: { type: 'string', enum: [EXPORT_FORMAT] },
    generatedAt: instant,
    scope: { type: 'string', enum: ['full'], description: 'An admin\'s export is full; a requester\'s own export from the portal (POST /account/export.json, the form on /account/export) has the public side of each ticket and scope "requester".' },
    person: {
      type: 'object',
      additionalProperties: false,
      required: ['pseudonym', 'address', 'account'],
      properties: { pseudonym: { ...uuid, type: ['string', 'null'], description: 'Null for someone known only by an account or tickets from before sealing: an export makes no pseudonym.' }, address: { type: 'string' }, account },
    },
    tickets: {
      type: 'array',
      items: {
        allOf: [
          { $ref: '#/components/schemas/TicketStaff' },
          {
            type: 'object',
            required: ['attachments', 'rating'],
            properties: {
              attachments: { type: 'array', items: { type: 'object', required: ['filename', 'contentType', 'sizeBytes', 'createdAt'], properties: { filename: { type: 'string' }, contentType: { type: 'string' }, sizeBytes: { type: 'integer' }, createdAt: instant } } },
              rating: { type: ['object', 'null'], required: ['score', 'comment', 'createdAt'], properties: { score: { type: 'integer' }, comment: { type: ['string', 'null'] }, createdAt: instant } },
            },
          },
        ],
      },
    },
    accessLog: {
      type: 'array',
      description: 'The access-log entries about the person and their tickets, newest first (the export itself among them).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [...Object.keys(accessEntryProperties), 'viewerEmail'],
        properties: { ...accessEntryProperties, viewerEmail: { type: ['string', 'null'] } },
      },
    },
  },
} as const;
