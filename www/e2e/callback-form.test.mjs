// The host's callback form of AP.context.getToken (host page ?form=callback: no returnsPromise, errors
// reported as callback() with no argument) works the same: renewals, shared calls, failures, recovery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, assertTokenError, driveSession, effectiveMarginMs, sessionMs, waitUntil } from './harness.mjs';

const TTL = 60;

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

test('callback-form host: steady renewals, one shared call for concurrent requests, host-error then recovery', async (t) => {
  await env.reset({ host: { ttlSeconds: TTL } });
  const s = await env.open({ form: 'callback' });
  assert.equal(await s.page.evaluate(() => window.simHost.form), 'callback');
  assert.equal(await s.eval(() => typeof AP.context.getToken()), 'undefined', 'the bridge returns no promise');
  // That call still goes to the host, like the keeper's first ask: let both land before counting.
  await s.settle();
  await waitUntil(() => env.control.stats().hostCalls === 2, 'the callback-less getToken reached the host');

  // Concurrent requests on a cold start of a second keeper share one call.
  const cold = await s.eval(async () => {
    const auth = await window.connectTokenDemo.createConnectAuth();
    const statuses = await Promise.all(Array.from({ length: 50 }, () => auth.fetch('/api/whoami').then((r) => r.status)));
    const stats = auth.stats();
    auth.dispose();
    return { ok: statuses.filter((x) => x === 200).length, hostCalls: stats.hostCalls };
  });
  assert.deepEqual(cold, { ok: 50, hostCalls: 1 });

  // Steady renewals.
  const before = env.control.stats().hostCalls;
  const durationMs = sessionMs(4, 2);
  const results = await driveSession(s, { durationMs, everyMs: 5_000, marginMs: effectiveMarginMs(TTL) });
  assert.deepEqual(results.filter((r) => r.status !== 200), []);
  const calls = env.control.stats().hostCalls - before;
  const expected = durationMs / (TTL * 1000 - effectiveMarginMs(TTL));
  t.diagnostic(`callback form: ${calls} host calls in the session (steady rate ${expected})`);
  assert.ok(Math.abs(calls - expected) <= 1, `host calls ${calls}, expected ${expected} ± 1`);
  assert.equal(env.control.addonStats().rejected, 0);

  // A failing host answers callback() with no argument: host-error for a caller that must wait.
  await s.advance(3_000);
  env.control.host({ failNext: 1 });
  const forced = await s.token({ forceRefresh: true });
  assertTokenError(forced, 'host-error', 'token({forceRefresh})');
  // The keeper retries after its backoff, by itself.
  for (let i = 0; i < 20 && (await s.snapshot()).status !== 'fresh'; i++) await s.advance(1_000);
  assert.equal((await s.snapshot()).status, 'fresh');
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  assert.equal(env.control.addonStats().rejected, 0);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});
