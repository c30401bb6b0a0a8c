// Short smoke of every app build that exists (plain page, Vite demo, webpack demo): the test hook,
// one request with the token, the claims, the invalid-options error page, the secrecy check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, bundlesCurrentPkg, AVAILABLE_APPS, APPS, MAIN_APP } from './harness.mjs';

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

for (const app of AVAILABLE_APPS) {
  test(`smoke: ${app} (${APPS[app].prefix}index.html)`, async () => {
    await env.reset();
    const s = await env.open({ app });
    const hook = await s.eval(() => ({
      keys: Object.keys(window.connectTokenDemo).sort(),
      isError: window.connectTokenDemo.isConnectTokenError({ name: 'ConnectTokenError', code: 'timeout' }),
      notError: window.connectTokenDemo.isConnectTokenError(new Error('x')),
    }));
    assert.deepEqual(hook, { keys: ['auth', 'createConnectAuth', 'isConnectTokenError'], isError: true, notError: false });
    const r = await s.fetch('/api/whoami');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { sub: env.world.tenant.sub, iss: env.world.tenant.clientKey });
    const claims = await s.eval(() => {
      const c = window.connectTokenDemo.auth.claims();
      return { sub: c.sub, iss: c.iss, qsh: c.qsh, life: c.exp - c.iat, issue: c.context?.jira?.issue?.key };
    });
    assert.deepEqual(claims, { sub: env.world.tenant.sub, iss: env.world.tenant.clientKey, qsh: 'context-qsh', life: 900, issue: 'DEMO-1' });
    assert.equal(env.control.stats().hostCalls, 1);
    const sent = env.control.addonStats().requests.find((x) => x.url === '/api/whoami');
    assert.equal(sent.authScheme, 'JWT');
    assert.equal(sent.tokenSource, 'header');
    assert.deepEqual(s.problems(), []);

    const bad = await env.open({ app, query: { timeoutMs: 0 }, expectReady: false });
    assert.equal(bad.ready, 'error');
    const error = await bad.eval(() => ({
      code: window.connectTokenDemo.error.code,
      name: window.connectTokenDemo.error.name,
      is: window.connectTokenDemo.isConnectTokenError(window.connectTokenDemo.error),
    }));
    assert.deepEqual(error, { code: 'invalid-options', name: 'ConnectTokenError', is: true });
    await assertNoLeaks(env);
  });
}

for (const app of AVAILABLE_APPS.filter((a) => a !== 'plain')) {
  test(`${app} build bundles the library now in pkg/ (else: rebuild www/demo)`, () => {
    assert.ok(
      bundlesCurrentPkg(app),
      `${APPS[app].dir} was built from an older pkg/ (its JS does not hold pkg/connect_token_wasm.js's module): ` +
        `rebuild it (cd www/demo && npm run build)${app === MAIN_APP ? `, or run with E2E_APP=plain: every scenario here ran on ${app}, i.e. on the older library` : ''}`,
    );
  });
}
