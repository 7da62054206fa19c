/**
 * JSON Schemas of the rules-administration routes (api/routes/rules-admin.ts): the bodies they
 * validate and the answers, for validation and for the OpenAPI document (api/openapi-rules.ts).
 */
import { trySampleSchema } from '../services/rules-admin/try.ts';

const instant = { type: 'string', format: 'date-time' } as const;
const revision = { type: 'integer', minimum: 1, description: 'The draft\'s revision the change was made from; an older one is refused with 409 DRAFT_CHANGED.' } as const;
const comment = { type: 'string', minLength: 1, maxLength: 1000, description: 'Why the process changes; kept with the version.' } as const;

export const createDraftRequest = {
  type: 'object', additionalProperties: false, required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    from: { type: 'integer', minimum: 1, description: 'The version to start from; default the active one.' },
  },
} as const;

export const saveDraftRequest = {
  type: 'object', additionalProperties: false, required: ['revision'],
  properties: {
    revision,
    title: { type: 'string', minLength: 1, maxLength: 200 },
    source: { type: 'string', maxLength: 4_000_000, description: 'The whole rules file as text (kept as written, valid or not).' },
    content: { type: 'object', description: 'The whole rules file as JSON (saved two-space formatted); give source or content, not both.' },
  },
} as const;

export const publishDraftRequest = {
  type: 'object', additionalProperties: false, required: ['revision', 'comment'],
  properties: { revision, comment, over: { type: 'integer', minimum: 1, description: 'After a 409 BASE_OUTDATED: the active version it named, to publish over it (its changes are replaced by the draft\'s content); refused again if another came since.' } },
} as const;
export const shadowRequest = { type: 'object', additionalProperties: false, required: ['revision', 'on'], properties: { revision, on: { type: 'boolean' } } } as const;
export const revisionRequest = { type: 'object', additionalProperties: false, required: ['revision'], properties: { revision } } as const;
export const rollbackRequest = { type: 'object', additionalProperties: false, required: ['comment'], properties: { comment } } as const;
export const checkRequest = {
  type: 'object', additionalProperties: false,
  description: 'Give source (the text) or content (the JSON), not both.',
  properties: { source: { type: 'string', maxLength: 4_000_000 }, content: { type: 'object' } },
} as const;

export const problem = {
  type: 'object', required: ['path', 'code', 'severity', 'message'],
  properties: {
    path: { type: 'string', description: 'JSON path of the value concerned, e.g. `$.slaPolicies[4].resolution`.' },
    code: { type: 'string', description: 'Machine code, e.g. `INVALID_DURATION`, `SHADOWED_RULE`.' },
    params: { type: 'object', description: 'What the message is made of.' },
    severity: { type: 'string', enum: ['error', 'warning'], description: 'Errors block publishing; warnings do not.' },
    message: { type: 'string', description: 'In the request language.' },
    line: { type: 'integer' }, column: { type: 'integer' },
  },
} as const;

export const reviewResponse = {
  type: 'object', required: ['errors', 'warnings', 'problems'],
  properties: { errors: { type: 'integer' }, warnings: { type: 'integer' }, problems: { type: 'array', items: problem } },
} as const;

const draftSummaryProperties = {
  id: { type: 'integer' }, title: { type: 'string' }, baseVersion: { type: 'integer' }, revision: { type: 'integer' },
  status: { type: 'string', enum: ['draft', 'shadow', 'published', 'dropped'] }, publishedVersion: { type: ['integer', 'null'] },
  createdAt: instant, updatedAt: instant, shadowSince: { type: ['string', 'null'], format: 'date-time' },
} as const;

export const draftSummary = { type: 'object', required: Object.keys(draftSummaryProperties), properties: draftSummaryProperties } as const;
export const draftResponse = {
  type: 'object',
  properties: { ...draftSummaryProperties, source: { type: 'string' }, activeVersion: { type: 'integer' }, review: reviewResponse },
} as const;

export const change = {
  type: 'object', required: ['kind', 'subject', 'path', 'text'],
  properties: {
    kind: { type: 'string', enum: ['added', 'removed', 'changed', 'moved'] }, subject: { type: 'string' }, path: { type: 'string' },
    from: {}, to: {}, text: { type: 'string', description: 'The change in words, in English, e.g. "P2 resolution (silver) 9h → 4h".' },
    key: { type: 'string', description: 'The sentence that says the change: `change.<key>` in the `rules` namespace of locales/ (its variant named by params.context), e.g. "policyField".' },
    params: { type: 'object', additionalProperties: true, description: 'The values of the sentence: ids and values as shown (null for none, lists), words of a fixed set as codes, e.g. {"priority":"P2","serviceLevel":"silver","field":"resolution","from":"9h","to":"4h"}.' },
    message: { type: 'string', description: 'The change in words in the request language (lng, Accept-Language), e.g. "Rozwiązanie P2 (silver): 9h → 4h".' },
  },
} as const;

export const versionSummary = {
  type: 'object',
  properties: {
    version: { type: 'integer' }, hash: { type: 'string' }, author: { type: 'string' }, comment: { type: 'string' }, publishedAt: instant,
    rolledBackFrom: { type: ['integer', 'null'] }, name: { type: 'string' }, ruleCount: { type: 'integer' }, active: { type: 'boolean' },
  },
} as const;

export const threeWayDiff = {
  type: 'object', required: ['base', 'active', 'theirs', 'ours', 'conflicts'],
  properties: {
    base: { type: 'integer' }, active: { type: 'integer' },
    theirs: { type: 'array', items: change, description: 'What the versions published since the base changed.' },
    ours: { type: 'array', items: change, description: 'What the draft changes.' },
    conflicts: { type: 'array', items: { type: 'string' }, description: 'Paths both changed.' },
  },
} as const;

export const tryRequest = {
  type: 'object', additionalProperties: false,
  properties: {
    ticket: { type: 'string', maxLength: 40, description: 'An existing ticket\'s number: its facts as recorded when it was classified (title and description are sealed and not used).' },
    sample: { ...trySampleSchema, description: 'A sample ticket\'s fields.' },
  },
  description: 'Give ticket or sample, not both.',
} as const;

export const whatIfRequest = {
  type: 'object', additionalProperties: false, required: ['from', 'to'],
  properties: {
    from: { type: 'string', format: 'date-time', description: 'Tickets created from this instant …' },
    to: { type: 'string', format: 'date-time', description: '… until this one (not included); at most 366 days.' },
  },
} as const;

export const whatIfRun = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['queued', 'running', 'done', 'cancelled', 'failed'] },
    done: { type: 'integer' }, total: { type: ['integer', 'null'] }, period: { type: 'object' }, cancelling: { type: 'boolean' },
    result: { type: ['object', 'null'], description: 'Once done: tickets seen, evaluated and skipped; changes per field; breaches then and with the draft (avoided, added); per service level × priority; the changed tickets.' },
    error: { type: ['string', 'null'], enum: ['startFailed', 'invalidCandidate', 'evaluationFailed', 'stopped', null], description: 'Why a failed run failed, as a code (the page says it in the reader\'s language).' },
  },
} as const;
