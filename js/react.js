// React binding: the keeper's snapshot as React state.
import { useSyncExternalStore } from 'react';

/** Re-renders when the keeper's snapshot changes; returns `{ status, claims, expiresAt, error }`. */
export function useConnectAuth(auth) {
  return useSyncExternalStore(auth.subscribe, auth.snapshot, auth.snapshot);
}
