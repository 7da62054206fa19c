/**
 * The whole ticket at hand (issue 13, items 3 and 5): the requester's card (who they are, their
 * organisation, service level, VIP flag, language, and their other tickets open and past — the
 * CRM view), knowledge-base articles suggested from the ticket's words, reply templates in the
 * ticket's language, and the likely duplicates of an open ticket.
 *
 * Personal data: the card opens the requester's sealed name and address and the sealed titles of
 * their tickets; a requester who was erased (their key destroyed, or the ticket's personal data
 * erased by retention) has no card (null), and no title of theirs is shown. Callers record the
 * staff read in the access log before they answer (api/routes/ticket-context.ts).
 */
import type { i18n } from 'i18next';
import { AccountContext, normaliseEmail } from '../../db/account-sealing.ts';
import type { DuplicatesRepo } from '../../db/duplicates-repo.ts';
import { polishPrefix, type KbRepo } from '../../db/kb-repo.ts';
import type { RequesterCardRepo, RequesterKey, TicketBriefRow } from '../../db/requester-card-repo.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import { isSealed, type Vault } from '../../db/vault.ts';
import { OPEN } from '../../workflows/lifecycle.ts';
import type { TicketStatus } from '../../workflows/types.ts';
import { ERASED } from '../privacy/ticket-data.ts';
import { replyTemplates, shippedLanguage, type ReplyTemplate } from './context-templates.ts';

export type { ReplyTemplate } from './context-templates.ts';

export interface TicketBrief { number: string; title: string; status: TicketStatus; priority: string | null; createdAt: string; updatedAt: string }

export interface RequesterCard {
  displayName: string | null;
  email: string | null;
  organisation: string | null;
  department: string | null;
  serviceLevel: string | null;
  vip: boolean;
  language: string | null;
  /** Newest first, up to 10 each, this ticket excluded. */
  open: TicketBrief[];
  past: TicketBrief[];
}

export interface KbSuggestion { id: string; slug: string; title: string; excerpt: string; language: string; url: string /* portal link */ }

export interface DuplicateCandidate {
  number: string; title: string; status: TicketStatus; createdAt: string; similarity: number; rank: number; sameRequester: boolean; sameOrganisation: boolean;
}

export interface TicketContext {
  /** Null when the requester was erased. */
  requesterCard(ticket: TicketRecord): Promise<RequesterCard | null>;
  /** From the ticket's title and description words, in the ticket's language first. */
  kbSuggestions(ticket: TicketRecord, limit?: number): Promise<KbSuggestion[]>;
  /** locales/*\/agent-templates.json: names in the agent's language, bodies in the ticket's, the requester's name when given. */
  replyTemplates(ticket: TicketRecord, agentLanguage: string, requesterName?: string | null): ReplyTemplate[];
  /** Open tickets only, same requester or organisation, pg_trgm similarity + ts_rank, recent first; none for a ticket no longer open. */
  duplicates(ticket: TicketRecord, limit?: number): Promise<DuplicateCandidate[]>;
}

export interface TicketContextDeps {
  cards: RequesterCardRepo;
  duplicates: Pick<DuplicatesRepo, 'candidates'>;
  kb: Pick<KbRepo, 'search'>;
  vault: Pick<Vault, 'blindIndex' | 'knownRef' | 'open'>;
  i18n: i18n;
  clock?: () => number;
}

/** How many of each list a card shows, and the most suggestions and duplicates asked for. */
export const CARD_TICKETS = 10;
export const SUGGESTIONS_MAX = 10;
export const DUPLICATES_MAX = 20;
const EXCERPT_MAX = 200;
const QUERY_WORDS_MAX = 32;

