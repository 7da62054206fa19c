/**
 * Applying a rules version to open tickets, in the OpenAPI document (api/openapi-rules.ts): the
 * preview, the run with a reason, its progress and its cancellation (api/routes/rules-apply.ts).
 */
import { applyPreviewResponse, applyPreviewTicket, applyRequest, applyRunResponse } from './rules-apply-schemas.ts';

const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' };
const version = { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const runId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, schema, description });

export const rulesApplyPaths = {
  '/api/v1/rules/versions/{version}/apply-preview': {
    get: {
      operationId: 'previewRulesApply',
      summary: 'Which open tickets on older versions the version would change, and how (priority, team, tier, policy, targets, deadlines), which it would not, which cannot be previewed',
      parameters: [
        version, lang,
        query('list', { enum: ['changing', 'unchanged', 'unknown'] }, 'Which tickets to list (default changing).'),
        query('after', { type: 'string' }, 'List the tickets after this number: the previous page\'s `next`.'),
        query('limit', { type: 'integer', minimum: 1, maximum: 500 }, 'Tickets per page (default 50).'),
      ],
      responses: { '200': json(ref('ApplyPreview'), 'The counts and one page of the list.'), '404': err('No such version.'), '422': err('A query parameter is invalid.') },
    },
  },
  '/api/v1/rules/versions/{version}/apply': {
    post: {
      operationId: 'applyRulesToOpenTickets',
      summary: 'Apply the active version to open tickets, with a reason: each gets the reclassify signal and records a `reclassified` event; runs on the worker',
      parameters: [version, lang], requestBody: { required: true, content: { 'application/json': { schema: ref('ApplyRequest') } } },
      responses: {
        '202': json({ type: 'object', required: ['runId'], properties: { runId: { type: 'string', format: 'uuid' } } }, 'Started; follow it at /api/v1/rules/apply-runs/{runId}.'),
        '404': err('No such version.'),
        '409': err('Not the active version (VERSION_NOT_ACTIVE), or a run of it is going on (APPLY_RUNNING).'),
        '422': err('The reason is missing or too long, or the scope is unknown.'),
        '503': err('The workflow service did not answer; nothing was started.'),
      },
    },
  },
  '/api/v1/rules/apply-runs/{id}': {
    get: { operationId: 'getRulesApplyRun', summary: 'A run\'s status, counts and the tickets it could not signal', parameters: [runId, lang], responses: { '200': json(ref('ApplyRun'), 'The run.'), '404': err('No such run.') } },
  },
  '/api/v1/rules/apply-runs/{id}/cancel': {
    post: {
      operationId: 'cancelRulesApplyRun', summary: 'Stop a run; the tickets signalled so far stay re-classified',
      parameters: [runId, lang], responses: { '200': json(ref('ApplyRun'), 'The run (cancelling, or as it ended).'), '404': err('No such run.') },
    },
  },
};

export const rulesApplySchemas = { ApplyRequest: applyRequest, ApplyPreview: applyPreviewResponse, ApplyPreviewTicket: applyPreviewTicket, ApplyRun: applyRunResponse };
