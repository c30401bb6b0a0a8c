/** @jest-environment jest-fixed-jsdom */
// The React provider in Jest's default CommonJS mode: <ConnectAuthProvider> under <StrictMode>, a
// component using useConnectAuth() with no argument, the test kit, fake timers.
import { StrictMode } from 'react';
import { act, render, screen } from '@testing-library/react';
import { createFakeHost } from 'connect-token/testing';
import { ConnectAuthProvider, useConnectAuth } from 'connect-token/react';

function Who() {
  const { status, claims } = useConnectAuth();
  return <p data-testid="who">{status === 'fresh' ? claims.sub : status}</p>;
}

let host;
beforeEach(() => {
  // Jest fakes queueMicrotask too unless told not to; the bridge and promises need it.
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
});
afterEach(() => {
  host?.uninstall();
  jest.useRealTimers();
});

test('a provider under StrictMode: one host call, then renewals for ten minutes, none after unmount', async () => {
  host = createFakeHost({ ttlSeconds: 60, claims: { sub: '557058:jest-provider' } });
  const view = render(
    <StrictMode>
      <ConnectAuthProvider>
        <Who />
      </ConnectAuthProvider>
    </StrictMode>,
  );
  expect(screen.getByTestId('who').textContent).toBe('idle');
  await act(() => host.called()); // the module loads and the keeper asks (real time), then answers
  expect(screen.getByTestId('who').textContent).toBe('557058:jest-provider');
  expect(host.calls).toBe(1);
  await act(() => jest.advanceTimersByTimeAsync(10 * 60_000));
  expect(host.calls).toBeGreaterThanOrEqual(11);
  expect(screen.getByTestId('who').textContent).toBe('557058:jest-provider');
  view.unmount();
  await act(() => jest.advanceTimersByTimeAsync(1));
  const atUnmount = host.calls;
  await act(() => jest.advanceTimersByTimeAsync(10 * 60_000));
  expect(host.calls).toBe(atUnmount);
});
