/**
 * JSON Schemas of applying a rules version to open tickets (api/routes/rules-apply.ts): the body
 * it validates and the answers, for validation and for the OpenAPI document (api/openapi-apply.ts).
 */
const instant = { type: 'string', format: 'date-time' } as const;
const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });

export const applyRequest = {
  type: 'object', additionalProperties: false, required: ['reason', 'scope'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S', 'x-blank-is-missing': true, description: 'Why the version is applied; recorded on each ticket\'s `reclassified` event and in the audit log.' },
    scope: { type: 'string', enum: ['changing', 'all'], description: '`changing`: only the tickets whose outcome the version changes (as the preview lists them, assessed again when the run reaches each); `all`: every open ticket on an older version.' },
  },
} as const;

const side = {
  type: 'object',
  required: ['priority', 'team', 'tier', 'policy', 'calendar', 'responseTargetMs', 'resolutionTargetMs', 'responseDueAt', 'resolutionDueAt'],
  properties: {
    priority: nullable({ type: 'string' }), team: nullable({ type: 'string' }), tier: nullable({ type: 'string' }), policy: nullable({ type: 'string' }),
    calendar: nullable({ type: 'string' }), responseTargetMs: nullable({ type: 'integer' }), resolutionTargetMs: nullable({ type: 'integer' }),
    responseDueAt: nullable(instant), resolutionDueAt: nullable(instant),
  },
} as const;

export const applyPreviewTicket = {
  type: 'object', required: ['number', 'status', 'rulesVersion'],
  properties: {
    number: { type: 'string' }, status: { type: 'string' }, rulesVersion: { type: 'integer' },
    now: side, after: side,
    changed: { type: 'array', items: { enum: ['priority', 'team', 'tier', 'policy', 'responseTarget', 'resolutionTarget', 'responseDeadline', 'resolutionDeadline'] } },
    uncertain: { type: 'boolean', description: 'A rule the recorded facts cannot answer could decide otherwise.' },
    uncertainRules: { type: 'array', items: { type: 'string' } },
    reason: { enum: ['noFacts', 'failed'], description: 'Why it cannot be previewed (list `unknown` only).' },
  },
} as const;

export const applyPreviewResponse = {
  type: 'object', required: ['version', 'activeVersion', 'applicable', 'asOf', 'totals', 'list', 'tickets', 'next'],
  properties: {
    version: { type: 'integer' },
    activeVersion: { type: 'integer' },
    applicable: { type: 'boolean', description: 'Only the active version can be applied (a re-classification decides under the active version).' },
    asOf: instant,
    totals: {
      type: 'object', required: ['open', 'changing', 'unchanged', 'unknown', 'uncertain'],
      properties: { open: { type: 'integer' }, changing: { type: 'integer' }, unchanged: { type: 'integer' }, unknown: { type: 'integer' }, uncertain: { type: 'integer' } },
    },
    list: { enum: ['changing', 'unchanged', 'unknown'] },
    tickets: { type: 'array', items: { $ref: '#/components/schemas/ApplyPreviewTicket' } },
    next: { ...nullable({ type: 'string' }), description: 'Ask `after` with this for the next page; null on the last.' },
  },
} as const;

export const applyRunResponse = {
  type: 'object', required: ['id', 'version', 'scope', 'reason', 'status', 'total', 'counts', 'createdAt', 'cancelling', 'failures'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    requestedBy: nullable({ type: 'integer' }),
    version: { type: 'integer' },
    scope: { enum: ['changing', 'all'] },
    reason: { type: 'string' },
    status: { enum: ['queued', 'running', 'done', 'cancelled', 'failed'] },
    total: { ...nullable({ type: 'integer' }), description: 'Open tickets on an older version when the run started.' },
    counts: {
      type: 'object', required: ['seen', 'sent', 'unchanged', 'skipped', 'failed'],
      properties: {
        seen: { type: 'integer', description: 'Gone through so far.' }, sent: { type: 'integer', description: 'Sent the reclassify signal.' },
        unchanged: { type: 'integer', description: 'Left as they are: the version changes nothing on them (scope changing).' },
        skipped: { type: 'integer', description: 'On the version already.' }, failed: { type: 'integer', description: 'Could not be signalled (see failures).' },
      },
    },
    createdAt: instant, startedAt: nullable(instant), updatedAt: instant, cancelRequestedAt: nullable(instant), finishedAt: nullable(instant),
    error: { ...nullable({ type: 'string' }), description: 'Why a failed run stopped: superseded (another version was published), requesterGone, notStarted, stopped.' },
    cancelling: { type: 'boolean' },
    failures: { type: 'array', items: { type: 'object', required: ['number', 'message'], properties: { number: { type: 'string' }, message: { type: 'string' } } } },
  },
} as const;
