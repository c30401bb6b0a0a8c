// A page with no Connect host: the add-on page opened directly in a tab (the bridge script loads but
// there is no host, so AP.context.getToken is missing), and the plain page without /iframe.js at all.
// The keeper reports host-unavailable to every caller, does not retry, and nothing throws uncaught.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, assertTokenError, MAIN_APP } from './harness.mjs';

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

const CASES = [
  { name: `${MAIN_APP} opened directly, not inside the host`, app: MAIN_APP, query: {} },
  { name: 'plain page without /iframe.js (no AP at all)', app: 'plain', query: { bridge: 0 } },
];

for (const c of CASES) {
  test(`${c.name}: host-unavailable, no retries, no uncaught errors`, async () => {
    await env.reset();
    const s = await env.open({ app: c.app, direct: true, query: c.query });
    const ap = await s.eval(() => ({ AP: typeof window.AP, getToken: typeof window.AP?.context?.getToken }));
    assert.equal(ap.getToken, 'undefined', JSON.stringify(ap));

    assertTokenError(await s.fetch('/api/whoami'), 'host-unavailable', 'auth.fetch');
    assertTokenError(await s.token(), 'host-unavailable', 'auth.token()');
    const snap = await s.snapshot();
    assert.equal(snap.status, 'failed');
    assert.equal(snap.errorCode, 'host-unavailable');
    const message = await s.eval(() => window.connectTokenDemo.auth.snapshot().error.message);
    assert.match(message, /getToken/, 'the message says what is missing');

    // Fatal: no retries, however long the page stays open or however many requests come.
    await s.run(5 * 60_000, { stepMs: 30_000, each: () => s.fetch('/api/whoami') });
    const stats = await s.stats();
    assert.ok(stats.hostCalls <= 1, `asked a missing host ${stats.hostCalls} times`);
    assertTokenError(await s.fetch('/api/whoami'), 'host-unavailable', 'later auth.fetch');
    // Requests to origins that are not allowed still go out (without a token).
    assert.equal((await s.fetch(`${env.world.thirdOrigin}/ping`)).status, 200);

    assert.equal(env.control.stats().hostCalls, 0, 'no host server was reached');
    assert.equal(env.control.addonStats().requests.filter((r) => r.url.startsWith('/api/')).length, 0, 'no API request went out');
    assert.deepEqual(s.problems(), [], 'no uncaught error, no console error');
    await assertNoLeaks(env);
  });
}
