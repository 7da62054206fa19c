export { ticketWorkflow } from './ticket.ts';
export { retentionWorkflow } from './retention.ts';
