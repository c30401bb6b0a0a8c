// The app's HTTP client on top of auth.fetch, as the README's recipes set them up: the real axios
// (fetch adapter, `env: { fetch: auth.fetch }`) and the real ky (`ky.create({ fetch: auth.fetch })`),
// bundled from node_modules by esbuild and loaded into the add-on frame, against the simulator's
// atlassian-connect-express backend. Both hand auth.fetch a Request that carries the body: a GET is
// authenticated, and a JSON POST whose token the backend revoked is replayed once with a new token
// and the same body. (A ReadableStream given as auth.fetch's own init body is sent once and never
// replayed: unauthorized.test.mjs, over HTTP/2.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, httpClientsModule } from './harness.mjs';

const BODY = { summary: 'Zoë ✓ 日本', labels: ['a', 'b'], nested: { ok: true } };
const EXPIRED = 'Authentication request has expired. Try reloading the page.';

let env;
let clients; // the ES module that exposes axios and ky, as one bundle
before(async () => {
  clients = await httpClientsModule();
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

/** Requests to `path` the backend saw: status, the token's hash, the body's length. */
const seen = (path) =>
  env.control
    .addonStats()
    .requests.filter((r) => r.url === path && r.method !== 'OPTIONS')
    .map((r) => ({ status: r.status, token: r.tokenHash, bodyLength: r.bodyLength }));

/** Opens the add-on with axios and ky loaded and set up on its auth.fetch, as the README says. */
async function openWithClients() {
  const s = await env.open();
  await s.eval(async (code) => {
    const { axios, ky } = await import(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const { auth } = window.connectTokenDemo;
    window.clients = {
      axios: axios.create({ adapter: 'fetch', env: { fetch: auth.fetch } }),
      ky: ky.create({ fetch: auth.fetch }),
      versions: { axios: axios.VERSION },
    };
  }, clients);
  return s;
}

/** One call through `client` in the frame: status and parsed body, or the error it threw. */
function call(s, client, method, path, body) {
  return s.eval(
    async ({ client, method, path, body }) => {
      const c = window.clients[client];
      try {
        if (client === 'axios') {
          const r = await c.request({ method, url: path, data: body, validateStatus: () => true });
          return { status: r.status, data: r.data };
        }
        const r = await c(path, { method, json: body, throwHttpErrors: false });
        return { status: r.status, data: await r.json().catch(() => null) };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { client, method, path, body },
  );
}

for (const client of ['axios', 'ky']) {
  test(`${client}: a GET carries the token and is accepted`, async () => {
    await env.reset();
    const s = await openWithClients();
    const r = await call(s, client, 'GET', '/api/whoami');
    assert.equal(r.status, 200, JSON.stringify(r));
    const [sent] = seen('/api/whoami');
    assert.equal(sent.status, 200);
    assert.ok(sent.token, 'the request carried a token');
    assert.deepEqual(s.problems(), []);
    await assertNoLeaks(env);
  });

  test(`${client}: a JSON POST whose token the backend revoked is replayed once, with a new token and the same body`, async () => {
    // The host mints on every ask (no cache reuse) and tokens differ within a second (nonce).
    await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
    const s = await openWithClients();
    assert.equal((await call(s, client, 'GET', '/api/whoami')).status, 200);
    await s.advance(3_000); // past the 2 s minimum between host calls
    const [first] = seen('/api/whoami');
    env.control.addon({ revokeHash: first.token });
    const hostBefore = env.control.stats().hostCalls;

    const r = await call(s, client, 'POST', '/api/echo', BODY);
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.deepEqual(JSON.parse(r.data.body), BODY, 'the replay carried the same body');
    assert.match(r.data.contentType, /^application\/json/);

    const echo = seen('/api/echo');
    const length = Buffer.byteLength(JSON.stringify(BODY));
    assert.deepEqual(echo.map((e) => e.status), [401, 200], 'the server saw the revoked token once, then the new one');
    assert.deepEqual(echo.map((e) => e.bodyLength), [length, length], 'the same body both times');
    assert.equal(echo[0].token, first.token);
    assert.notEqual(echo[1].token, first.token);
    assert.equal(env.control.stats().hostCalls - hostBefore, 1, 'one forced renewal');
    assert.equal(env.control.addonStats().reasons[EXPIRED] ?? 0, 0, 'rejected as revoked, not as expired');
    assert.deepEqual(s.problems(), []);
    await assertNoLeaks(env);
  });
}

test('what axios and ky hand auth.fetch: a Request that carries the body (the case the replay above reads)', async () => {
  await env.reset();
  const s = await env.open();
  const inputs = await s.eval(async (code) => {
    const { axios, ky } = await import(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const { auth } = window.connectTokenDemo;
    const kinds = [];
    const probe = (name) => (input, init) => {
      kinds.push({ name, request: input instanceof Request, body: input instanceof Request && input.body !== null, initBody: init?.body != null });
      return auth.fetch(input, init);
    };
    await axios.create({ adapter: 'fetch', env: { fetch: probe('axios') } }).post('/api/echo', { a: 1 });
    await ky.create({ fetch: probe('ky'), retry: 0 }).post('/api/echo', { json: { a: 1 } });
    return kinds;
  }, clients);
  assert.deepEqual(inputs, [
    { name: 'axios', request: true, body: true, initBody: false },
    { name: 'ky', request: true, body: true, initBody: false },
  ]);
  await assertNoLeaks(env);
});
