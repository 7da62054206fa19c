/**
 * A ticket's evidence bundle (docs/audit-proof.md, "Evidence export"): everything an auditor keeps
 * about one ticket, in one signed file that verifies itself offline (services/audit/bundle.ts):
 *
 * - `timeline.json` — every event of the read model: number, type, time, who (a machine actor by
 *   name, a person as `person`), whether a reason was given, and the event's figures; free text
 *   (messages, notes, reasons) and addresses are left out;
 * - `timeline-words.json` and `timeline.txt` — the timeline in words (services/audit/timeline.ts)
 *   in the export's language, with every "why", built from the ticket as stored: people by their
 *   pseudonym (an erasure leaves the evidence whole), sealed reasons left out and said so. So the
 *   bundle names nobody — except a ticket reported before sealing, whose addresses and reasons
 *   were stored as typed and are shown as stored;
 * - `history/<run id>.json` — every run's history exactly as Temporal (or the archive) keeps it,
 *   payloads still encrypted under the service keys, with `histories.json` listing each one's
 *   event count and SHA-256;
 * - `verdict.json` — the replay check's verdict at the time of the export;
 * - `rules/v<N>.json` — every rules version the ticket was decided under, the exact text
 *   published and its hash; `calendars.json` — those versions' business calendars;
 * - `audit-log.json` — the audit-log entries about the ticket and those versions, oldest first;
 * - the checkpoint written for this export, covering the entry that records the export itself.
 */
import type { AuditEntry, AuditRepo } from '../../db/audit-repo.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import { AUDIT_LOG_FILE, buildBundle, rulesFileName, rulesVersionText, type EvidenceBundle } from './bundle.ts';
import type { CheckpointWithEntry } from './checkpoints.ts';
import type { Signer } from './signature.ts';
import type { Audit } from './index.ts';
import type { ReplayVerdict } from './types.ts';
import { timelineLines } from './timeline.ts';

export interface TicketEvidenceDeps {
  audit: Audit;
  ticket(number: string): Promise<TicketRecord | undefined>;
  rules: RulesVersions;
  log: AuditRepo;
  /** Records the export in the audit log (its own transaction) and signs a checkpoint covering it. */
  recordExport(number: string, summary: { reproducible: boolean; runs: number }): Promise<CheckpointWithEntry>;
  signer: () => Signer;
}

const MACHINE = new Set(['system', 'rules', 'sla', 'ladder']);
const FREE_TEXT = new Set(['message', 'note', 'comment', 'reason', 'requester', 'assignee', 'author', 'filedBy']);

/** An event without its free text and people: what an auditor's sample needs, no personal data. */
function timelineEntry(e: TicketRecord['timeline'][number]) {
  const data = Object.fromEntries(Object.entries(e.data).filter(([k]) => !FREE_TEXT.has(k)));
  return { seq: e.seq, type: e.type, occurredAt: e.occurredAt, actor: MACHINE.has(e.actor) ? e.actor : 'person', reasonGiven: e.reason !== null && e.reason !== '', data };
}

/** The rules versions a ticket was decided under: its classification's and each re-classification's. */
function versionsOf(t: TicketRecord): number[] {
  const found = new Set<number>();
  if (typeof t.rulesVersion === 'number') found.add(t.rulesVersion);
  for (const e of t.timeline) {
    const d = e.data as { rulesVersion?: unknown; from?: { rulesVersion?: unknown }; to?: { rulesVersion?: unknown } };
    for (const v of [d.rulesVersion, d.from?.rulesVersion, d.to?.rulesVersion]) if (typeof v === 'number') found.add(v);
  }
  return [...found].sort((a, b) => a - b);
}

export class TicketNotFoundForExport extends Error {
  constructor(readonly number: string) {
    super(`There is no ticket ${number}: check the number (e.g. HD-2026-000042).`);
  }
}

/** `language`: the words of the bundle's timeline (timeline-words.json, timeline.txt); English by default. */
export async function exportTicketEvidence(deps: TicketEvidenceDeps, number: string, language = 'en'): Promise<{ bundle: EvidenceBundle; text: string; verdict: ReplayVerdict }> {
  const ticket = await deps.ticket(number);
  if (!ticket) throw new TicketNotFoundForExport(number);
  // Read once: the histories, the verdict and the timeline in the bundle are of the same runs.
  // Temporal or PostgreSQL not answering is a fault to try again (503): no degraded bundle is signed.
  const histories = await deps.audit.histories(number);
  const verdict = await deps.audit.checkTicket(number, histories);
  const files: Record<string, string> = {};
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  files['timeline.json'] = json({ ticket: number, status: ticket.status, createdAt: ticket.createdAt, events: ticket.timeline.map(timelineEntry) });
  // The timeline in words, with every "why", from the ticket as stored: people by pseudonym, sealed words left out.
  const worded = await deps.audit.evidenceTimeline(number, language, { histories });
  files['timeline-words.json'] = json(worded);
  files['timeline.txt'] = `${timelineLines(worded).join('\n')}\n`;
  for (const run of histories.runs) files[`history/${run.runId}.json`] = run.text;
  files['histories.json'] = json({ workflowId: histories.workflowId, runs: histories.runs.map((r) => ({ runId: r.runId, origin: r.origin, status: r.status, eventCount: r.eventCount, sha256: r.sha256, startedAt: r.startedAt, closedAt: r.closedAt })), missing: histories.missing });
  files['verdict.json'] = json(verdict);
  const versions = versionsOf(ticket);
  const calendars: Record<string, unknown> = {};
  for (const v of versions) {
    const record = await deps.rules.get(v);
    if (!record) continue;
    files[rulesFileName(v)] = rulesVersionText({ version: v, hash: record.hash, source: record.source, publishedAt: record.publishedAt });
    calendars[`v${v}`] = record.file.calendars;
  }
  files['calendars.json'] = json(calendars);
  const checkpoint = await deps.recordExport(number, { reproducible: verdict.reproducible, runs: histories.runs.length });
  const entries = new Map<number, AuditEntry>();
  for (const subject of [`ticket:${number}`, ...versions.map((v) => `rules:${v}`)]) {
    for (const e of await deps.log.search({ subject, limit: 1000 })) entries.set(e.seq, e);
  }
  files[AUDIT_LOG_FILE] = json([...entries.values()].sort((a, b) => a.seq - b.seq));
  const built = buildBundle({ kind: 'ticket', subject: number, files, checkpoint }, deps.signer());
  return { ...built, verdict };
}
