// What the package does under the page's Content-Security-Policy, for www/engines/csp.test.mjs:
// window.csp.start(pkg) calls createConnectAuth() twice from the package at /<pkg>/ (pkg/, or a
// copy whose module is broken) and reports each outcome; every securitypolicyviolation event and
// unhandled rejection the page saw is kept. A fake host (the package's test kit) gives the tokens.
import { createFakeHost } from '/pkg/testing/index.js';

const violations = [];
const unhandled = [];
document.addEventListener('securitypolicyviolation', (event) => violations.push(`${event.violatedDirective} ${event.blockedURI}`));
window.addEventListener('unhandledrejection', (event) => unhandled.push(String(event.reason?.message ?? event.reason)));
createFakeHost({ ttlSeconds: 900 });

/** One createConnectAuth(): { ok, token } or the error's name, code, message and cause, and how long it took. */
async function attempt(createConnectAuth) {
  const started = performance.now();
  try {
    const auth = await createConnectAuth();
    const token = await auth.token();
    auth.dispose();
    return { ok: true, token: token.split('.').length === 3 };
  } catch (error) {
    return {
      ok: false,
      ms: performance.now() - started,
      name: error?.name,
      code: error?.code,
      message: String(error?.message),
      cause: error?.cause === undefined ? null : { name: error.cause?.name, message: String(error.cause?.message ?? error.cause) },
    };
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

window.csp = {
  async start(pkg = 'pkg', times = 2) {
    const { createConnectAuth } = await import(`/${pkg}/index.js`);
    const outcomes = [];
    for (let i = 0; i < times; i++) outcomes.push(await attempt(createConnectAuth));
    await settle();
    return { outcomes, violations, unhandled };
  },
  /** As start(), with DecompressionStream gone for the first call (an engine without it), back for the second. */
  async withoutDecompressionStream(pkg = 'pkg') {
    // Gone before the package is imported: it starts loading when imported.
    const saved = globalThis.DecompressionStream;
    delete globalThis.DecompressionStream;
    const { createConnectAuth } = await import(`/${pkg}/index.js`);
    const first = await attempt(createConnectAuth);
    globalThis.DecompressionStream = saved;
    const second = await attempt(createConnectAuth);
    await settle();
    return { outcomes: [first, second], violations, unhandled };
  },
};
document.documentElement.dataset.ready = '1';
