/**
 * The personal-data boundary of tickets. Going in (intake, actions, replies), addresses become
 * pseudonyms and every text a person writes is sealed under the requester's key for the ticket;
 * coming out (the API, the portal), what a reader gets is opened again, with ERASED where the
 * key was destroyed. Tickets reported before sealing (no requester pseudonym) pass through as
 * they are, in and out, so their workflows keep the addresses they started with.
 */
import type { TicketRecord, TicketsRepo } from '../../db/tickets-repo.ts';
import type { RequesterReply, TicketAction, TicketEvent, TicketSnapshot } from '../../workflows/types.ts';
import { isPersonRef, isSealed, type SealedField, type Vault } from '../../db/vault.ts';

/** What a reader sees where erased personal data was; pages show it in the viewer's language (see ERASED_KEY). */
export const ERASED = '[erased]';
/** The locale key every surface shows for ERASED (api namespace: `privacy.erased`). */
export const ERASED_KEY = 'privacy.erased';

/** Which seal field each event data key is bound to. */
const DATA_FIELDS: Readonly<Record<string, SealedField>> = { message: 'message', comment: 'comment', requester: 'email', note: 'note' };
/** Free-text fields of actions, and their seal fields. */
const ACTION_TEXT: Readonly<Record<string, SealedField>> = { message: 'message', comment: 'comment', note: 'note', reason: 'note' };

export interface TicketPrivacy {
  /** The ticket's requester pseudonym, or null for a ticket reported before sealing. */
  requesterOf(number: string): Promise<string | null>;
  sealAction(number: string, action: TicketAction): Promise<TicketAction>;
  sealReply(number: string, reply: RequesterReply): Promise<RequesterReply>;
  sealReclassify(number: string, by: { actor: string; reason: string }): Promise<{ actor: string; reason: string }>;
  openSnapshot<T extends TicketSnapshot>(s: T): Promise<T>;
  openRecord(r: TicketRecord): Promise<TicketRecord>;
  /** The read model with every read opened (list by requester goes through the blind index). */
  openingRepo(): TicketsRepo;
}

export function createTicketPrivacy(vault: Vault, raw: TicketsRepo): TicketPrivacy {
  const requesterOf = async (number: string) => (await raw.get(number))?.requester ?? null;

  /** An address as the workflow of a sealed ticket knows people: their pseudonym. */
  const ref = (email: string) => vault.personRef(email);

  async function sealText<T extends Record<string, unknown>>(number: string, requester: string, obj: T, fields: Readonly<Record<string, SealedField>>): Promise<T> {
    const out: Record<string, unknown> = { ...obj };
    for (const [k, field] of Object.entries(fields)) {
      const v = out[k];
      // Every text is sealed, whatever it looks like: a text that merely looks sealed is still someone's words.
      if (typeof v === 'string' && v !== '') out[k] = await vault.sealTicket(number, requester, field, v);
    }
    return out as T;
  }

  async function openText(value: string | null, field: SealedField, number: string): Promise<string | null> {
    if (value === null || !isSealed(value)) return value;
    try {
      return (await vault.open(value, field, number)) ?? ERASED;
    } catch {
      // A value that names no key or fails authentication (altered in the database) reads as erased, not as an error page.
      return ERASED;
    }
  }

  /** Pseudonyms to addresses (an erased person keeps their pseudonym, so their actions stay attributable). */
  async function people(ids: Array<string | null | undefined>): Promise<(v: string | null | undefined) => string | null> {
    const refs = ids.filter(isPersonRef);
    const map = refs.length ? await vault.addressesOf(refs) : new Map<string, string | null>();
    return (v) => (v === null || v === undefined ? null : isPersonRef(v) ? (map.get(v) ?? v) : v);
  }

  async function openSnapshot<T extends TicketSnapshot>(s: T): Promise<T> {
    if (!s.requester) return s;
    const who = await people([s.requester, s.assignee, s.filedBy]);
    return {
      ...s,
      title: (await openText(s.title, 'title', s.number)) ?? '',
      description: (await openText(s.description, 'description', s.number)) ?? '',
      requesterEmail: (await openText(s.requesterEmail, 'email', s.number)) ?? ERASED,
      assignee: who(s.assignee),
      ...(s.filedBy !== undefined ? { filedBy: who(s.filedBy) } : {}),
    };
  }

  async function openEvent(e: TicketEvent, number: string, who: (v: string) => string | null): Promise<TicketEvent> {
    const data: Record<string, unknown> = { ...e.data };
    for (const [k, field] of Object.entries(DATA_FIELDS)) if (typeof data[k] === 'string') data[k] = await openText(data[k] as string, field, number);
    for (const k of ['assignee', 'from', 'to']) if (isPersonRef(data[k])) data[k] = who(data[k] as string);
    return { ...e, actor: who(e.actor) ?? e.actor, reason: await openText(e.reason, 'note', number), data };
  }

  async function openRecord(r: TicketRecord): Promise<TicketRecord> {
    if (!r.requester) return r;
    const opened = await openSnapshot(r);
    const known = await people(r.timeline.flatMap((e) => [e.actor, e.data.assignee as string | undefined]));
    // A ticket whose personal data retention erased keeps its requester's pseudonym, never their address.
    const who = (v: string) => (r.personalDataErased && v === r.requester ? v : known(v));
    const timeline = await Promise.all(r.timeline.map((e) => openEvent(e, r.number, who)));
    const filedBy = r.personalDataErased && r.filedBy === r.requester ? r.filedBy : (opened.filedBy ?? null);
    return { ...r, ...opened, filedBy, timeline };
  }

  return {
    requesterOf,

    async sealAction(number, action) {
      const requester = await requesterOf(number);
      if (!requester) return action;
      const sealed = await sealText(number, requester, action as unknown as Record<string, unknown>, ACTION_TEXT);
      sealed.actor = await ref(action.actor);
      if (action.action === 'assign') sealed.assignee = await ref(action.assignee);
      return sealed as unknown as TicketAction;
    },

    async sealReply(number, reply) {
      const requester = await requesterOf(number);
      if (!requester) return reply;
      return { author: reply.author ? await ref(reply.author) : requester, message: await vault.sealTicket(number, requester, 'message', reply.message) };
    },

    async sealReclassify(number, by) {
      const requester = await requesterOf(number);
      if (!requester) return by;
      return { actor: await ref(by.actor), reason: await vault.sealTicket(number, requester, 'note', by.reason) };
    },

    openSnapshot,
    openRecord,

    openingRepo(): TicketsRepo {
      return {
        ...raw,
        async get(number) {
          const r = await raw.get(number);
          return r && openRecord(r);
        },
        async list(opts = {}) {
          const { requesterEmail, ...rest } = opts;
          const requesterRef = requesterEmail ? await vault.knownRef(requesterEmail) : undefined;
          const rows = await raw.list({ ...rest, ...(requesterEmail ? { requesterEmail, requesterRef: requesterRef ?? null } : {}) });
          return Promise.all(rows.map(openSnapshot));
        },
      };
    },
  };
}

/** A value with every ERASED marker replaced by `word` (the viewer's language), for answers and exports. */
export function localizeErased<T>(value: T, word: string): T {
  if (value === ERASED) return word as T;
  if (Array.isArray(value)) return value.map((v) => localizeErased(v, word)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localizeErased(v, word)])) as T;
  }
  return value;
}
