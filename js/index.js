// connect-token: keeps an Atlassian Connect app's SPA authenticated to its own backend.
// The library is the wasm module (Rust: src/core decides, src/web binds the browser); this entry
// only loads it once and hands over. The browser decodes tokens but never verifies them: your
// backend must.
import init, { ConnectAuth, createConnectAuth as start } from './connect_token.js';

export { ConnectAuth };

let loading;

/** Loads the wasm (once; `new URL(..., import.meta.url)`, which Vite and webpack 5 bundle as is) and starts a keeper. */
export async function createConnectAuth(options) {
  loading ??= init({ module_or_path: new URL('connect_token_bg.wasm', import.meta.url) }).catch((error) => {
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
