// connect-token/testing: a fake Connect host for an app's own tests (Vitest, Jest, Node), never for
// a production bundle. It installs `globalThis.AP` with `AP.context.getToken` in either of the real
// bridge's forms and mints well-formed, unsigned context JWTs whose iat/exp follow `Date.now()`, so
// fake timers (`vi.useFakeTimers()`) drive renewals. The library only decodes tokens; your backend
// verifies them, so these tokens are for the browser side only.

const enc = new TextEncoder();

/** base64url of a string's UTF-8 bytes (claims may hold any text). */
function base64url(text) {
  let binary = '';
  for (const byte of enc.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const HEADER = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
const SIGNATURE = base64url('unsigned: connect-token/testing');
const FORMS = ['promise', 'callback'];

/**
 * Installs a fake `AP` and returns the host to steer and inspect (see testing.d.ts).
 *
 * ```js
 * const host = createFakeHost({ ttlSeconds: 60, claims: { sub: '557058:someone' } });
 * const auth = await createConnectAuth();
 * host.failNext(2);
 * host.uninstall();
 * ```
 */
export function createFakeHost(options = {}) {
  const { ttlSeconds = 900, claims = {}, form = 'promise', latencyMs = 0, cacheMarginSeconds } = options;
  if (!(ttlSeconds > 0)) throw new TypeError('createFakeHost: ttlSeconds must be a number of seconds above 0.');
  if (!FORMS.includes(form)) throw new TypeError("createFakeHost: form must be 'promise' or 'callback'.");
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'AP');
  let failing = 0;
  let hanging = 0;
  let cached; // { token, exp } of the last token, for cacheMarginSeconds
  const waiters = []; // [calls, resolve] of each called(n) not yet resolved

  const mint = () => {
    const now = Math.floor(Date.now() / 1000);
    if (cacheMarginSeconds !== undefined && cached && cached.exp - now >= cacheMarginSeconds) return cached.token;
    const payload = { sub: '557058:fake-user', qsh: 'context-qsh', iss: 'fake-client-key', ...claims, iat: now, exp: now + ttlSeconds };
    cached = { token: `${HEADER}.${base64url(JSON.stringify(payload))}.${SIGNATURE}`, exp: payload.exp };
    host.lastToken = cached.token;
    return cached.token;
  };

  /** Runs `answer` as the bridge does: later (a microtask, or after latencyMs on the page's timers). */
  const later = (answer) => (host.latencyMs > 0 ? setTimeout(answer, host.latencyMs) : queueMicrotask(answer));

  const getToken = (callback) => {
    host.calls++;
    for (const waiter of waiters.filter(([calls]) => host.calls >= calls)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter[1]();
    }
    const fails = failing > 0;
    const hangs = !fails && hanging > 0;
    if (fails) failing--;
    if (hangs) hanging--;
    if (form === 'callback') {
      // The product calls back with no argument when it has no token.
      if (!hangs) later(() => (typeof callback === 'function' ? (fails ? callback() : callback(mint())) : undefined));
      return undefined;
    }
    // The promise form rejects with a plain string (the host's error message), not an Error.
    return new Promise((resolve, reject) => {
      if (!hangs) later(() => (fails ? reject('Fake host: failNext() made this call fail.') : resolve(mint())));
    });
  };

  const host = {
    calls: 0,
    lastToken: undefined,
    latencyMs,
    failNext(n = 1) {
      failing = n;
    },
    hangNext(n = 1) {
      hanging = n;
    },
    called(n = 1) {
      return host.calls >= n ? Promise.resolve() : new Promise((resolve) => waiters.push([n, resolve]));
    },
    uninstall() {
      if (previous) Object.defineProperty(globalThis, 'AP', previous);
      else delete globalThis.AP;
    },
  };
  globalThis.AP = { context: { getToken } };
  return host;
}
