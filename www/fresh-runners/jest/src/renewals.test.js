/** @jest-environment jest-fixed-jsdom */
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { createConnectAuth } from 'connect-token';
import { createFakeHost } from 'connect-token/testing';

let host;
let auth;
beforeEach(() => {
  // Jest fakes queueMicrotask too unless told not to; the bridge and promises need it.
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
});
afterEach(() => {
  auth?.dispose();
  host?.uninstall();
  jest.useRealTimers();
});

test('ten minutes of 60-second tokens: each renewed before it expires', async () => {
  host = createFakeHost({ ttlSeconds: 60 });
  auth = await createConnectAuth();
  await auth.token();
  await jest.advanceTimersByTimeAsync(10 * 60_000);
  expect(host.calls).toBeGreaterThanOrEqual(20);
  expect(await auth.token()).toBe(host.lastToken);
  expect(auth.claims().exp * 1000).toBeGreaterThan(Date.now());
});

test('auth.fetch in jsdom, with the token for the page origin', async () => {
  host = createFakeHost();
  const sent = [];
  const fetch = async (input, init) => {
    sent.push(new Headers(init.headers).get('authorization'));
    return new Response('{}');
  };
  auth = await createConnectAuth({ fetch });
  expect((await auth.fetch('/api/issues')).status).toBe(200);
  expect(sent).toEqual([`JWT ${host.lastToken}`]);
});
