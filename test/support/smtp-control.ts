/**
 * An SMTP server a test (or a bench) controls, on the wire: nodemailer's smtp-server on 127.0.0.1,
 * any free port, no AUTH, no STARTTLS. It can stall the greeting of new connections (a client then
 * waits before any SMTP command), hold the final answer to a message it has received in full
 * (MAIL FROM, RCPT TO and DATA done) until the test accepts it or drops it, and it keeps what it
 * accepted: the envelope's recipients, the Message-ID, the raw message and the wall-clock instant
 * its 250 was written. A message whose 250 was never written was not received: a recipient never
 * sees it. Whoever starts it stops it (close()).
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { waitFor } from './processes.ts';

/** A message received in full, its final answer not given yet. */
export interface Incoming {
  sessionId: string;
  /** The envelope's recipients (RCPT TO), lower case. */
  rcptTo: string[];
  /** The Message-ID header, as sent (`<…@…>`). */
  messageId: string;
  raw: Buffer;
}

export interface Accepted extends Incoming {
  /** When the 250 was written, in ms since the epoch (sub-millisecond; see wallClock). */
  acceptedAt: number;
}

export interface Held extends Incoming {
  /** Writes the 250: the message is received. Answers the instant (as Accepted.acceptedAt). */
  accept(): number;
  /** Gives no 250 and ends the session if it is still open: the message is not received. */
  drop(): void;
  /** True once the client's session has ended (a client that died: its socket closed). */
  ended(): boolean;
}

export interface ControlledSmtp {
  url: string;
  port: number;
  /** Every message accepted (250 written), in order. */
  received: Accepted[];
  /** While true, a new connection gets no greeting (the client waits at connect, before any command). */
  stallGreetings: boolean;
  /** Connections open and still waiting for their greeting. */
  stalled(): number;
  /** Which messages to hold instead of accepting at once (unset: accept everything). */
  hold: ((m: Incoming) => boolean) | undefined;
  /** The next message held (oldest first), waited for. */
  nextHeld(what: string, timeoutMs?: number): Promise<Held>;
  close(): Promise<void>;
}

/**
 * The wall clock with sub-millisecond resolution: the monotonic clock anchored to Date.now() at a
 * millisecond's edge (so the anchor is good to a few microseconds, not to Date.now()'s 1 ms). The
 * machine's other clocks (PostgreSQL's now()) read the same system clock. Call calibrate() again
 * before a long measurement: the system clock may be slewed against the monotonic one.
 */
export const wallClock = (() => {
  let offset = Date.now() - performance.now();
  const calibrate = () => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = Date.now();
      let p = performance.now();
      let now = Date.now();
      while (now === d) {
        p = performance.now();
        now = Date.now();
      }
      samples.push(now - p);
    }
    offset = samples.sort((a, b) => a - b)[2]!;
  };
  calibrate();
  return { now: () => performance.now() + offset, calibrate };
})();

const messageIdOf = (raw: Buffer): string => {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return /^Message-ID:\s*(<[^>\s]+>)/im.exec(head)?.[1] ?? '';
};

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function startControlledSmtp(): Promise<ControlledSmtp> {
  const greetingsWaiting = new Map<string, () => void>();
  const open = new Set<string>();
  const held: Held[] = [];
  const received: Accepted[] = [];
  let closing: Promise<void> | undefined;
  const control: ControlledSmtp = {
    url: '',
    port: 0,
    received,
    stallGreetings: false,
    stalled: () => [...greetingsWaiting.keys()].filter((id) => open.has(id)).length,
    hold: undefined,
    nextHeld: (what, timeoutMs = 30_000) => waitFor(what, async () => held.shift(), timeoutMs, 20),
    close() {
      for (const h of held.splice(0)) h.drop();
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };

  const server = new SMTPServer({
    name: 'localhost',
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 200,
    onConnect(session, callback) {
      open.add(session.id);
      if (!control.stallGreetings) return callback();
      // Never greeted: the client is killed while it waits (a stalled session just ends with it).
      greetingsWaiting.set(session.id, () => callback());
    },
    onClose(session) {
      open.delete(session.id);
      greetingsWaiting.delete(session.id);
    },
    onData(stream, session: SMTPServerSession, callback) {
      readAll(stream).then((raw) => {
        const m: Incoming = { sessionId: session.id, rcptTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), messageId: messageIdOf(raw), raw };
        const accept = () => {
          const acceptedAt = wallClock.now();
          received.push({ ...m, acceptedAt });
          // smtp-server writes the 250 synchronously from here (the stream has ended).
          callback(null, 'OK: received');
          return acceptedAt;
        };
        if (!control.hold?.(m)) return void accept();
        let answered = false;
        held.push({
          ...m,
          accept: () => {
            if (answered) throw new Error('this message was answered already');
            answered = true;
            return accept();
          },
          drop: () => {
            if (answered) return;
            answered = true;
            const conn = [...(server as unknown as { connections: Set<{ id: string; close(): void }> }).connections].find((c) => c.id === session.id);
            conn?.close();
            // The session is gone: the answer, if any is written, reaches nobody.
            callback(Object.assign(new Error('Session dropped'), { responseCode: 421 }));
          },
          ended: () => !open.has(session.id),
        });
      }, (err: Error) => callback(err));
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  control.port = port;
  control.url = `smtp://127.0.0.1:${port}`;
  return control;
}
