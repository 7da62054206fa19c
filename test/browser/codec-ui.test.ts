/**
 * The Temporal Web UI of `npm start`'s dev server, in a real browser, showing a workflow's
 * encrypted input decoded by the web process's codec endpoint: the UI's page calls it across
 * origins with the helpdesk's staff session cookie (signed in with the second factor), as a
 * signed-in auditor sees it. The same page with an agent's session shows it encrypted.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { CODEC_PATH } from '../../api/codec/index.ts';
import { SESSION_COOKIE } from '../../api/portal/middleware.ts';
import { startWeb, type WebServer } from '../../runtime/stack.ts';
import { closeClient, connectClient, targetFromConfig } from '../../runtime/temporal.ts';
import { devUiOrigins, freePort, startDevServer, type DevServer } from '../../runtime/temporal-dev-server.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { getEnv, log, onCleanup, type TestEnv } from '../support/env.ts';
import { makeUser, signInEnrolled } from '../support/staff.ts';
import { PortalClient } from '../portal-client.ts';

describe('the Temporal Web UI shows payloads decoded to a signed-in auditor', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let browser: Browser;
  let dev: DevServer;
  let web: WebServer;
  let workflow: { id: string; runId: string };

  before(async () => {
    env = await getEnv();
    // As `npm start` runs them: the web process lets the UI's origins in, the dev server's UI decodes through it.
    const uiPort = await freePort();
    web = await startWeb({ ...env.config, codecCorsOrigins: devUiOrigins(`http://127.0.0.1:${uiPort}`) }, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    dev = await startDevServer({ cliPath: env.cliPath, port: await freePort(), uiPort, uiCodecEndpoint: `${web.url}${CODEC_PATH}` });
    onCleanup(() => dev.stop());
    // A workflow whose input the helpdesk's client encrypts (no worker: the started event is enough).
    const client = await connectClient(targetFromConfig(env.config, dev.address));
    const handle = await client.workflow.start('ticketWorkflow', { taskQueue: 'nobody-polls', workflowId: 'codec-ui-check', args: [{ note: 'Drukarka na 3. piętrze zacina papier' }] });
    workflow = { id: handle.workflowId, runId: handle.firstExecutionRunId };
    await closeClient(client);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  /** The workflow page's Input box, as a staff member of this role, signed in on the staff pages, sees it. */
  async function inputAs(role: 'auditor' | 'agent', shown: RegExp, shot?: string): Promise<string> {
    const staff = new PortalClient(web.url, 'en');
    await signInEnrolled(staff, await makeUser(env.db, role));
    const context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
    await context.addCookies([{ name: SESSION_COOKIE, value: staff.cookie(SESSION_COOKIE)!, url: web.url, httpOnly: true, sameSite: 'Lax' }]);
    // What the UI's codec settings keep once "Include cross-origin credentials" is ticked (the dev server sets the endpoint only).
    const settings = { endpoint: `${web.url}${CODEC_PATH}`, includeCredentials: true, overrideRemoteCodecConfiguration: true };
    await context.addInitScript({ content: Object.entries(settings).map(([k, v]) => `localStorage.setItem(${JSON.stringify(k)}, ${JSON.stringify(JSON.stringify(v))});`).join('\n') });
    const page = await context.newPage();
    try {
      await page.goto(`${dev.uiUrl}/namespaces/default/workflows/${workflow.id}/${workflow.runId}/history`);
      const input = page.locator('section, div').filter({ has: page.getByRole('heading', { name: 'Input', exact: true }) }).last();
      await input.getByText(shown).first().waitFor();
      if (shot) await screenshot(page, shot);
      return await input.innerText();
    } finally {
      await context.close();
    }
  }

  it('when an auditor’s session is sent with the UI’s codec requests, then the workflow’s input shows decoded', async () => {
    const text = await inputAs('auditor', /"note"/, 'temporal-ui-decoded');
    expect(text).to.include('"note": "Drukarka na 3. piętrze zacina papier"');
    expect(text).not.to.include('encryption-key-id');
  });

  it('when an agent’s session is sent instead, then the UI shows the input still encrypted', async () => {
    const text = await inputAs('agent', /"encryption-key-id"/);
    expect(text).to.include('"encryption-key-id"');
    expect(text).to.include(Buffer.from('binary/encrypted').toString('base64'));
    expect(text).not.to.include('Drukarka');
  });
});
