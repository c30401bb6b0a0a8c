// connect-token: keeps an Atlassian Connect app's SPA authenticated to its own backend.
// The library is the wasm module (Rust: src/core decides, src/web binds the browser); this entry
// only loads it once and hands over. The browser decodes tokens but never verifies them: your
// backend must.
import init, { ConnectAuth, createConnectAuth as start } from './connect_token.js';

export { ConnectAuth };

let loading;

/**
 * The wasm next to this file: its URL (`new URL(..., import.meta.url)`, which Vite and webpack 5
 * bundle as an asset), or in Node (Vitest, Jest, scripts), where `fetch` cannot read a `file:` URL,
 * its bytes, read through `process.getBuiltinModule` (Node >= 20.16), so that no bundler sees a
 * Node module.
 */
function wasmSource() {
  const url = new URL('connect_token_bg.wasm', import.meta.url);
  const node = url.protocol === 'file:' ? globalThis.process?.getBuiltinModule?.('node:fs') : undefined;
  return node ? node.readFileSync(url) : url;
}

/** Loads the wasm (once) and starts a keeper. */
export async function createConnectAuth(options) {
  loading ??= init({ module_or_path: wasmSource() }).catch((error) => {
    loading = undefined; // a later call may try again
    throw error;
  });
  await loading;
  return start(options);
}

/** Whether `value` is a ConnectTokenError (compares `name`, so it works across iframes; needs no wasm). */
export function isConnectTokenError(value) {
  return typeof value === 'object' && value !== null && value.name === 'ConnectTokenError' && typeof value.code === 'string';
}
