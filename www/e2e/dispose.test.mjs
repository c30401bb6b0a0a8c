// dispose(): pending callers reject with `disposed`, later calls too, and the host is never asked
// again: not by timers, page events or requests, however long the page lives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, assertTokenError } from './harness.mjs';

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

test('dispose(): no host calls afterwards; pending and later calls reject with disposed', async () => {
  await env.reset({ host: { ttlSeconds: 60, delayMs: 400 } }); // answers take 400 ms (real)
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);

  // A forced renewal is in flight with callers waiting when the app disposes the keeper.
  const waiting = [await s.startToken({ forceRefresh: true }), await s.start('/api/whoami')];
  await s.eval(() => window.connectTokenDemo.auth.dispose());
  for (const id of waiting) assertTokenError((await s.peek(id)).result, 'disposed', `pending call ${id}`);
  const pageCallsAtDispose = (await s.stats()).hostCalls;
  // The forced ask left the page before dispose and reaches the host in its own (real) time.
  const callsAtDispose = await s.hostCaughtUp();

  assertTokenError(await s.fetch('/api/whoami'), 'disposed', 'auth.fetch after dispose');
  assertTokenError(await s.token(), 'disposed', 'auth.token() after dispose');
  // Timers: an hour of page time in six jumps that each fire every due timer (a keeper timer that
  // survived dispose would fire, and re-arm, at each); the 60 s token would have been renewed ~120 times.
  for (let i = 0; i < 6; i++) await s.fastForward(10 * 60_000);
  await s.advance(5_000);
  // Page events that would re-check freshness.
  await s.eval(() => {
    for (const name of ['focus', 'online', 'pageshow']) window.dispatchEvent(new Event(name));
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await s.sleep(30 * 60_000);
  assertTokenError(await s.fetch('/api/whoami'), 'disposed', 'auth.fetch an hour later');
  await s.page.waitForTimeout(500); // let a late answer of the in-flight ask arrive (real time)

  assert.equal(env.control.stats().hostCalls, callsAtDispose, 'the host was not asked after dispose');
  assert.equal((await s.stats()).hostCalls, pageCallsAtDispose);
  assert.equal(env.control.addonStats().accepted, 1, 'no request with a token after dispose');
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});
