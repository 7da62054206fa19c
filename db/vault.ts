/**
 * Personal data sealed per person. Every person the helpdesk holds data about has data keys —
 * one for their own identity (scope `person`: their address) and one per ticket they reported
 * (scope `ticket:<number>`: its title, description, messages, attachments, rating comment) —
 * each a random AES-256 key wrapped by the master key (HELPDESK_MASTER_KEY or the master key
 * file). A value is sealed as `sealed:v1:<key id>:<base64url(iv | ciphertext | tag)>` with
 * AES-256-GCM, its associated data binding the field, the ticket (or ''), the person and the key,
 * so a sealed value copied to another field, ticket or person does not open. Destroying a key is
 * erasure: whatever it sealed — in PostgreSQL, in Temporal's histories, in backups — stays
 * unreadable. Addresses are found by a keyed blind index (HMAC-SHA256), never stored in plain.
 */
import crypto from 'node:crypto';
import type { DataKeyRecord, PersonsRepo } from './persons-repo.ts';

/** The master key ring (runtime/master-key.ts builds it): the first key wraps, all of them unwrap. */
export interface KeyRing {
  current: { id: string; key: Buffer };
  keys: ReadonlyMap<string, Buffer>;
}

export const SEALED_PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Fields a sealed value may be bound to. */
export type SealedField = 'email' | 'title' | 'description' | 'message' | 'comment' | 'note' | 'requester' | 'link' | 'filename' | 'attachment' | 'name' | 'mail' | 'phone';

export const isSealed = (v: unknown): v is string => typeof v === 'string' && v.startsWith(SEALED_PREFIX);
/** A person's pseudonym (persons.id): what workflows, events and the read model carry instead of an address. */
export const isPersonRef = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

export const ticketScope = (number: string): string => `ticket:${number}`;

function aesSeal(key: Buffer, aad: string, plain: Buffer): Buffer {
  const iv = crypto.randomBytes(IV_BYTES);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
}

function aesOpen(key: Buffer, aad: string, sealed: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('a sealed value is truncated');
  const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([d.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), d.final()]);
}

const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export interface VaultOptions {
  persons: PersonsRepo;
  master: KeyRing;
  /** How long an unwrapped key is kept in memory; an erasure in another process takes effect here after at most this. @default 2 s */
  cacheMs?: number;
}

