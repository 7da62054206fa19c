/**
 * `helpdesk rules …`: validate and test a rules file (no database), and publish, list, show,
 * compare and roll back the immutable rules versions.
 *
 * Exit codes: 0 done; 1 refused, invalid or not found (the problems are listed); 2 the command
 * line itself is wrong (unreadable file, bad --ticket JSON, bad --at, a version that is not a number).
 * `rules check` answers 1 when the checks find an error and 2 when the file is not a valid rules file.
 * `rules validate` and `rules check` say the problems, and `rules diff` the changes, in English, or in
 * the language of `--lang` (the `rules` namespace of locales/, rules/problem-text.ts and
 * rules/change-text.ts); a language not shipped is a usage error.
 * Each command sets process.exitCode and returns, so database connections close cleanly.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import type { TFunction } from 'i18next';
import { createI18n, isLanguage, LANGUAGES } from '../api/i18n.ts';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase } from '../runtime/stack.ts';
import { err, eventInWords, out, plural, printChanges, printChecks, printDecision, printProblems, printPublished, short } from './rules-output.ts';
import { checkRulesFile, hasCheckErrors, type CheckProblem } from '../rules/checks.ts';
import { describeChanges } from '../rules/diff.ts';
import { changeText } from '../rules/change-text.ts';
import { compileRules, evaluate, TicketFactsError } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import { problemText, RULES_NAMESPACE } from '../rules/problem-text.ts';
import type { Decision, Problem, RulesFile, TicketFacts } from '../rules/types.ts';
import { validateRulesText } from '../rules/validate.ts';
import {
  NoRulesPublishedError, UnknownRulesVersionError,
} from '../rules/versions.ts';
import type { RulesVersions } from '../rules/versions.ts';
import { ExitCode, setExitCode } from './exit-code.ts';


/** The command line was wrong: said in one sentence, exit code 2. */
class UsageError extends Error {}


