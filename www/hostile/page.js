// The page side of the hostile-input test (hostile.test.mjs drives it with playwright-core).
// It loads the built package from /pkg/ and exposes `window.hostile`: token minting, an outcome
// recorder that never lets an error escape, and a log of every uncaught error and unhandled
// rejection on the page.
import { createConnectAuth, isConnectTokenError, ConnectAuth } from '/pkg/index.js';
import * as run from './cases.js';

const uncaught = [];
addEventListener('error', (event) => {
  uncaught.push({ type: 'error', message: String(event.message), error: describeValue(event.error) });
});
addEventListener('unhandledrejection', (event) => {
  uncaught.push({ type: 'unhandledrejection', reason: describeValue(event.reason) });
});

function describeValue(value) {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return typeof value === 'object' && value !== null ? Object.prototype.toString.call(value) : String(value);
  } catch {
    return '<hostile value>';
  }
}

function b64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
let nonce = 0;

/** A real-shaped context JWT minted now (page clock) with `ttl` seconds to live. */
function mint(ttl = 900, extra = {}) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    sub: '712020:39e9b5a4-0000-4000-8000-000000000000',
    qsh: 'context-qsh',
    iss: 'jira:5e1f0c2a-1111-4b7b-9e5c-222222222222',
    context: { license: { active: true }, jira: { issue: { key: 'DEMO-1', id: '10001' }, project: { key: 'DEMO', id: '10000' } } },
    exp: iat + ttl,
    iat,
    n: nonce++,
    ...extra,
  };
  return `${b64(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${b64(JSON.stringify(claims))}.${b64('not-a-real-signature-32-bytes!!!')}`;
}

/** The claims of a token (for checking which source minted it). */
function claimsOf(token) {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
}

/** Describes an error without ever throwing, whatever it is. */
function describeError(error) {
  const read = (get) => {
    try {
      return get();
    } catch {
      return '<threw>';
    }
  };
  return {
    name: read(() => String(error?.name)),
    message: read(() => String(error?.message)),
    code: read(() => (typeof error?.code === 'string' ? error.code : undefined)),
    cte: read(() => isConnectTokenError(error)),
    typeError: read(() => error instanceof TypeError),
    domException: read(() => error instanceof DOMException),
    wasmTrap: read(() => error instanceof WebAssembly.RuntimeError || /unreachable|RuntimeError|recursive use|already borrowed|memory access out of bounds/i.test(String(error?.message))),
    text: describeValue(error),
  };
}

/** Summarizes a settled value (Responses by status and the token they carried). */
async function describeResult(value) {
  if (value instanceof Response) {
    let body;
    try {
      body = await value.clone().json();
    } catch {
      body = undefined;
    }
    return { response: true, status: value.status, auth: body?.auth ?? null };
  }
  if (typeof value === 'string') return { string: true, length: value.length, value: value.length > 2000 ? value.slice(0, 40) + '…' : value };
  return { type: typeof value, text: describeValue(value) };
}

/**
 * Runs `fn` and records how it ended: `threw` (synchronously), `rejected`, `resolved` or
 * `returned`. Waits for a promise to settle, at most `limit` ms (real time, via a MessageChannel-free
 * race on the fake clock's flowing time): a promise still pending then is recorded as `pending`, a
 * hang. The limit is only a ceiling: a 2 MB URL took more than 5 s on a loaded machine.
 */
const HANG_MS = 60_000;
async function outcome(fn, limit = HANG_MS) {
  let value;
  try {
    value = fn();
  } catch (error) {
    return { kind: 'threw', error: describeError(error) };
  }
  if (!value || typeof value.then !== 'function') return { kind: 'returned', result: await describeResult(value) };
  let timer;
  const pending = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'pending' }), limit);
  });
  const settled = Promise.resolve(value).then(
    async (result) => ({ kind: 'resolved', result: await describeResult(result) }),
    (error) => ({ kind: 'rejected', error: describeError(error) }),
  );
  const result = await Promise.race([settled, pending]);
  clearTimeout(timer);
  return result;
}

/** A Proxy that throws on every trap (with one message whatever the trap). */
function hostileProxy(target = {}, message = 'hostile proxy trap') {
  const handler = new Proxy({}, { get: () => () => { throw new Error(message); } });
  return new Proxy(target, handler);
}

window.hostile = {
  createConnectAuth,
  isConnectTokenError,
  ConnectAuth,
  mint,
  claimsOf,
  outcome,
  describeError,
  hostileProxy,
  uncaught,
  instances: {},
  run,
};
document.getElementById('status').textContent = 'ready';
