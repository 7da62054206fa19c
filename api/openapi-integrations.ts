/**
 * The integration routes (api/routes/integrations.ts) in the OpenAPI document: webhook endpoints,
 * SMS alerts, duty managers (admins only) and each staff member's own notification settings.
 * Spread into api/openapi.ts.
 */
import { LANGUAGES } from '../services/languages.ts';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_FORMATS } from '../services/webhooks/admin.ts';
import { ALERT_ROLES, STAFF_NOTIFICATION_KINDS } from '../services/notifications/kinds.ts';
import { PRIORITIES } from '../rules/types.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const err = (description: string) => ({ description, content: json('Error') });
const langHeader = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of error messages: pl, en or de (default en).' };
const id = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'integer', minimum: 1 }, description });
const admins = '403';
const onlyAdmins = { [admins]: err('Only admins manage integrations.') };
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDate = { type: ['string', 'null'], format: 'date-time' } as const;
const events = { type: 'array', minItems: 1, items: { type: 'string', enum: ['*', ...WEBHOOK_EVENT_TYPES] }, description: 'The ticket event types the endpoint takes (`*`: all); each is `ticket.<type>` in a Standard Webhooks body.' } as const;

const endpoint = {
  type: 'object', additionalProperties: false,
  required: ['id', 'name', 'url', 'format', 'events', 'language', 'secret', 'enabled', 'createdAt', 'disabledAt', 'disabledReason'],
  properties: {
    id: { type: 'integer' }, name: { type: 'string' }, url: { type: 'string' }, format: { type: 'string', enum: [...WEBHOOK_FORMATS] }, events,
    language: { type: 'string', enum: [...LANGUAGES], description: 'The language of Slack and Teams messages.' },
    secret: { type: 'string', description: 'The Standard Webhooks signing secret (`whsec_…`): verify `webhook-signature` with it.' },
    enabled: { type: 'boolean' }, createdAt: dateTime, disabledAt: nullableDate,
    disabledReason: { type: ['string', 'null'], enum: ['admin', 'gone', null], description: 'Why it is disabled: `admin` (an admin did), `gone` (the receiver answered 410 Gone).' },
  },
} as const;

const attempt = {
  type: 'object', additionalProperties: false, required: ['id', 'attemptedAt', 'durationMs', 'statusCode', 'error'],
  properties: { id: { type: 'integer' }, attemptedAt: dateTime, durationMs: { type: ['integer', 'null'] }, statusCode: { type: ['integer', 'null'] }, error: { type: ['string', 'null'], description: 'What failed, as a sentence (never the receiver\'s body).' } },
} as const;

const delivery = {
  type: 'object', additionalProperties: false,
  required: ['id', 'endpointId', 'ticketNumber', 'eventSeq', 'eventType', 'messageId', 'replayOf', 'status', 'attempts', 'lastError', 'createdAt', 'deliveredAt', 'failedAt', 'attemptLog'],
  properties: {
    id: { type: 'integer' }, endpointId: { type: 'integer' }, ticketNumber: { type: 'string' }, eventSeq: { type: 'integer' }, eventType: { type: 'string' },
    messageId: { type: 'string', description: 'The `webhook-id`: the same for every attempt and every replay of this event\'s delivery.' },
    replayOf: { type: ['integer', 'null'] }, status: { type: 'string', enum: ['pending', 'delivered', 'failed'] }, attempts: { type: 'integer' }, lastError: { type: ['string', 'null'] },
    createdAt: dateTime, deliveredAt: nullableDate, failedAt: nullableDate, attemptLog: { type: 'array', items: ref('WebhookAttempt') },
  },
} as const;

const alert = {
  type: 'object', additionalProperties: false, required: ['id', 'kinds', 'priorities', 'roles', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'integer' }, kinds: { type: 'array', items: { type: 'string', enum: [...STAFF_NOTIFICATION_KINDS] } },
    priorities: { type: 'array', items: { type: 'string', enum: [...PRIORITIES] }, description: 'Empty: every priority.' },
    roles: { type: 'array', items: { type: 'string', enum: [...ALERT_ROLES] } }, createdBy: { type: 'string' }, createdAt: dateTime,
  },
} as const;

