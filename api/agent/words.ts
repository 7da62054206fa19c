/**
 * The staff page's words: they live in services/tickets/words.ts, shared with the auditors'
 * timeline (services/audit/timeline.ts); re-exported here for api/agent/.
 */
export * from '../../services/tickets/words.ts';
