import type { ConnectAuth, ConnectAuthSnapshot } from '../index.js';

/**
 * The keeper's snapshot as React state: re-renders on renewal, error and expiry.
 *
 * ```tsx
 * const { status, claims } = useConnectAuth(auth);
 * ```
 */
export declare function useConnectAuth(auth: ConnectAuth): ConnectAuthSnapshot;
