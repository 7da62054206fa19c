/**
 * Staff single sign-on with OpenID Connect (openid-client): the authorization code flow with
 * PKCE (S256), a state and a nonce kept in the session until the callback. The provider's
 * metadata is discovered on first use (and again after a failure). The ID token's `email`, with
 * `email_verified: true`, must be a staff member's address; nobody is created here.
 *
 * Plain-HTTP issuers are allowed only on loopback addresses (a provider on the same machine, as in
 * the tests); any other issuer must be HTTPS.
 */
import * as client from 'openid-client';
import { HttpError, UnavailableError } from '../errors.ts';
import type { OidcOptions } from './types.ts';

export const SSO_SCOPE = 'openid email';

export interface SsoStart {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

export interface SsoIdentity {
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const loopbackHttp = (issuer: string) => {
  const u = new URL(issuer);
  return u.protocol === 'http:' && LOOPBACK.has(u.hostname);
};

/** Protocol answers that mean "this sign-in did not work" (400) rather than "the provider cannot be reached" (503). */
const REFUSALS = new Set(['OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', 'OAUTH_INVALID_RESPONSE', 'OAUTH_PARSE_ERROR']);

export type Sso = ReturnType<typeof createSso>;

export function createSso(options: OidcOptions, log: (line: string) => void) {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(
        new URL(options.issuer), options.clientId, options.clientSecret,
        options.clientSecret ? client.ClientSecretBasic(options.clientSecret) : client.None(),
        { timeout: 10, ...(loopbackHttp(options.issuer) ? { execute: [client.allowInsecureRequests] } : {}) },
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw new UnavailableError(err);
      });
    return discovered;
  };

  return {
    issuer: options.issuer,

    /** Where to send the browser, and what the callback must match. */
    async start(redirectUri: string): Promise<SsoStart> {
      const config = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope: SSO_SCOPE, state, nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      return { url: url.href, state, nonce, verifier };
    },

    /**
     * The callback: the code exchanged (with the PKCE verifier), the ID token's signature,
     * issuer, audience, expiry and nonce checked; answers who the provider says this is.
     */
    async finish(redirectUri: string, query: URLSearchParams, pending: { state: string; nonce: string; verifier: string }): Promise<SsoIdentity> {
      const config = await configuration();
      const current = new URL(redirectUri);
      current.search = query.toString();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      } catch (err) {
        if (err instanceof client.AuthorizationResponseError) {
          log(`[staff] single sign-on: the provider answered ${err.error}`);
          throw new HttpError(400, 'SSO_DENIED', 'staff:errors.ssoDenied');
        }
        const code = (err as { code?: unknown }).code;
        if (err instanceof client.ResponseBodyError || (err instanceof client.ClientError && typeof code === 'string' && REFUSALS.has(code))) {
          log(`[staff] single sign-on: the answer was refused (${err instanceof client.ResponseBodyError ? err.error : String(code)})`);
          throw new HttpError(400, 'SSO_FAILED', 'staff:errors.ssoFailed');
        }
        throw new UnavailableError(err);
      }
      const claims = tokens.claims();
      if (!claims) throw new HttpError(400, 'SSO_FAILED', 'staff:errors.ssoFailed');
      const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : undefined;
      return { subject: claims.sub, email, emailVerified: claims.email_verified === true };
    },
  };
}
