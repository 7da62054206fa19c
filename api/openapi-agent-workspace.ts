/**
 * The agents' workspace in the OpenAPI document (api/routes/agent-workspace.ts): the queues'
 * counts, an agent's saved views, a team's load. Spread into api/openapi.ts's paths and schemas.
 */
import { TicketStatus } from '../workflows/types.ts';
import { QUEUE_IDS, SORT_KEYS } from '../services/agent/queues.ts';
import { MAX_VIEW_NAME, MAX_VIEWS } from '../services/agent/saved-views.ts';

const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' };
const count = { type: 'integer', minimum: 0 } as const;
const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' } as const;
const status = { type: 'string', enum: Object.values(TicketStatus) } as const;
const listOf = (items: object, description: string) => ({ oneOf: [{ type: 'array', items, maxItems: 50 }, { type: 'string' }], description: `${description} An array, or one string of comma-separated values.` });

/** A view's filters as kept: GET /api/v1/tickets's, lists as arrays, the words as `text`. */
const viewFilters = {
  type: 'object', additionalProperties: false,
  properties: {
    queue: { type: 'string', enum: [...QUEUE_IDS] }, status: { type: 'array', items: status },
    priority: { type: 'array', items: id }, category: { type: 'array', items: id }, team: { type: 'array', items: id }, tier: { type: 'array', items: id },
    assignee: { type: 'string', format: 'email' }, requester: { type: 'string', format: 'email' },
    organisation: { type: 'string', maxLength: 200 }, text: { type: 'string', maxLength: 200, description: 'A ticket number or words (GET /api/v1/tickets\'s `q`).' },
  },
} as const;

export const agentWorkspaceSchemas = {
  QueueCounts: {
    type: 'object', required: ['counts'], additionalProperties: false,
    properties: {
      counts: {
        type: 'object', required: [...QUEUE_IDS], additionalProperties: false,
        description: 'Open tickets in each queue for the caller: each is the number of tickets GET /api/v1/tickets?queue=… lists (all its pages).',
        properties: Object.fromEntries(QUEUE_IDS.map((q) => [q, count])),
      },
    },
  },
  SavedView: {
    type: 'object', required: ['id', 'name', 'filters', 'sort', 'href'], additionalProperties: false,
    properties: {
      id: { type: 'integer' }, name: { type: 'string', minLength: 1, maxLength: MAX_VIEW_NAME }, filters: viewFilters,
      sort: { type: 'string', enum: [...SORT_KEYS] },
      href: { type: 'string', description: 'The queue page\'s address for the view (/agent?…).', example: '/agent?queue=unassigned&priority=P1%2CP2' },
    },
  },
  SavedViewList: { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: ref('SavedView'), description: 'By name.' } } },
  SaveViewRequest: {
    type: 'object', required: ['name'], additionalProperties: false,
    description: 'A name and GET /api/v1/tickets\'s filters and sort (no cursor or limit: a view is a queue, not a page).',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: MAX_VIEW_NAME, description: 'Trimmed, inner spaces collapsed. A name the caller already has replaces that view.' },
      queue: { type: 'string', enum: [...QUEUE_IDS] },
      status: listOf(status, 'Statuses.'), priority: listOf({ type: 'string' }, 'Priorities.'), category: listOf({ type: 'string' }, 'Categories.'),
      team: listOf({ type: 'string' }, 'Teams.'), tier: listOf({ type: 'string' }, 'Tiers.'),
      assignee: { type: 'string', format: 'email' }, requester: { type: 'string', format: 'email' }, organisation: { type: 'string', maxLength: 200 },
      q: { type: 'string', maxLength: 200, description: 'A ticket number or words; `text` is the same field (the queue page\'s name for it).' },
      text: { type: 'string', maxLength: 200 },
      sort: { type: 'string', enum: [...SORT_KEYS], default: 'due' },
    },
  },
  TeamLoad: {
    type: 'object', required: ['team', 'members', 'unassigned'], additionalProperties: false,
    properties: {
      team: { type: 'object', required: ['id', 'name', 'tier'], additionalProperties: false, properties: { id: { type: 'string' }, name: { type: 'string' }, tier: { type: ['string', 'null'] } } },
      members: {
        type: 'array', description: 'The team\'s active agents with their open tickets of the team.',
        items: {
          type: 'object', required: ['userId', 'displayName', 'email', 'open', 'atRisk', 'breached', 'byPriority'], additionalProperties: false,
          properties: {
            userId: { type: 'integer' }, displayName: { type: 'string' }, email: { type: 'string', format: 'email' }, open: count, atRisk: count, breached: count,
            byPriority: {
              type: 'array', description: 'Open tickets by priority, in priority order ("" for tickets not yet prioritised).',
              items: { type: 'object', required: ['priority', 'count'], additionalProperties: false, properties: { priority: { type: 'string' }, count } },
            },
          },
        },
      },
      unassigned: { type: 'object', required: ['open', 'atRisk', 'breached'], additionalProperties: false, properties: { open: count, atRisk: count, breached: count }, description: 'The team\'s open tickets nobody holds.' },
    },
  },
};

