// @vitest-environment jsdom
import http from 'node:http';
import React from 'react';
import { afterEach, expect, test } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createConnectAuth } from 'connect-token';
import { createFakeHost } from 'connect-token/testing';
import { Issues } from './Issues.jsx';

let host;
let auth;
let server;
afterEach(() => {
  cleanup();
  auth?.dispose();
  host?.uninstall();
  server?.close();
});

test('a TanStack Query queryFn on auth.fetch: the backend gets the token', async () => {
  let authorization;
  server = http.createServer((request, response) => {
    authorization = request.headers.authorization;
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify([{ key: 'DEMO-1' }, { key: 'DEMO-2' }]));
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  const api = `http://127.0.0.1:${server.address().port}`;

  host = createFakeHost();
  auth = await createConnectAuth({ allowedOrigins: [api] });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <Issues auth={auth} api={api} />
    </QueryClientProvider>,
  );
  // Waits for the query's answer; the timeout is only a ceiling for a busy machine.
  expect(await screen.findByText('DEMO-2', {}, { timeout: 30_000 })).toBeTruthy();
  expect(authorization).toBe(`JWT ${host.lastToken}`);
});
