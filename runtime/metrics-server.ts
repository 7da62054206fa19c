/**
 * A worker's own /metrics (observability/metrics.ts: breach lateness, outbox delivery lag, the
 * process's figures) on HELPDESK_METRICS_ADDRESS, with the web's rule for who may scrape
 * (scrape). `helpdesk start` needs none: its web serves the one registry.
 */
import http from 'node:http';
import { scrape } from '../observability/metrics.ts';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(address: { host: string; port: number }, token: string | null): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Only GET /metrics is served here.\n');
      return;
    }
    void scrape(token, req.headers.authorization, req.socket.remoteAddress).then((answer) => {
      res.writeHead(answer.status, { 'Content-Type': answer.contentType }).end(answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  return {
    url: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
