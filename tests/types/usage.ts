// Uses every export and option of the package as an app would; `tsc --strict --noEmit` against
// pkg/ must accept it (scripts/types.sh). The `@ts-expect-error` lines must stay errors.
import {
  ConnectAuth,
  createConnectAuth,
  isConnectTokenError,
  type ConnectAuthEvent,
  type ConnectAuthOptions,
  type ConnectAuthSnapshot,
  type ConnectAuthStats,
  type ConnectAuthStatus,
  type ConnectTokenErrorCode,
  type ContextClaims,
  type IgnoredTokenReason,
  type JsonValue,
  type TokenSourceKind,
  type TokenOptions,
  type TokenSource,
} from 'connect-token';
import { useConnectAuth } from 'connect-token/react';
import { createFakeHost, type FakeHost, type FakeHostOptions } from 'connect-token/testing';

const source: TokenSource = () => Promise.resolve('a.b.c');
const options: ConnectAuthOptions = {
  allowedOrigins: ['https://api.example.com'],
  scheme: 'JWT',
  renewMarginSeconds: 60,
  timeoutMs: 10_000,
  retryUnauthorized: true,
  getToken: source,
  fetch: (input, init) => fetch(input, init),
};
// @ts-expect-error: an unknown option is a type error too
const typo: ConnectAuthOptions = { timeoutMS: 5 };
// The backend's session tokens (atlassian-connect-express): the page's {{token}}, X-acpt renewals.
const sessionOptions: ConnectAuthOptions = {
  initialToken: document.querySelector<HTMLMetaElement>('meta[name="token"]')?.content,
  sessionTokenHeader: 'X-acpt',
  header: 'X-acpt',
};
const none: ConnectAuthOptions = { initialToken: null, sessionTokenHeader: null };
// @ts-expect-error: initialToken is a string
const notAToken: ConnectAuthOptions = { initialToken: 5 };

export async function app(): Promise<void> {
  const auth: ConnectAuth = await createConnectAuth(options);
  await createConnectAuth();
  const response: Response = await auth.fetch('/api/issues');
  await auth.fetch(new URL('https://api.example.com/x'), { method: 'POST', body: '{}' });
  const { fetch: detached, token: detachedToken } = auth;
  await detached(new Request('/api'));
  const controller = new AbortController();
  const tokenOptions: TokenOptions = { signal: controller.signal, forceRefresh: true };
  const token: string = await auth.token(tokenOptions);
  await auth.token();
  await detachedToken();
  const claims: ContextClaims | undefined = auth.claims();
  const exp: number | undefined = claims?.exp;
  const context: JsonValue | undefined = claims?.context?.jira;
  const snapshot: ConnectAuthSnapshot = auth.snapshot();
  const status: ConnectAuthStatus = snapshot.status;
  const code: ConnectTokenErrorCode | undefined = snapshot.error?.code;
  const expiresAt: number | undefined = snapshot.expiresAt;
  const unsubscribe: () => void = auth.subscribe((event: ConnectAuthEvent) => {
    if (event.type === 'renewed') console.log(event.claims.sub, event.expiresAt, event.source === 'backend');
    else if (event.type === 'error') console.log(event.error.code, event.error.message);
    else console.log(event.type);
  });
  unsubscribe();
  const stats: ConnectAuthStats = auth.stats();
  const calls: number = stats.hostCalls + stats.renewals + stats.retries + stats.failures;
  const sessions: number = stats.backendTokens + stats.ignoredTokens;
  const why: IgnoredTokenReason | undefined = stats.lastIgnored;
  const initial: 'none' | 'used' | IgnoredTokenReason = stats.initialToken;
  const from: TokenSourceKind | undefined = snapshot.source;
  await createConnectAuth(sessionOptions);
  try {
    await auth.token();
  } catch (error: unknown) {
    if (isConnectTokenError(error)) {
      const known: ConnectTokenErrorCode = error.code;
      // createConnectAuth's own: the page's CSP forbids WebAssembly, or the module did not load.
      const loading: ConnectTokenErrorCode[] = ['wasm-blocked', 'load-failed'];
      console.log(known, loading, error.name === 'ConnectTokenError');
    }
  }
  const hook: ConnectAuthSnapshot = useConnectAuth(auth);
  auth.dispose();
  auth[Symbol.dispose]();
  // @ts-expect-error: createConnectAuth makes a ConnectAuth, the constructor is private
  new ConnectAuth();
  console.log(response, token, exp, context, status, code, expiresAt, calls, hook, typo);
  console.log(none, notAToken, sessions, why, initial, from);
}

// The test kit, as an app's tests use it.
const hostOptions: FakeHostOptions = { ttlSeconds: 60, claims: { sub: '557058:someone', context: { jira: { issue: { key: 'X-1' } } } }, form: 'callback', latencyMs: 100, cacheMarginSeconds: 60 };
const host: FakeHost = createFakeHost(hostOptions);
host.failNext(2);
host.hangNext();
host.latencyMs = 0;
const last: string | undefined = host.lastToken;
console.log(host.calls + 1, last);
// @ts-expect-error: calls is the host's count, read-only
host.calls = 0;
// @ts-expect-error: only the two forms the bridge has
createFakeHost({ form: 'event' });
host.uninstall();
