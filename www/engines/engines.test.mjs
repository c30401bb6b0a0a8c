// The cross-engine suite: the same scenarios in Chromium, Firefox ESR and WebKitGTK (Safari's
// engine), each driven through its own W3C WebDriver (webdriver.mjs), in real time with short-lived
// tokens, against the Connect simulator: the real atlassian-connect-js host and iframe bridges, a host
// that mints HS256 context JWTs, and atlassian-connect-express deciding every request. The add-on is
// www/e2e/plain (the package's ES module, no bundler). ENGINES=chromium,firefox picks engines.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorld } from '../sim/servers.js';
import { selectedEngines, startSession } from './engines.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TTL_SECONDS = 10; // renewed 5 s before exp: the 60 s margin is clamped to half the lifetime
const SESSION_MS = 30_000; // three lifetimes
const BODY = { summary: 'Zoë ✓ 日本', labels: ['a', 'b'] };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let world;
before(async () => {
  world = await startWorld({ staticDirs: { '/pkg/': path.join(ROOT, 'pkg'), '/plain/': path.join(ROOT, 'www/e2e/plain') } });
});
after(async () => {
  await world?.close();
});

/** Requests to `url` the backend saw (no preflights): status and the token's hash. */
const seen = (url) =>
  world.control
    .addonStats()
    .requests.filter((r) => r.url === url && r.method !== 'OPTIONS')
    .map((r) => ({ status: r.status, token: r.tokenHash, bodyLength: r.bodyLength }));

/** In the add-on frame: auth.fetch(url, init) → { status, json }, or { error: { code, message } }. */
async function fetchIn(session, url, init) {
  return session.run(
    async ({ url, init }) => {
      try {
        const response = await window.connectTokenDemo.auth.fetch(url, init ?? undefined);
        return { status: response.status, json: await response.json().catch(() => null) };
      } catch (error) {
        return { error: { code: error.code, message: String(error.message) } };
      }
    },
    { url, init },
  );
}

