/**
 * GET /healthz: whether PostgreSQL and Temporal answer, and whether any worker polls the ticket
 * task queue, within a second whatever is down. PostgreSQL or Temporal down: 503 (this web process
 * cannot take tickets). No worker: 200 with `"status": "degraded"`, `"workers": "none"` — intake
 * still works and tickets wait in the queue, but no SLA timer is acted on until a worker comes
 * back, so alert on it; a load balancer keeps sending requests here.
 * Each check ends by its deadline, and nothing it started outlives it: PostgreSQL is asked on a
 * connection of its own that is dropped at the deadline (so a hung server holds none of the
 * app's pool), Temporal under a gRPC deadline.
 */
import type { Request, Response } from 'express';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import type { Sequelize } from 'sequelize';

export const CHECK_MS = 700;

/** The call's answer, or a rejection at the deadline, whichever comes first (the timer never outlives it). */
async function by<T>(deadline: number, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_MS} ms`)), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
  }
}

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
  try {
    await client.connect();
    await by(deadline, client.query('SELECT 1'));
  } finally {
    // With the query still running (a hung server), end() drops the connection at once.
    void client.end().catch(() => undefined);
  }
}

async function temporalAnswers(client: Client, deadline: number): Promise<void> {
  const connection = client.connection;
  await by(deadline, connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({})));
}

/** A worker's long poll lasts up to about a minute: one seen polling within this long is there. */
export const WORKER_SEEN_MS = 90_000;
/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW */
const WORKFLOW_QUEUE = 1;

/** Whether a worker has polled the ticket workflows' task queue lately (DescribeTaskQueue's pollers). */
async function workersPoll(client: Client, taskQueue: string, deadline: number): Promise<boolean> {
  const connection = client.connection;
  const described = await by(deadline, connection.withDeadline(deadline, () => connection.workflowService.describeTaskQueue({
    namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: WORKFLOW_QUEUE,
  })));
  // Compared with this machine's clock: keep the web's and Temporal's clocks in step (NTP).
  const since = Date.now() - WORKER_SEEN_MS;
  return (described.pollers ?? []).some((p) => {
    const s = p.lastAccessTime?.seconds;
    return s !== undefined && s !== null && Number(s) * 1000 >= since;
  });
}

export function healthz(deps: { sequelize: Sequelize; temporal: Client; taskQueue: string }) {
  return async (_req: Request, res: Response) => {
    const deadline = Date.now() + CHECK_MS;
    const [pgCheck, temporalCheck, workersCheck] = await Promise.allSettled([
      postgresAnswers(deps.sequelize, deadline),
      temporalAnswers(deps.temporal, deadline),
      workersPoll(deps.temporal, deps.taskQueue, deadline),
    ]);
    const postgres = pgCheck.status === 'fulfilled' ? 'ok' : 'down';
    const temporal = temporalCheck.status === 'fulfilled' ? 'ok' : 'down';
    // Unknown while Temporal is down or the question went unanswered; else whether one polls.
    const workers = temporal === 'down' || workersCheck.status === 'rejected' ? 'unknown' : workersCheck.value ? 'ok' : 'none';
    const serving = postgres === 'ok' && temporal === 'ok';
    res.status(serving ? 200 : 503).json({ status: serving && workers === 'ok' ? 'ok' : 'degraded', postgres, temporal, workers });
  };
}
