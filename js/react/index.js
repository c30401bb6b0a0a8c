// React binding: the keeper's snapshot as React state.
import { useSyncExternalStore } from 'react';

// Every snapshot change, not only the renewed/error/expired events (the Symbol the wasm binding sets on each ConnectAuth: src/web/auth.rs CHANGES).
const CHANGES = Symbol.for('connect-token.changes');

/** Re-renders when the keeper's snapshot changes; returns `{ status, claims, expiresAt, error }`. */
export function useConnectAuth(auth) {
  return useSyncExternalStore(auth[CHANGES] ?? auth.subscribe, auth.snapshot, auth.snapshot);
}