const dutyManagers = {
  type: 'object', additionalProperties: false, required: ['dutyManagers'],
  properties: { dutyManagers: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['id', 'displayName', 'hasPhone'], properties: { id: { type: 'integer' }, displayName: { type: 'string' }, hasPhone: { type: 'boolean' } } } } },
} as const;

const choice = { type: 'string', enum: ['default', 'mail', 'sms', 'digest', 'none'] } as const;
const ownSettings = {
  type: 'object', additionalProperties: false, required: ['phone', 'dutyManager', 'choices'],
  properties: {
    phone: { type: ['string', 'null'], description: 'E.164, such as +48600100200.' }, dutyManager: { type: 'boolean', description: 'Set by an admin.' },
    choices: { type: 'object', additionalProperties: false, properties: Object.fromEntries(STAFF_NOTIFICATION_KINDS.map((k) => [k, choice])) },
  },
} as const;

export const integrationSchemas = {
  WebhookEndpoint: endpoint,
  WebhookEndpointWithLog: { ...endpoint, required: [...endpoint.required, 'deliveries'], properties: { ...endpoint.properties, deliveries: { type: 'array', items: ref('WebhookDelivery'), description: 'The latest 50, newest first.' } } },
  WebhookEndpointList: { type: 'object', additionalProperties: false, required: ['endpoints'], properties: { endpoints: { type: 'array', items: ref('WebhookEndpoint') } } },
  WebhookDelivery: delivery,
  WebhookAttempt: attempt,
  NewWebhookEndpoint: {
    type: 'object', required: ['name', 'url', 'format', 'events'],
    properties: { name: { type: 'string', maxLength: 100 }, url: { type: 'string', description: 'http(s); private, loopback and reserved addresses are refused unless HELPDESK_OUTBOUND_ALLOW lets them through.' }, format: { type: 'string', enum: [...WEBHOOK_FORMATS] }, events, language: { type: 'string', enum: [...LANGUAGES] } },
  },
  ChangeWebhookEndpoint: { type: 'object', properties: { name: { type: 'string', maxLength: 100 }, events, language: { type: 'string', enum: [...LANGUAGES] }, enabled: { type: 'boolean' } } },
  SmsAlert: alert,
  SmsAlertList: { type: 'object', additionalProperties: false, required: ['alerts'], properties: { alerts: { type: 'array', items: ref('SmsAlert') } } },
  NewSmsAlert: { type: 'object', required: ['kinds', 'roles'], properties: { kinds: alert.properties.kinds, priorities: alert.properties.priorities, roles: alert.properties.roles } },
  DutyManagers: dutyManagers,
  SetDutyManagers: { type: 'object', required: ['users'], properties: { users: { type: 'array', items: { type: 'integer' }, description: 'The user ids of the active staff to be the duty managers (all others stop being).' } } },
  OwnNotificationSettings: ownSettings,
  SetOwnNotificationSettings: { type: 'object', properties: { phone: { type: ['string', 'null'], description: 'International form; empty or null: none.' }, choices: { type: 'object', description: 'Per kind; kinds left out go back to default.', additionalProperties: false, properties: ownSettings.properties.choices.properties } } },
} as const;

const body = (name: string) => ({ required: true, content: json(name) });
const bad = { '422': err('A field is wrong: each problem is named with its field (an address that is private, an event type that does not exist …); nothing is saved.') };

