// Host faults after the session started: the host fails (failNext), never answers (hang, with
// timeoutMs=1000), answers garbage (malformedNext) or an already-expired token (expiredNext).
// While it fails: requests that find no usable token join the next attempt if it is due within
// their timeoutMs and fail with a ConnectTokenError of the right code (or at once, if it is not;
// or with timeout, when their own wait ends first); host calls follow the backoff (2 s doubling, cap 30 s,
// jitter), whatever the request rate; the backend never sees a bad token. Once the host heals the
// session recovers by itself (no request, no reload needed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, assertTokenError } from './harness.mjs';

const TTL = 60;

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

/**
 * Moves both clocks by `ms`. Unless the host hangs, then waits (real time) until an ask started in
 * the step has its answer: the host answers in real time, and page-clock steps must not run the
 * ask into its timeoutMs before that answer can arrive.
 */
async function step(s, fault, ms) {
  await s.advance(ms);
  if (!fault.on.hang) await s.settle();
}

/** Runs both clocks in `stepMs` steps until the started request `id` settles (at most `maxMs`). */
async function runUntilSettled(s, fault, id, { maxMs = 40_000, stepMs = 1_000 } = {}) {
  for (let waited = 0; waited <= maxMs; waited += stepMs) {
    const p = await s.peek(id);
    if (p.done) return p.result;
    await step(s, fault, stepMs);
  }
  throw new Error(`request ${id} still pending after ${maxMs} ms of page time`);
}

/** Upper bound of asks in `ms` of failing host given the backoff (steps ≥ half of 2,4,8,16,30,30,…, and ≥ 2 s). */
function maxAsksDuring(ms) {
  let t = 0;
  let n = 1; // the ask that started the outage
  for (let step = 2_000; ; step = Math.min(step * 2, 30_000)) {
    t += Math.max(step / 2, 2_000);
    if (t > ms) return n;
    n++;
  }
}

/**
 * A request made during the outage fails with the attempt's error, or with `timeout` when its own
 * wait reached timeoutMs first (no caller waits longer: an attempt it joined may still be under
 * way, answered in real time while the page clock runs on).
 */
function assertOutageError(result, fault, label) {
  if (result?.error?.code === 'timeout' && fault.code !== 'timeout') assertTokenError(result, 'timeout', label);
  else assertTokenError(result, fault.code, label);
}

// Page-clock steps must be shorter than timeoutMs: an ask started in a step gets its (real-time)
// answer between steps, so only a host that really hangs times out.
const FAULTS = [
  { name: 'host errors (failNext)', on: { failNext: 1000 }, off: { failNext: 0 }, code: 'host-error', outageMs: 90_000, stepMs: 2_000 },
  // Few hung asks: each holds one of the host page's six HTTP/1.1 connections until the world closes.
  { name: 'host never answers (hang, timeoutMs=1000)', on: { hang: true }, off: { hang: false }, code: 'timeout', outageMs: 0, stepMs: 250, query: { timeoutMs: 1000 } },
  { name: 'malformed token (malformedNext)', on: { malformedNext: 1000 }, off: { malformedNext: 0 }, code: 'malformed-token', outageMs: 90_000, stepMs: 2_000 },
  { name: 'already-expired token (expiredNext)', on: { expiredNext: 1000 }, off: { expiredNext: 0 }, code: 'expired-token', outageMs: 90_000, stepMs: 2_000 },
];

