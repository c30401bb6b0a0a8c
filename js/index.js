// connect-token: keeps an Atlassian Connect app's SPA authenticated to its own backend.
// The library is the wasm module (Rust: src/core decides, src/web binds the browser); this entry
// only loads it once and hands over. The module travels inside this package's JavaScript
// (connect_token_wasm.js: the .wasm gzipped, then base64), so it arrives in the app's own bundle:
// no second request, nothing for a bundler to know. The browser decodes tokens but never verifies
// them: your backend must.
import init, { ConnectAuth, createConnectAuth as createKeeper } from './connect_token.js';
import packed from './connect_token_wasm.js';

export { ConnectAuth };

// Started when the app's bundle runs in a page, not at the first createConnectAuth(): unpacking and
// compiling then overlap the rest of the app's start-up. Not where there is no document (a server
// rendering the app, Node, a worker): there it waits for the first createConnectAuth(), so a server
// that only renders pays nothing.
let loading = typeof document === 'undefined' ? undefined : startLoading();

/** The module loading; its failure is reported to createConnectAuth's callers, never unhandled. */
function startLoading() {
  const promise = load();
  promise.catch(() => {});
  return promise;
}

/** Loads the wasm (once) and starts a keeper. */
export async function createConnectAuth(options) {
  loading ??= startLoading();
  try {
    await loading;
  } catch (error) {
    if (error.code === 'load-failed') loading = undefined; // a later call tries again
    throw error; // wasm-blocked: every later call rejects the same way, at once
  }
  return createKeeper(options);
}

/** Whether `value` is a ConnectTokenError (compares `name`, so it works across iframes; needs no wasm). */
export function isConnectTokenError(value) {
  return typeof value === 'object' && value !== null && value.name === 'ConnectTokenError' && typeof value.code === 'string';
}

/** Unpacks the module, compiles and instantiates it; every failure becomes a ConnectTokenError. */
async function load() {
  let source;
  try {
    source = unpack(packed);
  } catch (cause) {
    throw failure('load-failed', `could not unpack its WebAssembly module (carried in connect_token_wasm.js): ${cause?.message ?? cause}. Reinstall connect-token, and keep build steps from rewriting its files.`, cause);
  }
  try {
    await init({ module_or_path: source });
  } catch (cause) {
    // Our own bytes, valid, yet refused (Chromium and Firefox refuse to compile them, WebKit to
    // instantiate them; each says CompileError): the page's policy forbids WebAssembly.
    if (cause instanceof WebAssembly.CompileError && (await isValidModule())) {
      throw failure('wasm-blocked', "cannot start: the page's Content-Security-Policy does not allow WebAssembly. Add 'wasm-unsafe-eval' to its script-src (not 'unsafe-eval', which would also allow eval() of strings).", cause);
    }
    throw failure('load-failed', `could not load its WebAssembly module (carried in connect_token_wasm.js): ${cause?.message ?? cause}. This JavaScript engine may be too old (README "Browsers"), or the file was changed.`, cause);
  }
}

/**
 * The module from base64 of its gzip: in Node (Vitest, Jest, scripts) its bytes, inflated with
 * node:zlib, reached through process.getBuiltinModule (Node >= 20.16) so that no bundler sees a
 * Node module; in a browser a Response that inflates it with DecompressionStream as the engine
 * compiles it (instantiateStreaming: the two overlap).
 */
function unpack(base64) {
  const zlib = globalThis.process?.getBuiltinModule?.('node:zlib');
  if (zlib) return zlib.gunzipSync(globalThis.process.getBuiltinModule('node:buffer').Buffer.from(base64, 'base64'));
  const gzip = Uint8Array.fromBase64 ? Uint8Array.fromBase64(base64) : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const wasm = new Response(gzip).body.pipeThrough(new DecompressionStream('gzip')); // a Blob's stream would read back through the browser process
  return new Response(wasm, { headers: { 'Content-Type': 'application/wasm' } });
}

/** Whether the module unpacks to bytes this engine would compile (only asked after a CompileError). */
async function isValidModule() {
  try {
    const source = unpack(packed);
    return WebAssembly.validate(source instanceof Response ? await source.arrayBuffer() : source);
  } catch {
    return false;
  }
}

/** A ConnectTokenError made here, where the wasm (which makes the others) could not be loaded. */
function failure(code, message, cause) {
  const error = new Error(`connect-token ${message}`, { cause });
  error.name = 'ConnectTokenError';
  error.code = code;
  return error;
}