export function createVault(opts: VaultOptions) {
  const { persons, master } = opts;
  const cacheMs = opts.cacheMs ?? 2_000;
  const cache = new Map<string, { key: Buffer | null; personId: string; scope: string; at: number }>();
  let blindKey: Promise<Buffer> | undefined;

  const wrapAad = (k: { id: string; personId: string; scope: string }) => `datakey|${k.id}|${k.personId}|${k.scope}`;

  function unwrap(k: Pick<DataKeyRecord, 'id' | 'personId' | 'scope' | 'masterKeyId' | 'wrapped'>): Buffer | null {
    if (!k.wrapped) return null;
    const mk = master.keys.get(k.masterKeyId ?? '');
    if (!mk) throw new Error(`a data key is wrapped by master key "${k.masterKeyId}", which is not in HELPDESK_MASTER_KEY or the master key file; add that key back to read it`);
    return aesOpen(mk, wrapAad(k), k.wrapped);
  }

  let swept = Date.now();
  // Also swept on a timer, so an idle process does not keep keys (an erased person's among them) past cacheMs.
  if (cacheMs > 0) setInterval(() => sweep(Date.now()), cacheMs).unref();
  /** Drops keys held longer than cacheMs, so an erased person's key is not kept (a key in use is not zeroed under its user). */
  function sweep(now: number): void {
    if (now - swept < cacheMs) return;
    swept = now;
    for (const [id, e] of cache) {
      if (now - e.at >= cacheMs) cache.delete(id);
    }
  }

  async function keyById(id: string): Promise<{ key: Buffer | null; personId: string; scope: string } | undefined> {
    sweep(Date.now());
    const hit = cache.get(id);
    if (hit && Date.now() - hit.at < cacheMs) return hit;
    const k = await persons.key(id);
    if (!k) return undefined;
    const entry = { key: unwrap(k), personId: k.personId, scope: k.scope, at: Date.now() };
    cache.set(id, entry);
    return entry;
  }

  /** Reads into memory, in one query, the keys of these ids not held already (what opening a page of sealed values needs). */
  async function prefetchKeys(ids: string[]): Promise<void> {
    sweep(Date.now());
    const now = Date.now();
    const missing = [...new Set(ids)].filter((id) => { const hit = cache.get(id); return !hit || now - hit.at >= cacheMs; });
    if (missing.length < 2) return;
    for (const [id, k] of await persons.keys(missing)) cache.set(id, { key: unwrap(k), personId: k.personId, scope: k.scope, at: Date.now() });
  }

  const keyIdOf = (value: unknown): string | undefined => {
    if (!isSealed(value)) return undefined;
    const rest = value.slice(SEALED_PREFIX.length);
    const colon = rest.indexOf(':');
    return colon > 0 ? rest.slice(0, colon) : undefined;
  };

  /** The live key for (person, scope), made when there is none. Refused for a destroyed key. */
  async function keyFor(personId: string, scope: string): Promise<{ id: string; key: Buffer }> {
    let k = await persons.keyFor(personId, scope);
    if (!k) {
      const id = crypto.randomUUID();
      const raw = crypto.randomBytes(32);
      const wrapped = aesSeal(master.current.key, wrapAad({ id, personId, scope }), raw);
      k = await persons.addKey({ id, personId, scope, masterKeyId: master.current.id, wrapped });
      if (!k) throw new ErasedError();
    }
    const key = unwrap(k);
    if (!key) throw new ErasedError();
    cache.set(k.id, { key, personId, scope, at: Date.now() });
    return { id: k.id, key };
  }

  function blindIndexKey(): Promise<Buffer> {
    blindKey ??= persons
      .blindIndexKey(() => ({ masterKeyId: master.current.id, wrapped: aesSeal(master.current.key, 'blind-index-key', crypto.randomBytes(32)) }))
      .then((k) => {
        const mk = master.keys.get(k.masterKeyId);
        if (!mk) throw new Error(`the blind-index key is wrapped by master key "${k.masterKeyId}", which is not in the master key ring; add that key back`);
        return aesOpen(mk, 'blind-index-key', k.wrapped);
      })
      .catch((err: unknown) => {
        blindKey = undefined;
        throw err;
      });
    return blindKey;
  }

  const aad = (field: SealedField, context: string, personId: string, keyId: string) => `${field}|${context}|${personId}|${keyId}`;

  const vault = {
    /** The keyed blind index of an address: how an address is looked up without being stored. */
    async blindIndex(email: string): Promise<string> {
      return crypto.createHmac('sha256', await blindIndexKey()).update(normaliseEmail(email), 'utf8').digest('hex');
    },

    /** A keyed fingerprint of any text (an intake request), so equal requests are recognised and none can be guessed from it. */
    async fingerprint(text: string): Promise<string> {
      return crypto.createHmac('sha256', await blindIndexKey()).update(`fingerprint|${text}`, 'utf8').digest('hex');
    },

    /** The pseudonym of the person with this address, made (with their sealed address) when new. */
    async personRef(email: string): Promise<string> {
      const { person, created } = await persons.findOrCreate(await vault.blindIndex(email));
      if (created || person.emailSealed === null) await persons.setEmailSealed(person.id, await vault.seal(person.id, 'person', 'email', '', normaliseEmail(email)));
      return person.id;
    },

    /** The pseudonym of an address already known, or undefined (nothing is made). */
    async knownRef(email: string): Promise<string | undefined> {
      return (await persons.byBlindIndex(await vault.blindIndex(email)))?.id;
    },

    /** Seals `plain` under the person's key for `scope`, bound to field and context (the ticket number, or ''). */
    async seal(personId: string, scope: string, field: SealedField, context: string, plain: string | Buffer): Promise<string> {
      const k = await keyFor(personId, scope);
      const body = aesSeal(k.key, aad(field, context, personId, k.id), Buffer.isBuffer(plain) ? plain : Buffer.from(plain, 'utf8'));
      return `${SEALED_PREFIX}${k.id}:${body.toString('base64url')}`;
    },

    /** Seals a ticket's field under its requester's key for that ticket. */
    sealTicket(number: string, requester: string, field: SealedField, plain: string | Buffer): Promise<string> {
      return vault.seal(requester, ticketScope(number), field, number, plain);
    },

    /** Opens a sealed value as bytes: null when its key was destroyed (erased). Not sealed: returned as is. */
    async openBytes(value: string, field: SealedField, context: string): Promise<Buffer | null> {
      if (!isSealed(value)) return Buffer.from(value, 'utf8');
      const rest = value.slice(SEALED_PREFIX.length);
      const colon = rest.indexOf(':');
      const keyId = rest.slice(0, colon);
      const k = colon > 0 ? await keyById(keyId) : undefined;
      if (!k) throw new Error('a sealed value names a data key that does not exist; it cannot be opened');
      if (!k.key) return null;
      try {
        return aesOpen(k.key, aad(field, context, k.personId, keyId), Buffer.from(rest.slice(colon + 1), 'base64url'));
      } catch {
        throw new Error(`a sealed ${field} failed authentication: it was altered, or moved from another field, ticket or person`);
      }
    },

    /** Opens a sealed value: null when erased. A value that is not sealed (recorded before sealing) is returned as is. */
    async open(value: string, field: SealedField, context: string): Promise<string | null> {
      return (await vault.openBytes(value, field, context))?.toString('utf8') ?? null;
    },

    /**
     * Reads the data keys of several sealed values at once (one query for those not in memory), so
     * that opening them next (open, openBytes) reads no key one by one: a page of titles costs one read.
     */
    async prefetch(values: Iterable<unknown>): Promise<void> {
      const ids: string[] = [];
      for (const v of values) {
        const id = keyIdOf(v);
        if (id) ids.push(id);
      }
      await prefetchKeys(ids);
    },

    /** Opens several sealed values of one field (their keys read in one query); each result as open() gives it, or the error it throws. */
    async openMany(items: ReadonlyArray<{ value: string; context: string }>, field: SealedField): Promise<Array<string | null | Error>> {
      await vault.prefetch(items.map((i) => i.value));
      return Promise.all(items.map((i) => vault.open(i.value, field, i.context).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
    },

    /** Opens `value` when it is a string, else passes it through. */
    async openMaybe(value: unknown, field: SealedField, context: string): Promise<unknown> {
      return typeof value === 'string' ? vault.open(value, field, context) : value;
    },

    /** Who the pseudonym is: their address, null when erased, undefined when not a known person. */
    async addressOf(personId: string): Promise<string | null | undefined> {
      const p = await persons.byId(personId);
      if (!p) return undefined;
      if (p.erasedAt || !p.emailSealed) return null;
      return vault.open(p.emailSealed, 'email', '');
    },

    /** The addresses of several pseudonyms at once (null: erased). */
    async addressesOf(ids: string[]): Promise<Map<string, string | null>> {
      const found = await persons.byIds(ids);
      await vault.prefetch([...found.values()].map((p) => p.emailSealed));
      const out = new Map<string, string | null>();
      for (const [id, p] of found) out.set(id, p.erasedAt || !p.emailSealed ? null : await vault.open(p.emailSealed, 'email', ''));
      return out;
    },

    /** Forgets unwrapped keys (after an erasure here, so nothing opens from memory). */
    forget(keyIds?: string[]): void {
      if (!keyIds) cache.clear();
      else for (const id of keyIds) cache.delete(id);
    },

    /** Wraps every data key (and the blind-index key) under the current master key. Returns how many were rewrapped. */
    async rewrapAll(): Promise<number> {
      let n = 0;
      for (;;) {
        const batch = await persons.keysNotWrappedBy(master.current.id, 500);
        if (batch.length === 0) break;
        for (const k of batch) {
          const raw = unwrap(k);
          if (!raw) continue;
          await persons.rewrap(k.id, k.masterKeyId, master.current.id, aesSeal(master.current.key, wrapAad(k), raw));
          n += 1;
        }
      }
      const bk = await persons.blindIndexKey(() => { throw new Error('no blind-index key yet'); }).catch(() => undefined);
      if (bk && bk.masterKeyId !== master.current.id) {
        const mk = master.keys.get(bk.masterKeyId);
        if (!mk) throw new Error(`the blind-index key is wrapped by master key "${bk.masterKeyId}", which is not in the master key ring; add that key back`);
        await persons.setBlindIndexKey({ masterKeyId: master.current.id, wrapped: aesSeal(master.current.key, 'blind-index-key', aesOpen(mk, 'blind-index-key', bk.wrapped)) });
        n += 1;
      }
      return n;
    },
  };
  return vault;
}

export type Vault = ReturnType<typeof createVault>;

/** Sealing under a destroyed key: the person (or this ticket's personal data) was erased. */
export class ErasedError extends Error {
  constructor() {
    super('This personal data was erased; nothing more can be added under it.');
    this.name = 'ErasedError';
  }
}
