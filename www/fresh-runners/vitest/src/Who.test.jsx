// @vitest-environment jsdom
import React from 'react';
import { afterEach, expect, test } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { createConnectAuth } from 'connect-token';
import { createFakeHost } from 'connect-token/testing';
import { Who } from './Who.jsx';

let host;
let auth;
afterEach(() => {
  cleanup();
  auth?.dispose();
  host?.uninstall();
});

test('shows who is signed in, from the token the host gave', async () => {
  host = createFakeHost({ ttlSeconds: 60, claims: { sub: '557058:someone' } });
  auth = await createConnectAuth();
  await auth.token(); // the first token is here
  render(<Who auth={auth} />);
  expect(screen.getByText('Signed in as 557058:someone')).toBeTruthy();
  expect(host.calls).toBe(1);
});
