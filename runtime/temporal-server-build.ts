/**
 * Builds the official Temporal server (`go.temporal.io/server`) and its SQL schema tool from their
 * Go module, once, into a cache folder outside the repository, with the module's PostgreSQL schema
 * files beside them. As for the Temporal CLI (runtime/temporal-cli.ts), no prebuilt binary is
 * downloaded: these machines reach only package registries, so `go install` through the Go module
 * proxy is the one way to get it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StartRefusedError } from './failure.ts';
import { cacheDir } from './temporal-cli.ts';

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
/**
 * The server's go.mod declares go 1.26.10, newer than the machine's Go: the go command fetches
 * this toolchain from the module proxy and builds with it.
 */
export const TEMPORAL_SERVER_GOTOOLCHAIN = 'go1.27.3';
/** Where Go is installed on these machines, when `go` is not on PATH. */
const GO_HOME_BIN = '/usr/local/go/bin';

const PACKAGES = [
  { pkg: `${TEMPORAL_SERVER_MODULE}/cmd/server`, built: 'server', name: 'temporal-server' },
  { pkg: `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql`, built: 'sql', name: 'temporal-sql-tool' },
] as const;

/** The server cannot be built here: the operator must act (install Go, reach the proxy). Exit code 2. */
export class TemporalServerUnavailableError extends StartRefusedError {
  readonly code = 'TEMPORAL_SERVER_UNAVAILABLE';
}

/** The built server, its schema tool and the PostgreSQL schema folder (`<schemaDir>/v12/temporal/versioned`, …). */
export interface TemporalServerBinaries {
  dir: string;
  serverPath: string;
  sqlToolPath: string;
  /** The module's schema/postgresql folder, copied. */
  schemaDir: string;
}

/** ~/.cache/helpdesk/temporal-server-1.32.2 (beside the Temporal CLI's ~/.cache/helpdesk/bin). */
export function temporalServerDir(): string {
  return path.join(path.dirname(cacheDir()), `temporal-server-${TEMPORAL_SERVER_VERSION.replace(/^v/, '')}`);
}

function binaries(dir: string): TemporalServerBinaries {
  return {
    dir,
    serverPath: path.join(dir, 'temporal-server'),
    sqlToolPath: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql'),
  };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The cached build, when all of it is there (the schema is copied first, the binaries moved in last). */
export function findTemporalServer(dir = temporalServerDir()): TemporalServerBinaries | undefined {
  const found = binaries(dir);
  const schemaThere = fs.existsSync(path.join(found.schemaDir, 'v12', 'temporal', 'versioned')) && fs.existsSync(path.join(found.schemaDir, 'v12', 'visibility', 'versioned'));
  return schemaThere && isExecutable(found.sqlToolPath) && isExecutable(found.serverPath) ? found : undefined;
}

/** PATH with Go's own folder at the end, so the go command (and the toolchain it fetches) is found. */
function goPath(): string {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...dirs, ...(dirs.includes(GO_HOME_BIN) ? [] : [GO_HOME_BIN])].join(path.delimiter);
}

function goBinary(): string | undefined {
  const goroot = process.env.GOROOT;
  const dirs = [...goPath().split(path.delimiter), ...(goroot ? [path.join(goroot, 'bin')] : [])];
  return dirs.map((d) => path.join(d, 'go')).find(isExecutable);
}

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: goPath(), GOTOOLCHAIN: TEMPORAL_SERVER_GOTOOLCHAIN, CGO_ENABLED: process.env.CGO_ENABLED ?? '0', ...extra };
}

/** Runs the go command (niced: a build takes both cores for minutes), its output appended to `logFile`. */
function runGo(go: string, args: string[], logFile: string, env: NodeJS.ProcessEnv, stdout?: (chunk: string) => void): Promise<number | string> {
  return new Promise((resolve) => {
    const out = fs.openSync(logFile, 'a');
    fs.writeSync(out, `\n$ go ${args.join(' ')}\n`);
    const useNice = process.platform !== 'win32' && isExecutable('/usr/bin/nice');
    const [cmd, argv] = useNice ? ['/usr/bin/nice', ['-n', '10', go, ...args]] : [go, args];
    const child = spawn(cmd, argv, { cwd: os.tmpdir(), env, stdio: ['ignore', stdout ? 'pipe' : out, out] });
    fs.closeSync(out);
    let text = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.on('error', (err) => resolve(err.message));
    child.on('close', (code, signal) => {
      if (code === 0) stdout?.(text);
      resolve(code ?? `signal ${signal}`);
    });
  });
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '';
  }
}

