// The backend's Date header as a second clock source, and the bounded caller wait.
// - A page opened on a warm host cache with a backend that sends no Date: nothing can tell the
//   first token's age, so the one request the backend rejects on the way is replayed: no failed
//   request, at most one 401.
// - A backend whose Date is hours wrong: the hint is ignored; the session goes on as with none.
// - An outage with the backoff at its cap (30 s): a request that finds no usable token fails at
//   once with the last failure's code when the next attempt is past its timeoutMs, and says when
//   the next attempt is; one made just before an attempt joins it.
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

/** Opens the app once to warm the host cache, then again `ageMs` later; returns the second session. */
async function openOnWarmCache(ageMs, addon) {
  await env.reset({ addon });
  const first = await env.open();
  assert.equal((await first.fetch('/api/whoami')).status, 200);
  const [minted] = env.control.stats().issued;
  await first.close();
  env.control.clock({ advanceMs: ageMs });
  const s = await env.open();
  return { s, minted };
}

test('backend without a Date header, page opened on a 10-minute-old cached token: no failed request, at most one 401 (replayed)', async (t) => {
  const { s, minted } = await openOnWarmCache(10 * 60_000, { dateHeader: 'none' });
  const first = await s.fetch('/api/whoami');
  assert.equal(first.status, 200);
  assert.equal(first.date, null, 'the backend sent no Date');
  // Through the token's real expiry, a request every 5 s.
  await s.fastForward(minted.exp * 1000 - 30_000 - (await s.snapshot()).now);
  const results = [];
  await s.run(90_000, { stepMs: 5_000, each: async () => results.push(await s.fetch('/api/whoami')) });
  const backend = env.control.addonStats();
  t.diagnostic(`page saw ${JSON.stringify(results.map((r) => r.status))}; backend rejected ${backend.rejected}`);
  assert.deepEqual(results.filter((r) => r.status !== 200), [], 'every request succeeded (a 401 is replayed)');
  assert.ok(backend.rejected <= 1, `at most one 401: ${JSON.stringify(backend.reasons)}`);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});

for (const [name, dateSkewMs] of [
  ['3 hours ahead', 3 * 3_600_000],
  ['3 hours behind', -3 * 3_600_000],
]) {
  test(`backend whose Date is ${name}: the hint is ignored, every request succeeds, renewals on time`, async (t) => {
    await env.reset({ host: { ttlSeconds: 120 }, addon: { dateSkewMs } });
    const s = await env.open();
    const first = await s.fetch('/api/whoami');
    assert.equal(first.status, 200);
    assert.ok(Math.abs(Date.parse(first.date) - env.control.clock().now - dateSkewMs) < 2_000, `Date ${first.date}`);
    const before = await s.snapshot();
    const results = [];
    await s.run(5 * 60_000, { stepMs: 5_000, each: async () => results.push(await s.fetch('/api/whoami')) });
    const after = await s.snapshot();
    const host = env.control.stats();
    const backend = env.control.addonStats();
    t.diagnostic(`host calls ${host.hostCalls}, rejected ${backend.rejected}, expiresAt − now ${after.expiresAt - after.now} ms`);
    assert.deepEqual(results.filter((r) => r.status !== 200), [], 'every request succeeded');
    assert.equal(backend.rejected, 0, JSON.stringify(backend.reasons));
    // 120 s tokens renewed 60 s before exp: one host call a minute, as without a Date.
    assert.ok(host.hostCalls <= 1 + 5 + 1, `host calls ${host.hostCalls} in 5 minutes`);
    assert.ok(Math.abs(before.expiresAt - before.now - 120_000) < 3_000, `expiresAt unmoved by the Date: ${before.expiresAt - before.now}`);
    assert.deepEqual(s.problems(), []);
    await assertNoLeaks(env);
  });
}

test('outage with the backoff at its cap: a request fails at once with the last failure and says when the next attempt is', async (t) => {
  const TTL = 60;
  await env.reset({ host: { ttlSeconds: TTL } });
  const s = await env.open({ query: { timeoutMs: 5_000 } });
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  env.control.host({ failNext: 10_000 });
  // Past exp, then long enough for the backoff to reach its cap (2, 4, 8, 16, 30 s).
  await s.fastForward(TTL * 1000 + 1_000);
  await s.settle();
  await s.run(70_000, { stepMs: 1_000, each: () => s.settle() });
  assert.ok(env.control.stats().hostCalls >= 5, `host calls ${env.control.stats().hostCalls}: the backoff reached its cap`);
  // Move on until the next attempt has just failed: the one after it is then 15-30 s away.
  let calls = env.control.stats().hostCalls;
  for (let waited = 0; waited < 40_000 && env.control.stats().hostCalls === calls; waited += 1_000) {
    await s.advance(1_000);
    await s.settle();
  }
  assert.ok(env.control.stats().hostCalls > calls, 'an attempt within the cap');
  calls = env.control.stats().hostCalls;

  // Right after a failed attempt, the next is about 15-30 s away, past the 5 s wait.
  const id = await s.start('/api/whoami');
  await s.advance(0);
  const p = await s.peek(id);
  assert.ok(p.done, 'settled at once, without the page clock moving');
  assertTokenError(p.result, 'host-error');
  assert.match(p.result.error.message, /again in \d+ s/, p.result.error.message);
  assert.equal(env.control.stats().hostCalls, calls, 'the request did not make the keeper ask sooner');

  // The host heals; a request made when the next attempt is due within its wait joins it.
  env.control.host({ failNext: 0 });
  let joined;
  for (let waited = 0; waited < 40_000 && !joined; waited += 1_000) {
    const pending = await s.start('/api/whoami');
    await s.advance(1_000);
    await s.settle();
    await s.advance(10);
    const q = await s.peek(pending);
    if (q.done && q.result.status === 200) joined = q;
  }
  t.diagnostic(`recovered after ${env.control.stats().hostCalls - calls} host call(s)`);
  assert.ok(joined, 'a request joined the attempt that healed the session');
  assert.ok(env.control.stats().hostCalls - calls <= 2);
  assert.equal(env.control.addonStats().rejected, 0);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});
