/**
 * The ticket service: what every adapter (the REST API, the portal, the CLI, the
 * benchmarks, tests) calls to file a ticket, act on it and read its SLA clocks. Plain
 * functions over one Deps shape (./deps.ts); the errors they throw are services/errors.ts's.
 */
export type { TicketDeps } from './deps.ts';
export { createTicket, type IntakeDeps, type IntakeResult } from './intake.ts';
export { performTicketAction, requestReclassification, sendRequesterReply, type ActionDeps, type RefusalDetails } from './actions.ts';
export { checkActionArguments, needsDirectory, type ArgumentDeps, type DirectoryAction, type PlainAction, type TicketRef } from './action-arguments.ts';
export * from './sla-view.ts';
export { createTicketIntake, createTicketRequest, type CreateTicketRequest } from './schemas.ts';
