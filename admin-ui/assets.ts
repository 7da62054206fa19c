/**
 * The admin UI's browser bundles: admin-ui/client/*.ts built by esbuild into admin-ui/public/
 * (not committed; `npm ci` builds them through the postinstall script, `npm run build:admin` on
 * demand). The web process calls ensureAdminAssets() at start and serves the folder it returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_DIR = path.join(here, 'client');

/** The folder to serve statically (e.g. at /admin/assets). */
export const ADMIN_ASSETS_DIR = path.join(here, 'public');

/** Each bundle: its file in ADMIN_ASSETS_DIR and its entry point. */
export const ADMIN_BUNDLES = { 'raw-editor.js': path.join(CLIENT_DIR, 'raw-editor.ts') } as const;

/** Builds every bundle (minified IIFE with a linked source map) into `outDir`; returns the files written. */
export async function buildAdminAssets(outDir: string = ADMIN_ASSETS_DIR): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [file, entry] of Object.entries(ADMIN_BUNDLES)) {
    const out = path.join(outDir, file);
    const result = await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2022'],
      sourcemap: 'linked',
      tsconfig: path.join(CLIENT_DIR, 'tsconfig.json'),
      write: false,
      logLevel: 'silent',
    });
    // Written under a temporary name and renamed, so a web process starting meanwhile never serves half a file.
    for (const output of result.outputFiles) {
      const tmp = `${output.path}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, output.contents);
      fs.renameSync(tmp, output.path);
      written.push(output.path);
    }
  }
  return written;
}

function newestSource(): number {
  return fs.readdirSync(CLIENT_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .reduce((newest, f) => Math.max(newest, fs.statSync(path.join(CLIENT_DIR, f)).mtimeMs), 0);
}

/** Builds the bundles when one is missing or older than the client sources; returns ADMIN_ASSETS_DIR. */
export async function ensureAdminAssets(): Promise<string> {
  const sources = newestSource();
  const stale = Object.keys(ADMIN_BUNDLES).some((file) => {
    const stat = fs.statSync(path.join(ADMIN_ASSETS_DIR, file), { throwIfNoEntry: false });
    return !stat || stat.mtimeMs < sources;
  });
  if (stale) await buildAdminAssets();
  return ADMIN_ASSETS_DIR;
}
