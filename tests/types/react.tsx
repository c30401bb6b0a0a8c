// The React entry as an app uses it; `tsc --strict --noEmit` must accept it (scripts/types.sh).
// The `@ts-expect-error` lines must stay errors.
import { StrictMode, Suspense, useEffect } from 'react';
import type { ConnectAuth, ConnectAuthSnapshot, ConnectAuthStatus } from 'connect-token';
import {
  ConnectAuthProvider,
  useAuthFetch,
  useConnectAuth,
  useConnectAuthInstance,
  useConnectAuthSuspense,
  type ConnectAuthProviderProps,
} from 'connect-token/react';

function Issues() {
  const { status, claims, expiresAt, error }: ConnectAuthSnapshot = useConnectAuth();
  const fetch = useAuthFetch();
  useEffect(() => {
    const response: Promise<Response> = fetch('/api/issues', { method: 'GET' });
    void response;
  }, [fetch]);
  const shown: ConnectAuthStatus = status;
  const instance: ConnectAuth | undefined = useConnectAuthInstance();
  void instance?.token();
  return <p title={error?.code}>{`${shown} ${claims?.sub ?? ''} ${expiresAt ?? ''}`}</p>;
}

function Suspending() {
  const { claims } = useConnectAuthSuspense();
  return <p>{claims?.sub}</p>;
}

export function App({ auth }: { auth: ConnectAuth }) {
  const props: ConnectAuthProviderProps = { allowedOrigins: ['https://api.example.com'], timeoutMs: 5_000 };
  return (
    <StrictMode>
      <ConnectAuthProvider {...props} renewMarginSeconds={60}>
        <Issues />
        <Suspense fallback={<p>loading</p>}>
          <Suspending />
        </Suspense>
      </ConnectAuthProvider>
      <ConnectAuthProvider auth={auth}>
        <Issues />
      </ConnectAuthProvider>
      {/* @ts-expect-error: an unknown option is a type error on the provider too */}
      <ConnectAuthProvider timeoutMS={5} />
    </StrictMode>
  );
}

export const snapshotOf = (auth: ConnectAuth): ConnectAuthSnapshot => useConnectAuth(auth);
