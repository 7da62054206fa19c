/**
 * The portal's own personal data, sealed going in and opened coming out: attachments (their
 * filename and bytes), follow links and rating comments are sealed under the requester's key
 * for the ticket (db/vault.ts), bound to their field and the ticket number, and
 * people are kept as pseudonyms. What a page gets is opened again; where the key was
 * destroyed (erasure), `erased` says so and the page shows it in the viewer's language.
 *
 * An attachment's bytes are stored as the UTF-8 bytes of its `sealed:v1:` string (field
 * 'attachment'): a third larger than the file (base64url), but one format for every sealed
 * value, opened by the same `vault.openBytes`. The size limits apply to the plain file
 * (api/portal/attachments.ts), and size_bytes is the plain file's size. A row whose filename
 * is not sealed is from before sealing: its name and bytes are plain and served as they are.
 *
 * What recognises a file sent twice (the `sha256` column) is a keyed fingerprint of its content
 * and ticket (vault.fingerprint), not a plain digest: with the database alone, nobody can test
 * whether a file they know is attached anywhere. Rows from before hold the plain SHA-256.
 */
import type { Response } from 'express';
import type { AttachmentMeta, NewAttachment, PortalRepo, RatingRecord } from '../../../db/portal-repo.ts';
import { isSealed, type Vault } from '../../../db/vault.ts';

import type { OutboxStarter } from '../../../services/tickets/deps.ts';

export interface PortalDataDeps {
  portal: PortalRepo;
  vault: Vault;
}

/** An attachment as a page shows it: its plain name, or `erased` (and no name) when its key was destroyed. */
export type OpenedAttachmentMeta = AttachmentMeta & { erased: boolean };

/** A rating as a page shows it: the comment opened (`commentErased` when its key was destroyed). */
export type OpenedRating = RatingRecord & { commentErased: boolean };

/**
 * Seals each file's name and bytes for the ticket, and replaces the plain content's SHA-256 by its
 * keyed fingerprint (bound to the ticket); the size stays the plain file's.
 */
export async function sealAttachments(vault: Vault, number: string, requester: string, files: NewAttachment[]): Promise<NewAttachment[]> {
  return Promise.all(files.map(async (f) => ({
    ...f,
    sha256: await vault.fingerprint(`attachment|${number}|${f.sha256}`),
    legacySha256: f.sha256,
    filename: await vault.sealTicket(number, requester, 'filename', f.filename),
    data: Buffer.from(await vault.sealTicket(number, requester, 'attachment', f.data), 'utf8'),
    sizeBytes: f.sizeBytes ?? f.data.length,
  })));
}

async function openMeta(vault: Vault, a: AttachmentMeta): Promise<OpenedAttachmentMeta> {
  const filename = await vault.open(a.filename, 'filename', a.ticketNumber);
  return filename === null ? { ...a, filename: '', erased: true } : { ...a, filename, erased: false };
}

/** The ticket's attachments with their names opened. */
export async function listAttachments(deps: PortalDataDeps, number: string): Promise<OpenedAttachmentMeta[]> {
  return Promise.all((await deps.portal.attachments(number)).map((a) => openMeta(deps.vault, a)));
}

/** One attachment with its bytes opened; `erased` when its key was destroyed; undefined when there is none. */
export async function openAttachment(deps: PortalDataDeps, number: string, id: number): Promise<(OpenedAttachmentMeta & { data: Buffer }) | undefined> {
  const file = await deps.portal.attachment(number, id);
  if (!file) return undefined;
  const meta = await openMeta(deps.vault, file);
  if (meta.erased || !isSealed(file.filename)) return { ...meta, data: meta.erased ? Buffer.alloc(0) : file.data };
  const data = await deps.vault.openBytes(file.data.toString('utf8'), 'attachment', number);
  return data === null ? { ...meta, filename: '', erased: true, data: Buffer.alloc(0) } : { ...meta, data };
}

/** Sends an opened attachment as a download: its own name and type, never sniffed, never kept by a cache. */
export function sendAttachment(res: Response, file: OpenedAttachmentMeta & { data: Buffer }): void {
  res.set({
    'Content-Type': file.contentType,
    'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-store',
  });
  res.send(file.data);
}

/** Stores a rating: for a sealed ticket (it has a requester pseudonym) the comment sealed and the rater as a pseudonym; a ticket from before sealing keeps both plain, like the rest of it. */
export async function saveRating(deps: PortalDataDeps, ticket: { number: string; requester?: string; requesterEmail: string }, r: { score: number; comment: string | null; ratedBy: string }): Promise<void> {
  const requester = ticket.requester;
  if (!requester) return deps.portal.saveRating(ticket.number, r);
  await deps.portal.saveRating(ticket.number, {
    score: r.score,
    comment: r.comment === null ? null : await deps.vault.sealTicket(ticket.number, requester, 'comment', r.comment),
    // The requester rating their own ticket is its pseudonym already; someone else (a signed-in account) is looked up.
    ratedBy: r.ratedBy === ticket.requesterEmail ? requester : await deps.vault.personRef(r.ratedBy),
  });
}

/** The ticket's rating with its comment opened. */
export async function openRating(deps: PortalDataDeps, number: string): Promise<OpenedRating | undefined> {
  const rating = await deps.portal.rating(number);
  if (!rating) return undefined;
  if (rating.comment === null) return { ...rating, commentErased: false };
  const comment = await deps.vault.open(rating.comment, 'comment', number);
  return { ...rating, comment, commentErased: comment === null };
}

/**
 * Stores a follow token's hash and queues the link for the requester's mail: the requester
 * (`requester`: their pseudonym) as that pseudonym, the link sealed (field 'link').
 */
export async function addFollowToken(deps: PortalDataDeps & { outbox?: OutboxStarter | undefined }, t: { tokenHash: string; ticketNumber: string; requester: string; link: string; locale: string }): Promise<void> {
  const queued = await deps.portal.addFollowToken({
    tokenHash: t.tokenHash, ticketNumber: t.ticketNumber, requester: t.requester, locale: t.locale,
    sealedLink: await deps.vault.sealTicket(t.ticketNumber, t.requester, 'link', t.link),
  });
  // Mailed at once; a start that fails is the outbox sweep's to make (docs/mail.md).
  if (queued !== undefined) await deps.outbox?.deliver([{ source: 'ticket', id: queued }]).catch(() => undefined);
}