export const integrationPaths = {
  '/api/v1/integrations/webhooks': {
    get: { operationId: 'listWebhookEndpoints', summary: 'The webhook endpoints', tags: ['Integrations'], parameters: [langHeader], responses: { '200': { description: 'Every endpoint.', content: json('WebhookEndpointList') }, ...onlyAdmins } },
    post: { operationId: 'registerWebhookEndpoint', summary: 'Register a webhook endpoint', tags: ['Integrations'], parameters: [langHeader], requestBody: body('NewWebhookEndpoint'), responses: { '201': { description: 'Registered, with its signing secret.', content: json('WebhookEndpoint') }, ...bad, ...onlyAdmins } },
  },
  '/api/v1/integrations/webhooks/{id}': {
    get: { operationId: 'getWebhookEndpoint', summary: 'An endpoint with its delivery log', tags: ['Integrations'], parameters: [langHeader, id('id', 'The endpoint\'s id.')], responses: { '200': { description: 'The endpoint and its latest deliveries with every attempt.', content: json('WebhookEndpointWithLog') }, '404': err('No such endpoint.'), ...onlyAdmins } },
    patch: { operationId: 'changeWebhookEndpoint', summary: 'Change, enable or disable an endpoint', tags: ['Integrations'], parameters: [langHeader, id('id', 'The endpoint\'s id.')], requestBody: body('ChangeWebhookEndpoint'), responses: { '200': { description: 'The endpoint as it is now.', content: json('WebhookEndpoint') }, '404': err('No such endpoint.'), ...bad, ...onlyAdmins } },
    delete: { operationId: 'deleteWebhookEndpoint', summary: 'Delete an endpoint and its log', tags: ['Integrations'], parameters: [langHeader, id('id', 'The endpoint\'s id.')], responses: { '204': { description: 'Deleted.' }, '404': err('No such endpoint.'), ...onlyAdmins } },
  },
  '/api/v1/integrations/webhooks/{id}/deliveries/{delivery}/replay': {
    post: {
      operationId: 'replayWebhookDelivery', summary: 'Deliver an event again (same webhook-id)', tags: ['Integrations'], parameters: [langHeader, id('id', 'The endpoint\'s id.'), id('delivery', 'The delivery to replay.')],
      responses: { '202': { description: 'The replay is started.', content: { 'application/json': { schema: { type: 'object', additionalProperties: false, required: ['delivery'], properties: { delivery: { type: 'integer' } } } } } }, '404': err('No such endpoint or delivery.'), '409': err('The endpoint is disabled: enable it first.'), ...onlyAdmins },
    },
  },
  '/api/v1/integrations/sms-alerts': {
    get: { operationId: 'listSmsAlerts', summary: 'The SMS alerts', tags: ['Integrations'], parameters: [langHeader], responses: { '200': { description: 'Every alert.', content: json('SmsAlertList') }, ...onlyAdmins } },
    post: { operationId: 'addSmsAlert', summary: 'Add an SMS alert', tags: ['Integrations'], parameters: [langHeader], requestBody: body('NewSmsAlert'), responses: { '201': { description: 'Added.', content: json('SmsAlert') }, ...bad, ...onlyAdmins } },
  },
  '/api/v1/integrations/sms-alerts/{id}': {
    delete: { operationId: 'removeSmsAlert', summary: 'Remove an SMS alert', tags: ['Integrations'], parameters: [langHeader, id('id', 'The alert\'s id.')], responses: { '204': { description: 'Removed.' }, '404': err('No such alert.'), ...onlyAdmins } },
  },
  '/api/v1/integrations/duty-managers': {
    get: { operationId: 'listDutyManagers', summary: 'The duty managers', tags: ['Integrations'], parameters: [langHeader], responses: { '200': { description: 'Who the rules\' duty_manager role reaches.', content: json('DutyManagers') }, ...onlyAdmins } },
    put: { operationId: 'setDutyManagers', summary: 'Name the duty managers', tags: ['Integrations'], parameters: [langHeader], requestBody: body('SetDutyManagers'), responses: { '200': { description: 'The duty managers now.', content: json('DutyManagers') }, ...bad, ...onlyAdmins } },
  },
  '/api/v1/me/notifications': {
    get: { operationId: 'getOwnNotificationSettings', summary: 'Your notification settings', tags: ['Notifications'], parameters: [langHeader], responses: { '200': { description: 'Your phone number and your choice per kind.', content: json('OwnNotificationSettings') }, '403': err('Only staff have notification settings.') } },
    put: { operationId: 'setOwnNotificationSettings', summary: 'Set your notification settings', tags: ['Notifications'], parameters: [langHeader], requestBody: body('SetOwnNotificationSettings'), responses: { '200': { description: 'Saved.', content: json('OwnNotificationSettings') }, ...bad, '403': err('Only staff have notification settings.') } },
  },
} as const;
