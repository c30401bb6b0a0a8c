// The host's token cache (like Jira's): asked early, the host hands back the token the page already
// holds. The keeper must re-ask at 5, 10, 20 … s (no storm) and never let a request go out with an
// expired token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, driveSession, effectiveMarginMs, sessionMs } from './harness.mjs';

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

test('host cache answers the same token when asked early (cacheMarginSeconds 10): no storm, no rejected request', async (t) => {
  const TTL = 120;
  const SESSION_MS = sessionMs(8, 3);
  await env.reset({ host: { ttlSeconds: TTL, cacheMarginSeconds: 10 } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);

  const marginMs = effectiveMarginMs(TTL); // 60 s
  const results = await driveSession(s, { durationMs: SESSION_MS, everyMs: 3_000, marginMs, fineMs: 500 });
  assert.deepEqual(results.filter((r) => r.status !== 200), [], 'every request succeeded');

  const backend = env.control.addonStats();
  assert.equal(backend.rejected, 0, JSON.stringify(backend.reasons));
  const host = env.control.stats();
  const lifetimes = SESSION_MS / (TTL * 1000) + 1;
  t.diagnostic(`host calls ${host.hostCalls}, cache hits ${host.cacheHits}, minted ${host.minted}, ~${lifetimes.toFixed(1)} lifetimes`);
  assert.ok(host.cacheHits > 0, 'the host did answer from its cache');
  // Asked 60 s before exp, the host re-issues until 10 s before exp: re-asks at +5, +10, +20 s, then just
  // before the final window. About 5 calls per token; a storm would be hundreds.
  assert.ok(host.hostCalls <= 6 * Math.ceil(lifetimes), `host calls ${host.hostCalls} for ${lifetimes} lifetimes`);
  assert.ok(host.minted >= Math.floor(SESSION_MS / (TTL * 1000)), `a new token each lifetime (minted ${host.minted})`);
  const page = await s.stats();
  assert.equal(page.hostCalls, host.hostCalls);
  assert.equal(page.renewals, host.minted);
  assert.equal(page.failures, 0);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});

test('host cache that re-issues until the very end (cacheMarginSeconds 0): callers wait for the new token, no 401, no error', async (t) => {
  const TTL = 60;
  await env.reset({ host: { ttlSeconds: TTL, cacheMarginSeconds: 0 } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  const results = await driveSession(s, { durationMs: sessionMs(3, 1.5), everyMs: 2_000, marginMs: effectiveMarginMs(TTL), fineMs: 250 });
  assert.deepEqual(results.filter((r) => r.status !== 200), []);
  const backend = env.control.addonStats();
  assert.equal(backend.rejected, 0, JSON.stringify(backend.reasons));
  const host = env.control.stats();
  t.diagnostic(`host calls ${host.hostCalls}, cache hits ${host.cacheHits}, minted ${host.minted}`);
  assert.ok(host.hostCalls <= 8 * host.minted, `host calls ${host.hostCalls} for ${host.minted} tokens`);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});

// A slow host (answers 1.5 s after it decides) whose cache serves the held token until its exp
// second: the keeper's last re-ask before exp comes back with the same token, now just past exp.
// The page clock equals the server clock. Runs in real time (about 8 s): the delay is real.
test('slow host whose cache serves the token until exp: the keeper never hands out an expired token', async (t) => {
  await env.reset({ host: { ttlSeconds: 30, cacheMarginSeconds: 0 } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  env.control.host({ delayMs: 1_500 }); // the first token came fast, so the page's clock estimate is tight
  const snap = await s.snapshot();
  // Jump to 4 s before exp (the renewal timer fires once, late), then let real time run.
  await s.fastForward(snap.expiresAt - 4_000 - snap.now);
  const request = await s.start('/api/whoami');
  await s.eval(() => {
    const exp = (jwt) => JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp;
    window.__handedOut = window.connectTokenDemo.auth.token().then(
      (jwt) => ({ expiredWhenHandedOut: exp(jwt) * 1000 <= Date.now(), secondsLeft: Math.round(exp(jwt) - Date.now() / 1000) }),
      (e) => ({ error: e.code }),
    );
    window.__handedOut.then((r) => (window.__handedOutResult = r));
  });
  await s.until(() => window.__handedOutResult !== undefined, undefined, 20_000);
  await s.until((id) => window.__e2e.pending.get(id).done, request, 20_000);
  const handedOut = await s.eval(() => window.__handedOutResult);
  const result = (await s.peek(request)).result;
  const backend = env.control.addonStats();
  const host = env.control.stats();
  t.diagnostic(
    `token() gave ${JSON.stringify(handedOut)}; request → ${result.status ?? result.error?.code}; backend rejected ${backend.rejected}; ` +
      `host calls ${host.hostCalls}, cache hits ${host.cacheHits}; events ${JSON.stringify((await s.events()).map((e) => e.type))}`,
  );
  // The host's answer came too late: waiting callers may fail with expired-token (that attempt
  // failed) or get the next token, but must never get, or send, the expired one.
  if (handedOut.error) assert.equal(handedOut.error, 'expired-token');
  else assert.equal(handedOut.expiredWhenHandedOut, false, `token() resolved with a token that had expired ${-handedOut.secondsLeft} s before`);
  if (result.error) assert.equal(result.error.code, 'expired-token', JSON.stringify(result));
  else assert.equal(result.status, 200);
  assert.equal(backend.rejected, 0, `a request went out with the expired token: ${JSON.stringify(backend.reasons)}`);
  // The keeper's next attempt gets a new token by itself.
  for (let i = 0; i < 10 && (await s.snapshot()).status !== 'fresh'; i++) await s.advance(1_000);
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  assert.equal(env.control.addonStats().rejected, 0);
  await assertNoLeaks(env);
});

// A page opened while the host's cache still holds a token minted minutes ago (Jira caches context
// tokens per user and add-on across page views). Jira's defaults: ttl 900 s, the host re-issues while
// at least 60 s are left, renewMarginSeconds 60. The first token is taken as freshly minted until
// the first response's Date header (the backend's clock) says how old it is: from then on
// expiresAt is right and renewal is on time, so no request goes out with the expired token.
for (const [name, addon] of [
  ['', {}],
  [' (cross-origin backend: Date exposed by CORS)', { crossOrigin: true }],
]) test(`page opened while the host cache holds a 10-minute-old 15-minute token${name}: expiresAt is right after the first response and no request is rejected`, async (t) => {
  await env.reset();
  const first = await env.open();
  assert.equal((await first.fetch('/api/whoami')).status, 200);
  const [minted] = env.control.stats().issued;
  await first.close();

  // Ten minutes later (both clocks: the page clock is correct), the user opens the app again.
  env.control.clock({ advanceMs: 10 * 60_000 });
  const s = await env.open(addon.crossOrigin ? { query: { allowed: env.world.secondOrigin } } : {});
  const api = addon.crossOrigin ? `${env.world.secondOrigin}/api/whoami` : '/api/whoami';
  assert.equal((await s.fetch(api)).status, 200);
  const host = env.control.stats();
  assert.equal(host.hostCalls, 2);
  assert.equal(host.cacheHits, 1, 'the new page got the cached token');

  const snap = await s.snapshot();
  const trueExpiry = minted.exp * 1000; // the page clock equals the server clock here
  t.diagnostic(`snapshot().expiresAt − true exp = ${Math.round((snap.expiresAt - trueExpiry) / 1000)} s`);

  // Walk through the token's real expiry with a request every 5 s (both clocks together).
  await s.fastForward(trueExpiry - 30_000 - (await s.snapshot()).now);
  const results = [];
  await s.run(90_000, { stepMs: 5_000, each: async () => results.push(await s.fetch(api)) });
  const backend = env.control.addonStats();
  t.diagnostic(`page saw ${JSON.stringify(results.map((r) => r.status))}; backend rejected ${backend.rejected}: ${JSON.stringify(backend.reasons)}`);
  assert.deepEqual(results.filter((r) => r.status !== 200), [], 'the page saw only 200s (a 401 may have been replayed)');

  assert.equal(backend.rejected, 0, `requests went out with the expired cached token: ${JSON.stringify(backend.reasons)}`);
  assert.ok(Math.abs(snap.expiresAt - trueExpiry) <= 2_000, `expiresAt is ${Math.round((snap.expiresAt - trueExpiry) / 1000)} s after the token's real exp`);
  await assertNoLeaks(env);
});
