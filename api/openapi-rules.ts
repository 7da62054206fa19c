/**
 * The rules-administration part of the OpenAPI document (api/openapi.ts): drafts, checks,
 * publication, versions, diff and rollback (api/routes/rules-admin.ts), for process owners and
 * admins.
 */
import {
  change, checkRequest, createDraftRequest, draftResponse, draftSummary, problem, publishDraftRequest, reviewResponse, revisionRequest,
  rollbackRequest, saveDraftRequest, shadowRequest, threeWayDiff, tryRequest, versionSummary, whatIfRequest, whatIfRun,
} from './rules-admin-schemas.ts';
import { shadowDivergence, shadowOutcome } from './shadow-schemas.ts';
import { rulesApplyPaths, rulesApplySchemas } from './openapi-apply.ts';

const errorRef = { $ref: '#/components/schemas/Error' };
const err = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const lang = { name: 'Accept-Language', in: 'header', required: false, schema: { type: 'string' }, description: 'Language of messages: pl, en or de (default en).' };
const draftId = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const version = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'integer', minimum: 1 } });
const refused = { description: 'Not published: the draft has errors (each in `error.problems`).', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'object', properties: { code: { const: 'RULES_INVALID' }, message: { type: 'string' }, problems: { type: 'array', items: ref('RulesProblem') } } } } } } } };

