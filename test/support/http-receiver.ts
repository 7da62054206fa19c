/**
 * A real HTTP receiver for a test (webhooks, Slack, Teams, the SMS gateway), on 127.0.0.1 and a
 * port of its own: it keeps every request (path, headers, raw body) and answers what the test's
 * `answer` says for it (default 200 "ok"). Closed by the test that started it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './processes.ts';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Waits for `count` requests matching `match` (10 s unless told). */
  waitFor(what: string, match: (r: ReceivedRequest) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export type Answer = { status: number; body?: string; contentType?: string };

export async function startHttpReceiver(answer: (r: ReceivedRequest, all: ReceivedRequest[]) => Answer = () => ({ status: 200, body: 'ok' })): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(r);
      const a = answer(r, requests);
      res.writeHead(a.status, { 'content-type': a.contentType ?? 'text/plain' });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (what, match, count = 1, timeoutMs = 10_000) =>
      waitFor(what, async () => {
        const found = requests.filter(match);
        return found.length >= count ? found : undefined;
      }, timeoutMs),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
