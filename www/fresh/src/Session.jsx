'use client';
// The app's one component: useConnectAuth() shows the keeper's snapshot, useAuthFetch() asks the
// backend who is signed in (called before the keeper exists: it waits for it).
//
// TEST HOOK: window.freshApp = { auth } and <html data-ready="1"> once the keeper has started
// (window.freshApp = { error } and data-ready="error" if it could not).
import { useEffect, useRef, useState } from 'react';
import { useAuthFetch, useConnectAuth, useConnectAuthInstance } from 'connect-token/react';

export default function Session() {
  const { status, claims, expiresAt, error } = useConnectAuth();
  const auth = useConnectAuthInstance();
  const fetch = useAuthFetch();
  const renders = useRef(0);
  renders.current += 1;
  const [who, setWho] = useState('');
  useEffect(() => {
    if (auth) window.freshApp = { auth };
    if (error && !auth) window.freshApp = { error };
    if (auth || error) document.documentElement.dataset.ready = auth ? '1' : 'error';
  }, [auth, error]);
  useEffect(() => {
    fetch('/api/whoami') // called before the keeper exists: it waits for it
      .then((r) => r.json())
      .then((me) => setWho(me.sub), (e) => setWho(`error: ${e.message}`));
  }, [fetch]);
  return (
    <dl>
      <dt>status</dt>
      <dd data-testid="status">{status}</dd>
      <dt>token issued at</dt>
      <dd data-testid="iat">{claims?.iat}</dd>
      <dt>token expires at</dt>
      <dd data-testid="exp">{claims?.exp}</dd>
      <dt>expiresAt (page clock)</dt>
      <dd data-testid="expiresAt">{expiresAt}</dd>
      <dt>signed in as (backend)</dt>
      <dd data-testid="who">{who}</dd>
      <dt>renders</dt>
      <dd data-testid="renders">{renders.current}</dd>
    </dl>
  );
}

