// A new user's first connect-token app, as the README's Quick start shows it: one keeper, one
// component that reads it with useConnectAuth and calls the backend with auth.fetch. The same file
// is built by a fresh Vite app and a fresh webpack app (www/e2e/fresh-apps.test.mjs).
//
// TEST HOOK: window.freshApp = { auth } and <html data-ready="1"> once the component is on screen
// (window.freshApp = { error } and data-ready="error" if createConnectAuth fails).
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createConnectAuth } from 'connect-token';
import { useConnectAuth } from 'connect-token/react';

const root = createRoot(document.getElementById('root'));

function Session({ auth }) {
  const { status, claims, expiresAt } = useConnectAuth(auth);
  const renders = useRef(0);
  renders.current += 1;
  const [who, setWho] = useState('');
  useEffect(() => {
    document.documentElement.dataset.ready = '1';
    auth
      .fetch('/api/whoami')
      .then((r) => r.json())
      .then((me) => setWho(me.sub), (e) => setWho(`error: ${e.message}`));
  }, [auth]);
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

try {
  const auth = await createConnectAuth();
  window.freshApp = { auth };
  root.render(<Session auth={auth} />);
} catch (error) {
  window.freshApp = { error };
  document.documentElement.dataset.ready = 'error';
  root.render(<p>connect-token did not start: {String(error?.message ?? error)}</p>);
}
