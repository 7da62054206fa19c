/**
 * Builds the admin UI's browser bundles into admin-ui/public/ (`npm run build:admin`; also run by
 * the postinstall script, so a fresh `npm ci` has them).
 */
import path from 'node:path';
import { buildAdminAssets } from '../admin-ui/assets.ts';

try {
  const files = await buildAdminAssets();
  for (const f of files) console.log(`built ${path.relative(process.cwd(), f)}`);
} catch (error) {
  console.error(`Could not build the admin UI's browser bundles: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
