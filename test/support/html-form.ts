/**
 * The admin form pages without a browser: a view rendered as the web process renders it (the
 * portal's handlebars engine with the admin partials, the `at` helper of admin-ui/pages.ts), and
 * the fields a browser would post from one of its forms — text and hidden inputs, checked boxes
 * and radios, each select's chosen option, text areas (their first line break dropped, as an HTML
 * parser does, and line breaks posted as CRLF) and the submit button pressed (the form's first one unless another is named).
 */
import { fileURLToPath } from 'node:url';
import type { i18n } from 'i18next';
import { viewEngine } from '../../api/portal/index.ts';

const viewsDir = fileURLToPath(new URL('../../admin-ui/views/', import.meta.url));

export type PostedBody = Record<string, string | string[]>;

export async function renderAdminView(i18n: i18n, language: string, view: string, model: Record<string, unknown>): Promise<string> {
  const hbs = viewEngine(i18n);
  const t = i18n.getFixedT(language, 'admin');
  return hbs.render(`${viewsDir}${view}.hbs`, { page: `admin-${view}`, draftCalendars: [], csrfToken: 'token', ...model }, {
    helpers: { at: (key: unknown, options: { hash: Record<string, unknown> }) => t(String(key), options.hash), st: (key: unknown) => String(key) },
  });
}

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)(?:="([^"]*)")?/g)) out[m[1]!.toLowerCase()] = decode(m[2] ?? '');
  return out;
}

/**
 * What the browser posts from the form with id `formId` when `button` (an `op` value) is pressed,
 * or its default button; `change` replaces fields (by name) before posting, as typing would.
 */
export function formFields(html: string, formId: string, opts: { button?: string; change?: Record<string, string | string[]> } = {}): PostedBody {
  const start = html.indexOf(`id="${formId}"`);
  if (start < 0) throw new Error(`no form ${formId}`);
  const formHtml = html.slice(start, html.indexOf('</form>', start));
  const fields: Array<[string, string]> = [];
  let pressed = false;
  const re = /<(input|select|textarea|button)\b([^>]*)>/g;
  for (let m = re.exec(formHtml); m; m = re.exec(formHtml)) {
    const [, tag, rest] = m;
    const a = attributes(rest!);
    if (tag === 'button') {
      const isSubmit = (a.type ?? 'submit') === 'submit';
      if (!isSubmit || pressed) continue;
      if (opts.button === undefined || a.value === opts.button) {
        pressed = true;
        if (a.name) fields.push([a.name, a.value ?? '']);
      }
      continue;
    }
    if (!a.name) continue;
    if (tag === 'input') {
      const type = a.type ?? 'text';
      if ((type === 'checkbox' || type === 'radio') && !('checked' in a)) continue;
      // A text field's value loses its line breaks (the value sanitization of <input type="text">).
      const value = a.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
      fields.push([a.name, type === 'text' ? value.replace(/[\r\n]/g, '') : value]);
    } else if (tag === 'textarea') {
      const end = formHtml.indexOf('</textarea>', re.lastIndex);
      // Parsed with its first line break dropped and line breaks as LF, posted with CRLF.
      fields.push([a.name, decode(formHtml.slice(re.lastIndex, end).replace(/\r\n?/g, '\n').replace(/^\n/, '')).replace(/\n/g, '\r\n')]);
    } else {
      const end = formHtml.indexOf('</select>', re.lastIndex);
      const opts2 = [...formHtml.slice(re.lastIndex, end).matchAll(/<option\b([^>]*)>/g)].map((o) => attributes(o[1]!));
      const chosen = opts2.find((o) => 'selected' in o) ?? opts2[0];
      if (chosen) fields.push([a.name, chosen.value ?? '']);
    }
  }
  if (opts.button !== undefined && !pressed) throw new Error(`no button ${opts.button} in ${formId}`);
  const body: PostedBody = {};
  for (const [name, value] of fields) {
    const had = body[name];
    body[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  for (const [name, value] of Object.entries(opts.change ?? {})) {
    if (!formHtml.includes(`name="${name}"`)) throw new Error(`the form ${formId} has no field ${name}`);
    if (Array.isArray(value) && value.length === 0) delete body[name];
    else body[name] = value;
  }
  return body;
}