for (const engine of selectedEngines()) {
  describe(`${engine.name}: ${engine.engine}`, () => {
    let opened;
    let session;

    before(async () => {
      opened = await startSession(engine, SESSION_MS + 20_000);
      session = opened.session;
      console.log(`# ${engine.name}: ${session.browser}`);
    });
    after(() => opened?.close());

    /** A new host page with the plain add-on in its iframe, the keeper started; the world reset first. */
    async function open({ host, form } = {}) {
      world.control.reset();
      if (host) world.control.host(host);
      await session.navigate(world.hostPageUrl({ addon: '/plain/index.html', form }));
      await session.enterFrame('#sim-frame iframe');
      const ready = await session.run(async () => {
        while (!document.documentElement.dataset.ready) await new Promise((resolve) => setTimeout(resolve, 25));
        return document.documentElement.dataset.ready;
      });
      assert.equal(ready, '1', 'the add-on started');
    }

    test('authenticates: the backend accepts its first request', async () => {
      await open();
      assert.equal((await fetchIn(session, '/api/whoami')).status, 200);
      assert.deepEqual(seen('/api/whoami').map((r) => r.status), [200]);
      assert.equal(world.control.stats().hostCalls, 1);
    });

    test('50 concurrent requests share one host call', async () => {
      await open({ host: { delayMs: 1_500 } }); // the first ask is still under way when they start
      const statuses = await session.run(async () => {
        const { fetch } = window.connectTokenDemo.auth;
        const responses = await Promise.all(Array.from({ length: 50 }, () => fetch('/api/whoami')));
        return responses.map((response) => response.status);
      });
      assert.deepEqual(statuses, Array(50).fill(200));
      assert.equal(world.control.stats().hostCalls, 1);
      assert.equal(seen('/api/whoami').filter((r) => r.status === 200).length, 50);
    });

    test(`renewals before expiry over ${SESSION_MS / 1000 / TTL_SECONDS} token lifetimes: no request rejected`, async () => {
      await open({ host: { ttlSeconds: TTL_SECONDS } });
      const statuses = await session.run(async (sessionMs) => {
        const out = [];
        for (const end = Date.now() + sessionMs; Date.now() < end; ) {
          out.push((await window.connectTokenDemo.auth.fetch('/api/whoami')).status);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        return out;
      }, SESSION_MS);
      assert.ok(statuses.length >= 30, `${statuses.length} requests`);
      assert.deepEqual(statuses.filter((status) => status !== 200), [], 'every request accepted');
      const requests = seen('/api/whoami');
      assert.equal(requests.filter((r) => r.status !== 200).length, 0, 'the backend rejected none');
      const tokens = new Set(requests.map((r) => r.token)).size;
      const hostCalls = world.control.stats().hostCalls;
      const summary = `${tokens} tokens used, ${hostCalls} host calls in ${SESSION_MS / 1000} s`;
      // Renewed in every lifetime (with whole-second iat/exp and Date, each 10 s token is used
      // for 3 to 5 s), every host call brought a token that was used, and never a storm.
      assert.ok(tokens >= SESSION_MS / 1000 / TTL_SECONDS, summary);
      assert.ok(hostCalls <= tokens + 1, summary);
      assert.ok(hostCalls <= SESSION_MS / 2_000 + 1, summary);
    });

    for (const form of ['init', 'Request']) {
      test(`a revoked token's JSON POST (the body in ${form === 'init' ? 'the init' : 'a Request, as axios and ky send it'}) is replayed once, with a new token and the same body`, async () => {
        await open({ host: { cacheMarginSeconds: 100_000, nonce: true } });
        assert.equal((await fetchIn(session, '/api/whoami')).status, 200);
        const [first] = seen('/api/whoami');
        world.control.addon({ revokeHash: first.token });
        await sleep(2_100); // the keeper asks the host at most once per 2 s
        const hostBefore = world.control.stats().hostCalls;
        const response = await session.run(
          async ({ form, body }) => {
            const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body };
            const { fetch } = window.connectTokenDemo.auth;
            const r = await (form === 'init' ? fetch('/api/echo', init) : fetch(new Request('/api/echo', init)));
            return { status: r.status, json: await r.json().catch(() => null) };
          },
          { form, body: JSON.stringify(BODY) },
        );
        assert.equal(response.status, 200, JSON.stringify(response));
        assert.deepEqual(JSON.parse(response.json.body), BODY);
        assert.match(response.json.contentType, /^application\/json/);
        const echo = seen('/api/echo');
        assert.deepEqual(echo.map((r) => r.status), [401, 200]);
        assert.equal(echo[0].token, first.token);
        assert.notEqual(echo[1].token, first.token);
        assert.equal(echo[0].bodyLength, echo[1].bodyLength);
        assert.equal(world.control.stats().hostCalls - hostBefore, 1);
      });
    }

    test('the callback-form host', async () => {
      await open({ form: 'callback' });
      assert.equal((await fetchIn(session, '/api/whoami')).status, 200);
      assert.equal(world.control.stats().hostCalls, 1);
    });

    test('dispose: later calls reject with disposed, and the host is not asked again', async () => {
      await open({ host: { ttlSeconds: TTL_SECONDS } });
      assert.equal((await fetchIn(session, '/api/whoami')).status, 200);
      await session.run(async () => window.connectTokenDemo.auth.dispose());
      const after = await fetchIn(session, '/api/whoami');
      assert.equal(after.error?.code, 'disposed');
      const hostCalls = world.control.stats().hostCalls;
      await sleep(TTL_SECONDS * 1000 * 0.6); // past the renewal the keeper would have made
      assert.equal(world.control.stats().hostCalls, hostCalls);
      assert.equal(seen('/api/whoami').length, 1);
    });
  });
}
