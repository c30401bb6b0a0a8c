// In-page benchmarks, driven round by round by bench/run.mjs (which reads the renderer's CPU time
// around each round through the DevTools protocol):
//   setupOverhead() then run(name, n): ns per awaited request through a fetch stub that answers
//     at once, four ways side by side plus a breakdown of ours;
//   setupDecode(token) then run(name, n): ns per claim decode, connect-token's readClaims
//     (pkg/claims.js: what a renewal runs in the browser) vs jwt-decode's jwtDecode.
import { createConnectAuth } from '/pkg/index.js';
import { readClaims } from '/pkg/claims.js';
import ky from 'ky';
import { jwtDecode } from 'jwt-decode';
import { mint } from './mint.js';

const loops = {}; // name → (n) => Promise<void> | void, each running n operations

/** Runs `n` operations of `name`; returns wall ns per operation. n = 0 measures the harness. */
async function run(name, n) {
  const loop = loops[name];
  if (!loop) throw new Error(`unknown benchmark ${name}`);
  const start = performance.now();
  await loop(n);
  return n ? ((performance.now() - start) * 1e6) / n : 0;
}

const awaited = (call) => async (n) => {
  for (let i = 0; i < n; i++) await call();
};

/** Builds the request variants and checks which header each one sends. */
async function setupOverhead() {
  const token = mint(Math.floor(Date.now() / 1000), 900);
  const response = new Response(null);
  let inspect = null; // set only by the check below, never while timing
  const stub = (input, init) => {
    if (inspect) inspect(input, init);
    return Promise.resolve(response);
  };
  const wrapper = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', 'JWT ' + token);
    return stub(input, { ...init, headers });
  };
  const api = ky.extend({
    fetch: stub,
    hooks: { beforeRequest: [({ request }) => { request.headers.set('Authorization', 'JWT ' + token); }] },
  });
  const auth = await createConnectAuth({ getToken: () => token, fetch: stub });
  await auth.token();
  const variants = {
    bare: () => stub('/api'),
    wrapper: () => wrapper('/api'),
    ky: () => api('/api'),
    ours: () => auth.fetch('/api'),
  };
  // Where our time goes (not part of the side-by-side): auth.token() alone (the async wait for a
  // usable token); a request that already carries an Authorization header (scope check, header
  // check, one async hop, no token added); a cross-origin URL that is not allowed (URL parsing,
  // then the stub as is); a relative URL without a leading slash (parsed, then authenticated);
  // and both wrappers with a caller's init.
  const init = { method: 'GET', headers: { Accept: 'application/json' } };
  const breakdown = {
    oursToken: () => auth.token(),
    oursOwnHeader: () => auth.fetch('/api', { headers: { Authorization: 'JWT own' } }),
    oursNotAllowed: () => auth.fetch('https://elsewhere.example/api'),
    oursRelative: () => auth.fetch('api'),
    wrapperInit: () => wrapper('/api', init),
    oursInit: () => auth.fetch('/api', init),
  };
  const sent = {};
  for (const [name, call] of Object.entries({ ...variants, ...breakdown })) {
    if (name === 'oursToken') continue;
    let header = null;
    inspect = (input, init) => {
      header = input instanceof Request ? input.headers.get('Authorization') : new Headers(init?.headers).get('Authorization');
    };
    const answer = await call();
    inspect = null;
    if (answer !== response) throw new Error(`${name}: the stub's response did not come back`);
    sent[name] = header === 'JWT ' + token ? 'JWT <token>' : String(header);
  }
  for (const [name, call] of Object.entries({ ...variants, ...breakdown })) loops[name] = awaited(call);
  loops.harness = async () => {};
  window.benchAuth = auth;
  return { variants: Object.keys(variants), breakdown: Object.keys(breakdown), headerSent: sent };
}

/** Builds the decode loops for one token and checks that both decoders read its exp. */
function setupDecode(token) {
  const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const expected = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)))).exp;
  // Each loop reads exp from the claims object it got, so neither decode can be skipped.
  loops.readClaims = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += readClaims(token)[1].exp;
    if (n && !(sum > 0)) throw new Error('readClaims read no exp');
  };
  loops.jwtDecode = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += jwtDecode(token).exp;
    if (n && !(sum > 0)) throw new Error('jwt-decode read no exp');
  };
  const [shape, claims] = readClaims(token);
  if (shape !== 0 || claims.exp !== expected) throw new Error(`readClaims read shape ${shape}, exp ${claims?.exp}, not 0, ${expected}`);
  if (jwtDecode(token).exp !== expected) throw new Error('jwt-decode read a different exp');
  loops.harness = () => {};
  return { names: ['readClaims', 'jwtDecode'], expected };
}

window.bench = { setupOverhead, setupDecode, run };
window.benchReady = true;
