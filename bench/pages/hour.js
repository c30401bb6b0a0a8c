// An hour of steady traffic under Playwright's fake clock (installed before this page loads;
// session-tokens.mjs moves it with page.clock.runFor): auth.fetch('/api') every 30 s to a stub
// backend. The host (getToken) answers after 150 ms with a context JWT minted then. With `xacpt`,
// the backend answers every request with a fresh session token in X-acpt, as atlassian-connect-
// express does (iss the add-on key, the user's sub, 15 minutes); with `initial`, the page came
// with one (its {{token}}).
import { createConnectAuth } from '/pkg/index.js';
import { base64url, contextClaims, mint } from './mint.js';

const HEADER = base64url('{"typ":"JWT","alg":"HS256"}');

/** A session token as ACE mints it now. */
function sessionToken() {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { iss: 'connect-token-demo', sub: contextClaims(iat).sub, iat, exp: iat + 900, aud: [contextClaims(iat).iss] };
  return `${HEADER}.${base64url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
}

let run;

export async function start({ xacpt, initial }) {
  const counts = { hostCalls: 0, requests: 0, ok: 0, failed: 0, carriedSession: 0 };
  const getToken = () => {
    counts.hostCalls++;
    return new Promise((resolve) => setTimeout(() => resolve(mint(Math.floor(Date.now() / 1000), 900)), 150));
  };
  const claimsOf = (token) => JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  const stub = async (input, init) => {
    const sent = new Headers(init?.headers).get('Authorization') ?? '';
    if (sent.startsWith('JWT ') && claimsOf(sent.slice(4)).iss === 'connect-token-demo') counts.carriedSession++;
    return new Response('{}', { status: 200, headers: xacpt ? { 'X-acpt': sessionToken() } : {} });
  };
  const options = { getToken, fetch: stub };
  if (xacpt) options.sessionTokenHeader = 'X-acpt';
  if (initial) options.initialToken = sessionToken();
  const auth = await createConnectAuth(options);
  const timer = setInterval(() => {
    counts.requests++;
    auth.fetch('/api').then(
      (response) => (response.ok ? counts.ok++ : counts.failed++),
      () => counts.failed++,
    );
  }, 30_000);
  run = { auth, counts, timer };
}

export function finish() {
  const { auth, counts, timer } = run;
  clearInterval(timer);
  const stats = auth.stats();
  auth.dispose();
  return { ...counts, backendTokens: stats.backendTokens, keeperHostCalls: stats.hostCalls };
}

window.hour = { start, finish };
window.benchReady = true;
