/**
 * Finds the Temporal CLI (which bundles the dev server and the Web UI), building it
 * from its Go module the first time. No prebuilt binary is downloaded: these
 * machines reach only package registries, so `go install` through the Go module
 * proxy is the one way to get it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** v1.5.1 is the newest tag whose go.mod has no replace directive, which `go install module@version` requires. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export class TemporalCliUnavailableError extends Error {
  readonly code = 'TEMPORAL_CLI_UNAVAILABLE';
}

export const INSTALL_HELP = `The Temporal CLI was not found and Go is not installed to build it.
Install one of them and run again:
  - Temporal CLI: https://docs.temporal.io/cli#install  (then put \`temporal\` on PATH or set TEMPORAL_CLI_PATH)
  - Go:           https://go.dev/doc/install            (then the helpdesk builds ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} itself)
Or point TEMPORAL_ADDRESS at a running Temporal server.`;

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'helpdesk', 'bin');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function goBinary(): string | undefined {
  const goroot = process.env.GOROOT;
  return onPath('go') ?? (goroot && isExecutable(path.join(goroot, 'bin', 'go')) ? path.join(goroot, 'bin', 'go') : undefined);
}

/** Where the CLI is, without building it. Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the cache. */
export function findTemporalCli(explicitPath?: string): string | undefined {
  if (explicitPath) {
    if (!isExecutable(explicitPath)) throw new TemporalCliUnavailableError(`TEMPORAL_CLI_PATH=${explicitPath} is not an executable file`);
    return explicitPath;
  }
  const cached = path.join(cacheDir(), 'temporal');
  return onPath('temporal') ?? (isExecutable(cached) ? cached : undefined);
}

/**
 * Returns a path to the Temporal CLI, building it with `go install` into the cache
 * the first time (this takes minutes; progress is printed through `log`).
 */
export async function ensureTemporalCli(explicitPath: string | undefined, log: (line: string) => void = console.error): Promise<string> {
  const found = findTemporalCli(explicitPath);
  if (found) return found;
  const go = goBinary();
  if (!go) throw new TemporalCliUnavailableError(INSTALL_HELP);
  const bin = cacheDir();
  fs.mkdirSync(bin, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from its Go module into ${bin} — only the first time; this takes a few minutes…`);
  const started = Date.now();
  const ticker = setInterval(() => log(`  …still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: bin, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new TemporalCliUnavailableError(`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} failed with exit code ${code}`))));
    });
  } finally {
    clearInterval(ticker);
  }
  const built = path.join(bin, 'temporal');
  if (!isExecutable(built)) throw new TemporalCliUnavailableError(`go install finished but ${built} is missing`);
  const version = spawnSync(built, ['--version'], { encoding: 'utf8' }).stdout.trim();
  log(`Temporal CLI ready: ${version} (${Math.round((Date.now() - started) / 1000)} s)`);
  return built;
}
