import { useConnectAuth } from 'connect-token/react';

export function Who({ auth }) {
  const { status, claims } = useConnectAuth(auth);
  return <p data-testid="who">{status === 'fresh' ? claims.sub : status}</p>;
}
