import React from 'react';
import { useConnectAuth } from 'connect-token/react';

/** Who is signed in, from the token's claims (decoded, not verified: the backend verifies). */
export function Who({ auth }) {
  const { status, claims } = useConnectAuth(auth);
  return <p>{status === 'fresh' ? `Signed in as ${claims.sub}` : `Token: ${status}`}</p>;
}