for (const fault of FAULTS) {
  test(`${fault.name} → ${fault.code}, bounded host calls, recovers by itself`, async (t) => {
    await env.reset({ host: { ttlSeconds: TTL } });
    const s = await env.open({ query: fault.query });
    assert.equal((await s.fetch('/api/whoami')).status, 200);
    assert.equal(env.control.stats().hostCalls, 1);

    // The outage starts; the laptop-style jump passes the token's exp (the renewal timer fires once, late).
    env.control.host(fault.on);
    await s.fastForward(TTL * 1000 + 5_000);
    const callsAtJump = env.control.stats().hostCalls;
    assert.ok(callsAtJump <= 2, `one renewal attempt during the jump, got ${callsAtJump - 1}`);

    // Three requests and a token() call find no usable token: they join the next attempt (or fail
    // at once if it is past their timeoutMs) and fail together with its error. (Wait until the jump's attempt has failed, so they all join the next.)
    await s.settle();
    const before = await s.hostCaughtUp(); // a hung ask times out whether or not it reached the host yet
    const ids = [
      await s.start('/api/whoami'),
      await s.start('/api/a'),
      await s.start('/api/b', { method: 'POST', body: 'x' }),
      await s.startToken(),
    ];
    const first = await runUntilSettled(s, fault, ids[0], { stepMs: fault.stepMs / 2 });
    assertTokenError(first, fault.code);
    for (const id of ids.slice(1)) assertTokenError((await s.peek(id)).result, fault.code, `call ${id}`);
    // They shared at most one attempt: with timeoutMs shorter than the backoff (the hang case) the
    // next attempt is past their wait, so they fail at once, before it.
    assert.ok((await s.hostCaughtUp()) <= before + 1, 'the waiting calls shared at most one attempt');

    const snap = await s.snapshot();
    assert.equal(snap.status, 'failed');
    assert.equal(snap.errorCode, fault.code);
    const events = await s.events();
    assert.ok(events.some((e) => e.type === 'error' && e.code === fault.code), JSON.stringify(events));
    assert.ok(events.some((e) => e.type === 'expired'), 'an expired event when exp passed without a new token');

    // A longer outage with a request every 2 s: asks follow the backoff, not the request rate.
    const outageStart = env.control.stats().hostCalls;
    const pending = [];
    if (fault.outageMs) {
      await s.run(fault.outageMs, {
        stepMs: fault.stepMs,
        each: async () => {
          await s.settle(); // an ask started in the step gets its (real-time) answer before the clocks move on
          pending.push(await s.start('/api/whoami'));
        },
      });
      const asks = env.control.stats().hostCalls - outageStart;
      const bound = maxAsksDuring(fault.outageMs);
      const sent = env.control.addonStats();
      t.diagnostic(
        `${fault.outageMs / 1000} s outage: ${pending.length} requests, ${asks} host calls (backoff bound ${bound}), ` +
          `backend accepted ${sent.accepted}, rejected ${sent.rejected}; page stats ${JSON.stringify(await s.stats())}`,
      );
      assert.equal(sent.rejected, 0, `requests went out with bad tokens during the outage: ${JSON.stringify(sent.reasons)}`);
      assert.ok(asks <= bound, `${asks} host calls in ${fault.outageMs} ms, backoff allows ${bound}`);
      assert.ok(asks >= 3, `still retrying (${asks})`);
      let settled = 0;
      for (const id of pending) {
        const p = await s.peek(id);
        if (!p.done) continue; // waits for the next attempt
        assertOutageError(p.result, fault, `request ${id}`);
        settled++;
      }
      assert.ok(settled >= pending.length - 16, `requests settle with their attempt (${settled}/${pending.length})`);
    }
    await s.hostCaughtUp(); // the page's count of host calls and the host's agree
    const pageStats = await s.stats();
    assert.ok(pageStats.failures >= 1 + (fault.outageMs ? 3 : 0), JSON.stringify(pageStats));
    if (fault.outageMs) assert.ok(pageStats.retries >= 3, JSON.stringify(pageStats));

    // The host heals; nobody calls: the keeper's own retry brings the session back.
    env.control.host(fault.off);
    const healedAt = env.control.stats().hostCalls;
    for (let waited = 0; waited < 35_000 && (await s.snapshot()).status !== 'fresh'; waited += fault.stepMs / 2) {
      await s.advance(fault.stepMs / 2);
      await s.settle(); // healed: an ask started in the step gets its (real-time) answer
    }
    const after = await s.snapshot();
    assert.equal(after.status, 'fresh', 'recovered without a request');
    assert.equal(after.errorCode, undefined);
    assert.ok(env.control.stats().hostCalls - healedAt <= 2, 'one retry (two if a retry was due right at the heal)');
    assert.equal((await s.fetch('/api/whoami')).status, 200);
    // Requests still waiting when the host healed joined the successful attempt.
    let joined = 0;
    for (const id of pending) {
      const p = await s.peek(id);
      assert.ok(p.done, `request ${id} settled`);
      if (p.result.status === 200) joined++;
      else assertOutageError(p.result, fault, `request ${id}`);
    }

    const backend = env.control.addonStats();
    assert.equal(backend.rejected, 0, `the backend never saw a bad token: ${JSON.stringify(backend.reasons)}`);
    assert.equal(backend.accepted, 2 + joined);
    if (fault.code === 'timeout') assert.ok(env.control.stats().hung <= 3, `hung asks ${env.control.stats().hung}`);
    assert.deepEqual(s.problems(), []);
    await assertNoLeaks(env);
    await s.close();
  });
}
