/**
 * What the ticket service needs, in one shape: runtime/compose.ts builds it once (the
 * repositories, the Temporal client, the configuration) and hands it to every adapter.
 * Each function of the service takes the part it reads (a `Pick` of this), so a test
 * passes only that.
 */
import type { Client } from '@temporalio/client';
import type { DirectoryRepo } from '../../db/directory-repo.ts';
import type { TicketsRepo } from '../../db/tickets-repo.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import type { TicketPrivacy } from '../privacy/ticket-data.ts';
import type { Vault } from '../../db/vault.ts';

export interface TicketDeps {
  /** The read model (its reads opened: see services/privacy/ticket-data.ts): intake reserves numbers in it and reads the recorded ticket back. */
  tickets: TicketsRepo;
  /** Seals personal data going in and opens what comes out (docs/privacy.md). */
  vault: Vault;
  privacy: TicketPrivacy;
  /** Who may be assigned (actions' arguments are checked against it). */
  directory: Pick<DirectoryRepo, 'activeAgent'>;
  /** The ticket's own rules version, for the teams and tiers an action names. */
  rules: Pick<RulesVersions, 'compiled'>;
  temporal: Client;
  /** The workers' task queue (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
  /** Ticket numbers' prefix (TICKET_PREFIX). */
  ticketPrefix: string;
  /** How long intake waits for the workflow to record a new ticket before answering 202 (INTAKE_WAIT_MS). */
  intakeWaitMs: number;
  /** Now, in epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** Starts the delivery of outbox rows written here (the follow link, sign-up mails); absent when no mail is sent. */
  outbox?: OutboxStarter | undefined;
}

/**
 * Starts outbox rows' delivery workflows (activities/notify.ts startDeliveries over this process's
 * client). A start that fails is not an error for the caller: the outbox sweep starts it later.
 */
export interface OutboxStarter {
  deliver(refs: Array<{ source: 'ticket' | 'account'; id: number }>): Promise<void>;
}
