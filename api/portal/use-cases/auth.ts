/**
 * Sign-up and sign-in: argon2id hashes. Sign-up only ever creates a new, unverified
 * requester (an address already known is refused and nothing changes). Sign-in gives
 * one vague answer for a wrong address or a wrong password (and the same work for
 * both, so timing does not tell them apart).
 */
import { hash, verify } from '@node-rs/argon2';
import { ARGON2_OPTIONS, type UserRecord, type UsersRepo } from '../../../db/users-repo.ts';
import { ValidationError } from '../../errors.ts';
import { LANGUAGES } from '../../i18n.ts';
import { FormChecks, text, type FormBody } from '../forms.ts';

export const MIN_PASSWORD = 10;
const MAX_PASSWORD = 200;

let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hash('not-a-real-password-0000', ARGON2_OPTIONS));

export async function signUp(deps: { users: UsersRepo }, body: FormBody, timeZone: string): Promise<UserRecord> {
  const email = text(body, 'email').trim().toLowerCase();
  const displayName = text(body, 'displayName').trim();
  const password = text(body, 'password');
  const locale = text(body, 'locale');
  const checks = new FormChecks().email('email', email).required('displayName', displayName, 120).oneOf('locale', locale, LANGUAGES);
  if (password.length < MIN_PASSWORD) checks.add('password', 'passwordTooShort', { min: MIN_PASSWORD });
  else if (password.length > MAX_PASSWORD) checks.add('password', 'tooLong', { max: MAX_PASSWORD });
  else if (password !== text(body, 'passwordConfirm')) checks.add('passwordConfirm', 'passwordsDiffer');
  checks.done();

  const passwordHash = await hash(password, ARGON2_OPTIONS);
  // A known address (an account, staff, or a row an operator made) is never taken over by a
  // sign-up. The answer does not say which kind of row it is; the service desk can help.
  const user = await deps.users.register({ email, displayName, passwordHash, locale, timeZone });
  if (!user) throw new ValidationError([{ field: 'email', key: 'emailUnavailable' }]);
  return user;
}

export async function signIn(deps: { users: UsersRepo }, body: FormBody): Promise<UserRecord> {
  const email = text(body, 'email').trim().toLowerCase();
  const password = text(body, 'password');
  new FormChecks().email('email', email).required('password', password, MAX_PASSWORD).done();
  const found = await deps.users.findCredentials(email);
  const ok = found?.passwordHash ? await verify(found.passwordHash, password) : (await verify(await dummy(), password), false);
  if (!found || !ok) throw new ValidationError([{ field: 'password', key: 'badCredentials' }]);
  return found.user;
}
