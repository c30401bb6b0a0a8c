// Diagnostic, not part of bench/run.sh: times the pieces of auth.fetch's path and variants of it,
// to find where ours spends more than the minimal wrapper. It mirrors js/keeper.js's request path
// (#route's scope check by core.request, then #authenticated/#current; "lean" is close to #route's
// fast path) and drives the internal wasm `Core` directly, so it follows the library's internals:
// update it when they change.
// Run: node bench/diag/request-path.mjs
import init, { Core } from '/pkg/connect_token.js';
import { claimTime, readClaims } from '/pkg/claims.js';
import { createConnectAuth } from '/pkg/index.js';
import { mint } from '/bench/pages/mint.js';

// The numbers core.get(field, now) reads (`field` in src/wasm/mod.rs, as in js/keeper.js).
const ASK_ID = 0;
const USABLE_NOW = 6;

const loops = {};
async function run(name, n) {
  const start = performance.now();
  await loops[name](n);
  return n ? ((performance.now() - start) * 1e6) / n : 0;
}

async function setup() {
  await init();
  const token = mint(Math.floor(Date.now() / 1000), 900);
  const response = new Response(null);
  const stub = () => Promise.resolve(response);
  const auth = await createConnectAuth({ getToken: () => token, fetch: stub });
  await auth.token();
  // A second core, fed the same token, for the replicas below.
  const core = new Core(1);
  core.start(location.origin);
  if (core.tick(Date.now()) & 1) {
    const [shape, claims] = readClaims(token);
    core.answered(Date.now(), core.get(ASK_ID, 0), false, shape, claimTime(claims?.exp), claimTime(claims?.iat));
  }
  if (!core.get(USABLE_NOW, Date.now())) throw new Error('the replica core holds no usable token');
  const scheme = 'JWT';
  const header = `${scheme} ${token}`;
  const send = (input, init) => {
    try {
      return Promise.resolve(stub(input, init));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  async function current() {
    const now = Date.now();
    core.tick(now);
    if (core.get(USABLE_NOW, now)) return token;
    throw new Error('unusable');
  }
  // today: the shape of keeper.js's #fetch → #authenticated → #current.
  async function today(input, init) {
    const request = input instanceof Request ? input : undefined;
    const own = init?.headers;
    const headers = new Headers(own !== undefined ? own : request?.headers);
    if (headers.has('authorization')) return send(input, init);
    const signal = init?.signal ?? request?.signal;
    const body = init?.body;
    const bodyKind = body != null ? (body instanceof ReadableStream ? 2 : 1) : request?.body ? 3 : 0;
    const t = await current(signal, true);
    headers.set('Authorization', `${scheme} ${t}`);
    const r = await send(input, { ...init, headers });
    if (!core.shouldReplay(r.status, bodyKind)) return r;
    return r;
  }
  // lean: the same checks, but no await when a usable token is held, has() only when the caller
  // passed headers, the header string made once per token, and a then-chain instead of async.
  function lean(input, init) {
    const request = input instanceof Request ? input : undefined;
    const own = init?.headers;
    const headers = new Headers(own !== undefined ? own : request?.headers);
    if ((own !== undefined || request) && headers.has('authorization')) return send(input, init);
    const body = init?.body;
    const bodyKind = body != null ? (body instanceof ReadableStream ? 2 : 1) : request?.body ? 3 : 0;
    const now = Date.now();
    core.tick(now);
    if (!core.get(USABLE_NOW, now)) return current().then(() => lean(input, init));
    headers.set('Authorization', header);
    return send(input, { ...init, headers }).then((r) => (core.shouldReplay(r.status, bodyKind) ? r : r));
  }
  // The scope of a URL is bits 8–9 of core.request (1: the token may go there).
  const viaScope = (auth) => (input, init) => (((core.request(Date.now(), input) >> 8) & 3) === 1 ? auth(input, init) : send(input, init));
  const todayFetch = viaScope(today);
  const leanFetch = viaScope(lean);
  const wrapper = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', 'JWT ' + token);
    return stub(input, { ...init, headers });
  };
  // The floor of this design: the wrapper plus the continuation that looks at the response
  // (needed for the 401 replay).
  const wrapperThen = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', header);
    return stub(input, { ...init, headers }).then((r) => (r.status === 401 ? r : r));
  };
  const sync = {
    'core.request(now, "/api")': () => core.request(Date.now(), '/api'),
    'core.tick + core.get(USABLE_NOW)': () => { const now = Date.now(); core.tick(now); core.get(USABLE_NOW, now); },
    'core.shouldReplay': () => core.shouldReplay(200, 0),
    'new Headers() + has()': () => new Headers(undefined).has('authorization'),
    'new Headers() + set(cached header)': () => new Headers().set('Authorization', header),
    'new Headers() + set(`${scheme} ${token}`)': () => new Headers().set('Authorization', `${scheme} ${token}`),
  };
  const awaited = {
    'stub': () => stub('/api'),
    'minimal wrapper': () => wrapper('/api'),
    'auth.token()': () => auth.token(),
    'auth.fetch': () => auth.fetch('/api'),
    'replica of auth.fetch today': () => todayFetch('/api'),
    'lean variant': () => leanFetch('/api'),
    'wrapper + then(check status)': () => wrapperThen('/api'),
  };
  for (const [name, f] of Object.entries(sync)) loops[name] = (n) => { for (let i = 0; i < n; i++) f(); };
  for (const [name, f] of Object.entries(awaited)) loops[name] = async (n) => { for (let i = 0; i < n; i++) await f(); };
  loops.harness = () => {};
  return Object.keys({ ...sync, ...awaited });
}

window.bench = { setup, run };
window.benchReady = true;
