import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { createConnectAuth } from 'connect-token';
import { createFakeHost } from 'connect-token/testing';

let host;
let auth;
beforeEach(() => {
  vi.useFakeTimers(); // fakes Date, timers and performance.now(): the keeper's clocks
});
afterEach(() => {
  auth?.dispose();
  host?.uninstall();
  vi.useRealTimers();
});

test('ten minutes of 60-second tokens: each renewed before it expires', async () => {
  host = createFakeHost({ ttlSeconds: 60 });
  auth = await createConnectAuth();
  const renewed = [];
  auth.subscribe((event) => event.type === 'renewed' && renewed.push(event.claims.exp));
  await auth.token();

  await vi.advanceTimersByTimeAsync(10 * 60_000);

  // Renewed 30 s before each exp (the 60 s margin, clamped to half the lifetime): 20 in 10 minutes.
  expect(renewed.length).toBeGreaterThanOrEqual(19);
  expect(host.calls).toBe(renewed.length + 1);
  expect(await auth.token()).toBe(host.lastToken);
  expect(auth.claims().exp * 1000).toBeGreaterThan(Date.now());
  expect(auth.stats().failures).toBe(0);
});

test('a host that fails: the caller gets a host-error', async () => {
  host = createFakeHost({ ttlSeconds: 60 });
  host.failNext(10);
  auth = await createConnectAuth();
  // The first ask failed; the caller joins the retry due 2 s later (fake time), which fails too.
  const rejected = expect(auth.token()).rejects.toMatchObject({ name: 'ConnectTokenError', code: 'host-error' });
  await vi.advanceTimersByTimeAsync(10_000);
  await rejected;
  expect(auth.snapshot().status).toBe('failed');
  expect(host.calls).toBeGreaterThanOrEqual(2);
});
