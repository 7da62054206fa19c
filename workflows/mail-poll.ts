/**
 * The IMAP mailbox's poll (docs/mail-in.md): the `mail-poll` Temporal Schedule starts one every
 * HELPDESK_IMAP_POLL_INTERVAL (runtime/imap-schedule.ts) while HELPDESK_IMAP_URL is set. Its one
 * activity (activities/mail-poll.ts) reads the mailbox's new messages and takes each in as a
 * ticket or a reply; how far the mailbox was read is kept in PostgreSQL (imap_mailboxes), so a
 * retried or repeated poll takes nothing twice. Counts only go through the history: no address,
 * no subject, no text.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface MailPollSummary {
  /** Messages above the last UID taken in that the poll looked at. */
  fetched: number;
  created: number;
  replied: number;
  /** Automatic answers, bounces, lists, our own mail, capped senders, empty messages. */
  ignored: number;
  /** Taken in before (the same Message-ID). */
  duplicates: number;
  /** Left in the mailbox: larger than the size limit, or gone before they were read. */
  skipped: number;
  /** More messages wait than one poll takes (the next poll goes on). */
  more: boolean;
  /** The server renumbered the mailbox (another UIDVALIDITY): it was read from the start. */
  uidValidityChanged: boolean;
}

export interface MailPollResult {
  /** False when the worker that ran the poll has no HELPDESK_IMAP_URL: nothing was read. */
  polled: boolean;
  summary: MailPollSummary | null;
}

export interface MailPollActivities {
  /** One poll of HELPDESK_IMAP_URL's mailbox; heartbeats after every message. */
  pollMailbox(): Promise<MailPollResult>;
}

/**
 * A poll heartbeats after every message, so a worker that dies mid-poll is noticed within a
 * minute and the poll goes on elsewhere from the last message taken in. A server that refuses
 * the sign-in, the certificate or the mailbox fails the run at once (the next scheduled run tries
 * again); one out of reach is tried a few times first.
 */
const { pollMailbox } = proxyActivities<MailPollActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3, nonRetryableErrorTypes: ['MailboxRefused'] },
});

export async function mailPollWorkflow(): Promise<MailPollResult> {
  return pollMailbox();
}