export const rulesAdminPaths = {
  ...rulesApplyPaths,
  '/api/v1/rules/checks': {
    post: {
      operationId: 'checkRules', summary: 'What is wrong with a rules file (the validator and the static checks), without saving anything',
      parameters: [lang], requestBody: body('RulesCheckRequest'),
      responses: { '200': json(ref('RulesReview'), 'The problems; errors block publishing, warnings do not.'), '422': err('Neither source nor content was given.') },
    },
  },
  '/api/v1/rules/drafts': {
    get: { operationId: 'listDrafts', summary: 'Every draft, newest first', parameters: [lang], responses: { '200': json({ type: 'object', properties: { drafts: { type: 'array', items: ref('DraftSummary') } } }, 'The drafts.') } },
    post: {
      operationId: 'createDraft', summary: 'Start a draft from a version (default the active one)', parameters: [lang], requestBody: body('CreateDraftRequest'),
      responses: { '201': json(ref('Draft'), 'The new draft.'), '404': err('No such version.'), '422': err('The title is missing or too long.') },
    },
  },
  '/api/v1/rules/drafts/{id}': {
    get: { operationId: 'getDraft', summary: 'A draft, its text and what is wrong with it', parameters: [draftId, lang], responses: { '200': json(ref('Draft'), 'The draft.'), '404': err('No such draft.') } },
    put: {
      operationId: 'saveDraft', summary: 'Save a draft\'s text (kept as written, valid or not) or title', parameters: [draftId, lang], requestBody: body('SaveDraftRequest'),
      responses: { '200': json(ref('Draft'), 'The saved draft and what is wrong with it.'), '404': err('No such draft.'), '409': err('Saved meanwhile from a newer revision, or already published or dropped.'), '422': err('A field is invalid.') },
    },
  },
  '/api/v1/rules/drafts/{id}/shadow': {
    get: {
      operationId: 'getDraftShadowDivergence', summary: 'How often and where the draft\'s shadow decisions differ from the live ones, with the latest diverging tickets',
      parameters: [draftId, lang, { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 }, description: 'How many diverging tickets to list.' }],
      responses: { '200': json(ref('ShadowDivergence'), 'The divergence.'), '404': err('No such draft.'), '422': err('limit is not a number from 1 to 100.') },
    },
    post: {
      operationId: 'setDraftShadow', summary: 'Shadow mode on or off: new tickets are also classified, silently, by the draft', parameters: [draftId, lang], requestBody: body('ShadowRequest'),
      responses: { '200': json(ref('Draft'), 'The draft.'), '404': err('No such draft.'), '409': err('Saved meanwhile, published or dropped.'), '422': err('The draft has errors.') },
    },
  },
  '/api/v1/rules/drafts/{id}/drop': {
    post: { operationId: 'dropDraft', summary: 'Drop a draft', parameters: [draftId, lang], requestBody: body('RevisionRequest'), responses: { '200': json(ref('Draft'), 'The dropped draft.'), '404': err('No such draft.'), '409': err('Saved meanwhile, published or dropped.') } },
  },
  '/api/v1/rules/drafts/{id}/publish': {
    post: {
      operationId: 'publishDraft', summary: 'Publish a draft as the next version, with a comment', parameters: [draftId, lang], requestBody: body('PublishDraftRequest'),
      responses: {
        '201': json({ type: 'object', properties: { version: { type: 'integer' }, changes: { type: 'array', items: ref('RulesChange') } } }, 'Published; new tickets are classified under it.'),
        '404': err('No such draft.'),
        '409': json({ type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, diff: ref('ThreeWayDiff') } } } }, 'Another version was published since the draft\'s base (BASE_OUTDATED, with the three-way diff), or the draft was saved meanwhile (DRAFT_CHANGED). Nothing was published.'),
        '422': refused,
      },
    },
  },
  '/api/v1/rules/drafts/{id}/try': {
    post: {
      operationId: 'tryDraft', summary: 'A sample ticket (or an existing ticket\'s recorded facts) under the draft and the active version side by side, with the explanation',
      parameters: [draftId, lang], requestBody: body('TryRequest'),
      responses: { '200': json({ type: 'object', description: 'Both decisions, their explanations and the fields that differ.' }, 'The two decisions.'), '400': err('Not a ticket number.'), '404': err('No such draft or ticket.'), '409': err('The ticket has no recorded facts.'), '422': err('The draft has errors, or a sample field is invalid.') },
    },
  },
  '/api/v1/rules/drafts/{id}/what-if': {
    post: {
      operationId: 'startWhatIf', summary: 'Start a what-if of the draft over the tickets created in a period; it runs on the worker',
      parameters: [draftId, lang], requestBody: body('WhatIfRequest'),
      responses: { '202': json({ type: 'object', properties: { runId: { type: 'string', format: 'uuid' }, status: { type: 'string' } } }, 'Started; follow it at the Location.'), '404': err('No such draft.'), '422': err('The draft has errors, or the period is not valid.'), '503': err('Temporal is unreachable; nothing was started.') },
    },
  },
  '/api/v1/rules/what-if-runs/{run}': {
    get: { operationId: 'getWhatIfRun', summary: 'A what-if run: its status, progress and, once done, its figures', parameters: [{ name: 'run', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }, lang], responses: { '200': json(ref('WhatIfRun'), 'The run.'), '404': err('No such run.') } },
  },
  '/api/v1/rules/what-if-runs/{run}/cancel': {
    post: { operationId: 'cancelWhatIfRun', summary: 'Cancel a what-if run (a finished one is unchanged)', parameters: [{ name: 'run', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }, lang], responses: { '200': json(ref('WhatIfRun'), 'The run.'), '404': err('No such run.') } },
  },
  '/api/v1/rules/versions': {
    get: { operationId: 'listRulesVersions', summary: 'Every published version, newest first', parameters: [lang], responses: { '200': json({ type: 'object', properties: { versions: { type: 'array', items: ref('RulesVersion') } } }, 'The versions.') } },
  },
  '/api/v1/rules/versions/{version}': {
    get: { operationId: 'getRulesVersion', summary: 'One version and what it changed from the one before', parameters: [version('version'), lang], responses: { '200': json(ref('RulesVersion'), 'The version.'), '404': err('No such version.') } },
  },
  '/api/v1/rules/versions/{from}/diff/{to}': {
    get: { operationId: 'diffRulesVersions', summary: 'What changed from one version to another, in words', parameters: [version('from'), version('to'), lang], responses: { '200': json({ type: 'object', properties: { changes: { type: 'array', items: ref('RulesChange') } } }, 'The changes.'), '404': err('No such version.') } },
  },
  '/api/v1/rules/versions/{version}/rollback': {
    post: {
      operationId: 'rollbackRules', summary: 'Publish an older version\'s content again, as a new version', parameters: [version('version'), lang], requestBody: body('RollbackRequest'),
      responses: { '201': json({ type: 'object', properties: { version: { type: 'integer' }, changes: { type: 'array', items: ref('RulesChange') } } }, 'Rolled back.'), '404': err('No such version.'), '422': refused },
    },
  },
};

export const rulesAdminSchemas = {
  ...rulesApplySchemas,
  RulesCheckRequest: checkRequest, RulesReview: reviewResponse, RulesProblem: problem, CreateDraftRequest: createDraftRequest,
  SaveDraftRequest: saveDraftRequest, PublishDraftRequest: publishDraftRequest, ShadowRequest: shadowRequest, RevisionRequest: revisionRequest,
  RollbackRequest: rollbackRequest, Draft: draftResponse, DraftSummary: draftSummary, RulesChange: change, RulesVersion: versionSummary,
  ThreeWayDiff: threeWayDiff, ShadowDivergence: shadowDivergence, ShadowOutcome: shadowOutcome, TryRequest: tryRequest, WhatIfRequest: whatIfRequest, WhatIfRun: whatIfRun,
};
