/**
 * A ticket number as an auditor types it or an address carries it: trimmed, upper-cased, checked
 * against the numbers intake gives (HD-2026-000042). A malformed number is a 400 with a sentence in
 * the auditor's words; nothing is read and nothing is recorded.
 */
import { TICKET_NUMBER_PATTERN } from '../../db/tickets-repo.ts';
import { HttpError } from '../../api/errors.ts';

export function ticketNumberOf(raw: unknown): string {
  const typed = typeof raw === 'string' ? raw.trim() : '';
  if (typed === '') throw new HttpError(400, 'TICKET_NUMBER_MISSING', 'auditor:errors.numberMissing');
  const number = typed.toUpperCase();
  if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(400, 'BAD_TICKET_NUMBER', 'auditor:errors.numberMalformed', { number: typed.slice(0, 40) });
  return number;
}
