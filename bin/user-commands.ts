/**
 * `helpdesk user add …` and `helpdesk token create|revoke …`: people and REST API
 * tokens, for operators until the admin UI manages them.
 */
import type { Command } from 'commander';
import { cliActor } from '../db/audit-repo.ts';
import { Role } from '../db/users-repo.ts';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase } from '../runtime/stack.ts';

const quiet = (line: string) => console.error(line);

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('People who use the helpdesk');
  user
    .command('add')
    .description('Add a user (or change the role, team and name of an existing one)')
    .requiredOption('--email <email>', 'e-mail address')
    .requiredOption('--name <name>', 'display name')
    .option('--role <role>', `one of ${Object.values(Role).join(', ')}`, 'requester')
    .option('--team <team>', 'team id (agents)')
    .option('--locale <locale>', 'pl, en or de', 'en')
    .action(async (opts: { email: string; name: string; role: string; team?: string; locale: string }) => {
      if (!(Object.values(Role) as string[]).includes(opts.role)) {
        console.error(`--role must be one of ${Object.values(Role).join(', ')}`);
        process.exitCode = 2;
        return;
      }
      const db = await openDatabase(loadConfig(), quiet);
      try {
        const made = await db.users.upsert({ email: opts.email, displayName: opts.name, role: opts.role as Role, teamId: opts.team ?? null, locale: opts.locale }, cliActor());
        console.log(`user ${made.email} (${made.role}${made.teamId ? `, team ${made.teamId}` : ''}) is #${made.id}`);
      } finally {
        await db.close();
      }
    });

  user
    .command('reset-second-factor')
    .description('Remove a staff member’s authenticator and recovery codes and end their web sessions (audited); they set up a new one at their next staff sign-in')
    .requiredOption('--email <email>', 'e-mail address')
    .action(async (opts: { email: string }) => {
      const db = await openDatabase(loadConfig(), quiet);
      try {
        const found = await db.users.findByEmail(opts.email);
        if (!found) {
          console.error(`There is no user ${opts.email}; nothing was changed.`);
          process.exitCode = 1;
          return;
        }
        const had = await db.staffAuth.reset(found.id, cliActor());
        console.log(had
          ? `The second factor of user #${found.id} is reset and their web sessions ended; they set up a new authenticator at their next staff sign-in.`
          : `User #${found.id} had no second factor; their web sessions were ended all the same.`);
      } finally {
        await db.close();
      }
    });

  const token = program.command('token').description('REST API tokens');
  token
    .command('create')
    .description('Make an API token for a user; it is printed once and only its hash is kept')
    .requiredOption('--email <email>', 'the user the token acts as')
    .option('--name <name>', 'what the token is for', 'cli')
    .action(async (opts: { email: string; name: string }) => {
      const db = await openDatabase(loadConfig(), quiet);
      try {
        const made = await db.apiTokens.create(opts.email, opts.name, cliActor());
        if (!made) {
          console.error(`There is no user ${opts.email}; add one with \`helpdesk user add\`.`);
          process.exitCode = 1;
          return;
        }
        console.log(made.token);
        console.error(`(an API token for ${made.user.email}, role ${made.user.role}; send it as "Authorization: Bearer <token>")`);
      } finally {
        await db.close();
      }
    });
  token
    .command('revoke <token>')
    .description('Revoke an API token')
    .action(async (value: string) => {
      const db = await openDatabase(loadConfig(), quiet);
      try {
        const done = await db.apiTokens.revoke(value, cliActor());
        console.log(done ? 'revoked' : 'no such live token');
        if (!done) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}
