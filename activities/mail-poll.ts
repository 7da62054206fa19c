/**
 * The IMAP mailbox's poll as an activity (workflows/mail-poll.ts), over the poller bound in
 * runtime/mail-poll.ts (api/mail-in/imap.ts with inbound.ts's receiveMail) — activities do not
 * import api/ or services/. It heartbeats after every message and stops between two when
 * cancelled. A server that refuses the sign-in, the certificate or the mailbox fails at once
 * (`MailboxRefused`); any other failure is retried, and the next poll goes on from the last
 * message taken in. The worker's log gets the sentence, or a fault's class and code — never a
 * message's content or the mailbox's password.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { MailPollActivities, MailPollSummary } from '../workflows/mail-poll.ts';
import { activityContext, internalDetail, warn } from './run-log.ts';

export interface MailPoller {
  /** One poll of the mailbox; rejects with a `MailboxError` (a sentence; `permanent` when only a configuration change helps) when the server fails it. */
  poll(opts: { client: Client; heartbeat: (progress: { uid: number }) => void; signal: AbortSignal | undefined }): Promise<MailPollSummary>;
}

export interface MailPollActivityDeps {
  /** HELPDESK_IMAP_URL's poller; absent when this worker polls no mailbox. */
  mailPoll?: MailPoller | undefined;
}

export function createMailPollActivities(deps: MailPollActivityDeps): MailPollActivities {
  return {
    async pollMailbox() {
      const ctx = activityContext();
      if (!deps.mailPoll || !ctx) {
        warn('[mail-in] the mailbox poll ran on a worker without HELPDESK_IMAP_URL: nothing was read. Give every worker of the task queue the same HELPDESK_IMAP_URL, or delete the mail-poll schedule when no mailbox is polled any more.');
        return { polled: false, summary: null };
      }
      try {
        const summary = await deps.mailPoll.poll({ client: ctx.client, heartbeat: (p) => ctx.heartbeat(p), signal: ctx.cancellationSignal });
        return { polled: true, summary };
      } catch (err) {
        if (err instanceof Error && err.name === 'MailboxError') {
          const permanent = (err as Error & { permanent?: boolean }).permanent === true;
          warn(`[mail-in] ${err.message}`);
          throw ApplicationFailure.create({ message: err.message, type: permanent ? 'MailboxRefused' : 'MailboxUnavailable', nonRetryable: permanent });
        }
        if (ctx.cancellationSignal.aborted) throw err;
        warn(`[mail-in] a message of the IMAP mailbox could not be taken in now (${internalDetail(err)}); it stays in the mailbox, and the next attempt begins with it`);
        throw ApplicationFailure.retryable('A message of the IMAP mailbox could not be taken in now (the database or Temporal is out of reach); it stays in the mailbox, and the next attempt begins with it.', 'MailNotTakenYet');
      }
    },
  };
}
