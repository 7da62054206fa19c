/**
 * Who may use the process owners' admin pages and the rules-administration API: process owners
 * and admins. Requesters, agents and auditors get 403 on every admin route — each one declared
 * anywhere under admin-ui/ (every .ts file that declares router.get/post/… on /admin…, the mail
 * pages of admin-ui/mail/ included) and in api/routes/{rules-admin,rules-apply,people}.ts, found
 * from the source so a new route cannot be forgotten — and the portal and staff pages show them
 * no admin link. The mail pages (/admin/mail, a message, its raw .eml) are the admins' alone:
 * process owners get 403 there too, a visitor the staff sign-in.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIL_READERS } from '../admin-ui/mail/routes.ts';
import { INTEGRATION_ADMINS } from '../admin-ui/integrations/routes.ts';
import { createI18n } from '../api/i18n.ts';
import { PortalClient, csrfOf, textOf } from './portal-client.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { makeUser, PASSWORD, signInEnrolled } from './support/staff.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** "METHOD path" of every route a file declares with router.get/post/put/patch/delete('<path>'). */
function declared(file: string, prefix = ''): Array<{ method: string; path: string }> {
  const src = fs.readFileSync(path.join(root, file), 'utf8');
  // A one-page form section (admin-ui/routes/form-section.ts) declares its GET and POST by its name.
  const sections = [...src.matchAll(/formSectionRoutes\(\{ name: '([^']+)'/g)].flatMap((m) => ['get', 'post'].map((method) => [method, `/admin/drafts/:id/${m[1]!}`] as const));
  const routes = [...src.matchAll(/router\.(get|post|put|patch|delete)\(\s*'([^']+)'/g)].map((m) => [m[1]!, m[2]!] as const);
  return [...routes, ...sections].map(([method, p]) => ({
    method: method.toUpperCase(),
    path: `${prefix}${p}`.replace(/:run\b/g, '00000000-0000-4000-8000-000000000000').replace(/:[A-Za-z]+/g, '1'),
  }));
}

/** Every .ts file under admin-ui/ (the browser's own code in admin-ui/client/ declares no route, and is read all the same). */
const adminSources = () => fs.readdirSync(path.join(root, 'admin-ui'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => `admin-ui/${f.split(path.sep).join('/')}`);

const pageRoutes = () => [
  ...adminSources().flatMap((f) => declared(f)),
  { method: 'GET', path: '/admin/assets/raw-editor.js' },
  { method: 'GET', path: '/admin/assets/rules.schema.json' },
].filter((r) => r.path.startsWith('/admin'));
/** The admins' own routes: the mail pages (admin-ui/mail/routes.ts, MAIL_READERS) and the integrations (admin-ui/integrations/routes.ts, INTEGRATION_ADMINS). */
const adminOnlyRoutes = () => ['admin-ui/mail/routes.ts', 'admin-ui/integrations/routes.ts'].flatMap((f) => declared(f)).filter((r) => r.path.startsWith('/admin'));
const apiRoutes = () => ['rules-admin.ts', 'rules-apply.ts', 'people.ts'].flatMap((f) => declared(`api/routes/${f}`, '/api/v1'));

describe('admin access: only process owners and admins', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;

  before(async () => {
    stack = await isolatedStack('admin-access');
  });

  it('finds the admin routes it checks (pages under admin-ui/, the mail pages among them, and the API)', () => {
    expect(pageRoutes().length).to.be.greaterThan(15);
    const mail = ['GET /admin/mail', 'GET /admin/mail/1', 'GET /admin/mail/1/raw'];
    expect(pageRoutes().map((r) => `${r.method} ${r.path}`)).to.include.members([...mail, 'GET /admin/people', 'POST /admin/drafts/1/sla']);
    expect(adminOnlyRoutes().map((r) => `${r.method} ${r.path}`)).to.include.members([...mail, 'GET /admin/integrations', 'POST /admin/integrations/webhooks', 'POST /admin/integrations/webhooks/1/deliveries/1/replay', 'POST /admin/integrations/duty-managers']);
    expect(adminOnlyRoutes()).to.have.length(13);
    expect(MAIL_READERS).to.deep.equal(['admin']);
    expect(INTEGRATION_ADMINS).to.deep.equal(['admin']);
    expect(apiRoutes().map((r) => `${r.method} ${r.path}`)).to.include.members(['POST /api/v1/rules/drafts/1/publish', 'GET /api/v1/rules/versions']);
  });

  for (const role of ['agent', 'auditor'] as const) {
    it(`a signed-in ${role} gets 403 on every admin page and form, and no admin link`, async () => {
      const user = await makeUser(stack.db, role, `${role}-admin-access`);
      const c = new PortalClient(stack.web.url, 'en');
      await signInEnrolled(c, user);
      const home = await c.get('/staff');
      expect(home.status).to.equal(200);
      expect(home.text).to.not.include('href="/admin"');
      const token = csrfOf(home.text);
      for (const r of pageRoutes()) {
        const res = r.method === 'GET' ? await c.get(r.path) : await c.postForm(r.path, { _csrf: token, revision: '1' });
        expect(res.status, `${r.method} ${r.path}`).to.equal(403);
      }
    });
  }

  it('a signed-in requester gets 403 on every admin page, and the portal shows no admin link', async () => {
    const user = await makeUser(stack.db, 'requester', 'requester-admin-access');
    const c = new PortalClient(stack.web.url, 'en');
    const signedIn = await c.signIn(user.email, PASSWORD);
    expect(signedIn.status).to.equal(303);
    const home = await c.get('/');
    expect(home.text).to.not.include('/admin');
    const token = csrfOf(home.text);
    for (const r of pageRoutes()) {
      const res = r.method === 'GET' ? await c.get(r.path) : await c.postForm(r.path, { _csrf: token, revision: '1' });
      expect(res.status, `${r.method} ${r.path}`).to.equal(403);
    }
  });

  it('a process owner has the admin link and the admin home, but gets 403 on the admins\' mail and integrations pages and forms, and no link to them', async () => {
    const staff = (await createI18n()).getFixedT('en', 'staff');
    const owner = await makeUser(stack.db, 'process_owner', 'owner-admin-access');
    const c = new PortalClient(stack.web.url, 'en');
    await signInEnrolled(c, owner);
    expect((await c.get('/staff')).text).to.include('href="/admin"');
    const admin = await c.get('/admin');
    expect(admin.status).to.equal(200);
    expect(admin.text).to.include('id="new-draft"');
    expect(admin.text).to.not.include('href="/admin/mail"').and.not.include('href="/admin/integrations"');
    const token = csrfOf(admin.text);
    for (const r of adminOnlyRoutes()) {
      const res = r.method === 'GET' ? await c.get(r.path) : await c.postForm(r.path, { _csrf: token, name: 'x', url: 'https://example.com/', format: 'standard', events: 'created', language: 'en' });
      expect(res.status, `${r.method} ${r.path}`).to.equal(403);
      expect(textOf(res.text, 'error-message')).to.equal(staff('errors.roleRefused', { role: staff('role.process_owner'), roles: staff('role.admin') }));
    }
  });

  it('a visitor who is not signed in is sent to the staff sign-in from every admin page', async () => {
    const c = new PortalClient(stack.web.url, 'en');
    for (const r of pageRoutes().filter((x) => x.method === 'GET' && !x.path.startsWith('/admin/assets/'))) {
      const res = await c.get(r.path);
      expect([res.status, res.location?.split('?')[0]], `${r.method} ${r.path}`).to.deep.equal([303, '/staff/sign-in']);
    }
  });

  for (const role of ['requester', 'agent', 'auditor'] as const) {
    it(`a ${role}'s API token gets 403 on every rules-administration route, with a sentence`, async () => {
      const token = await stack.tokenFor(`${role}.rules-api@example.com`, role);
      for (const r of apiRoutes()) {
        const res = await request(stack.web.url, r.method, r.path, { token, body: r.method === 'GET' ? undefined : {} });
        expect(res.status, `${r.method} ${r.path}`).to.equal(403);
        expect((res.body as { error: { message: string } }).error.message).to.be.a('string').and.not.include('undefined');
      }
    });
  }
});
