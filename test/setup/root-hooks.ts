import { runCleanups } from '../support/env.ts';

/** Stops whatever the integration tests started (dev servers, workers, databases). */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await runCleanups();
  },
};
