/**
 * GET /healthz: whether PostgreSQL and Temporal answer, within a second whatever is down.
 * Each check ends by its deadline, and nothing it started outlives it: PostgreSQL is asked on a
 * connection of its own that is dropped at the deadline (so a hung server holds none of the
 * app's pool), Temporal under a gRPC deadline.
 */
import type { Request, Response } from 'express';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import type { Sequelize } from 'sequelize';

export const CHECK_MS = 700;

const late = () => new Error(`no answer within ${CHECK_MS} ms`);

/** SELECT 1 on a connection of its own, made with the app's database settings and closed when the check ends. */
async function postgresAnswers(sequelize: Sequelize, deadline: number): Promise<void> {
  const { host, port, username, password, database, dialectOptions } = sequelize.config;
  const client = new pg.Client({
    host,
    port: port === undefined ? undefined : Number(port),
    user: username,
    password: password ?? undefined,
    database,
    // As Sequelize passes it (DATABASE_URL's ?ssl=…).
    ssl: (dialectOptions as { ssl?: pg.ClientConfig['ssl'] } | undefined)?.ssl,
    // pg drops a connection not ready by then.
    connectionTimeoutMillis: Math.max(1, deadline - Date.now()),
  });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.connect();
    await Promise.race([client.query('SELECT 1'), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()))))]);
  } finally {
    clearTimeout(timer);
    // With the query still running (a hung server), end() drops the connection at once.
    void client.end().catch(() => undefined);
  }
}

async function temporalAnswers(client: Client, deadline: number): Promise<void> {
  const connection = client.connection;
  let timer: NodeJS.Timeout | undefined;
  const call = connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({}));
  try {
    await Promise.race([call, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()))))]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthz(deps: { sequelize: Sequelize; temporal: Client }) {
  return async (_req: Request, res: Response) => {
    const deadline = Date.now() + CHECK_MS;
    const checks = await Promise.allSettled([postgresAnswers(deps.sequelize, deadline), temporalAnswers(deps.temporal, deadline)]);
    const [postgres, temporal] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'down'));
    const ok = postgres === 'ok' && temporal === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', postgres, temporal });
  };
}
