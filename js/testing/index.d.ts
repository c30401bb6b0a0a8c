/**
 * connect-token/testing: a fake Connect host for an app's own tests (Vitest, Jest, Node). Never
 * import it from production code.
 */
import type { JsonValue } from '../connect_token.js';

export interface FakeHostOptions {
  /** Lifetime of each minted token (`exp - iat`). Default 900, like Jira. */
  ttlSeconds?: number;
  /** Claims merged into each token (`sub`, `iss`, `context`, ...); `iat` and `exp` are the host's. */
  claims?: { [claim: string]: JsonValue };
  /** Which form of `AP.context.getToken` the host offers. Default `'promise'`. */
  form?: 'promise' | 'callback';
  /** Answer after this many ms of the page's timers (fake timers move it). Default 0: a microtask. */
  latencyMs?: number;
  /**
   * Like the product's cache: hand back the last token while it has at least this many seconds
   * left. Default: a new token for every call.
   */
  cacheMarginSeconds?: number;
}

export interface FakeHost {
  /** Calls to `AP.context.getToken` so far. */
  readonly calls: number;
  /** The last token minted, or `undefined`. */
  readonly lastToken: string | undefined;
  /** The answer delay in ms; may be changed at any time. */
  latencyMs: number;
  /** The next `n` calls fail as the product's host does: the callback gets no token, the promise rejects with a string. */
  failNext(n?: number): void;
  /** The next `n` calls never answer (the real bridge has no timeout). */
  hangNext(n?: number): void;
  /**
   * Resolves once `getToken` has been called `n` times in all (default 1; at once if it has). A
   * real promise: awaited under fake timers it lets the module load and the keeper start, e.g.
   * `await act(() => host.called())` after rendering a `ConnectAuthProvider`.
   */
  called(n?: number): Promise<void>;
  /** Removes `globalThis.AP` (restores one that was there before). */
  uninstall(): void;
}

/** Installs `globalThis.AP` with a fake `AP.context.getToken`. */
export declare function createFakeHost(options?: FakeHostOptions): FakeHost;
