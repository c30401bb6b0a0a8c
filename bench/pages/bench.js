// In-page benchmarks, driven round by round by bench/run.mjs (which reads the renderer's CPU time
// around each round through the DevTools protocol):
//   setupOverhead() then run(name, n): ns per awaited request through a fetch stub that answers
//     at once, four ways side by side plus a breakdown of ours;
//   setupRenewal(), then prepareRenewals(n) before each round, then run(name, n): ns per renewal
//     accepted (token({ forceRefresh: true }) with a getToken that answers at once) vs the held
//     token handed out, and a hand-rolled jwt-decode renewal for reference.
import { createConnectAuth } from '/pkg/index.js';
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
  // What axios (fetch adapter) and ky send: a Request carrying a JSON body and its headers, made
  // per call on both sides. The wrapper sends it with its headers and the token; ours also keeps an
  // unread copy for a replay after a 401.
  const json = JSON.stringify({ summary: 'Zoë ✓', fields: { project: 'DEMO', labels: ['a', 'b'] } });
  const jsonRequest = () => new Request('/api', { method: 'POST', body: json, headers: { 'Content-Type': 'application/json' } });
  const wrapperForRequest = (request) => {
    const headers = new Headers(request.headers);
    headers.set('Authorization', 'JWT ' + token);
    return stub(request, { headers });
  };
  const breakdown = {
    oursToken: () => auth.token(),
    oursOwnHeader: () => auth.fetch('/api', { headers: { Authorization: 'JWT own' } }),
    oursNotAllowed: () => auth.fetch('https://elsewhere.example/api'),
    oursRelative: () => auth.fetch('api'),
    wrapperInit: () => wrapper('/api', init),
    oursInit: () => auth.fetch('/api', init),
    wrapperRequest: () => wrapperForRequest(jsonRequest()),
    oursRequest: () => auth.fetch(jsonRequest()),
  };
  const sent = {};
  for (const [name, call] of Object.entries({ ...variants, ...breakdown })) {
    if (name === 'oursToken') continue;
    let header = null;
    inspect = (input, init) => {
      header = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('Authorization');
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

/**
 * The renewal loops. A renewal's answer is decoded and judged inside the wasm (the claims segment
 * by core::token::claims_text, then JSON.parse and serde-wasm-bindgen, then the core), which JS
 * cannot call alone; so this times what a renewal costs end to end: `n` keepers, each already
 * holding token A, each forced once, `await auth.token({ forceRefresh: true })`, with a getToken
 * that returns the pre-minted token B at once ("oursRenewal"), against `await auth.token()` on the
 * same keepers, the held token handed out ("oursHeld"). The difference is the ask, the answer's
 * decoding and judging, and the waiter's release. A keeper asks its source at most once per 2 s
 * (MIN_ASK_INTERVAL), so each round gets fresh keepers: bench/run.mjs calls prepareRenewals(n)
 * and waits 2 s before the round. For reference, a hand-rolled renewal with jwt-decode
 * ("jwtDecodeRenewal": await getToken(), jwtDecode(token).exp checked, token kept) against the
 * same hand-out of a held token ("jsHeld").
 */
const older = mint(Math.floor(Date.now() / 1000) - 1, 900);
const newer = mint(Math.floor(Date.now() / 1000), 900);
let pool = [];
let asks = 0;

async function prepareRenewals(n) {
  for (const auth of pool) auth.dispose();
  pool = [];
  const response = new Response(null);
  for (let i = 0; i < n; i++) {
    let calls = 0;
    const getToken = () => {
      asks++;
      return calls++ === 0 ? older : newer;
    };
    pool.push(await createConnectAuth({ getToken, fetch: () => Promise.resolve(response) }));
  }
  for (const auth of pool) if ((await auth.token()) !== older) throw new Error('the first token is not the one getToken returned');
  asks = 0;
  return pool.length;
}

function setupRenewal() {
  const expected = JSON.parse(atob(newer.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp;
  loops.oursRenewal = async (n) => {
    if (n > pool.length) throw new Error(`only ${pool.length} keepers prepared for ${n} renewals`);
    const before = asks;
    let last;
    for (let i = 0; i < n; i++) last = await pool[i].token({ forceRefresh: true });
    if (n && (asks - before !== n || last !== newer)) throw new Error(`forceRefresh asked ${asks - before} times for ${n} renewals`);
  };
  loops.oursHeld = async (n) => {
    if (n > pool.length) throw new Error(`only ${pool.length} keepers prepared`);
    const before = asks;
    for (let i = 0; i < n; i++) await pool[i].token();
    if (asks !== before) throw new Error('token() asked the source');
  };
  let held = older;
  const getToken = () => newer;
  const renew = async () => {
    const token = await getToken();
    if (!(jwtDecode(token).exp * 1000 > Date.now())) throw new Error('expired');
    held = token;
    return held;
  };
  loops.jwtDecodeRenewal = async (n) => {
    for (let i = 0; i < n; i++) await renew();
    if (n && held !== newer) throw new Error('the hand-rolled renewal kept no token');
  };
  loops.jsHeld = async (n) => {
    for (let i = 0; i < n; i++) await Promise.resolve(held);
  };
  if (jwtDecode(newer).exp !== expected) throw new Error('jwt-decode read a different exp');
  loops.harness = async () => {};
  return { names: ['oursRenewal', 'oursHeld', 'jwtDecodeRenewal', 'jsHeld'], expected };
}

window.bench = { setupOverhead, setupRenewal, prepareRenewals, run };
window.benchReady = true;
