/**
 * A ticket as the staff ticket page tests need it: reported on the portal with a screenshot (so
 * its requester is a sealed person), answered by an agent, given an internal note, and written
 * to by its requester — each through the product's own routes. Words carry a tag, so a page or a
 * dump can be searched for them.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { TicketsRepo } from '../../db/tickets-repo.ts';
import { hiddenValue, PortalClient, reportForm } from '../portal-client.ts';
import { request } from './http.ts';
import { waitFor } from './processes.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

export interface StaffTicket {
  number: string;
  email: string;
  title: string;
  description: string;
  answer: string;
  note: string;
  reply: string;
  attachment: string;
}

export interface Site {
  url: string;
  agentToken: string;
  tokenFor(email: string, role?: 'requester'): Promise<string>;
  db: { tickets: TicketsRepo };
}

export async function fileAnsweredTicket(site: Site): Promise<StaffTicket> {
  const tag = randomUUID().slice(0, 8);
  const t = {
    email: `marta.${tag}@example.com`,
    title: `Quokka${tag} printer on the 3rd floor jams`,
    description: `Axolotl${tag}: every second page is stuck in tray 2.`,
    answer: `Pangolin${tag}: please open the side panel and take the sheet out.`,
    note: `Tapir${tag}: internal — same model failed last month.`,
    reply: `Ibis${tag}: done, it prints again.`,
    attachment: `jam-${tag}.png`,
  };
  const c = new PortalClient(site.url, 'en');
  const form = await c.get('/report');
  const res = await c.postMultipart('/report', reportForm({
    _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
    category: 'hardware', impact: 'medium', urgency: 'high', title: t.title, description: t.description, email: t.email,
  }, [{ name: t.attachment, type: 'image/png', data: PNG }]));
  const number = /^\/tickets\/([A-Z]+-\d{4}-\d{6,})$/.exec(res.location ?? '')?.[1];
  if (!number) throw new Error(`the report answered ${res.status} ${res.location}`);
  // Read through the repository, not the API: an agent's API read would be an access-log entry of its own.
  await waitFor('classification', async () => (await site.db.tickets.get(number))?.sla, 30_000);
  const act = async (action: string, message: string) => {
    const r = await request(site.url, 'POST', `/api/v1/tickets/${number}/actions/${action}`, { token: site.agentToken, body: { message } });
    if (r.status !== 200) throw new Error(`${action} answered ${r.status}: ${JSON.stringify(r.body)}`);
  };
  await act('respond', t.answer);
  await act('comment', t.note);
  const replied = await request(site.url, 'POST', `/api/v1/tickets/${number}/replies`, { token: await site.tokenFor(t.email, 'requester'), body: { message: t.reply } });
  if (replied.status !== 202) throw new Error(`the reply answered ${replied.status}: ${JSON.stringify(replied.body)}`);
  await waitFor('the reply on the timeline', async () => (await site.db.tickets.get(number))?.timeline.some((e) => e.type === 'requester_replied'), 30_000);
  return { number, ...t };
}

export interface WebRead {
  viewerUserId: number;
  viewerRole: string;
  reason: string | null;
  person: string | null;
}

/** The access log's web entries about a ticket, oldest first. */
export function webReads(sequelize: Sequelize, number: string): Promise<WebRead[]> {
  return sequelize.query<WebRead>(
    `SELECT viewer_user_id::int AS "viewerUserId", viewer_role AS "viewerRole", reason, person::text AS person
       FROM access_log WHERE ticket_number = :number AND channel = 'web' AND what = 'ticket.read' ORDER BY id`,
    { replacements: { number }, type: QueryTypes.SELECT },
  );
}
