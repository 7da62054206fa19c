/**
 * Sign-up, its completion and sign-in: argon2id hashes.
 *
 * Sign-up answers the same for every address — "check your inbox" — after the same work (one
 * hash, one look-up, the same statements, one mail queued), so it never tells whether an address
 * has an account. For a new address, or a requester the desk knows without a password, it keeps
 * a pending sign-up and mails a link; for an account with a password, or staff, it mails
 * "someone tried to sign up with your address" and changes nothing. The account is made (or the
 * known requester gets its password) when the link is opened and the sign-up's password entered
 * again: the link proves the address (the account is verified), the password proves it is the
 * person who signed up (someone who typed another's address cannot finish it, nor can its owner
 * finish a stranger's sign-up, nor can someone who reads the database and so the link).
 *
 * Sign-in gives one vague answer for a wrong address or a wrong password (and the same work
 * for both, so timing does not tell them apart).
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { i18n } from 'i18next';
import type { AccountMail, PendingSignUp, SignUpRepo } from '../../../db/sign-up-repo.ts';
import { ARGON2_OPTIONS, type UserRecord, type UsersRepo } from '../../../db/users-repo.ts';
import { HttpError, ValidationError } from '../../errors.ts';
import { isLanguage, LANGUAGES, type Language } from '../../i18n.ts';
import { FormChecks, text, type FormBody } from '../forms.ts';
import type { OutboxStarter } from '../../../services/tickets/deps.ts';

export const MIN_PASSWORD = 10;
const MAX_PASSWORD = 200;
/** How long a sign-up link may be opened. */
export const SIGN_UP_LINK_HOURS = 24;

export interface SignUpDeps {
  users: UsersRepo;
  signUps: SignUpRepo;
  i18n: i18n;
  /** Mails the link at once (docs/mail.md); without it, the outbox sweep does. */
  outbox?: OutboxStarter | undefined;
}

export interface SignUpContext {
  timeZone: string;
  /** Origin of the links in the mail (PUBLIC_URL). */
  publicBase: string;
  /** Whether another mail may go to this address now (a limit per address); the answer is the same either way. */
  mayMail(email: string): Promise<boolean>;
}

let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hash('not-a-real-password-0000', ARGON2_OPTIONS));

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

function checkSignUp(body: FormBody) {
  const email = text(body, 'email').trim().toLowerCase();
  const displayName = text(body, 'displayName').trim();
  const password = text(body, 'password');
  const locale = text(body, 'locale');
  const checks = new FormChecks().email('email', email).required('displayName', displayName, 120).oneOf('locale', locale, LANGUAGES);
  if (password.length < MIN_PASSWORD) checks.add('password', 'passwordTooShort', { min: MIN_PASSWORD });
  else if (password.length > MAX_PASSWORD) checks.add('password', 'tooLong', { max: MAX_PASSWORD });
  else if (password !== text(body, 'passwordConfirm')) checks.add('passwordConfirm', 'passwordsDiffer');
  checks.done();
  return { email, displayName, password, locale: locale as Language };
}

/**
 * Whether a sign-up may make (or finish) the account of this address: a new address, or a
 * requester the service desk knows without a password (someone who reported by e-mail or an
 * operator added) — the mailed link proves the address either way. Staff and accounts with a
 * password are never claimed through sign-up.
 */
const claimable = (known: UserRecord | undefined) => !known || (known.role === 'requester' && !known.hasPassword);

