// connect-token: keeps an Atlassian Connect app's SPA authenticated to its own backend.
// Every decision is Rust compiled to WebAssembly (src/core); keeper.js binds it to the browser.
// The browser decodes tokens but never verifies them: your backend must.
import init, { Core } from './connect_token.js';
import { ConnectAuth, startConnectAuth } from './keeper.js';
import { tokenSource } from './source.js';

export { ConnectAuth };

let loading;

/** Loads the library (once) and starts a keeper; the first token is asked for at once. */
export async function createConnectAuth(options) {
  loading ??= init().catch((error) => {
    loading = undefined; // a later call may try again
    throw error;
  });
  await loading;
  return startConnectAuth(new Core(Math.random() * 2 ** 52), options, tokenSource);
}

/** Whether `value` is a ConnectTokenError (compares `name`, so it works across iframes). */
export function isConnectTokenError(value) {
  return typeof value === 'object' && value !== null && value.name === 'ConnectTokenError' && typeof value.code === 'string';
}
