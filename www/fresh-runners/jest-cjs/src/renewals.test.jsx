/** @jest-environment jest-fixed-jsdom */
import { act, render, screen } from '@testing-library/react';
import { createConnectAuth } from 'connect-token';
import { createFakeHost } from 'connect-token/testing';
import { Who } from './Who';

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

test('ten minutes of 60-second tokens: each renewed before it expires, the component on the newest', async () => {
  host = createFakeHost({ ttlSeconds: 60, claims: { sub: '557058:jest-cjs' } });
  auth = await createConnectAuth();
  await auth.token();
  render(<Who auth={auth} />);
  expect(screen.getByTestId('who').textContent).toBe('557058:jest-cjs');
  await act(() => jest.advanceTimersByTimeAsync(10 * 60_000));
  expect(host.calls).toBeGreaterThanOrEqual(20);
  expect(await auth.token()).toBe(host.lastToken);
  expect(auth.claims().exp * 1000).toBeGreaterThan(Date.now());
  expect(screen.getByTestId('who').textContent).toBe('557058:jest-cjs');
});

test('auth.fetch in jsdom, with the token for the page origin', async () => {
  host = createFakeHost();
  auth = await createConnectAuth();
  const sent = [];
  const fetch = async (input, init) => {
    sent.push(new Headers(init.headers).get('authorization'));
    return new Response('{}');
  };
  const withFetch = await createConnectAuth({ fetch });
  expect((await withFetch.fetch('/api/issues')).status).toBe(200);
  expect(sent).toEqual([`JWT ${host.lastToken}`]);
  withFetch.dispose();
});
