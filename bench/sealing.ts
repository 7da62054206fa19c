/**
 * What sealing personal data costs (db/vault.ts): sealing a ticket's fields, opening them with the
 * data key in memory (the 2 s cache), and opening with the key read from PostgreSQL each time (a
 * process that has not seen the ticket for 2 s), next to the same values copied as plain text. One
 * real PostgreSQL (TEST_DATABASE_URL or the machine's on 127.0.0.1:5432), a fresh database that is
 * dropped afterwards.
 *
 *   npm run bench:sealing                     (about 20 s)
 *   BENCH_N=500 npm run bench:sealing
 *
 * Not a test: it prints figures (median of 5 rounds, µs per value).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Sequelize } from 'sequelize';
import { migrate } from '../db/migrate.ts';
import { createPersonsRepo } from '../db/persons-repo.ts';
import { createVault } from '../db/vault.ts';
import { newKeyEntry, parseRing } from '../runtime/key-ring.ts';

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = 5;
const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `helpdesk_bench_sealing_${process.pid}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn(i);
    rounds.push(((performance.now() - t0) * 1000) / N);
  }
  return median(rounds);
}

async function main(): Promise<void> {
  const a = new Sequelize(admin, { logging: false });
  await a.query(`CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = new Sequelize(url.toString(), { logging: false });
  try {
    await migrate(db);
    const persons = createPersonsRepo(db);
    const master = parseRing(newKeyEntry('bench'), 'bench', 'master key');
    const warm = createVault({ persons, master });
    const cold = createVault({ persons, master, cacheMs: 0 });
    const person = await warm.personRef(`bench.${randomUUID()}@example.com`);
    const text = 'The VPN drops every five minutes since the update on Monday; reconnecting works for a while. '.repeat(5);
    const number = 'HD-2026-000001';
    const sealed = await warm.sealTicket(number, person, 'description', text);

    const plain = await time(() => JSON.parse(JSON.stringify({ text })));
    const seal = await time(() => warm.sealTicket(number, person, 'description', text));
    const openWarm = await time(() => warm.open(sealed, 'description', number));
    const openCold = await time(() => cold.open(sealed, 'description', number));
    const blind = await time((i) => warm.blindIndex(`someone.${i}@example.com`));
    console.log(`Sealing a ${text.length}-character field, ${N} values × ${ROUNDS} rounds (median µs per value):`);
    console.log(`  plain copy (JSON round trip)        ${plain.toFixed(1)}`);
    console.log(`  seal (key in memory)                ${seal.toFixed(1)}`);
    console.log(`  open (key in memory)                ${openWarm.toFixed(1)}`);
    console.log(`  open (key read from PostgreSQL)     ${openCold.toFixed(1)}`);
    console.log(`  blind index of an address           ${blind.toFixed(1)}`);
    console.log(`A ticket's read (title, description, address, ~5 messages) opens ~8 values: ~${((openWarm * 8) / 1000).toFixed(2)} ms warm, ~${((openCold + openWarm * 7) / 1000).toFixed(2)} ms with one key read.`);
  } finally {
    await db.close();
    await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await a.close();
  }
}

await main();
