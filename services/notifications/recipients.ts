/**
 * Who an outbox row reaches, and in which language (docs/mail.md). A row names a role; the role
 * is people:
 * - `requester` — the ticket's requester (unless erased);
 * - `assignee` — the agent holding the ticket;
 * - `team` — every active agent of the ticket's team; `team_lead` — those of them who lead it;
 * - `duty_manager` — the active staff an admin named duty managers (admin-ui/integrations/; none named: nobody).
 * Each person's language is their profile's (an account's locale), else the ticket's, else
 * English — never the language of whoever acted. Nobody is told of their own action, and one
 * event tells each person once: an agent who is both the assignee and the team lead of a breach
 * gets the message of the first row (lowest id) that names them.
 */
import type { UserRecord } from '../../db/users-repo.ts';
import { isPersonRef } from '../../db/vault.ts';
import { LANGUAGES, type Language } from '../languages.ts';
import { ERASED } from '../privacy/ticket-data.ts';

export interface Recipient {
  /** `user:<id>` or `person:<uuid>`: how the delivery names them (never the address). */
  key: string;
  address: string;
  language: Language;
  audience: 'requester' | 'staff';
}

export interface RecipientDeps {
  users: {
    findByEmail(email: string): Promise<UserRecord | undefined>;
    listStaff(filter: { role?: 'agent'; teamId?: string | null; active?: boolean }): Promise<Array<UserRecord & { teamLead: boolean }>>;
  };
  vault: { addressOf(personId: string): Promise<string | null | undefined>; personRef(email: string): Promise<string> };
  /** The active staff named duty managers (db/notification-settings-repo.ts); absent: nobody. */
  dutyManagers?: () => Promise<UserRecord[]>;
}

/** The ticket as the recipients are found from it: opened (addresses, not pseudonyms). */
export interface RecipientTicket {
  number: string;
  requester?: string | undefined;
  requesterEmail: string;
  assignee: string | null;
  teamId: string | null;
  locale: string;
}

/** The first of the candidates that is a shipped language (`pl-PL`, `de, en` and `EN` count), or undefined. */
export function languageIn(...candidates: Array<string | null | undefined>): Language | undefined {
  for (const c of candidates) {
    const l = c?.split(',')[0]?.trim().slice(0, 2).toLowerCase();
    if (l && (LANGUAGES as readonly string[]).includes(l)) return l as Language;
  }
  return undefined;
}

/** The first shipped language of the candidates, else English. */
export const languageOf = (...candidates: Array<string | null | undefined>): Language => languageIn(...candidates) ?? 'en';

const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/** The address of whoever acted (a pseudonym opened; `sla`, `rules` and other words are nobody). */
export async function actorAddress(deps: RecipientDeps, actor: string | null): Promise<string | null> {
  if (!actor) return null;
  if (isPersonRef(actor)) return (await deps.vault.addressOf(actor)) ?? null;
  return /@/.test(actor) ? actor : null;
}

async function staffRecipient(u: UserRecord): Promise<Recipient> {
  return { key: `user:${u.id}`, address: u.email, language: languageOf(u.locale), audience: 'staff' };
}

/** The people one role of a ticket names (before the actor is left out). */
export async function peopleOf(deps: RecipientDeps, role: string, t: RecipientTicket): Promise<Recipient[]> {
  switch (role) {
    case 'requester': {
      const address = t.requesterEmail;
      if (!address || address === ERASED || !address.includes('@')) return [];
      const account = await deps.users.findByEmail(address);
      const ref = t.requester ?? (await deps.vault.personRef(address));
      return [{ key: `person:${ref}`, address, language: languageOf(account?.locale, t.locale), audience: 'requester' }];
    }
    case 'assignee': {
      if (!t.assignee || !t.assignee.includes('@')) return [];
      const u = await deps.users.findByEmail(t.assignee);
      return u && u.active && u.role !== 'requester' ? [await staffRecipient(u)] : [];
    }
    case 'team':
    case 'team_lead': {
      if (!t.teamId) return [];
      const agents = await deps.users.listStaff({ role: 'agent', teamId: t.teamId, active: true });
      return Promise.all(agents.filter((a) => role === 'team' || a.teamLead).map(staffRecipient));
    }
    case 'duty_manager':
      return deps.dutyManagers ? Promise.all((await deps.dutyManagers()).filter((u) => u.active && u.role !== 'requester').map(staffRecipient)) : [];
    default:
      return [];
  }
}

/**
 * The recipients of one row among the rows of its event (`rows`, lowest id first, the row among
 * them): its role's people, less whoever acted and less anyone an earlier row of the event reaches.
 */
export async function recipientsOf(deps: RecipientDeps, row: { id: number; role: string }, rows: Array<{ id: number; role: string }>, t: RecipientTicket, actor: string | null): Promise<Recipient[]> {
  const acted = await actorAddress(deps, actor);
  const earlier = new Set<string>();
  for (const r of rows) {
    if (r.id >= row.id) break;
    for (const p of await peopleOf(deps, r.role, t)) earlier.add(p.key);
  }
  const seen = new Set<string>();
  return (await peopleOf(deps, row.role, t)).filter((p) => {
    if (same(p.address, acted) || earlier.has(p.key) || seen.has(p.key)) return false;
    seen.add(p.key);
    return true;
  });
}
