// create-react-app's `react-scripts test`: Jest 27 in jsdom 16, CommonJS through babel, `main` and
// not `exports` (so the package's CommonJS build, and the react/ and testing/ folders' own
// package.json), no TextDecoder, fetch or Headers in the environment.
import { render, screen } from '@testing-library/react';
import { createConnectAuth } from 'connect-token';
import { useConnectAuth } from 'connect-token/react';
import { createFakeHost } from 'connect-token/testing';

function Who({ auth }) {
  const { status, claims } = useConnectAuth(auth);
  return <p data-testid="who">{status === 'fresh' ? claims.sub : status}</p>;
}

let host;
let auth;
afterEach(() => {
  auth?.dispose();
  host?.uninstall();
});

test('the component shows who is signed in, from the token the test kit gave', async () => {
  host = createFakeHost({ claims: { sub: '557058:cra' } });
  auth = await createConnectAuth();
  expect(await auth.token()).toBe(host.lastToken); // the first token is here
  render(<Who auth={auth} />);
  expect(screen.getByTestId('who').textContent).toBe('557058:cra');
  expect(auth.claims().exp - auth.claims().iat).toBe(900);
});

test('a forced renewal gets the next token from the host', async () => {
  host = createFakeHost();
  auth = await createConnectAuth();
  const first = await auth.token();
  const second = await auth.token({ forceRefresh: true });
  expect(second).not.toBe(first);
  expect(second).toBe(host.lastToken);
  expect(host.calls).toBe(2);
});
