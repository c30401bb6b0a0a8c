// A page clock 10 minutes fast, then 10 minutes slow (server clock normal), with 60-second tokens:
// the skew is ten lifetimes, so only the iat-based clock estimate can keep the session alive.
// No request may be rejected and the host is not asked more than the steady rate (no storm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, driveSession, effectiveMarginMs, sessionMs } from './harness.mjs';


const TTL = 60;
const SESSION_MS = sessionMs(5, 2);
const EVERY_MS = 5_000;

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

for (const [name, skewMs] of [
  ['10 minutes fast', 10 * 60_000],
  ['10 minutes slow', -10 * 60_000],
]) {
  test(`page clock ${name}: zero rejected, no storm of host calls`, async (t) => {
    await env.reset({ host: { ttlSeconds: TTL } });
    const s = await env.open({ skewMs });
    const offset = (await s.snapshot()).now - env.control.clock().now;
    assert.ok(Math.abs(offset - skewMs) < 2_000, `page − server = ${offset} ms`);
    assert.equal((await s.fetch('/api/whoami')).status, 200);

    const snap = await s.snapshot();
    // expiresAt is in the page's clock: about ttl ahead of the page's now, whatever the skew.
    assert.ok(Math.abs(snap.expiresAt - snap.now - TTL * 1000) < 3_000, `expiresAt − now = ${snap.expiresAt - snap.now}`);

    const marginMs = effectiveMarginMs(TTL);
    const results = await driveSession(s, { durationMs: SESSION_MS, everyMs: EVERY_MS, marginMs });
    const failed = results.filter((r) => r.status !== 200);
    assert.deepEqual(failed, [], 'every request succeeded');

    const backend = env.control.addonStats();
    assert.equal(backend.rejected, 0, JSON.stringify(backend.reasons));
    const host = env.control.stats();
    const minimum = SESSION_MS / (TTL * 1000 - marginMs) + 1;
    t.diagnostic(`host calls ${host.hostCalls} (steady rate ${minimum}), requests ${results.length + 1}`);
    assert.ok(Math.abs(host.hostCalls - minimum) <= 1, `host calls ${host.hostCalls}, expected ${minimum} ± 1`);
    const events = await s.events();
    assert.deepEqual(events.filter((e) => e.type !== 'renewed'), [], 'no error or expired event');
    assert.deepEqual(s.problems(), []);
    await assertNoLeaks(env);
    await s.close();
  });
}

// The page's wall clock steps mid-session (a manual change or an NTP correction) by 10 minutes, with
// 5-minute tokens; the server clock and the page's monotonic clock do not move. The keeper
// schedules by the monotonic clock and sees the two clocks disagree: the step may cost one renewal
// (and one 401, replayed), never a failed request, never a storm.
const STEP_TTL = 300;
for (const [name, jumpMs] of [
  ['10 minutes forward', 10 * 60_000],
  ['10 minutes back', -10 * 60_000],
]) {
  test(`page clock steps ${name} mid-session with 5-minute tokens: one renewal at most, no failed request`, async (t) => {
    await env.reset({ host: { ttlSeconds: STEP_TTL } });
    const s = await env.open();
    assert.equal((await s.fetch('/api/whoami')).status, 200);
    await s.advance(10_000);
    await s.jumpPageClock(jumpMs);
    // A request every 3 s for two lifetimes; requests are started, not awaited (a request that waits
    // for a failing renewal would otherwise hold the page clock's real-time flow).
    const ids = [];
    // After each step, wait (real time) until an ask started in it has its answer: the host answers
    // in real time, and the next steps must not run that ask into its timeoutMs first.
    const sessionMs = 1.5 * STEP_TTL * 1000;
    await s.run(sessionMs, {
      stepMs: 3_000,
      each: async () => {
        await s.settle();
        ids.push(await s.start('/api/whoami'));
      },
    });
    await s.advance(1_000);
    const results = [];
    for (const id of ids) {
      const p = await s.peek(id);
      results.push(p.done ? p.result : { error: { code: 'still-pending' } });
    }
    const backend = env.control.addonStats();
    const host = env.control.stats();
    const summary = {};
    for (const r of results) summary[r.status ?? r.error?.code] = (summary[r.status ?? r.error?.code] || 0) + 1;
    t.diagnostic(
      `after the jump: ${JSON.stringify(summary)}; backend rejected ${backend.rejected}; host calls ${host.hostCalls}, ` +
        `minted ${host.minted}; page stats ${JSON.stringify(await s.stats())}`,
    );
    assert.ok(results.slice(-10).every((r) => r.status === 200), `the session does not recover: last results ${JSON.stringify(results.slice(-3))}`);
    assert.deepEqual(summary, { 200: results.length }, 'every request after the jump succeeded');
    assert.ok(backend.rejected <= 1, `at most one 401 (replayed): rejected ${backend.rejected}`);
    // Undisturbed: the first token, then one renewal every lifetime less the 60 s margin. The step
    // costs at most one host call more (answered from the host's cache); a renewal that lands on
    // the host cache's own 60 s boundary may cost one re-ask, step or not (host-cache.test.mjs).
    const undisturbed = 1 + Math.floor((10_000 + sessionMs) / ((STEP_TTL - 60) * 1000));
    assert.ok(host.minted <= undisturbed, `minted ${host.minted}: no token more than undisturbed (${undisturbed})`);
    assert.ok(host.hostCalls <= undisturbed + 2, `host calls ${host.hostCalls}: the step's one more than ${undisturbed}, and a cache re-ask`);
    assert.deepEqual(s.problems(), []);
    await assertNoLeaks(env);
  });
}