/** An excerpt of at most `max` characters, cut at a word and marked with an ellipsis. */
export function excerpt(text: string, max = EXCERPT_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?–-]+$/u, '')}…`;
}

/** A to_tsquery text matching any of the words (letters and digits only, so safe inside it); Polish words as prefixes. */
export function anyWordsQuery(text: string, language: string): string {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].slice(0, QUERY_WORDS_MAX);
  return words.map((w) => (language === 'pl' ? `${polishPrefix(w)}:*` : w)).join(' | ');
}

const clampLimit = (limit: number | undefined, fallback: number, max: number) =>
  Number.isInteger(limit) && limit! > 0 ? Math.min(limit!, max) : fallback;

export function createTicketContext(deps: TicketContextDeps): TicketContext {
  const now = deps.clock ?? Date.now;

  async function openTitle(number: string, title: string): Promise<string> {
    if (!isSealed(title)) return title;
    try {
      return (await deps.vault.open(title, 'title', number)) ?? ERASED;
    } catch {
      return ERASED;
    }
  }

  const brief = async (r: TicketBriefRow): Promise<TicketBrief> => ({
    number: r.number, title: await openTitle(r.number, r.title), status: r.status as TicketStatus, priority: r.priority,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  });

  /** Who the ticket's requester is, or undefined when their personal data is gone. */
  async function requesterOf(ticket: TicketRecord): Promise<RequesterKey | undefined> {
    if (ticket.personalDataErased || ticket.requesterEmail === ERASED) return undefined;
    if (ticket.requester && (await deps.cards.personErased(ticket.requester))) return undefined;
    const email = normaliseEmail(ticket.requesterEmail);
    const [bidx, known] = await Promise.all([deps.vault.blindIndex(email), ticket.requester ? undefined : deps.vault.knownRef(email)]);
    return { ref: ticket.requester ?? known ?? null, bidx, email };
  }

  /** An account column opened: null when it cannot be (the person erased meanwhile, or an altered value). */
  const open = async (sealed: string | null, plain: string | null, field: 'email' | 'name'): Promise<string | null> =>
    sealed === null ? plain : deps.vault.open(sealed, field, AccountContext.user).catch(() => null);

  return {
    async requesterCard(ticket) {
      const key = await requesterOf(ticket);
      if (!key) return null;
      const [account, others] = await Promise.all([deps.cards.account(key), deps.cards.otherTickets(ticket.number, key, OPEN, CARD_TICKETS)]);
      const [displayName, accountEmail] = account
        ? await Promise.all([open(account.display_name_sealed, account.display_name, 'name'), open(account.email_sealed, account.email, 'email')])
        : [null, null];
      // An account that no longer opens is an erased person's: nothing of theirs is shown.
      if (account && (account.email_sealed !== null || account.display_name_sealed !== null) && displayName === null && accountEmail === null) return null;
      return {
        displayName,
        email: accountEmail ?? key.email,
        organisation: account?.organisation ?? null,
        department: account?.department ?? null,
        serviceLevel: account?.service_level ?? null,
        vip: account?.vip ?? false,
        language: account?.locale ?? null,
        open: await Promise.all(others.open.map(brief)),
        past: await Promise.all(others.past.map(brief)),
      };
    },

    async kbSuggestions(ticket, limit) {
      const words = [ticket.title, ticket.description].filter((t) => t && t !== ERASED).join(' ');
      if (words.trim() === '') return [];
      const language = shippedLanguage(ticket.locale);
      const found = await deps.kb.search(words, language, clampLimit(limit, 5, SUGGESTIONS_MAX));
      return found.map((a) => ({
        id: String(a.id), slug: a.slug, title: a.title, excerpt: excerpt(a.summary), language: a.language,
        url: `/kb/${encodeURIComponent(a.slug)}?lng=${a.language}`,
      }));
    },

    replyTemplates(ticket, agentLanguage, requesterName = null) {
      const name = ticket.personalDataErased || requesterName === ERASED ? null : requesterName;
      return replyTemplates(deps.i18n, ticket, agentLanguage, name, now());
    },

    async duplicates(ticket, limit) {
      if (!OPEN.includes(ticket.status)) return [];
      const key = await requesterOf(ticket);
      if (!key) return [];
      const account = await deps.cards.account(key);
      const text = [ticket.title, ticket.description].filter((t) => t && t !== ERASED).join('\n');
      if (text.trim() === '') return [];
      const rows = await deps.duplicates.candidates({
        number: ticket.number, ref: key.ref, email: key.email, organisation: account?.organisation ?? null, text,
        tsQuery: anyWordsQuery(text, shippedLanguage(ticket.locale)), openStatuses: OPEN, limit: clampLimit(limit, 5, DUPLICATES_MAX),
      });
      return Promise.all(rows.map(async (r) => ({
        number: r.number, title: await openTitle(r.number, r.title), status: r.status as TicketStatus, createdAt: r.created_at.toISOString(),
        similarity: Math.round(r.similarity * 1000) / 1000, rank: Math.round(r.rank * 1000) / 1000, sameRequester: r.same_requester, sameOrganisation: r.same_organisation,
      })));
    },
  };
}
