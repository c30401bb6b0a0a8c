/**
 * connect-token: keeps an Atlassian Connect app's single-page frontend authenticated to its own
 * backend with `AP.context.getToken()` context JWTs, and with the backend's own session tokens
 * (atlassian-connect-express `{{token}}` and `X-acpt`) where it sends them.
 *
 * The browser decodes the token only to schedule renewals and for display; it never verifies it.
 * Your backend must (atlassian-connect-express `addon.checkValidToken()`,
 * atlassian-connect-spring-boot `@ContextJwt`).
 */
import type { ConnectAuth, ConnectAuthOptions, ConnectTokenError } from './connect_token.js';

export type {
  ConnectAuthEvent,
  ConnectAuthOptions,
  ConnectAuthSnapshot,
  ConnectAuthStats,
  ConnectAuthStatus,
  ConnectTokenError,
  ConnectTokenErrorCode,
  ContextClaims,
  IgnoredTokenReason,
  JsonValue,
  TokenOptions,
  TokenSource,
  TokenSourceKind,
} from './connect_token.js';
export { ConnectAuth } from './connect_token.js';

/** Loads the library (once) and starts a keeper. Rejects with code `invalid-options` for bad options. */
export declare function createConnectAuth(options?: ConnectAuthOptions): Promise<ConnectAuth>;

/** Whether `value` is a `ConnectTokenError` (compares `name`, so it works across iframes). */
export declare function isConnectTokenError(value: unknown): value is ConnectTokenError;
