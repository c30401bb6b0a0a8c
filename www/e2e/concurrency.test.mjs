// 500 concurrent requests from a cold start: one host call, shared by every caller; 500 accepted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks } from './harness.mjs';

const N = 500;

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

test(`${N} concurrent auth.fetch calls on a new keeper: exactly one host call, ${N} accepted`, async () => {
  await env.reset();
  const s = await env.open();
  // The app's own keeper already holds a token: stop it, and forget the host's cache and counters,
  // so the new keeper starts cold against a host that must mint. (Its first ask must have reached
  // the host before the reset, or it would count there after it.)
  await s.settle();
  await s.eval(() => window.connectTokenDemo.auth.dispose());
  env.resetWorld();
  await s.sync();

  const out = await s.eval(async (n) => {
    const { createConnectAuth } = window.connectTokenDemo;
    const auth = await createConnectAuth();
    window.__cold = auth;
    const before = auth.stats().hostCalls; // the first ask starts at creation
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) => auth.fetch(`/api/item/${i}`).then((r) => r.status, (e) => `error ${e?.code}`)),
    );
    const statuses = {};
    for (const st of responses) statuses[st] = (statuses[st] || 0) + 1;
    return { before, statuses, stats: auth.stats() };
  }, N);

  assert.deepEqual(out.statuses, { 200: N });
  assert.equal(out.stats.hostCalls, 1, 'the page asked the host once');
  assert.equal(out.stats.renewals, 1);
  const host = env.control.stats();
  assert.equal(host.hostCalls, 1, 'the host was asked once');
  assert.equal(host.minted, 1);
  const backend = env.control.addonStats();
  assert.equal(backend.accepted, N);
  assert.equal(backend.rejected, 0);
  assert.equal(Object.keys(backend.perToken).length, 1, 'all with the same token');
  const api = backend.requests.filter((r) => r.url.startsWith('/api/item/'));
  assert.equal(api.length, N);
  assert.ok(api.every((r) => r.authScheme === 'JWT' && r.status === 200));

  // And the same burst on a warm keeper costs no host call at all.
  const WARM = 100;
  const warm = await s.eval(async (n) => {
    const auth = window.__cold;
    const responses = await Promise.all(Array.from({ length: n }, () => auth.fetch('/api/whoami').then((r) => r.status)));
    return { ok: responses.filter((x) => x === 200).length, stats: auth.stats() };
  }, WARM);
  assert.equal(warm.ok, WARM);
  assert.equal(warm.stats.hostCalls, 1);
  assert.equal(env.control.stats().hostCalls, 1);
  assert.equal(env.control.addonStats().accepted, N + WARM);

  await s.eval(() => window.__cold.dispose());
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
  await s.close();
});

test(`${N} concurrent auth.token() calls while the first ask is in flight share it`, async () => {
  await env.reset({ host: { delayMs: 300 } }); // the host answers late (real ms): every caller waits for the same ask
  const s = await env.open();
  await s.settle(); // the app keeper's first ask is answered before the reset (see above)
  await s.eval(() => window.connectTokenDemo.auth.dispose());
  env.resetWorld({ host: { delayMs: 300 } });
  await s.sync();
  const out = await s.eval(async (n) => {
    const auth = await window.connectTokenDemo.createConnectAuth();
    const status = auth.snapshot().status;
    const tokens = await Promise.all(Array.from({ length: n }, () => auth.token()));
    const distinct = new Set(tokens).size;
    const stats = auth.stats();
    auth.dispose();
    return { status, distinct, stats };
  }, N);
  assert.equal(out.status, 'renewing', 'the first ask starts at creation');
  assert.equal(out.distinct, 1);
  assert.equal(out.stats.hostCalls, 1);
  assert.equal(env.control.stats().hostCalls, 1);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
  await s.close();
});

test('forced renewals in a row are at least 2 s apart (page time); the second caller waits for it', async () => {
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } }); // every ask mints a new token
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);
  const first = await s.startToken({ forceRefresh: true });
  await s.until((id) => window.__e2e.pending.get(id).done, first);
  assert.deepEqual((await s.peek(first)).result, { ok: true });
  assert.equal(env.control.stats().hostCalls, 2);

  const second = await s.startToken({ forceRefresh: true });
  await s.advance(1_000);
  assert.equal(env.control.stats().hostCalls, 2, 'not asked again within 2 s');
  assert.equal((await s.peek(second)).done, false, 'the caller waits for the next allowed ask');
  await s.advance(1_200);
  await s.settle();
  await s.until((id) => window.__e2e.pending.get(id).done, second);
  assert.deepEqual((await s.peek(second)).result, { ok: true });
  assert.equal(env.control.stats().hostCalls, 3);
  assert.equal(env.control.stats().minted, 3);
  await assertNoLeaks(env);
});
