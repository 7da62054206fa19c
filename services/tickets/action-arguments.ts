/**
 * Arguments of an action that name people, teams or tiers are checked against the
 * directory and the ticket's own rules version before the workflow is asked, so a bad
 * one answers 422 naming the field and nothing is sent to the ticket:
 *
 * - `assign`: `assignee` is an active agent (role `agent` in the users table; see
 *   db/directory-repo.ts); with a `team`, the team is one of the ticket's rules version
 *   and the agent belongs to it;
 * - `escalate` / `deescalate` with a `tier`: the tier is one of the ticket's rules version.
 *
 * The workflow's own validator still checks everything that depends on the ticket's state
 * (which way a tier lies, whether the action is allowed now).
 */
import type { RulesFile } from '../../rules/types.ts';
import type { TicketAction } from '../../workflows/types.ts';
import { UnavailableError, ValidationError, type FieldProblem } from '../errors.ts';
import type { TicketDeps } from './deps.ts';

/** What the checks read. */
export type ArgumentDeps = Pick<TicketDeps, 'directory' | 'rules'>;

/** The ticket as the checks need it: its rules version (null until it is classified). */
export interface TicketRef {
  number: string;
  rulesVersion: number | null;
}

export type DirectoryAction = Extract<TicketAction, { action: 'assign' | 'escalate' | 'deescalate' }>;
/** Actions whose arguments name nobody and nothing from the directory. */
export type PlainAction = Exclude<TicketAction, DirectoryAction>;

export const needsDirectory = (a: TicketAction): a is DirectoryAction => a.action === 'assign' || a.action === 'escalate' || a.action === 'deescalate';

async function read<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new UnavailableError(err);
  }
}

/** The ticket's rules file, or undefined before classification (the workflow then refuses with 409). */
async function rulesOf(deps: ArgumentDeps, ticket: TicketRef): Promise<RulesFile | undefined> {
  if (ticket.rulesVersion === null) return undefined;
  return (await read(() => deps.rules.compiled(ticket.rulesVersion!))).file;
}

const oneOf = (field: string, ids: Array<{ id: string }>): FieldProblem => ({ field, key: 'oneOf', params: { values: ids.map((x) => x.id).join(', ') } });

/** @throws ValidationError (422) naming each bad field; UnavailableError when the directory cannot be read */
export async function checkActionArguments(deps: ArgumentDeps, ticket: TicketRef, action: DirectoryAction): Promise<void> {
  const problems: FieldProblem[] = [];
  if (action.action === 'assign') {
    const team = action.team;
    const rules = team === undefined ? undefined : await rulesOf(deps, ticket);
    const teamKnown = !rules || rules.teams.some((t) => t.id === team);
    if (!teamKnown) problems.push(oneOf('team', rules!.teams));
    const agent = await read(() => deps.directory.activeAgent(action.assignee));
    if (!agent) problems.push({ field: 'assignee', key: 'activeAgent' });
    else if (team !== undefined && teamKnown && agent.teamId !== team) problems.push({ field: 'assignee', key: 'agentOfTeam', params: { team } });
  } else if (action.tier !== undefined) {
    const rules = await rulesOf(deps, ticket);
    if (rules && !rules.tiers.some((t) => t.id === action.tier)) problems.push(oneOf('tier', rules.tiers));
  }
  if (problems.length) throw new ValidationError(problems);
}
