/**
 * A browser-like HTTP client for portal tests: keeps cookies, sends forms the way a
 * browser does (urlencoded or multipart), reads the CSRF token from the page.
 */
export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

export class PortalClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly base: string, private readonly acceptLanguage?: string) {}

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
    const res = await fetch(new URL(path, this.base), { method, headers: this.headers(extra), redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') };
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

  postForm(path: string, fields: Record<string, string>): Promise<PageResponse> {
    return this.send('POST', path, new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
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

  async signUp(email: string, password: string, locale = 'en', displayName = 'Test Person'): Promise<PageResponse> {
    const token = await this.csrf('/sign-up');
    return this.postForm('/sign-up', { _csrf: token, email, displayName, password, passwordConfirm: password, locale });
  }
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
