/**
 * connect-token: keeps an Atlassian Connect app's single-page frontend authenticated to its own
 * backend with `AP.context.getToken()` context JWTs.
 *
 * The browser decodes the token only to schedule renewals and for display; it never verifies it.
 * Your backend must (atlassian-connect-express `addon.checkValidToken()`,
 * atlassian-connect-spring-boot `@ContextJwt`).
 */

/** Every code a `ConnectTokenError` can carry. */
export type ConnectTokenErrorCode =
  | 'host-unavailable'
  | 'host-error'
  | 'timeout'
  | 'malformed-token'
  | 'expired-token'
  | 'aborted'
  | 'disposed'
  | 'invalid-options';

/** The one error type of the library. Test for it with `isConnectTokenError`. */
export interface ConnectTokenError extends Error {
  readonly name: 'ConnectTokenError';
  readonly code: ConnectTokenErrorCode;
}

/** A JSON value, as found in claims. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The decoded, UNVERIFIED claims of a context JWT. Only `exp` is guaranteed. */
export interface ContextClaims {
  /** The user's Atlassian accountId. */
  sub?: string;
  /** The installation's clientKey. */
  iss?: string;
  /** Issued at, in seconds since the epoch (the issuer's clock). */
  iat?: number;
  /** Expires at, in seconds since the epoch (the issuer's clock). */
  exp: number;
  /** `"context-qsh"` for context JWTs. */
  qsh?: string;
  /** Product context: license, url, jira issue/project, confluence content, ... */
  context?: { [key: string]: JsonValue };
  [claim: string]: JsonValue | undefined;
}

/** The token source: a JWT, or a promise of one. */
export type TokenSource = () => Promise<string> | string;

export interface ConnectAuthOptions {
  /**
   * Origins that may receive the token, e.g. `["https://api.example.com"]`. Default: the page's own
   * origin only. Giving a list replaces that default: include the page's origin if it needs the token too.
   */
  allowedOrigins?: string[];
  /** The `Authorization` scheme. Default `"JWT"` (atlassian-connect-express requires exactly that). */
  scheme?: string;
  /** Renew this many seconds before `exp` (clamped to half the token's lifetime). Default 60. */
  renewMarginSeconds?: number;
  /** How long one call to the token source may take. Default 10000. */
  timeoutMs?: number;
  /** Replay a request once with a new token when an allowed origin answers 401. Default true. */
  retryUnauthorized?: boolean;
  /** Where tokens come from. Default `AP.context.getToken` (promise or callback form, detected at run time). */
  getToken?: TokenSource;
  /** The `fetch` to send requests with. Default `globalThis.fetch`. */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
}

export interface TokenOptions {
  /** Cancels this caller's wait only, never the shared renewal. Rejects with code `aborted`. */
  signal?: AbortSignal;
  /** Ask the token source for a new token even if the held one is fresh. */
  forceRefresh?: boolean;
}

/**
 * `fresh`: a token is handed out now; `renewing`: an ask is under way, or due (the token is in its
 * final 5 s, or was rejected); `failed`: the last ask failed (see `error`); `idle`: nothing asked yet.
 */
export type ConnectAuthStatus = 'idle' | 'fresh' | 'renewing' | 'failed';

/** The keeper's state; the same object until something changes (fit for `useSyncExternalStore`). */
export interface ConnectAuthSnapshot {
  readonly status: ConnectAuthStatus;
  readonly claims?: ContextClaims;
  /** When the held token expires, in the page's clock (ms since the epoch, corrected for clock skew). */
  readonly expiresAt?: number;
  /** The latest failure, until a token arrives. */
  readonly error?: ConnectTokenError;
}

export type ConnectAuthEvent =
  | { type: 'renewed'; claims: ContextClaims; expiresAt: number }
  | { type: 'error'; error: ConnectTokenError }
  | { type: 'expired' };

export interface ConnectAuthStats {
  /** Calls made to the token source. */
  hostCalls: number;
  /** New tokens received. */
  renewals: number;
  /** Calls made while recovering from a failure. */
  retries: number;
  /** Calls that failed. */
  failures: number;
}

export declare class ConnectAuth {
  private constructor();
  /**
   * `window.fetch`, with `Authorization: JWT <token>` added for allowed origins. Works detached:
   * `const f = auth.fetch; f('/api')`.
   */
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** A token that is fresh now. */
  token(options?: TokenOptions): Promise<string>;
  /** The decoded, UNVERIFIED claims of the current token. */
  claims(): ContextClaims | undefined;
  snapshot(): ConnectAuthSnapshot;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: ConnectAuthEvent) => void): () => void;
  stats(): ConnectAuthStats;
  /** Clears every timer and listener; pending and later calls reject with code `disposed`. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Loads the library (once) and starts a keeper. Rejects with code `invalid-options` for bad options. */
export declare function createConnectAuth(options?: ConnectAuthOptions): Promise<ConnectAuth>;

/** Whether `value` is a `ConnectTokenError` (compares `name`, so it works across iframes). */
export declare function isConnectTokenError(value: unknown): value is ConnectTokenError;
