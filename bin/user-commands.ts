/**
 * `helpdesk user add|deactivate|reactivate|enrolment-code …` and `helpdesk token create|revoke …`:
 * people and REST API tokens, for operators (the admin pages, /admin/people, and the API,
 * /api/v1/people, do the same for process owners and admins; docs/people.md). Their checks are
 * the people service's (services/people/): the language and the team of the active rules version,
 * who is staff, whether an enrolment code would be used. A staff member without a second factor
 * gets an enrolment code (printed once; docs/staff-sign-in.md) from `user add`,
 * `user reset-second-factor` and `user enrolment-code`. `user add --team-lead` / `--no-team-lead`
 * makes an agent their team's lead or no longer (users.team_lead; agents only, as the service has it).
 */
import type { Command } from 'commander';
import { cliActor } from '../db/audit-repo.ts';
import { ENROLMENT_CODE_HOURS } from '../db/staff-auth-repo.ts';
import { Role, type UserRecord } from '../db/users-repo.ts';
import { ServiceError } from '../services/errors.ts';
import { LANGUAGES } from '../services/languages.ts';
import { peopleService } from '../runtime/compose.ts';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';

const quiet = (line: string) => console.error(line);
const STAFF: readonly string[] = [Role.agent, Role.process_owner, Role.auditor, Role.admin];

/** Prints an enrolment code, this once. */
function printCode(user: UserRecord, code: string, expiresAt: Date): void {
  console.log(`enrolment code for user #${user.id} (shown once, valid for ${ENROLMENT_CODE_HOURS} hours, until ${expiresAt.toISOString()}): ${code}`);
  console.error('(They enter it at their first staff sign-in, before setting up their authenticator app. Hand it over yourself, not by e-mail to that address; an earlier code no longer works.)');
}

/** Issues a staff member's enrolment code and prints it, this once. */
async function printEnrolmentCode(db: Database, user: UserRecord): Promise<void> {
  const { code, expiresAt } = await db.staffAuth.issueEnrolmentCode(user.id, cliActor());
  printCode(user, code, expiresAt);
}

