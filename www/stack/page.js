// How deep the wasm's stack goes (www/stack/stack.test.mjs). WebAssembly has no guard page: a
// stack that overflowed would run below address 0 and trap, killing the module for the page. The
// stack is the first `stackSize` bytes of the wasm memory (Rust links with --stack-first) and is
// empty whenever no wasm is running, so this fills it with a pattern (stack painting), runs every
// public path of the package, including failures and a 401 replay, and returns how many bytes
// from the top were written.
import { wasmMemory } from './wasm-memory.js'; // first: it watches the package instantiate
import { createConnectAuth } from '/pkg/index.js';
import { mint } from '/bench/pages/mint.js';

const PAINT = 0xa5;

/** Every public path, with each kind of argument and each failure the package reports. */
async function everything() {
  const now = Math.floor(Date.now() / 1000);
  const bad = [
    { allowedOrigins: ['not an origin'] },
    { allowedOrigins: 'https://api.example.com' },
    { timeoutMs: 'soon' },
    { renewMarginSeconds: -5 },
    { scheme: '' },
    { getToken: 42 },
    { unknownOption: true },
    new Proxy({}, { ownKeys: () => { throw new Error('hostile'); } }),
  ];
  for (const options of bad) await createConnectAuth(options).then(() => { throw new Error('accepted bad options'); }, () => {});
  const tokens = [mint(now - 1, 900), mint(now, 900), 'not a token', mint(now - 2000, 900)];
  let asks = 0;
  let answered401 = false;
  const fetch = async (input, init) => {
    if (!answered401) {
      answered401 = true;
      return new Response(null, { status: 401 });
    }
    return new Response('{}', { status: 200, headers: { Date: new Date().toUTCString() } });
  };
  const auth = await createConnectAuth({
    getToken: () => tokens[Math.min(asks++, 1)],
    fetch,
    allowedOrigins: [location.origin, 'https://api.example.com'],
  });
  const seen = [];
  const unsubscribe = auth.subscribe((event) => seen.push(event));
  await auth.fetch('/api', { method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
  await auth.fetch('/api');
  await auth.fetch('https://api.example.com/x?y#z', { headers: new Headers({ Accept: 'application/json' }) });
  await auth.fetch('relative/path', { headers: [['Accept', 'text/plain']] });
  await auth.fetch('https://elsewhere.example/x');
  await auth.fetch(new Request('/api', { method: 'PUT', body: JSON.stringify({ deep: [[[[1]]]] }), headers: { 'Content-Type': 'application/json' } }));
  await auth.fetch('/api', { headers: { Authorization: 'JWT own' } });
  await auth.token({ forceRefresh: true });
  auth.snapshot();
  auth.stats();
  auth.claims();
  unsubscribe();
  auth.dispose();
  await auth.fetch('/api').catch(() => {});
  // The bridge form, with failures: no token, a rejection, a malformed and an expired token.
  for (const answer of [undefined, 'reject', tokens[2], tokens[3]]) {
    window.AP = { context: { getToken: (callback) => (answer === 'reject' ? Promise.reject(new Error('host down')) : callback(answer)) } };
    const bridged = await createConnectAuth({ timeoutMs: 200 });
    await bridged.token().catch(() => {});
    bridged.dispose();
  }
  delete window.AP;
  return seen.length;
}

window.deepestStack = async (stackSize) => {
  await createConnectAuth({ getToken: () => mint(Math.floor(Date.now() / 1000), 900) }).then((auth) => auth.dispose());
  new Uint8Array(wasmMemory().buffer, 0, stackSize).fill(PAINT);
  const events = await everything();
  const stack = new Uint8Array(wasmMemory().buffer, 0, stackSize);
  let untouched = 0;
  while (untouched < stackSize && stack[untouched] === PAINT) untouched++;
  return { used: stackSize - untouched, events, memoryBytes: wasmMemory().buffer.byteLength };
};
window.ready = true;
