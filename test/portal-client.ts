/**
 * A browser-like HTTP client for portal tests: keeps cookies, sends forms the way a
 * browser does (urlencoded or multipart), reads the CSRF token from the page.
 *
 * Each client connects from a loopback address of its own (on Linux all of 127.0.0.0/8
 * is the loopback interface), so the portal's limits per client address see one client
 * per PortalClient, as they would see one browser per person.
 */
import http from 'node:http';
import { randomInt } from 'node:crypto';
import type { SignUpRepo } from '../db/sign-up-repo.ts';

export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

/** A random 127.x.y.z address, or undefined where only 127.0.0.1 is sure to exist. */
export function loopbackAddress(): string | undefined {
  return process.platform === 'linux' ? `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}` : undefined;
}

export class PortalClient {
  /** `from`: the client's own address (a fresh loopback address unless given). */
  constructor(
    readonly base: string,
    private readonly acceptLanguage?: string,
    readonly from: string | undefined = loopbackAddress(),
    private readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser (its cookies, its address) talking to another web process of the helpdesk (cookies do not depend on the port). */
  via(base: string): PortalClient {
    return new PortalClient(base, this.acceptLanguage, this.from, this.cookies);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', ...extra };
    if (this.acceptLanguage) h['accept-language'] = this.acceptLanguage;
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return h;
  }

  private async send(method: string, path: string, body?: string | FormData, extra: Record<string, string> = {}): Promise<PageResponse> {
    const url = new URL(path, this.base);
    // A form is encoded as fetch would encode it (multipart boundary and all).
    const encoded = body === undefined ? undefined : new Request(url, { method, body });
    const payload = encoded ? Buffer.from(await encoded.arrayBuffer()) : undefined;
    const headers = this.headers({ ...(encoded?.headers.get('content-type') ? { 'content-type': encoded.headers.get('content-type')! } : {}), ...extra });
    const res = await new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
      const req = http.request(url, { method, headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) }, ...(this.from ? { localAddress: this.from } : {}) }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('error', reject);
        r.on('end', () => {
          const h = new Headers();
          for (let i = 0; i < r.rawHeaders.length; i += 2) h.append(r.rawHeaders[i]!, r.rawHeaders[i + 1]!);
          resolve({ status: r.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { ...res, location: res.headers.get('location') };
  }

  get(path: string, extra?: Record<string, string>): Promise<PageResponse> {
    return this.send('GET', path, undefined, extra);
  }

  /** GET, following redirects (as a browser would). */
  async open(path: string): Promise<PageResponse> {
    let res = await this.get(path);
    for (let i = 0; i < 5 && res.location && res.status >= 300 && res.status < 400; i++) res = await this.get(res.location);
    return res;
  }

  postForm(path: string, fields: Record<string, string>, extra?: Record<string, string>): Promise<PageResponse> {
    return this.send('POST', path, new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...extra });
  }

  postMultipart(path: string, form: FormData): Promise<PageResponse> {
    return this.send('POST', path, form);
  }

  /** The CSRF token of a page (every page carries one in its forms). */
  async csrf(path = '/'): Promise<string> {
    const page = await this.get(path);
    return csrfOf(page.text);
  }

  async signIn(email: string, password: string): Promise<PageResponse> {
    const token = await this.csrf('/sign-in');
    return this.postForm('/sign-in', { _csrf: token, email, password });
  }

  /** Sends the sign-up form; the answer is the "check your inbox" page (or the form with its problems). */
  async requestSignUp(email: string, password: string, locale = 'en', displayName = 'Test Person'): Promise<PageResponse> {
    const token = await this.csrf('/sign-up');
    return this.postForm('/sign-up', { _csrf: token, email, displayName, password, passwordConfirm: password, locale });
  }

  /** Opens a sign-up link and confirms it with the password, as the person who got the mail would. */
  async completeSignUp(link: string, password: string): Promise<PageResponse> {
    const path = new URL(link).pathname;
    const page = await this.get(path);
    if (page.status !== 200) return page;
    return this.postForm(path, { _csrf: csrfOf(page.text), password });
  }

  /**
   * Signs up the whole way: the form, then the link from the mail in the outbox (as the
   * mail carries it), then the confirmation. Answers the last step (303 to /tickets).
   */
  async signUp(db: Mails, email: string, password: string, locale = 'en', displayName = 'Test Person'): Promise<PageResponse> {
    const sent = await this.requestSignUp(email, password, locale, displayName);
    if (sent.status !== 200) return sent;
    return this.completeSignUp(await signUpLink(db, email), password);
  }
}

/** What the tests read account mail through: the outbox, opened (its rows are sealed). */
type Mails = { signUps: Pick<SignUpRepo, 'mailsTo'> };

export interface AccountMailRow {
  id: number;
  recipient: string;
  language: string;
  kind: 'sign_up_link' | 'sign_up_existing';
  payload: { subject: string; text: string; link: string };
}

/** The account mails queued for an address, oldest first. */
export async function accountMails(db: Mails, email: string): Promise<AccountMailRow[]> {
  return (await db.signUps.mailsTo(email)).map(({ id, recipient, language, kind, payload }) => ({ id, recipient, language, kind, payload }));
}

/** The link of the newest sign-up mail to an address. */
export async function signUpLink(db: Mails, email: string): Promise<string> {
  const link = (await accountMails(db, email)).filter((m) => m.kind === 'sign_up_link').at(-1)?.payload.link;
  if (!link) throw new Error(`no sign-up mail to ${email} in the outbox`);
  return link;
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

export function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} on the page`);
  return m[1]!;
}

/** Text of the element with this id (first match), tags stripped, entities decoded. */
export function textOf(html: string, id: string): string | undefined {
  const m = new RegExp(`<(\\w+)[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  return m ? decode(m[2]!.replace(/<[^>]+>/g, '')).replace(/\s+/g, ' ').replace(/^⚠ /, '').trim() : undefined;
}

export function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`').replace(/&amp;/g, '&');
}

/** A report form filled in as a requester would. */
export function reportForm(fields: Record<string, string>, files: Array<{ name: string; type: string; data: Uint8Array }> = []): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('attachments', new Blob([f.data], { type: f.type }), f.name);
  return form;
}
