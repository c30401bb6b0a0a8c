// @vitest-environment jsdom
// The React provider as an app uses it: <ConnectAuthProvider> under <StrictMode>, hooks without
// arguments, useAuthFetch before the keeper exists, <Suspense>, unmounting; the test kit and fake
// timers drive the host.
import http from 'node:http';
import React, { StrictMode, Suspense } from 'react';
import { afterEach, expect, test, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { createFakeHost } from 'connect-token/testing';
import { ConnectAuthProvider, useAuthFetch, useConnectAuth, useConnectAuthInstance, useConnectAuthSuspense } from 'connect-token/react';

// RTL's findBy gives up after 1 s; the events these wait for may take longer on a busy machine.
const SLOW = { timeout: 30_000 };

let host;
let server;
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  host?.uninstall();
  server?.close();
});

function Who() {
  const { status, claims } = useConnectAuth();
  return <p data-testid="who">{status === 'fresh' ? claims.sub : status}</p>;
}

function WhoSuspending() {
  const { status, claims } = useConnectAuthSuspense();
  return <p data-testid="who">{status === 'fresh' ? claims.sub : status}</p>;
}

test('under StrictMode: one keeper, one host call, renewals for ten minutes, disposed on unmount', async () => {
  vi.useFakeTimers();
  host = createFakeHost({ ttlSeconds: 60, claims: { sub: '557058:provider' } });
  const errors = vi.spyOn(console, 'error');
  const view = render(
    <StrictMode>
      <ConnectAuthProvider>
        <Who />
      </ConnectAuthProvider>
    </StrictMode>,
  );
  expect(screen.getByTestId('who').textContent).toBe('idle'); // the first render, as on a server
  await act(() => host.called()); // the module loads and the keeper asks (real time), then answers
  expect(screen.getByTestId('who').textContent).toBe('557058:provider');
  expect(host.calls).toBe(1);
  await act(() => vi.advanceTimersByTimeAsync(10 * 60_000));
  expect(host.calls).toBeGreaterThanOrEqual(11);
  expect(screen.getByTestId('who').textContent).toBe('557058:provider');
  view.unmount();
  await act(() => vi.advanceTimersByTimeAsync(1));
  const atUnmount = host.calls;
  await act(() => vi.advanceTimersByTimeAsync(10 * 60_000));
  expect(host.calls).toBe(atUnmount); // disposed: no renewal after unmount
  expect(errors).not.toHaveBeenCalled();
});

test('useAuthFetch: one function for every render, which waits for the keeper and sends its token', async () => {
  let authorization;
  server = http.createServer((request, response) => {
    authorization = request.headers.authorization;
    response.end('{"ok":true}');
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  const api = `http://127.0.0.1:${server.address().port}`;
  host = createFakeHost({ latencyMs: 50 });
  const seen = [];
  function Caller() {
    const fetch = useAuthFetch();
    seen.push(fetch);
    return null;
  }
  const view = render(
    <ConnectAuthProvider allowedOrigins={[api]}>
      <Caller />
    </ConnectAuthProvider>,
  );
  const response = await act(() => seen[0](`${api}/issues`)); // called before the keeper exists
  expect(response.status).toBe(200);
  expect(authorization).toBe(`JWT ${host.lastToken}`);
  view.rerender(
    <ConnectAuthProvider allowedOrigins={[api]}>
      <Caller />
    </ConnectAuthProvider>,
  );
  expect(seen.length).toBeGreaterThan(1);
  expect(new Set(seen).size).toBe(1);
});

test('useConnectAuthSuspense: the fallback until the keeper has its first token, then the claims', async () => {
  host = createFakeHost({ latencyMs: 50, claims: { sub: '557058:suspense' } });
  const fallbacks = [];
  function Fallback() {
    fallbacks.push('loading');
    return <p>loading</p>;
  }
  // React 19: a render that suspends is awaited in act.
  await act(async () => {
    render(
      <ConnectAuthProvider>
        <Suspense fallback={<Fallback />}>
          <WhoSuspending />
        </Suspense>
      </ConnectAuthProvider>,
    );
  });
  expect((await screen.findByText('557058:suspense', {}, SLOW)).textContent).toBe('557058:suspense');
  expect(fallbacks.length).toBeGreaterThan(0); // the keeper cannot exist at the first render
  expect(host.calls).toBe(1);
});

test('a keeper that cannot start: the hooks say failed, with its error', async () => {
  // No AP installed: the page is not in a Connect iframe.
  render(
    <ConnectAuthProvider>
      <Who />
    </ConnectAuthProvider>,
  );
  expect((await screen.findByText('failed', {}, SLOW)).textContent).toBe('failed');
});

test('outside a provider, each hook says to add one', () => {
  const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
  for (const Hooked of [() => useConnectAuth(), () => useAuthFetch(), () => useConnectAuthSuspense(), () => useConnectAuthInstance()]) {
    expect(() => render(<Hooked />)).toThrow(/needs a <ConnectAuthProvider> above it/);
  }
  quiet.mockRestore();
});
