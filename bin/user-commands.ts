/**
 * `helpdesk user add …` and `helpdesk token create|revoke …`: people and REST API
 * tokens, for operators until the admin UI manages them. A staff member without a second factor
 * gets an enrolment code (printed once; docs/staff-sign-in.md) from `user add`,
 * `user reset-second-factor` and `user enrolment-code`.
 */
import type { Command } from 'commander';
import { cliActor } from '../db/audit-repo.ts';
import { ENROLMENT_CODE_HOURS } from '../db/staff-auth-repo.ts';
import { Role, type UserRecord } from '../db/users-repo.ts';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';

const quiet = (line: string) => console.error(line);
const STAFF: readonly string[] = [Role.agent, Role.process_owner, Role.auditor, Role.admin];

/** Issues a staff member's enrolment code and prints it, this once. */
async function printEnrolmentCode(db: Database, user: UserRecord): Promise<void> {
  const { code, expiresAt } = await db.staffAuth.issueEnrolmentCode(user.id, cliActor());
  console.log(`enrolment code for user #${user.id} (shown once, valid for ${ENROLMENT_CODE_HOURS} hours, until ${expiresAt.toISOString()}): ${code}`);
  console.error('(They enter it at their first staff sign-in, before setting up their authenticator app. Hand it over yourself, not by e-mail to that address; an earlier code no longer works.)');
}

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
        // Staff set up their second factor with an enrolment code only; one who has one needs none.
        if (STAFF.includes(made.role) && !(await db.staffAuth.find(made.id))) await printEnrolmentCode(db, made);
      } finally {
        await db.close();
      }
    });

  user
    .command('reset-second-factor')
    .description('Remove a staff member’s authenticator, recovery codes and single sign-on link and end their web sessions (audited); prints the enrolment code with which they set up a new one at their next staff sign-in')
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
        if (STAFF.includes(found.role)) await printEnrolmentCode(db, found);
      } finally {
        await db.close();
      }
    });

  user
    .command('enrolment-code')
    .description(`Issue a new enrolment code for a staff member without a second factor (printed once, valid ${ENROLMENT_CODE_HOURS} hours; an earlier one stops working); audited`)
    .requiredOption('--email <email>', 'e-mail address')
    .action(async (opts: { email: string }) => {
      const db = await openDatabase(loadConfig(), quiet);
      try {
        const found = await db.users.findByEmail(opts.email);
        if (!found) {
          console.error(`There is no user ${opts.email}; nothing was changed.`);
          process.exitCode = 1;
        } else if (!STAFF.includes(found.role)) {
          console.error(`User #${found.id} is a ${found.role}, not staff: only staff set up a second factor. Give them a staff role with \`helpdesk user add --role …\` first; nothing was changed.`);
          process.exitCode = 1;
        } else if (await db.staffAuth.find(found.id)) {
          console.error(`User #${found.id} has a second factor already, so an enrolment code would not be used. If they lost it, run \`helpdesk user reset-second-factor\`, which prints a code; nothing was changed.`);
          process.exitCode = 1;
        } else {
          await printEnrolmentCode(db, found);
        }
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