function buildHelp(dir: string, logFile: string, what: string): string {
  const install = PACKAGES.map((p) => `${p.pkg}@${TEMPORAL_SERVER_VERSION}`).join(' ');
  return `${what}
Its last lines (all of them are in ${logFile}):
${tail(logFile, 12)}
Check that the Go module proxy (${process.env.GOPROXY || 'https://proxy.golang.org'}) is reachable and serves the ${TEMPORAL_SERVER_GOTOOLCHAIN} toolchain (the server's go.mod needs go 1.26.10 or newer), and that ${dir} has room; then run again. Or build it yourself:
  GOTOOLCHAIN=${TEMPORAL_SERVER_GOTOOLCHAIN} GOBIN=${dir} go install ${install}
  mv ${dir}/server ${dir}/temporal-server && mv ${dir}/sql ${dir}/temporal-sql-tool
and copy the module's schema/postgresql folder (\`go mod download -json ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}\` names it, under "Dir") to ${dir}/schema/postgresql.`;
}

/** Copies a folder tree as plain writable files (the module cache's are read-only). */
function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else if (entry.isFile()) fs.writeFileSync(dst, fs.readFileSync(src), { mode: 0o644 });
  }
}

/** Finds the module's Dir in the Go module cache (downloading it if needed) and copies its PostgreSQL schema. */
async function copySchema(go: string, dir: string, staging: string, logFile: string): Promise<void> {
  let json = '';
  const code = await runGo(go, ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], logFile, goEnv(), (t) => (json = t));
  if (code !== 0) throw new TemporalServerUnavailableError(buildHelp(dir, logFile, `Fetching the module ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} for its schema files failed (${code}).`));
  let moduleDir: string | undefined;
  try {
    moduleDir = (JSON.parse(json) as { Dir?: string }).Dir;
  } catch {
    moduleDir = undefined;
  }
  const source = moduleDir && path.join(moduleDir, 'schema', 'postgresql');
  if (!source || !fs.existsSync(path.join(source, 'v12', 'temporal', 'versioned'))) {
    throw new TemporalServerUnavailableError(buildHelp(dir, logFile, `The module ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} was fetched, but its schema/postgresql/v12 folder was not found (module folder: ${moduleDir ?? 'not named by go mod download'}).`));
  }
  copyTree(source, path.join(staging, 'postgresql'));
  const target = path.join(dir, 'schema');
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
}

/**
 * Returns the Temporal server, its SQL tool and schema files, building them with `go install` into
 * {@link temporalServerDir} the first time (this takes many minutes on two cores; progress is
 * printed through `log`). Two processes building at once each build in a folder of their own and
 * move their results in; the last one wins, with the same files.
 */
export async function ensureTemporalServer(log: (line: string) => void = console.error, dir = temporalServerDir()): Promise<TemporalServerBinaries> {
  const found = findTemporalServer(dir);
  if (found) return found;
  const go = goBinary();
  if (!go) {
    throw new TemporalServerUnavailableError(`The Temporal server is not built yet and Go is not installed to build it (looked on PATH, in ${GO_HOME_BIN} and in GOROOT).
Install Go (https://go.dev/doc/install) and run again: the helpdesk builds ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} itself, into ${dir}.`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(dir, '.build-'));
  const logFile = path.join(dir, 'build.log');
  log(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool from their Go module (toolchain ${TEMPORAL_SERVER_GOTOOLCHAIN}) into ${dir} — only the first time; this takes many minutes…`);
  const started = Date.now();
  const ticker = setInterval(() => log(`  …still building the Temporal server (${Math.round((Date.now() - started) / 1000)} s; output in ${logFile})`), 30_000);
  try {
    const gobin = path.join(staging, 'bin');
    const code = await runGo(go, ['install', ...PACKAGES.map((p) => `${p.pkg}@${TEMPORAL_SERVER_VERSION}`)], logFile, goEnv({ GOBIN: gobin }));
    if (code !== 0) throw new TemporalServerUnavailableError(buildHelp(dir, logFile, `Building the Temporal server failed: go install exited with ${typeof code === 'number' ? `code ${code}` : code}.`));
    for (const p of PACKAGES) {
      if (!isExecutable(path.join(gobin, p.built))) throw new TemporalServerUnavailableError(buildHelp(dir, logFile, `go install finished, but ${path.join(gobin, p.built)} is missing.`));
    }
    await copySchema(go, dir, path.join(staging, 'schema'), logFile);
    for (const p of PACKAGES) fs.renameSync(path.join(gobin, p.built), path.join(dir, p.name));
  } finally {
    clearInterval(ticker);
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const built = findTemporalServer(dir);
  if (!built) throw new TemporalServerUnavailableError(buildHelp(dir, logFile, `The build finished, but ${dir} does not hold temporal-server, temporal-sql-tool and schema/postgresql.`));
  log(`Temporal server ready: ${built.serverPath} and ${built.sqlToolPath} (${Math.round((Date.now() - started) / 1000)} s)`);
  return built;
}
