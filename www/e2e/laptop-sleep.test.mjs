// Laptop sleep: the page's timers are frozen while both clocks jump 30 minutes (two 15-minute token
// lifetimes). The first request after waking must succeed; a wake-up event renews by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks } from './harness.mjs';

const SLEEP_MS = 30 * 60_000;

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

test('timers frozen (setSystemTime), both clocks +30 min: the first request after waking succeeds', async () => {
  await env.reset(); // ttl 900 s like Jira
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  assert.equal(env.control.stats().hostCalls, 1);

  await s.sleep(SLEEP_MS);
  const first = await s.fetch('/api/whoami');
  assert.equal(first.status, 200, JSON.stringify(first));
  assert.equal((await s.fetch('/api/whoami')).status, 200);

  const backend = env.control.addonStats();
  assert.equal(backend.rejected, 0, JSON.stringify(backend.reasons));
  assert.equal(backend.accepted, 3);
  const host = env.control.stats();
  assert.equal(host.hostCalls, 2, 'one renewal after waking, shared by both requests');
  assert.equal(host.minted, 2);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
  await s.close();
});

test('timers frozen, both clocks +30 min, then a wake-up event (focus, visibilitychange, pageshow, online): the keeper renews before any request', async () => {
  await env.reset();
  const s = await env.open();
  await s.settle(); // the first ask (made at creation) has been answered
  assert.equal(env.control.stats().hostCalls, 1);
  let calls = 1;
  for (const event of ['focus', 'visibilitychange', 'pageshow', 'online']) {
    await s.sleep(SLEEP_MS);
    assert.equal(env.control.stats().hostCalls, calls, `${event}: nothing ran while asleep`);
    await s.eval((name) => {
      const target = name === 'visibilitychange' ? document : window;
      target.dispatchEvent(new Event(name));
    }, event);
    calls++;
    await s.until((n) => window.connectTokenDemo.auth.stats().renewals === n, calls);
    assert.equal(env.control.stats().hostCalls, calls, `"${event}" re-checked freshness and renewed`);
    const snap = await s.snapshot();
    assert.equal(snap.status, 'fresh');
    assert.ok(snap.expiresAt > snap.now + 14 * 60_000, `${event}: the new token has its whole life ahead`);
    assert.equal((await s.fetch('/api/whoami')).status, 200);
    assert.equal(env.control.stats().hostCalls, calls, `${event}: the request used the renewed token`);
  }
  assert.equal(env.control.addonStats().rejected, 0);
  assert.equal(env.control.addonStats().accepted, 4);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
  await s.close();
});

test('lid closed Playwright style (fastForward 30 min: due timers fire once): the first request succeeds', async () => {
  await env.reset();
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.fastForward(SLEEP_MS);
  await s.settle();
  const first = await s.fetch('/api/whoami');
  assert.equal(first.status, 200, JSON.stringify(first));
  const host = env.control.stats();
  assert.ok(host.hostCalls >= 2 && host.hostCalls <= 3, `host calls ${host.hostCalls}`);
  assert.equal(env.control.addonStats().rejected, 0);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
  await s.close();
});
