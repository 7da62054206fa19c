/**
 * The local mailbox: the folder the local mail sink (runtime/mail-sink.ts) keeps every message
 * in, read for the admins' mail page (admin-ui/mail/). One `.eml` file per message, named by its
 * arrival (`20261203T142233123Z-1a2b3c4d.eml`: UTC time to the millisecond, then 8 random hex
 * digits), so the names sort by arrival; the file is the message as the client sent it with the
 * SMTP envelope in two lines on top (`X-Envelope-From: <a@b>`, `X-Envelope-To: <c@d>, <e@f>`).
 * See docs/mail-sink.md.
 *
 * An id is a file name without `.eml` and is checked against the naming pattern before any file
 * is touched: anything else (`..`, a slash, a name with `.eml`) is no message, so no path leads
 * out of the folder. A missing folder is an empty mailbox.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

/** A message's id: its file name without `.eml`. */
export const MAIL_ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

/** The envelope lines the sink writes on top of each message. */
export const ENVELOPE_FROM = 'X-Envelope-From';
export const ENVELOPE_TO = 'X-Envelope-To';

/** How much of a file the list reads to find its header (a header longer than this is cut there). */
const HEADER_READ_BYTES = 256 * 1024;

export interface MailboxEntry {
  /** The file name without `.eml`. */
  id: string;
  /** When the sink received it (ISO 8601, from the file name). */
  receivedAt: string;
  /** The From header as written ("Name <address>"), '' when there is none. */
  from: string;
  /** The To header's addresses ("Name <address>" each). */
  to: string[];
  subject: string;
  messageId: string | null;
  inReplyTo: string | null;
  /** The References header's message ids, oldest first. */
  references: string[];
  /** The SMTP envelope: MAIL FROM ('' for the null sender) and each RCPT TO. */
  envelope: { from: string; to: string[] };
  /** Bytes of the stored file (the message and the two envelope lines). */
  size: number;
}

export interface MailboxAttachment {
  filename: string | null;
  contentType: string;
  size: number;
}

export interface MailboxMessage extends MailboxEntry {
  /** The plain-text body ('' when the message has none). */
  text: string;
  /** The HTML body, or null when the message has none. */
  html: string | null;
  /** Every header line in the file's order, unfolded, as [name, value] (values as written: encoded words stay encoded). */
  headers: Array<[string, string]>;
  attachments: MailboxAttachment[];
}

export interface Mailbox {
  readonly dir: string;
  /** Newest first, `limit` at most, those older than the message `before` when it is given; `total` counts the whole mailbox. */
  list(opts: { limit: number; before?: string | undefined }): Promise<{ entries: MailboxEntry[]; total: number }>;
  /** One message with its bodies, headers and attachments' facts; undefined for an id that is not one of the folder's. */
  read(id: string): Promise<MailboxMessage | undefined>;
  /** The stored file's bytes; undefined for an id that is not one of the folder's. */
  raw(id: string): Promise<Buffer | undefined>;
}

export const isMailId = (id: unknown): id is string => typeof id === 'string' && MAIL_ID_PATTERN.test(id);

/** `20261203T142233123Z` → `2026-12-03T14:22:33.123Z`. */
export function receivedAtOf(id: string): string {
  const s = id.slice(0, 19);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
}

/** A message id for an arrival at `ms` (the inverse of receivedAtOf), with its random suffix. */
export function mailIdAt(ms: number, suffix: string): string {
  return `${new Date(ms).toISOString().replace(/[-:.]/g, '')}-${suffix}`;
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/** The address headers' entries as "Name <address>" (a group's members each). */
function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const o of objects) {
    for (const a of o.value) {
      const members = a.group ?? [a];
      for (const m of members) out.push(m.name && m.address ? `${m.name} <${m.address}>` : m.address ?? m.name);
    }
  }
  return out;
}

/** The envelope lines on top of a stored file. */
function envelopeOf(head: string): MailboxEntry['envelope'] {
  const lines = head.split(/\r?\n/, 2);
  const value = (name: string, line: string | undefined) => (line?.startsWith(`${name}: `) ? line.slice(name.length + 2) : undefined);
  const unbracket = (s: string) => s.trim().replace(/^<(.*)>$/, '$1');
  const from = value(ENVELOPE_FROM, lines[0]);
  const to = value(ENVELOPE_TO, lines[1]);
  return { from: from === undefined ? '' : unbracket(from), to: to ? to.split(/,\s*/).map(unbracket).filter(Boolean) : [] };
}

const idList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : []);

function entryOf(id: string, parsed: ParsedMail, head: string, size: number): MailboxEntry {
  const from = addresses(parsed.from)[0] ?? '';
  return {
    id,
    receivedAt: receivedAtOf(id),
    from,
    to: addresses(parsed.to),
    subject: parsed.subject ?? '',
    messageId: parsed.messageId ?? null,
    inReplyTo: parsed.inReplyTo ?? null,
    references: idList(parsed.references),
    envelope: envelopeOf(head),
    size,
  };
}

