import type { ReactNode } from 'react';
import type { ConnectAuth, ConnectAuthOptions, ConnectAuthSnapshot } from '../index.js';

/** The props of `ConnectAuthProvider`: `createConnectAuth`'s options, or a keeper the app made. */
export type ConnectAuthProviderProps = ConnectAuthOptions & {
  /** A keeper the app created itself; the provider then starts none and does not dispose it. */
  auth?: ConnectAuth;
  children?: ReactNode;
};

/**
 * Starts one keeper for as long as it is mounted (in the browser only: nothing starts while
 * rendering on a server) and gives it to the hooks below. The options are read once, at mount.
 * Under `<StrictMode>` it still starts one keeper and asks the host once.
 *
 * ```tsx
 * <ConnectAuthProvider allowedOrigins={['https://api.example.com']}>
 *   <App />
 * </ConnectAuthProvider>
 * ```
 */
export declare function ConnectAuthProvider(props: ConnectAuthProviderProps): ReactNode;

/**
 * The keeper's snapshot as React state: re-renders on every change. Without an argument, the
 * provider's keeper (status `idle` until it has started, `failed` with its error if it could not);
 * throws outside a `ConnectAuthProvider`.
 *
 * ```tsx
 * const { status, claims } = useConnectAuth();
 * ```
 */
export declare function useConnectAuth(auth?: ConnectAuth): ConnectAuthSnapshot;

/**
 * A `fetch` that authenticates through the provider's keeper: the same function on every render,
 * usable before the keeper has started (it waits for it, at most `timeoutMs`, then rejects with a
 * `ConnectTokenError` of code `timeout`).
 *
 * ```tsx
 * const fetch = useAuthFetch();
 * useEffect(() => { fetch('/api/issues').then(...) }, [fetch]);
 * ```
 */
export declare function useAuthFetch(): ConnectAuth['fetch'];

/**
 * The provider's `ConnectAuth` itself (for `token()`, `stats()`, `subscribe()`, or to hand its
 * `fetch` to a client made outside React), or `undefined` until it has started.
 *
 * ```tsx
 * const auth = useConnectAuthInstance();
 * useEffect(() => { auth?.token().then(openSocket); }, [auth]);
 * ```
 */
export declare function useConnectAuthInstance(): ConnectAuth | undefined;

/**
 * `useConnectAuth()` for a component under `<Suspense>`: suspends until the provider's keeper has
 * started, and throws its error to the nearest error boundary if it could not.
 *
 * ```tsx
 * <Suspense fallback={<Spinner />}><Issues /></Suspense>   // Issues calls useConnectAuthSuspense()
 * ```
 */
export declare function useConnectAuthSuspense(): ConnectAuthSnapshot;
