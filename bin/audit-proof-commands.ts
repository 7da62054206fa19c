/**
 * The audit log, proven (docs/audit-proof.md): `helpdesk audit verify` (the chain from entry 1
 * and every signed checkpoint), `audit checkpoint`, `audit public-key`, `audit verify-bundle FILE`
 * (offline: no database, no configuration) and `audit population --closed-between A B --out FILE`.
 * Exit 0 when everything checks out, 1 when something does not (the sentence names it), 2 for a
 * usage mistake.
 */
import { instantOf } from '../services/audit/period.ts';
import fs from 'node:fs';
import type { Command } from 'commander';
import { cliActor } from '../db/audit-repo.ts';
import { verifyBundle } from '../services/audit/bundle.ts';
import type { ProofCheck } from '../services/audit/checkpoints.ts';
import { shortKeyId } from '../services/audit/signature.ts';
import { auditCheckpointsFor, loadAuditSigner } from '../runtime/audit-signing-key.ts';
import { webAudit } from '../runtime/audit-evidence.ts';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase } from '../runtime/stack.ts';
import { ExitCode, setExitCode } from './exit-code.ts';

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What `audit verify` says, line by line; the first bad entry is named in the first line when there is one. */
export function proofLines(p: ProofCheck): { out: string[]; err: string[] } {
  const lines = { out: [] as string[], err: [] as string[] };
  if (p.firstBad) lines.err.push(p.firstBad.sentence);
  if (p.chain.ok) lines.out.push(`${plural(p.chain.entries, 'entry', 'entries')}, chain intact`);
  for (const problem of p.problems) if (problem.sentence !== p.firstBad?.sentence) lines.err.push(problem.sentence);
  const { total, valid, latest } = p.checkpoints;
  if (total === 0) lines.out.push('No signed checkpoint yet: write one with `helpdesk audit checkpoint` (the worker writes one periodically once the log grows).');
  else lines.out.push(`${plural(total, 'checkpoint')}, ${valid === total ? 'all valid' : `${valid} valid`}; the newest is #${latest!.id}, covering entry #${latest!.seq}, signed ${latest!.signedAt}.`);
  if (p.configuredKeyId) lines.out.push(`The configured signing key is ${shortKeyId(p.configuredKeyId)}.`);
  for (const o of p.otherKeys) {
    lines.out.push(`${plural(o.checkpoints, 'checkpoint')} (#${o.first}–#${o.last}) ${o.checkpoints === 1 ? 'is' : 'are'} signed by another key, ${shortKeyId(o.keyId)}: fine if that is a key you rotated away from and published; otherwise someone else signed ${o.checkpoints === 1 ? 'it' : 'them'}.`);
  }
  return lines;
}

export function registerAuditProofCommands(audit: Command): void {
  audit
    .command('verify')
    .description('Recompute every entry\'s hash from entry 1 and check every signed checkpoint; exit 1 naming the first entry that does not match')
    .option('--json', 'the whole check as JSON, for scripts')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const db = await openDatabase(config, err);
      try {
        const check = await auditCheckpointsFor(config, db, err).verify();
        if (opts.json) out(JSON.stringify(check, null, 2));
        else {
          const lines = proofLines(check);
          lines.out.forEach(out);
          lines.err.forEach(err);
        }
        setExitCode(check.ok ? ExitCode.ok : ExitCode.refused);
      } finally {
        await db.close();
      }
    });

  audit
    .command('checkpoint')
    .description('Sign a checkpoint of the newest audit-log entry now (the worker also writes them periodically)')
    .action(async () => {
      const config = loadConfig();
      const db = await openDatabase(config, err);
      try {
        const c = await auditCheckpointsFor(config, db, err).write('manual');
        out(`Checkpoint #${c.id} signed: entry #${c.seq}, hash ${c.hash}, key ${shortKeyId(c.keyId)}, at ${c.signedAt}.`);
      } finally {
        await db.close();
      }
    });

  audit
    .command('public-key')
    .description('Print the audit signing key\'s public key (PEM) and its key id, to publish for auditors')
    .action(() => {
      const signer = loadAuditSigner(loadConfig(), err);
      out(signer.publicKeyPem.trimEnd());
      out(`Key id: ${signer.keyId} (shown as ${shortKeyId(signer.keyId)})`);
    });

  audit
    .command('verify-bundle')
    .description('Check an evidence bundle offline: every file\'s hash, its signatures, its checkpoint, audit-log entries and rules versions; exit 1 with the problems')
    .argument('<file>', 'the bundle (.json) to check')
    .option('--key-id <id>', 'the key id you expect it to be signed with (as `helpdesk audit public-key` prints it, or its first 32 digits)')
    .action((file: string, opts: { keyId?: string }) => {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        err(`Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the path of an evidence bundle.`);
        return setExitCode(ExitCode.usage);
      }
      const check = verifyBundle(text);
      const expected = opts.keyId?.trim().toLowerCase();
      if (expected && check.keyId && !check.keyId.startsWith(expected)) {
        check.problems.push(`The bundle is signed by key ${shortKeyId(check.keyId)}, not by the key ${expected} you expected.`);
        check.ok = false;
      }
      if (check.ok) {
        out(`${file}: intact. A ${check.kind} bundle of ${check.subject} with ${plural(check.files, 'file')}, signed by key ${shortKeyId(check.keyId!)}${expected ? ' (the one expected)' : ' — compare it with the key id the helpdesk published'}.`);
        return setExitCode(ExitCode.ok);
      }
      err(`${file}: NOT intact (${plural(check.problems.length, 'problem')}).`);
      for (const p of check.problems) err(`  ${p}`);
      setExitCode(ExitCode.refused);
    });

  audit
    .command('population')
    .description('Export every ticket closed or cancelled in a period with its SLA outcome (CSV, the query, row count, SHA-256) as a signed evidence bundle')
    .requiredOption('--closed-between <dates...>', 'FROM TO: from FROM (inclusive) to TO (exclusive); dates (UTC) or ISO instants')
    .requiredOption('--out <file>', 'where to write the bundle (.json); an existing file is not overwritten')
    .action(async (opts: { closedBetween: string[]; out: string }) => {
      const [from, to] = opts.closedBetween.map(instantOf);
      if (opts.closedBetween.length !== 2 || from === undefined || to === undefined || from >= to) {
        err(`--closed-between takes two dates, the first before the second (e.g. 2026-11-01 2026-12-01), not "${opts.closedBetween.join(' ')}".`);
        return setExitCode(ExitCode.usage);
      }
      if (fs.existsSync(opts.out)) {
        err(`${opts.out} exists already: give another --out, or move that file away first (an evidence file is never overwritten).`);
        return setExitCode(ExitCode.usage);
      }
      const config = loadConfig();
      const db = await openDatabase(config, err);
      try {
        // The same export as the API's and the auditors' page (runtime/audit-evidence.ts), by this operator.
        const exported = await webAudit(config, db, undefined, err).exportPopulation({ fromMs: from, toMs: to }, cliActor());
        fs.writeFileSync(opts.out, exported.text, { flag: 'wx' });
        out(`Wrote ${opts.out}: ${plural(exported.meta.rows, 'ticket')} closed from ${exported.meta.period.from} to ${exported.meta.period.to}; population.csv SHA-256 ${exported.meta.sha256}; signed by key ${shortKeyId(exported.bundle.keyId)} with checkpoint #${exported.bundle.checkpoint.id} (entry #${exported.bundle.checkpoint.seq}).`);
      } finally {
        await db.close();
      }
    });
}
