/**
 * A worker's own /metrics (observability/metrics.ts: breach lateness, outbox delivery lag, the
 * process's figures) on HELPDESK_METRICS_ADDRESS, with the web's rule for who may scrape
 * (mayScrape). `helpdesk start` needs none: its web serves the one registry.
 */
import http from 'node:http';
import { mayScrape, registry } from '../observability/metrics.ts';

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
    if (!mayScrape(token, req.headers.authorization, req.socket.remoteAddress)) {
      res.writeHead(token === null ? 403 : 401, { 'Content-Type': 'text/plain' }).end(token === null
        ? 'The metrics are served only to this machine; set HELPDESK_METRICS_TOKEN to let Prometheus scrape them from elsewhere.\n'
        : 'Send the metrics token (HELPDESK_METRICS_TOKEN) as "Authorization: Bearer <token>".\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('The metrics could not be collected; try again.\n'),
    );
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
