/**
 * Browser tests' shared pieces: Debian's chromium through playwright-core, and the
 * README's screenshots. Screenshots are written only by `npm run screenshots`
 * (SCREENSHOTS_DIR set), so `npm test` leaves the working tree as it found it;
 * otherwise each one is still taken (the page must render) and thrown away.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  // No skipping: a machine without a browser fails here, with the way to fix it.
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A full-page screenshot named for the README (docs/screenshots/<name>.png under `npm run screenshots`). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS_DIR;
  const buffer = await page.screenshot({ fullPage: true });
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.png`), buffer);
}