/** `user deactivate` / `user reactivate`: the people service's change, by the operator. */
async function setActive(email: string, active: boolean): Promise<void> {
  const db = await openDatabase(loadConfig(), quiet);
  try {
    const found = await db.users.findByEmail(email);
    if (!found || !STAFF.includes(found.role)) {
      console.error(found ? `User #${found.id} is a ${found.role}, not staff: only staff are deactivated here; nothing was changed.` : `There is no user ${email}; nothing was changed.`);
      process.exitCode = 1;
      return;
    }
    const done = await peopleService(db).setActive({ operator: cliActor() }, found.id, active);
    if (!done.changed) console.log(`User #${found.id} is ${active ? 'active' : 'deactivated'} already; nothing was changed.`);
    else if (active) console.log(`User #${found.id} is active again: they sign in as before (API tokens are made anew with \`helpdesk token create\`).`);
    else console.log(`User #${found.id} is deactivated: they can no longer sign in, their web sessions ended and their API tokens were revoked.`);
  } finally {
    await db.close();
  }
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('People who use the helpdesk');
  user
    .command('add')
    .description('Add a user (or change the role, team, team lead flag and name of an existing one)')
    .requiredOption('--email <email>', 'e-mail address')
    .requiredOption('--name <name>', 'display name')
    .option('--role <role>', `one of ${Object.values(Role).join(', ')}`, 'requester')
    .option('--team <team>', 'team id (agents)')
    .option('--team-lead', 'the agent leads their team: sees its load and reassigns (/agent/team); with --role agent only')
    .option('--no-team-lead', 'the agent no longer leads their team (without either flag an agent keeps theirs; another role leads none)')
    .option('--locale <locale>', 'pl, en or de', 'en')
    .action(async (opts: { email: string; name: string; role: string; team?: string; teamLead?: boolean; locale: string }) => {
      if (!(Object.values(Role) as string[]).includes(opts.role)) {
        console.error(`--role must be one of ${Object.values(Role).join(', ')}`);
        process.exitCode = 2;
        return;
      }
      if (opts.teamLead !== undefined && opts.role !== Role.agent) {
        console.error(`--${opts.teamLead ? '' : 'no-'}team-lead is for agents only: only an agent leads a team. Add --role agent, or leave the flag off (a user given another role leads no team); nothing was changed.`);
        process.exitCode = 2;
        return;
      }
      if (!(LANGUAGES as readonly string[]).includes(opts.locale)) {
        console.error(`--locale must be one of ${LANGUAGES.join(', ')}`);
        process.exitCode = 2;
        return;
      }
      const db = await openDatabase(loadConfig(), quiet);
      try {
        // A team of the active rules version, written to the teams table as it defines it (as the admin pages do).
        if (opts.team !== undefined) {
          const team = await peopleService(db).checkTeam(opts.team).catch((err: unknown) => {
            if (!(err instanceof ServiceError)) throw err;
            return undefined;
          });
          if (!team) {
            const teams = (await peopleService(db).teams()).map((t) => t.id);
            console.error(`--team must be a team of the active rules version: ${teams.join(', ') || 'it defines none'}; nothing was changed.`);
            process.exitCode = 2;
            return;
          }
          await db.people.ensureTeam(team);
        }
        const account = { email: opts.email, displayName: opts.name, role: opts.role as Role, teamId: opts.team ?? null, locale: opts.locale };
        const made = await db.users.upsert({ ...account, ...(opts.teamLead !== undefined ? { teamLead: opts.teamLead } : {}) }, cliActor());
        console.log(`user ${made.email} (${made.role}${made.teamId ? `, team ${made.teamId}` : ''}${made.teamLead ? ', team lead' : ''}) is #${made.id}`);
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
          return;
        }
        // The people service's checks (services/people/), with the command line's own words.
        const refusals: Record<string, string> = {
          NOT_FOUND: `User #${found.id} is a ${found.role}, not staff: only staff set up a second factor. Give them a staff role with \`helpdesk user add --role …\` first; nothing was changed.`,
          HAS_SECOND_FACTOR: `User #${found.id} has a second factor already, so an enrolment code would not be used. If they lost it, run \`helpdesk user reset-second-factor\`, which prints a code; nothing was changed.`,
          DEACTIVATED: `User #${found.id} is deactivated: run \`helpdesk user reactivate --email …\` first; nothing was changed.`,
        };
        try {
          const issued = await peopleService(db).issueEnrolmentCode({ operator: cliActor() }, found.id);
          printCode(found, issued.code, new Date(issued.expiresAt));
        } catch (err) {
          if (!(err instanceof ServiceError) || !refusals[err.code]) throw err;
          console.error(refusals[err.code]);
          process.exitCode = 1;
        }
      } finally {
        await db.close();
      }
    });

  user
    .command('deactivate')
    .description('Deactivate a staff member: no sign-in anywhere, web sessions ended, API tokens revoked, no tickets assigned to them (audited; docs/people.md)')
    .requiredOption('--email <email>', 'e-mail address')
    .action((opts: { email: string }) => setActive(opts.email, false));
  user
    .command('reactivate')
    .description('Reactivate a deactivated staff member (audited)')
    .requiredOption('--email <email>', 'e-mail address')
    .action((opts: { email: string }) => setActive(opts.email, true));

  const token = program.command('token').description('REST API tokens');
  token
    .command('create')
    .description('Make an API token for a user; it is printed once and only its hash is kept')
    .requiredOption('--email <email>', 'the user the token acts as')
    .option('--name <name>', 'what the token is for', 'cli')
    .action(async (opts: { email: string; name: string }) => {
      const db = await openDatabase(loadConfig(), quiet);
      try {
        const known = await db.users.findByEmail(opts.email);
        if (known && !known.active) {
          console.error(`User #${known.id} is deactivated, so a token would not work; reactivate them first with \`helpdesk user reactivate\`. Nothing was changed.`);
          process.exitCode = 1;
          return;
        }
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
