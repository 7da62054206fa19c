/**
 * A ticket number as an auditor types it or an address carries it: the staff pages' check
 * (api/agent/read-ticket.ts ticketNumberOf: trimmed, upper-cased, the numbers intake gives) with
 * the sentences in the auditor's words. Nothing is read and nothing is recorded.
 */
import { ticketNumberOf as staffTicketNumberOf } from '../../api/agent/read-ticket.ts';

export const ticketNumberOf = (raw: unknown): string => staffTicketNumberOf(raw, { missing: 'auditor:errors.numberMissing', malformed: 'auditor:errors.numberMalformed' });
