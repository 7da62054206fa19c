/**
 * Watches the parts `helpdesk start` started (the Temporal dev server, the embedded PostgreSQL,
 * the worker) and restarts one that ends on its own, on the same data, with backoff; each
 * restart is one log line. A part that cannot come back — more than `maxAttempts` restarts
 * within `windowMs` — is given up on: `onGiveUp` is told why, once, and supervision ends.
 */
import { describeFailure } from './failure.ts';

export interface Supervised {
  /** As a user names it: "Temporal dev server". */
  name: string;
  /** Resolves (or rejects) when the running instance ends, with how ("signal SIGKILL"). */
  ended(): Promise<string>;
  /** Starts the part again; resolves once it serves again, with a word on where (optional). */
  restart(): Promise<string | void>;
}

export interface RestartPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  windowMs: number;
}

export const defaultPolicy: RestartPolicy = { firstDelayMs: 500, maxDelayMs: 8_000, maxAttempts: 6, windowMs: 120_000 };

export interface Supervisor {
  /**
   * Stops watching (before a shutdown stops the parts on purpose): no restart begins after it,
   * and it resolves once a restart under way has ended, so that what it started is there to be
   * stopped. Each part bounds its own start.
   */
  stop(): Promise<void>;
}

export function supervise(parts: Supervised[], opts: { log: (line: string) => void; onGiveUp: (reason: string) => void; policy?: Partial<RestartPolicy> }): Supervisor {
  const policy = { ...defaultPolicy, ...opts.policy };
  let stopped = false;
  let gaveUp = false;
  const giveUp = (reason: string) => {
    if (gaveUp || stopped) return;
    gaveUp = true;
    stopped = true;
    opts.onGiveUp(reason);
  };
  // Restarts under way, for stop() to wait for; and the backoff waits, which stop() cuts short.
  const restarting = new Set<Promise<unknown>>();
  const waits = new Set<() => void>();
  const backoff = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });
  const restart = (part: Supervised) => {
    const under = part.restart();
    restarting.add(under);
    void under.then(
      () => restarting.delete(under),
      () => restarting.delete(under),
    );
    return under;
  };

  const watch = async (part: Supervised) => {
    const attempts: number[] = [];
    while (!stopped) {
      let how = await part.ended().then(
        (h) => h,
        (err: unknown) => `failed: ${describeFailure(err)}`,
      );
      if (stopped) return;
      for (;;) {
        const now = Date.now();
        while (attempts.length && now - attempts[0]! > policy.windowMs) attempts.shift();
        if (attempts.length >= policy.maxAttempts) {
          giveUp(`${part.name} ${how}; it could not be kept running (${attempts.length} restarts within ${Math.round(policy.windowMs / 1000)} s).`);
          return;
        }
        attempts.push(now);
        const attempt = attempts.length;
        opts.log(`${part.name} ${how}; restarting (attempt ${attempt})…`);
        await backoff(Math.min(policy.firstDelayMs * 2 ** (attempt - 1), policy.maxDelayMs));
        if (stopped) return;
        try {
          const where = await restart(part);
          if (stopped) return;
          opts.log(`${part.name} is running again${where ? ` ${where}` : ''}.`);
          break;
        } catch (err) {
          // A restart that failed because the shutdown stopped it midway is no news.
          if (stopped) return;
          how = `did not start again (${describeFailure(err).split('\n')[0]})`;
        }
      }
    }
  };

  for (const part of parts) {
    watch(part).catch((err: unknown) => giveUp(`Supervising the ${part.name} failed: ${describeFailure(err)}`));
  }
  return {
    async stop() {
      stopped = true;
      for (const cut of [...waits]) cut();
      await Promise.allSettled([...restarting]);
    },
  };
}
