// In-page benchmarks, driven by bench/run.mjs through page.evaluate:
//   overhead(): ns per awaited request through a fetch stub that answers at once, four ways;
//   decode(): ns per claim decode, jwt-decode vs connect-token's Rust decoder compiled to wasm.
import { createConnectAuth } from '/pkg/index.js';
import ky from 'ky';
import { jwtDecode } from 'jwt-decode';
import { mint } from './mint.js';

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function timeAwaited(call, n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) await call();
  return ((performance.now() - start) * 1e6) / n;
}

/** Per-request overhead: `rounds` rounds of `perRound` awaited calls per variant, interleaved. */
export async function overhead({ perRound = 20000, rounds = 7, warmup = 5000 } = {}) {
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

  // Check that each variant really sends the header (and the bare stub does not).
  const sent = {};
  for (const [name, call] of Object.entries(variants)) {
    let header = null;
    inspect = (input, init) => {
      header = input instanceof Request ? input.headers.get('Authorization') : new Headers(init?.headers).get('Authorization');
    };
    const answer = await call();
    inspect = null;
    if (answer !== response) throw new Error(`${name}: the stub's response did not come back`);
    sent[name] = header === 'JWT ' + token ? 'JWT <token>' : String(header);
  }

  const names = Object.keys(variants);
  for (const name of names) await timeAwaited(variants[name], warmup);
  const ns = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no variant always runs right after another.
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      ns[name].push(await timeAwaited(variants[name], perRound));
    }
  }
  const stats = auth.stats();
  auth.dispose();
  return {
    perRound,
    rounds,
    headerSent: sent,
    hostCalls: stats.hostCalls,
    results: Object.fromEntries(names.map((name) => [name, { median: median(ns[name]), rounds: ns[name] }])),
  };
}

function timeLoop(body, n) {
  const start = performance.now();
  const out = body(n);
  return { ns: ((performance.now() - start) * 1e6) / n, out };
}

/** Claim decoding of one real-shaped context JWT. */
export async function decode({ token, perRound = 20000, rounds = 7 } = {}) {
  const expected = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))).exp;
  const jwt = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += jwtDecode(token).exp;
    return sum;
  };
  if (jwt(1) !== expected) throw new Error('jwt-decode read a different exp');
  let wasm = null;
  try {
    const module = await import('/bench/.out/decode-wasm/decode_bench.js');
    await module.default();
    wasm = (n) => module.decode_many(token, n);
    if (wasm(1) !== expected * 1000) throw new Error(`wasm decode read ${wasm(1)}, not ${expected * 1000}`);
  } catch (error) {
    if (!String(error).includes('Failed to fetch dynamically imported module')) throw error;
  }
  const runs = { jwtDecode: [], wasm: [] };
  timeLoop(jwt, perRound);
  if (wasm) timeLoop(wasm, perRound);
  for (let round = 0; round < rounds; round++) {
    runs.jwtDecode.push(timeLoop(jwt, perRound).ns);
    if (wasm) runs.wasm.push(timeLoop(wasm, perRound).ns);
  }
  return {
    perRound,
    rounds,
    jwtDecode: { median: median(runs.jwtDecode), rounds: runs.jwtDecode },
    wasm: wasm ? { median: median(runs.wasm), rounds: runs.wasm } : null,
  };
}

window.bench = { overhead, decode };
window.benchReady = true;
