/**
 * A real SMTP server for a test (runtime/mail-sink.ts, on the wire, port 0) and what it received,
 * parsed with mailparser as a mail client would read it. The test that starts it stops it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startMailSink, type MailSink } from '../../runtime/mail-sink.ts';
import { waitFor } from './processes.ts';

export interface ReceivedMail {
  file: string;
  to: string[];
  subject: string;
  messageId: string;
  inReplyTo: string | undefined;
  references: string[];
  text: string;
  html: string;
  header(name: string): string | undefined;
  parsed: ParsedMail;
}

export interface TestMailServer {
  sink: MailSink;
  received(): Promise<ReceivedMail[]>;
  /** Waits for `count` mails matching, and answers them. */
  waitFor(what: string, match: (m: ReceivedMail) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

const addresses = (a: ParsedMail['to']): string[] => (a ? (Array.isArray(a) ? a : [a]).flatMap((x) => x.value.map((v) => (v.address ?? '').toLowerCase())) : []);

export async function startTestMailServer(): Promise<TestMailServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-mail-'));
  const sink = await startMailSink({ dir, port: 0 });
  const cache = new Map<string, ReceivedMail>();
  async function received(): Promise<ReceivedMail[]> {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
    for (const f of files) {
      if (cache.has(f)) continue;
      const parsed = await simpleParser(fs.readFileSync(path.join(dir, f)));
      const refs = parsed.references;
      cache.set(f, {
        file: f, parsed, to: addresses(parsed.to), subject: parsed.subject ?? '', messageId: parsed.messageId ?? '', inReplyTo: parsed.inReplyTo,
        references: refs === undefined ? [] : Array.isArray(refs) ? refs : [refs], text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '',
        header: (name) => {
          const v = parsed.headers.get(name.toLowerCase());
          return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
        },
      });
    }
    return files.map((f) => cache.get(f)!);
  }
  return {
    sink,
    received,
    waitFor: (what, match, count = 1, timeoutMs = 30_000) => waitFor(what, async () => {
      const found = (await received()).filter(match);
      return found.length >= count ? found : undefined;
    }, timeoutMs, 200),
    async close() {
      await sink.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
