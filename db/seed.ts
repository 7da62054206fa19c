/**
 * The demo seed: teams for tiers L1–L3, a few users, and a few tickets (created
 * through intake, so each has its workflow). Runs once per database.
 */
import { hash } from '@node-rs/argon2';
import { QueryTypes, type Sequelize } from 'sequelize';
import { AccountContext, linkPerson, sealIdentity } from './account-sealing.ts';
import { ARGON2_OPTIONS } from './users-repo.ts';
import type { Vault } from './vault.ts';

/** Every demo user signs in to the portal with this password (documented in docs/portal.md). */
export const DEMO_PASSWORD = 'demo-password-1';

export const DEMO_TEAMS = [
  { id: 'service-desk', name: 'Service Desk', tier: 'L1' },
  { id: 'infrastructure', name: 'Infrastructure', tier: 'L2' },
  { id: 'applications', name: 'Business Applications', tier: 'L2' },
  { id: 'engineering', name: 'Engineering', tier: 'L3' },
] as const;

export const DEMO_USERS = [
  { email: 'anna.kowalska@example.com', displayName: 'Anna Kowalska', locale: 'pl', role: 'requester', teamId: null, vip: false, organisation: 'Example Sp. z o.o.', department: 'Finanse' },
  { email: 'jonas.weber@example.com', displayName: 'Jonas Weber', locale: 'de', role: 'requester', teamId: null, vip: false, organisation: 'Example GmbH', department: 'Vertrieb' },
  { email: 'ceo@example.com', displayName: 'Maria Nowak (CEO)', locale: 'pl', role: 'requester', teamId: null, vip: true, organisation: 'Example Sp. z o.o.', department: 'Zarząd' },
  { email: 'l1.agent@example.com', displayName: 'Piotr Zieliński', locale: 'pl', role: 'agent', teamId: 'service-desk', vip: false },
  // The Service Desk's team lead (users.team_lead): sees the team's load and reassigns (/agent/team).
  { email: 'sd.lead@example.com', displayName: 'Agnieszka Wójcik', locale: 'pl', role: 'agent', teamId: 'service-desk', vip: false, teamLead: true },
  { email: 'l2.agent@example.com', displayName: 'Sarah Miller', locale: 'en', role: 'agent', teamId: 'infrastructure', vip: false },
  { email: 'l3.agent@example.com', displayName: 'Klaus Becker', locale: 'de', role: 'agent', teamId: 'engineering', vip: false },
  { email: 'process.owner@example.com', displayName: 'Ewa Wiśniewska', locale: 'pl', role: 'process_owner', teamId: null, vip: false },
  { email: 'auditor@example.com', displayName: 'Tom Baker', locale: 'en', role: 'auditor', teamId: null, vip: false },
  // The admin, so a newcomer can open the admins' pages (people, the mail the helpdesk sends) at once.
  { email: 'admin@example.com', displayName: 'Marta Lewandowska', locale: 'pl', role: 'admin', teamId: null, vip: false },
] as const;

export const DEMO_TICKETS = [
  { title: 'VPN rozłącza się co kilka minut', description: 'Od rana VPN zrywa połączenie mniej więcej co 5 minut, pracuję z domu.', requesterEmail: 'anna.kowalska@example.com', locale: 'pl', impact: 'low', urgency: 'high', category: 'network', channel: 'portal' },
  { title: 'Drucker im 2. Stock druckt nicht', description: 'Der Drucker HP-2OG zeigt „Papierstau“, obwohl kein Papier klemmt.', requesterEmail: 'jonas.weber@example.com', locale: 'de', impact: 'medium', urgency: 'medium', category: 'hardware', channel: 'portal' },
  { title: 'Mail on my phone stopped syncing', description: 'Since the password change yesterday my phone does not receive mail.', requesterEmail: 'ceo@example.com', locale: 'en', impact: 'low', urgency: 'high', category: 'email', channel: 'email' },
] as const;

/** Inserts teams and users unless this database was seeded before; returns whether it seeded. Addresses and names are sealed (db/account-sealing.ts). */
export async function seedReferenceData(sequelize: Sequelize, vault: Vault): Promise<boolean> {
  if ((await sequelize.query(`SELECT 1 FROM seed_runs WHERE name = 'demo'`, { type: QueryTypes.SELECT })).length > 0) return false;
  // Sealed first: sealing may make each person and their key, on connections of its own.
  const sealed = await Promise.all(DEMO_USERS.map(async (u) => ({ u, s: await sealIdentity(vault, u.email, u.displayName, AccountContext.user) })));
  const passwordHash = await hash(DEMO_PASSWORD, ARGON2_OPTIONS);
  return sequelize.transaction(async (t) => {
    const inserted = await sequelize.query<{ name: string }>(`INSERT INTO seed_runs (name) VALUES ('demo') ON CONFLICT DO NOTHING RETURNING name`, { type: QueryTypes.SELECT, transaction: t });
    if (inserted.length === 0) return false;
    for (const team of DEMO_TEAMS) {
      await sequelize.query(`INSERT INTO teams (id, name, tier) VALUES (:id, :name, :tier) ON CONFLICT (id) DO NOTHING`, { replacements: { ...team }, transaction: t });
    }
    for (const { u, s } of sealed) {
      const rows = await sequelize.query<{ id: string }>(
        // Demo addresses count as verified: they see every ticket filed for them (docs/portal.md).
        `INSERT INTO users (email_bidx, email_sealed, display_name_sealed, person_id, locale, role, team_id, vip, team_lead, organisation, department, password_hash, email_verified_at)
         VALUES (:bidx, :emailSealed, :nameSealed, :personId, :locale, :role, :teamId, :vip, :teamLead, :organisation, :department, :passwordHash, now()) ON CONFLICT (email_bidx) DO NOTHING RETURNING id::text AS id`,
        { replacements: { ...s, locale: u.locale, role: u.role, teamId: u.teamId, vip: u.vip, teamLead: 'teamLead' in u && u.teamLead, organisation: 'organisation' in u ? u.organisation : null, department: 'department' in u ? u.department : null, passwordHash }, type: QueryTypes.SELECT, transaction: t },
      );
      if (rows[0]) await linkPerson(sequelize, s.personId, Number(rows[0].id), t);
    }
    return true;
  });
}