/** Takes a sign-up form; answers the address it was for, whatever happened behind it. */
export async function signUp(deps: SignUpDeps, body: FormBody, ctx: SignUpContext): Promise<{ email: string }> {
  const form = checkSignUp(body);
  const passwordHash = await hash(form.password, ARGON2_OPTIONS);
  const known = await deps.users.findByEmail(form.email);
  if (!(await ctx.mayMail(form.email))) return { email: form.email };
  // The same work for every address: a token, a pending sign-up (kept only when it may be
  // finished), one mail, in the same statements (see SignUpRepo.queue).
  const token = randomBytes(32).toString('base64url');
  const pending = { tokenHash: tokenHash(token), email: form.email, displayName: form.displayName, locale: form.locale, timeZone: ctx.timeZone, passwordHash, expiresAt: new Date(Date.now() + SIGN_UP_LINK_HOURS * 3_600_000) };
  const keep = claimable(known);
  let mail: AccountMail;
  if (keep) {
    // The link, in the language chosen on the form; for a requester the desk already knows, too.
    const link = `${ctx.publicBase}/sign-up/complete/${token}`;
    const t = deps.i18n.getFixedT(form.locale, 'portal');
    mail = {
      recipient: form.email, language: form.locale, kind: 'sign_up_link',
      payload: { subject: t('mail.signUpLink.subject'), text: t('mail.signUpLink.text', { name: form.displayName, link, count: SIGN_UP_LINK_HOURS }), link },
    };
  } else {
    // An account with a password, or staff, is never taken over: its owner hears of the
    // attempt, in their own language, and nothing else changes.
    const language = isLanguage(known!.locale) ? known!.locale : 'en';
    const t = deps.i18n.getFixedT(language, 'portal');
    const link = `${ctx.publicBase}/sign-in`;
    mail = {
      recipient: known!.email, language, kind: 'sign_up_existing',
      payload: { subject: t('mail.signUpExisting.subject'), text: t('mail.signUpExisting.text', { name: known!.displayName, link }), link },
    };
  }
  const queued = await deps.signUps.queue(mail, pending, keep);
  // A start that fails is the outbox sweep's to make.
  await deps.outbox?.deliver([{ source: 'account', id: queued }]).catch(() => undefined);
  return { email: form.email };
}

/** Why a sign-up link cannot be used, as the page a browser gets. */
function linkRefused(reason: 'unknown' | 'used' | 'expired' | 'taken'): HttpError {
  if (reason === 'unknown') return new HttpError(404, 'SIGN_UP_LINK_UNKNOWN', 'portal:errors.signUpLinkUnknown');
  if (reason === 'expired') return new HttpError(410, 'SIGN_UP_LINK_EXPIRED', 'portal:errors.signUpLinkExpired', { count: SIGN_UP_LINK_HOURS });
  return new HttpError(409, 'SIGN_UP_LINK_USED', 'portal:errors.signUpLinkUsed');
}

/** The sign-up a link is for, while it can still be finished; otherwise the refusal (404/409/410). */
export async function openSignUpLink(deps: Pick<SignUpDeps, 'signUps'>, token: string): Promise<PendingSignUp> {
  const pending = /^[\w-]{20,100}$/.test(token) ? await deps.signUps.pending(tokenHash(token)) : undefined;
  if (!pending) throw linkRefused('unknown');
  if (pending.usedAt) throw linkRefused('used');
  if (pending.expiresAt.getTime() <= Date.now()) throw linkRefused('expired');
  return pending;
}

/** Finishes a sign-up: the link's sign-up, its password entered again; answers the new (verified) account. */
export async function completeSignUp(deps: SignUpDeps, token: string, body: FormBody): Promise<UserRecord> {
  const pending = await openSignUpLink(deps, token);
  const password = text(body, 'password');
  new FormChecks().required('password', password, MAX_PASSWORD).done();
  if (!(await verify(pending.passwordHash, password))) throw new ValidationError([{ field: 'password', key: 'signUpPassword' }]);
  const done = await deps.signUps.complete(tokenHash(token));
  if (!done.ok) throw linkRefused(done.reason);
  return (await deps.users.findById(done.userId))!;
}

export async function signIn(deps: { users: UsersRepo }, body: FormBody): Promise<UserRecord> {
  const email = text(body, 'email').trim().toLowerCase();
  const password = text(body, 'password');
  new FormChecks().email('email', email).required('password', password, MAX_PASSWORD).done();
  const found = await deps.users.findCredentials(email);
  const ok = found?.passwordHash ? await verify(found.passwordHash, password) : (await verify(await dummy(), password), false);
  if (!found || !ok) throw new ValidationError([{ field: 'password', key: 'badCredentials' }]);
  // Only who knows the password learns that the account is deactivated (docs/people.md).
  if (!found.user.active) throw new ValidationError([{ field: 'password', key: 'accountDeactivated' }], 403);
  return found.user;
}
