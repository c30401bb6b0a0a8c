'use client';
// connect-token/react: a provider and hooks, the way @auth0/auth0-react and react-oidc-context do
// it. The provider starts one keeper in an effect (so nothing starts while rendering on a server),
// keeps it across StrictMode's second run of effects, and disposes it when it really unmounts.
import * as React from 'react';
import { createConnectAuth } from '../index.js';

// Every snapshot change, not only the renewed/error/expired events (the Symbol the wasm binding sets on each ConnectAuth: src/web/auth.rs CHANGES).
const CHANGES = Symbol.for('connect-token.changes');
const { createContext, createElement, useContext, useEffect, useMemo, useState, useSyncExternalStore } = React;

/** The snapshot before the keeper exists: on the server, and in the browser's first render. */
const STARTING = Object.freeze({ status: 'idle' });
const DEFAULT_TIMEOUT_MS = 10_000;
const Provided = createContext(null);
const noSubscription = () => () => {};

/**
 * Starts one keeper for as long as it is mounted and gives it to `useConnectAuth()`,
 * `useAuthFetch()` and `useConnectAuthSuspense()` below it. Props: `createConnectAuth`'s options
 * (read once, when it mounts), or `auth`, a keeper the app made (then not disposed here).
 *
 * ```jsx
 * <ConnectAuthProvider allowedOrigins={['https://api.example.com']}><App /></ConnectAuthProvider>
 * ```
 */
export function ConnectAuthProvider({ auth, children, ...options }) {
  const [keeper] = useState(() => startable(options, auth));
  const [state, setState] = useState(() => (auth ? { auth } : {}));
  useEffect(() => keeper.mount(setState), [keeper]);
  const value = useMemo(() => ({ ...state, firstAnswer: keeper.firstAnswer, fetch: keeper.fetch }), [state, keeper]);
  return createElement(Provided.Provider, { value }, children);
}

/**
 * The keeper's snapshot as React state (`{ status, claims, expiresAt, error }`): re-renders on every
 * change. Without an argument, the provider's keeper (status `idle` until it has started, `failed`
 * with the error if it could not); with one, that keeper.
 */
export function useConnectAuth(auth) {
  const provided = useContext(Provided);
  if (!auth && !provided) throw outsideProvider('useConnectAuth()');
  const keeper = auth ?? provided.auth;
  const subscribe = keeper ? (keeper[CHANGES] ?? keeper.subscribe) : noSubscription;
  const snapshot = keeper ? keeper.snapshot : () => provided.failed ?? STARTING;
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/**
 * A `fetch` that authenticates through the provider's keeper: the same function on every render,
 * usable before the keeper exists (it waits for it, at most `timeoutMs`).
 */
export function useAuthFetch() {
  const provided = useContext(Provided);
  if (!provided) throw outsideProvider('useAuthFetch()');
  return provided.fetch;
}

/**
 * The provider's `ConnectAuth` itself (for `token()`, `stats()`, `subscribe()`, or to hand its
 * `fetch` to a client made outside React), or `undefined` until it has started.
 */
export function useConnectAuthInstance() {
  const provided = useContext(Provided);
  if (!provided) throw outsideProvider('useConnectAuthInstance()');
  return provided.auth;
}

/**
 * `useConnectAuth()` for a component under `<Suspense>`: suspends until the provider's keeper has
 * its first answer, a token or a failure (which the snapshot then shows), starting the keeper if
 * the provider's effect has not yet; React 19 through `use()`, React 18 by throwing the promise. If
 * the keeper could not start, its error goes to the nearest error boundary. On a server it throws,
 * which React answers with the boundary's fallback there and the component in the browser (React's
 * way for client-only content).
 */
export function useConnectAuthSuspense() {
  const provided = useContext(Provided);
  if (!provided) throw outsideProvider('useConnectAuthSuspense()');
  if (typeof window === 'undefined' && !provided.auth) throw clientOnly();
  return useConnectAuth(waitFor(provided));
}

/** The keeper's life, made once per provider (nothing starts before `mount` or `firstAnswer`). */
function startable(options, given) {
  const timeoutMs = Number.isFinite(options.timeoutMs) && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_TIMEOUT_MS;
  let resolve, reject, started, disposeLater;
  const ready = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  ready.catch(() => {}); // reported through the snapshot, and to each caller that waits
  if (given) resolve(given);
  let first; // for <Suspense>, made at its first use
  /** Starts the keeper, once. */
  const start = () => {
    started ??= given
      ? Promise.resolve({ auth: given })
      : createConnectAuth(options).then(
          (auth) => (resolve(auth), { auth }),
          (error) => (reject(error), { failed: Object.freeze({ status: 'failed', error }) }),
        );
  };
  return {
    /**
     * For <Suspense>: starts the keeper if the effect has not, and gives the promise of it once it
     * has its first answer (a token or a failure), with whether that has come.
     */
    firstAnswer() {
      start();
      if (!first) {
        let answered = false;
        const promise = ready.then((auth) => auth.token().then(() => auth, () => auth)).finally(() => (answered = true));
        promise.catch(() => {}); // a keeper that could not start: thrown by the hook
        first = { promise, answered: () => answered };
      }
      return first;
    },
    /** Waits for the keeper (at most timeoutMs), then fetches through it. */
    fetch: (input, init) => within(ready, timeoutMs).then((auth) => auth.fetch(input, init)),
    /** The effect: starts the keeper, and disposes it only if no mount follows at once. */
    mount(setState) {
      clearTimeout(disposeLater);
      if (given) return undefined;
      start();
      let live = true;
      started.then((outcome) => live && setState(outcome));
      return () => {
        live = false;
        // StrictMode runs every effect's cleanup and the effect again, synchronously: only a cleanup
        // that no mount follows before the next task is an unmount.
        disposeLater = setTimeout(() => started.then(({ auth }) => auth?.dispose()));
      };
    },
  };
}

/**
 * The provider's keeper once it has its first answer, for `<Suspense>`: React 19's `use` of that
 * promise (called on every render, as `use` must be: resolved, it returns at once; rejected (no
 * keeper), it throws the error); in React 18, the keeper, its error thrown, or the promise thrown.
 */
function waitFor(provided) {
  const first = provided.firstAnswer();
  if (React.use) return React.use(first.promise);
  if (first.answered()) return provided.auth;
  throw provided.failed?.error ?? first.promise;
}

/** `promise`, or a ConnectTokenError with code `timeout` after `ms`. */
function within(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(tokenError('timeout', `connect-token: no keeper after ${ms} ms: the provider has not started one yet (it starts in the browser, after the first render).`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function clientOnly() {
  return new Error('connect-token: useConnectAuthSuspense() has no keeper to wait for on a server: its <Suspense> boundary renders the fallback there and the component in the browser.');
}

function outsideProvider(hook) {
  return new Error(`connect-token: ${hook} needs a <ConnectAuthProvider> above it in the tree (import it from 'connect-token/react'), or pass a ConnectAuth to useConnectAuth(auth).`);
}

function tokenError(code, message) {
  const error = new Error(message);
  error.name = 'ConnectTokenError';
  error.code = code;
  return error;
}
