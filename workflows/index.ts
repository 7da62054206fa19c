export { ticketWorkflow } from './ticket.ts';