/** Runs a command and turns its answer into the process's exit code. */
function run<A extends unknown[]>(command: (...args: A) => Promise<ExitCode>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      setExitCode(await command(...args));
    } catch (e) {
      if (e instanceof UsageError) {
        err(e.message);
        setExitCode(ExitCode.usage);
      } else if (e instanceof UnknownRulesVersionError || e instanceof NoRulesPublishedError) {
        err(e.message);
        setExitCode(ExitCode.refused);
      } else {
        throw e;
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Input

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read ${file}: ${(e as Error).message}`);
  }
}

type VersionRef = number | 'active';

/** "3" or "active"; anything else is a usage error. */
function parseVersionRef(arg: string): VersionRef {
  if (arg === 'active') return 'active';
  if (/^[1-9]\d{0,8}$/.test(arg)) return Number(arg);
  throw new UsageError(`"${arg}" is not a rules version: write a version number (1, 2, …) or "active".`);
}

/** A side of `rules diff`: a version number, "active", or else a file path. */
function isVersionRef(arg: string): boolean {
  return arg === 'active' || /^\d+$/.test(arg);
}

const TICKET_EXAMPLE = `--ticket '{"title":"VPN down","impact":"high","urgency":"medium","requester":{"vip":true}}'`;

/**
 * `--ticket` is JSON (or @file with JSON): either `{ "ticket": {…}, "requester": {…} }` or the
 * ticket's own fields with an optional `requester` among them.
 */
function parseTicket(raw: string): TicketFacts {
  const text = raw.startsWith('@') ? readText(raw.slice(1)) : raw;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--ticket is not valid JSON (${(e as Error).message}). For example: ${TICKET_EXAMPLE}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`--ticket must be a JSON object. For example: ${TICKET_EXAMPLE}`);
  }
  const obj = value as Record<string, unknown>;
  if (obj.ticket !== undefined) return { ticket: obj.ticket, requester: obj.requester ?? {} } as TicketFacts;
  const { requester, ...ticket } = obj;
  return { ticket, requester: requester ?? {} } as TicketFacts;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseAt(at: string | undefined): number {
  if (at === undefined) return Date.now();
  const ms = ISO_WITH_ZONE.test(at) ? Date.parse(at) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`--at must be an ISO 8601 instant with its zone, e.g. 2026-03-04T09:00:00+01:00 or 2026-03-04T08:00:00Z; got "${at}".`);
  return ms;
}

function defaultAuthor(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The words of `--lang` (English without it): the `rules` namespace in that language. */
async function wordsOf(lang: string | undefined): Promise<TFunction> {
  const lng = lang ?? 'en';
  if (!isLanguage(lng)) throw new UsageError(`--lang must be one of ${LANGUAGES.join(', ')}; "${lng}" is not a language the helpdesk speaks.`);
  return (await createI18n()).getFixedT(lng, RULES_NAMESPACE);
}

/** With --json and --lang, each problem also carries its sentence in that language as `text`. */
function withText<P extends Problem | CheckProblem>(problems: P[], t: TFunction, lang: string | undefined): P[] {
  return lang === undefined ? problems : problems.map((p) => ({ ...p, text: problemText(p, t) }));
}

// ---------------------------------------------------------------------------------------------
// Commands

type TextOptions = { json?: boolean; lang?: string };

async function validateCommand(file: string, opts: TextOptions): Promise<ExitCode> {
  const t = await wordsOf(opts.lang);
  const result = validateRulesText(readText(file));
  if (opts.json) {
    out(JSON.stringify(result.ok ? { ok: true, rules: result.file.rules.length, hash: hashRules(result.file) } : { ...result, problems: withText(result.problems, t, opts.lang) }, null, 2));
    return result.ok ? ExitCode.ok : ExitCode.refused;
  }
  if (result.ok) {
    out(t('cli.valid', { count: result.file.rules.length, hash: hashRules(result.file) }));
    return ExitCode.ok;
  }
  err(t('cli.invalid', { count: result.problems.length, file }));
  printProblems(result.problems, t);
  return ExitCode.refused;
}

/** Static checks; exit 0 without errors (warnings are printed), 1 with errors, 2 for a file that is not a valid rules file. */
async function checkCommand(file: string, opts: TextOptions): Promise<ExitCode> {
  const t = await wordsOf(opts.lang);
  const result = validateRulesText(readText(file));
  if (!result.ok) {
    if (opts.json) out(JSON.stringify({ ...result, problems: withText(result.problems, t, opts.lang) }, null, 2));
    else {
      err(t('cli.invalidBeforeChecks', { count: result.problems.length, file }));
      printProblems(result.problems, t);
    }
    return ExitCode.usage;
  }
  const problems = checkRulesFile(result.file);
  const errors = problems.filter((p) => p.severity === 'error').length;
  if (opts.json) out(JSON.stringify({ ok: errors === 0, errors, warnings: problems.length - errors, problems: withText(problems, t, opts.lang) }, null, 2));
  else printChecks(problems, file, t);
  return hasCheckErrors(problems) ? ExitCode.refused : ExitCode.ok;
}

async function testCommand(file: string, opts: { ticket: string; at?: string; json?: boolean }): Promise<ExitCode> {
  const facts = parseTicket(opts.ticket);
  const atMs = parseAt(opts.at);
  const checked = validateRulesText(readText(file));
  if (!checked.ok) {
    err(`invalid: ${plural(checked.problems.length, 'problem')} in ${file}`);
    printProblems(checked.problems);
    return ExitCode.refused;
  }
  const hash = hashRules(checked.file);
  // Version 0: a file on disk, not a published version.
  const compiled = compileRules(checked.file, { version: 0, hash });
  let decision: Decision;
  try {
    decision = await evaluate(compiled, facts, atMs);
  } catch (e) {
    if (e instanceof TicketFactsError) throw new UsageError(`--ticket: ${e.message}`);
    throw e;
  }
  if (opts.json) out(JSON.stringify(decision, null, 2));
  else printDecision(decision, `'${checked.file.name}' (${file}, unpublished, hash ${short(hash)}…)`, atMs);
  return ExitCode.ok;
}

/**
 * Opens the database for one command and closes it whatever happens. Opening migrates and, on an
 * empty database, publishes the shipped default as version 1, as every start does.
 */
async function withVersions(work: (versions: RulesVersions) => Promise<ExitCode>): Promise<ExitCode> {
  const db = await openDatabase(loadConfig(), (line) => err(line));
  try {
    return await work(db.rules);
  } finally {
    await db.close();
  }
}

async function resolveVersion(versions: RulesVersions, ref: VersionRef): Promise<number> {
  return ref === 'active' ? (await versions.active()).version : ref;
}

async function publishCommand(file: string, opts: { comment: string; author?: string }): Promise<ExitCode> {
  const text = readText(file);
  return withVersions(async (versions) => {
    const result = await versions.publish(text, { author: opts.author ?? defaultAuthor(), comment: opts.comment });
    if (!result.ok) {
      const active = (await versions.list())[0];
      err(`Not published: ${plural(result.problems.length, 'problem')}. ${active ? `Version ${active.version} stays active.` : 'No version is active yet.'}`);
      printProblems(result.problems);
      return ExitCode.refused;
    }
    printPublished(result, 'Published');
    return ExitCode.ok;
  });
}

async function rollbackCommand(versionArg: string, opts: { comment: string; author?: string }): Promise<ExitCode> {
  const to = parseVersionRef(versionArg);
  return withVersions(async (versions) => {
    const result = await versions.rollback(await resolveVersion(versions, to), { author: opts.author ?? defaultAuthor(), comment: opts.comment });
    if (!result.ok) {
      err(`Not rolled back: ${plural(result.problems.length, 'problem')}.`);
      printProblems(result.problems);
      return ExitCode.refused;
    }
    printPublished(result, `Rolled back to version ${result.version.rolledBackFrom}: published its content as`);
    return ExitCode.ok;
  });
}

async function listCommand(opts: { json?: boolean }): Promise<ExitCode> {
  return withVersions(async (versions) => {
    const all = await versions.list();
    if (opts.json) {
      out(JSON.stringify(all, null, 2));
      return ExitCode.ok;
    }
    if (all.length === 0) {
      out('No rules version has been published yet.');
      return ExitCode.ok;
    }
    const width = { version: Math.max(7, ...all.map((v) => String(v.version).length)), author: Math.max(6, ...all.map((v) => v.author.length)) };
    out(`  ${'version'.padStart(width.version)}  ${'published (UTC)'.padEnd(19)}  ${'author'.padEnd(width.author)}  ${'hash'.padEnd(12)}  rules  comment`);
    for (const v of all) {
      const when = v.publishedAt.slice(0, 19).replace('T', ' ');
      const rolled = v.rolledBackFrom !== null ? ` (rollback to version ${v.rolledBackFrom})` : '';
      out(`${v.active ? '*' : ' '} ${String(v.version).padStart(width.version)}  ${when}  ${v.author.padEnd(width.author)}  ${short(v.hash)}  ${String(v.ruleCount).padStart(5)}  ${v.comment}${rolled}`);
    }
    out('* active (the highest version)');
    return ExitCode.ok;
  });
}

async function showCommand(versionArg: string, opts: { json?: boolean; source?: boolean }): Promise<ExitCode> {
  const ref = parseVersionRef(versionArg);
  return withVersions(async (versions) => {
    const number = await resolveVersion(versions, ref);
    const [v, latest] = await Promise.all([versions.get(number), versions.list().then((l) => l[0])]);
    if (!v) throw new UnknownRulesVersionError(number);
    if (opts.source) {
      process.stdout.write(v.source);
      return ExitCode.ok;
    }
    if (opts.json) {
      out(JSON.stringify({ ...v, active: latest?.version === v.version }, null, 2));
      return ExitCode.ok;
    }
    out(`Version ${v.version}${latest?.version === v.version ? ' (active)' : ''}: '${v.name}'`);
    out(`  hash       ${v.hash}`);
    out(`  published  ${v.publishedAt} by ${v.author}`);
    out(`  comment    ${v.comment}`);
    if (v.rolledBackFrom !== null) out(`  rollback   republishes the content of version ${v.rolledBackFrom}`);
    out(`  rules      ${v.ruleCount}, in order:`);
    v.file.rules.forEach((r, i) => out(`    ${i + 1}. '${r.name}' (priority ${r.priority ?? 1}): ${eventInWords({ type: r.event.type, params: r.event.params ?? {} })}`));
    out(`(the exact text published: helpdesk rules show ${v.version} --source)`);
    return ExitCode.ok;
  });
}

async function diffCommand(a: string, b: string, opts: TextOptions): Promise<ExitCode> {
  const t = await wordsOf(opts.lang);
  const fromFile = (arg: string): { label: string; file: RulesFile } | { problems: Problem[]; arg: string } => {
    const checked = validateRulesText(readText(arg));
    return checked.ok ? { label: arg, file: checked.file } : { problems: checked.problems, arg };
  };
  const compare = async (versions: RulesVersions | undefined): Promise<ExitCode> => {
    const sides = [];
    for (const arg of [a, b]) {
      if (isVersionRef(arg)) {
        const number = await resolveVersion(versions!, parseVersionRef(arg));
        const v = await versions!.get(number);
        if (!v) throw new UnknownRulesVersionError(number);
        sides.push({ label: t('change.cli.version', { version: v.version }), file: v.file });
      } else {
        sides.push(fromFile(arg));
      }
    }
    const [from, to] = sides as [(typeof sides)[number], (typeof sides)[number]];
    for (const side of [from, to]) {
      if ('problems' in side) {
        err(t('cli.invalid', { count: side.problems.length, file: side.arg }));
        printProblems(side.problems, opts.lang === undefined ? undefined : t);
      }
    }
    if ('problems' in from || 'problems' in to) return ExitCode.refused;
    const changes = describeChanges(from.file, to.file);
    // With --json and --lang, each change also carries its sentence in that language as `message`.
    if (opts.json) out(JSON.stringify(opts.lang === undefined ? changes : changes.map((c) => ({ ...c, message: changeText(c, t) })), null, 2));
    else if (changes.length === 0) out(t('change.cli.noChanges', { from: from.label, to: to.label }));
    else {
      out(t('change.cli.count', { count: changes.length, from: from.label, to: to.label }));
      printChanges(changes, t);
    }
    return ExitCode.ok;
  };
  // The database is opened only when a side names a version.
  if (isVersionRef(a) || isVersionRef(b)) return withVersions(compare);
  return compare(undefined);
}

/** Adds `helpdesk rules …` to the program. */
export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('Validate, test, publish, compare and roll back the rules file (the process as data)');

  rules.command('validate').argument('<file>', 'rules file (JSON)')
    .description('Check a rules file: every problem with its JSON path, line and column (no database needed)')
    .option('--json', 'print the result as JSON')
    .option('--lang <language>', `say the problems in this language: ${LANGUAGES.join(', ')} (default en)`)
    .action(run(validateCommand));

  rules.command('check').argument('<file>', 'rules file (JSON)')
    .description('Static checks of a valid rules file: shadowed rules, conditions that never hold, impossible values, SLA gaps, calendars and ladders (no database needed)')
    .option('--json', 'print the findings as JSON')
    .option('--lang <language>', `say the findings in this language: ${LANGUAGES.join(', ')} (default en)`)
    .action(run(checkCommand));

  rules.command('test').argument('<file>', 'rules file (JSON)')
    .description('Show the decision a rules file makes for one ticket, and why (no database needed)')
    .requiredOption('--ticket <json>', `the ticket as JSON, or @file.json: ${TICKET_EXAMPLE}`)
    .option('--at <iso>', 'decide at this instant, with its zone (e.g. 2026-03-04T09:00:00+01:00); default now')
    .option('--json', 'print the decision as JSON')
    .action(run(testCommand));

  rules.command('publish').argument('<file>', 'rules file (JSON)')
    .description('Validate a rules file and publish it as the next version, which becomes active')
    .requiredOption('--comment <text>', 'why the process changes (kept with the version)')
    .option('--author <name>', 'who publishes (default: the system user name)')
    .action(run(publishCommand));

  rules.command('diff').argument('<a>', 'a version number, "active" or a rules file').argument('<b>', 'a version number, "active" or a rules file')
    .description('Show what changes from A to B, in words')
    .option('--json', 'print the changes as JSON')
    .option('--lang <language>', `say the changes in this language: ${LANGUAGES.join(', ')} (default en)`)
    .action(run(diffCommand));

  rules.command('list')
    .description('List the published versions, newest first; the highest is active')
    .option('--json', 'print as JSON')
    .action(run(listCommand));

  rules.command('show').argument('<version>', 'a version number or "active"')
    .description('Show one published version: who, when, why, hash and its rules')
    .option('--source', 'print only the exact text that was published')
    .option('--json', 'print the version, content included, as JSON')
    .action(run(showCommand));

  rules.command('rollback').argument('<version>', 'the version whose content to publish again')
    .description('Publish an older version\'s content again as a new version (history is kept)')
    .requiredOption('--comment <text>', 'why you roll back (kept with the version)')
    .option('--author <name>', 'who rolls back (default: the system user name)')
    .action(run(rollbackCommand));
}
