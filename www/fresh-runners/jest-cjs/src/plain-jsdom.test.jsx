/** @jest-environment jsdom */
// Jest's own jsdom environment has no TextDecoder, TextEncoder or fetch.
import { render, screen } from '@testing-library/react';
import { createConnectAuth, isConnectTokenError } from 'connect-token';
import { createFakeHost } from 'connect-token/testing';
import { Who } from './Who';

let host;
let auth;
afterEach(() => {
  auth?.dispose();
  host?.uninstall();
});

test('what this environment lacks is really missing', () => {
  expect([typeof TextDecoder, typeof TextEncoder, typeof fetch]).toEqual(['undefined', 'undefined', 'undefined']);
});

test('createConnectAuth, token(), claims(), useConnectAuth and the test kit work', async () => {
  host = createFakeHost({ claims: { sub: '557058:plain-jsdom' } });
  auth = await createConnectAuth();
  expect(await auth.token()).toBe(host.lastToken);
  expect(auth.claims().sub).toBe('557058:plain-jsdom');
  render(<Who auth={auth} />);
  expect(screen.getByTestId('who').textContent).toBe('557058:plain-jsdom');
  expect(host.calls).toBe(1);
});

test('auth.fetch without a fetch option says what is missing and what to do', async () => {
  host = createFakeHost();
  auth = await createConnectAuth();
  const error = await auth.fetch('/api/issues').catch((e) => e);
  expect(isConnectTokenError(error)).toBe(false);
  expect(error.message).toMatch(/no global fetch/);
  expect(error.message).toMatch(/createConnectAuth\(\{ fetch \}\)/);
  expect(error.message).toMatch(/jest-fixed-jsdom/);
});
