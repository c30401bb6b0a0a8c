// Steady session: short-lived tokens (30 s), a request every 3 s for 10 minutes (20 lifetimes; 4 min on the demo builds),
// page and server clocks moved together. No request may be rejected and the host is asked about
// once per (ttl − effective margin).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, driveSession, effectiveMarginMs, sessionMs, MAIN_APP } from './harness.mjs';

const TTL = 30;
const SESSION_MS = sessionMs(10, 4); // 20 lifetimes on the plain page, 8 on the React demo
const EVERY_MS = 3_000;

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

test(`steady session on ${MAIN_APP}: ttl ${TTL} s, a request every ${EVERY_MS / 1000} s for ${SESSION_MS / 60_000} min`, async (t) => {
  await env.reset({ host: { ttlSeconds: TTL } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  const hostBefore = env.control.stats().hostCalls;
  assert.equal(hostBefore, 1, 'one host call at start');

  const marginMs = effectiveMarginMs(TTL); // 15 s: 60 s clamped to half of 30 s
  const results = await driveSession(s, { durationMs: SESSION_MS, everyMs: EVERY_MS, marginMs });

  const statuses = {};
  for (const r of results) statuses[r.status ?? r.error?.code] = (statuses[r.status ?? r.error?.code] || 0) + 1;
  assert.deepEqual(statuses, { 200: results.length }, 'every request succeeded');
  assert.equal(results.length, SESSION_MS / EVERY_MS);

  const backend = env.control.addonStats();
  assert.equal(backend.rejected, 0, `rejected: ${JSON.stringify(backend.reasons)}`);
  assert.equal(backend.accepted, results.length + 1);

  // The host: once at start, then once per (ttl − margin).
  const host = env.control.stats();
  const minimum = SESSION_MS / (TTL * 1000 - marginMs) + 1;
  assert.ok(Math.abs(host.hostCalls - minimum) <= 1, `host calls ${host.hostCalls}, expected ${minimum} ± 1`);
  t.diagnostic(`host calls ${host.hostCalls} (expected ${minimum} ± 1), minted ${host.minted}, accepted ${backend.accepted}`);
  assert.equal(host.failed, 0);
  const page = await s.stats();
  assert.equal(page.hostCalls, host.hostCalls, 'the page and the host count the same calls');
  assert.equal(page.failures, 0);
  assert.equal(page.renewals, host.minted, 'every minted token was taken');
  // Every token was used (none wasted), and each for about (ttl − margin) / 3 s requests.
  const used = Object.values(backend.perToken).filter((t) => t.accepted > 0).length;
  assert.ok(used >= host.minted - 1, `tokens used ${used} of ${host.minted}`);

  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});