export const agentWorkspacePaths = {
  '/api/v1/tickets/counts': {
    get: {
      operationId: 'queueCounts',
      summary: 'How many open tickets each of the caller\'s queues holds (the queue page\'s tabs)',
      description: 'Agents and admins. The queues as GET /api/v1/tickets defines them for the caller (mine, my team\'s, my tier\'s, …); numbers only, not an access-log read.',
      parameters: [lang],
      responses: {
        '200': json(ref('QueueCounts'), 'Each queue\'s count.'),
        '403': err('Not an agent or admin.'),
        '503': err('PostgreSQL is unreachable.'),
      },
    },
  },
  '/api/v1/agent/views': {
    get: {
      operationId: 'listSavedViews',
      summary: 'The caller\'s saved queue views, by name',
      parameters: [lang],
      responses: {
        '200': json(ref('SavedViewList'), 'The views; a filter that no longer parses is left out of its view.'),
        '403': err('Not an agent or admin.'),
        '503': err('PostgreSQL is unreachable.'),
      },
    },
    post: {
      operationId: 'saveView',
      summary: 'Save filters and a sort under a name (the same name again replaces that view)',
      description: `At most ${MAX_VIEWS} views per agent. The filters are GET /api/v1/tickets's, checked the same way.`,
      parameters: [lang],
      requestBody: { required: true, content: { 'application/json': { schema: ref('SaveViewRequest') } } },
      responses: {
        '200': json(ref('SavedView'), 'The view as kept (new or replaced).'),
        '400': err('Malformed JSON.'),
        '403': err('Not an agent or admin.'),
        '422': err(`No name or one longer than ${MAX_VIEW_NAME} characters, ${MAX_VIEWS} views already, a filter or sort that is not valid, or a field that is not one of a view's (each named in \`fields\`); nothing saved.`),
        '503': err('PostgreSQL is unreachable.'),
      },
    },
  },
  '/api/v1/agent/views/{id}': {
    delete: {
      operationId: 'deleteSavedView',
      summary: 'Delete one of the caller\'s saved views',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }, lang],
      responses: {
        '204': { description: 'Deleted.' },
        '400': err('The id is not a whole number.'),
        '403': err('Not an agent or admin.'),
        '404': err('The caller has no view of this id (another agent\'s views are not theirs to delete).'),
        '503': err('PostgreSQL is unreachable.'),
      },
    },
  },
  '/api/v1/teams/{team}/load': {
    get: {
      operationId: 'teamLoad',
      summary: 'A team\'s load: each active agent\'s open tickets of the team by priority, at risk and breached, and the unassigned ones',
      description: 'For the team\'s lead (an agent with the team-lead flag, their own team) and for admins (any team). Numbers and the team\'s agents\' names and addresses; no ticket\'s data, not an access-log read. Reassign with POST /api/v1/tickets/bulk (action assign).',
      parameters: [{ name: 'team', in: 'path', required: true, schema: id, example: 'service-desk' }, lang],
      responses: {
        '200': json(ref('TeamLoad'), 'The team\'s load.'),
        '403': err('Not this team\'s lead and not an admin.'),
        '404': err('An admin asked for a team there is not.'),
        '503': err('PostgreSQL is unreachable.'),
      },
    },
  },
};