/** The header block of a file: up to its first empty line (or HEADER_READ_BYTES). */
async function headerOf(file: string): Promise<{ head: Buffer; size: number }> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const buffer = Buffer.alloc(Math.min(size, HEADER_READ_BYTES));
    const { bytesRead } = await fh.read(buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, bytesRead);
    const crlf = bytes.indexOf('\r\n\r\n');
    const lf = bytes.indexOf('\n\n');
    const ends = [crlf, lf].filter((i) => i >= 0);
    return { head: ends.length ? bytes.subarray(0, Math.min(...ends)) : bytes, size };
  } finally {
    await fh.close();
  }
}

/** Header lines as [name, value]: unfolded, the name as written. */
function headerPairs(parsed: ParsedMail): Array<[string, string]> {
  return parsed.headerLines.map(({ line }) => {
    const unfolded = line.replace(/\r?\n[ \t]+/g, ' ');
    const colon = unfolded.indexOf(':');
    return colon < 0 ? [unfolded, ''] : [unfolded.slice(0, colon).trim(), unfolded.slice(colon + 1).trim()];
  });
}

/** The seal context of the local mailbox's messages (field `mail`, under the recipient's key). */
export const LOCAL_MAILBOX_CONTEXT = 'local-mailbox';

/** Opens a message kept sealed (runtime/mail-sink.ts `seal`): its bytes, or null when its recipient was erased. */
export type MailOpener = (sealed: string) => Promise<Buffer | null>;

const SEALED = Buffer.from('sealed:');

export function openMailbox(dir: string, opener?: MailOpener): Mailbox {
  const fileOf = (id: string) => path.join(dir, `${id}.eml`);

  /** A message's bytes as they came: opened when kept sealed; undefined when gone, erased, or sealed with nothing to open it. */
  async function load(id: string): Promise<Buffer | undefined> {
    const bytes = await fs.readFile(fileOf(id));
    if (!bytes.subarray(0, SEALED.length).equals(SEALED)) return bytes;
    return (opener ? await opener(bytes.toString('utf8')).catch(() => null) : null) ?? undefined;
  }

  async function ids(): Promise<string[]> {
    try {
      const names = await fs.readdir(dir);
      return names.filter((n) => n.endsWith('.eml')).map((n) => n.slice(0, -4)).filter(isMailId).sort().reverse();
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  async function entry(id: string): Promise<MailboxEntry | undefined> {
    try {
      const { head, size } = opener ? await sealedHeaderOf(id) ?? { head: undefined, size: 0 } : await headerOf(fileOf(id));
      if (!head) return undefined;
      const parsed = await simpleParser(Buffer.concat([head, Buffer.from('\r\n\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
      return entryOf(id, parsed, head.toString('utf8'), size);
    } catch (err) {
      // Removed between the listing and the read: not in the list.
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** The head of a message that may be kept sealed (opened whole first). */
  async function sealedHeaderOf(id: string): Promise<{ head: Buffer; size: number } | undefined> {
    const bytes = await load(id);
    if (!bytes) return undefined;
    const ends = [bytes.indexOf('\r\n\r\n'), bytes.indexOf('\n\n')].filter((i) => i >= 0);
    return { head: ends.length ? bytes.subarray(0, Math.min(...ends)) : bytes, size: bytes.length };
  }

  async function raw(id: string): Promise<Buffer | undefined> {
    if (!isMailId(id)) return undefined;
    try {
      return await load(id);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  return {
    dir,
    async list({ limit, before }) {
      const all = await ids();
      const from = before === undefined ? 0 : isMailId(before) ? all.findIndex((id) => id < before) : all.length;
      const page = from < 0 ? [] : all.slice(from, from + Math.max(0, limit));
      const entries = (await Promise.all(page.map(entry))).filter((e): e is MailboxEntry => e !== undefined);
      return { entries, total: all.length };
    },
    async read(id) {
      const bytes = await raw(id);
      if (!bytes) return undefined;
      const parsed = await simpleParser(bytes, { skipTextLinks: true });
      const end = bytes.indexOf('\n');
      const second = end < 0 ? -1 : bytes.indexOf('\n', end + 1);
      const head = bytes.subarray(0, second < 0 ? bytes.length : second).toString('utf8');
      return {
        ...entryOf(id, parsed, head, bytes.length),
        text: parsed.text ?? '',
        html: typeof parsed.html === 'string' ? parsed.html : null,
        headers: headerPairs(parsed),
        attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? null, contentType: a.contentType, size: a.size })),
      };
    },
    raw,
  };
}
