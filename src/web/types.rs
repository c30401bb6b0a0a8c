//! The TypeScript types of the exported API, emitted into the generated `connect_token.d.ts`.
//! `ConnectAuth` and `createConnectAuth` are declared here rather than generated, because the
//! generated declarations cannot say what the runtime does: optional arguments, methods bound as
//! own properties (`readonly fetch`), and a constructor that only throws.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
declare global {
  interface SymbolConstructor {
    /** `Symbol.dispose` (TypeScript's lib "ESNext.Disposable"), declared here too so that the
     * declarations check with any `lib` (ES2020, ES2022 + DOM as in Vite's template, ESNext). */
    readonly dispose: unique symbol;
  }
}

/** Every code a `ConnectTokenError` can carry. */
export type ConnectTokenErrorCode =
  | 'host-unavailable'
  | 'host-error'
  | 'timeout'
  | 'malformed-token'
  | 'expired-token'
  | 'aborted'
  | 'disposed'
  | 'invalid-options'
  | 'wasm-blocked'
  | 'load-failed';

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
  /**
   * A token the page already has, such as atlassian-connect-express's
   * `<meta name="token" content="{{token}}">`: the page's own origin's first requests carry it with no
   * host call. One that is malformed or expired is ignored (`stats().initialToken` says why) and the host
   * is asked. Default: none.
   */
  initialToken?: string | null;
  /**
   * The response header in which your backend sends a fresh session token (`'X-acpt'` for
   * atlassian-connect-express). A 2xx answer's token serves that origin's next requests. Default: off.
   */
  sessionTokenHeader?: string | null;
  /**
   * The request header the token goes in. Default `'Authorization'` (`<scheme> <token>`); any other
   * name (such as `'X-acpt'`) carries the bare token.
   */
  header?: string;
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

/** Where a token came from: the host (`AP.context.getToken`) or your backend (`initialToken`, `sessionTokenHeader`). */
export type TokenSourceKind = 'host' | 'backend';

/** The keeper's state; the same object until something changes (fit for `useSyncExternalStore`). */
export interface ConnectAuthSnapshot {
  readonly status: ConnectAuthStatus;
  /** The claims of the token the page's own origin's requests carry now. */
  readonly claims?: ContextClaims;
  /** When that token expires, in the page's clock (ms since the epoch, corrected for clock skew). */
  readonly expiresAt?: number;
  /** Where that token came from. */
  readonly source?: TokenSourceKind;
  /** The latest failure, until a token arrives. */
  readonly error?: ConnectTokenError;
}

export type ConnectAuthEvent =
  | { type: 'renewed'; claims: ContextClaims; expiresAt: number; source: TokenSourceKind }
  | { type: 'error'; error: ConnectTokenError }
  | { type: 'expired' };

/**
 * Keeps a context JWT fresh and attaches it to `fetch` calls. Every method also works detached
 * (`const { fetch, token } = auth`).
 */
export class ConnectAuth {
  /** Throws a TypeError: use `createConnectAuth(options)`. */
  private constructor();
  /**
   * `window.fetch`, with `Authorization: JWT <token>` added for allowed origins; a 401 from an
   * allowed origin is replayed once with a new token. Works detached: `const f = auth.fetch; f('/api')`.
   */
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** A token that is fresh now. */
  token(options?: TokenOptions): Promise<string>;
  /** The decoded, UNVERIFIED claims of the current token. */
  claims(): ContextClaims | undefined;
  /** The keeper's state: the same frozen object until something changes. */
  snapshot(): ConnectAuthSnapshot;
  /** Hears `renewed`, `error` and `expired` events; returns the function that unsubscribes. */
  subscribe(listener: (event: ConnectAuthEvent) => void): () => void;
  /** Counters: calls to the token source, renewals, retries, failures. */
  stats(): ConnectAuthStats;
  /** Clears the timer and page listeners; pending and later calls reject with code `disposed`. */
  dispose(): void;
  /** The same as `dispose()`. */
  [Symbol.dispose](): void;
  /** Frees the wasm side of this object (wasm-bindgen's; `dispose()` is what an app wants). */
  free(): void;
}

/** Starts a keeper once the wasm is loaded (the package entry's `createConnectAuth` loads it). */
export function createConnectAuth(options?: ConnectAuthOptions): Promise<ConnectAuth>;

export interface ConnectAuthStats {
  /** Calls made to the token source. */
  hostCalls: number;
  /** New tokens received. */
  renewals: number;
  /** Calls made while recovering from a failure. */
  retries: number;
  /** Calls that failed. */
  failures: number;
  /** Session tokens taken from your backend's responses (`sessionTokenHeader`). */
  backendTokens: number;
  /** Session tokens in responses that were ignored (see `lastIgnored`). */
  ignoredTokens: number;
  /** Why the latest was ignored. */
  lastIgnored?: IgnoredTokenReason;
  /** What became of `initialToken`: `'none'` given, `'used'`, or why it was ignored. */
  initialToken: 'none' | 'used' | IgnoredTokenReason;
}

/** Why a session token from your backend (or `initialToken`) was not used. */
export type IgnoredTokenReason = 'malformed' | 'expired' | 'not-later' | 'other-user' | 'origin-not-allowed';
"#;
