// The page with connect-token: `n` requests through auth.fetch (bench/memory.mjs).
import { wasmMemory } from '/www/stack/wasm-memory.js'; // first: it watches the package instantiate
import { createConnectAuth } from '/pkg/index.js';
import { mint } from '/bench/pages/mint.js';

window.run = async (n) => {
  const token = mint(Math.floor(Date.now() / 1000), 900);
  const auth = await createConnectAuth({ getToken: () => token });
  const atStart = wasmMemory().buffer.byteLength;
  for (let i = 0; i < n; i++) {
    const response = await auth.fetch(`/api?i=${i}`);
    if (response.status !== 204) throw new Error(`request ${i}: ${response.status}`);
  }
  window.auth = auth; // kept alive, as an app keeps it
  return { atStart, after: wasmMemory().buffer.byteLength };
};
window.ready = true;
