// 401 from an allowed origin on a request that carried the keeper's token: one forced renewal and
// one replay when the body can be sent again (an init body that is not a stream, or a Request's body,
// of which an unread copy is kept); the 401 as is when the host hands back the same token, when the
// init body was a ReadableStream, when retryUnauthorized is false, and when the caller set its own
// Authorization header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks } from './harness.mjs';

const EXPIRED = 'Authentication request has expired. Try reloading the page.';
const BODY = JSON.stringify({ name: 'Zoë ✓ 日本', list: [1, 2, 3], nested: { ok: true } });

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

/** Requests to `path` the backend saw, with their status and the token's hash. */
const seen = (path, server) =>
  env.control
    .addonStats()
    .requests.filter((r) => r.url === path && r.method !== 'OPTIONS' && (!server || r.server === server))
    .map((r) => ({ server: r.server, status: r.status, token: r.tokenHash, bodyLength: r.bodyLength }));

test('POST with a JSON body, one 401: one forced renewal, replayed once with a new token, body intact', async () => {
  // The host mints on every ask (no cache reuse) and tokens differ within a second (nonce).
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000); // past the 2 s minimum between host calls: no real-time wait
  const hostBefore = env.control.stats().hostCalls;

  env.control.addon({ rejectNext: 1 });
  const r = await s.fetch('/api/echo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: BODY });
  assert.equal(r.status, 200, JSON.stringify(r));
  assert.equal(r.json.body, BODY, 'the replay carried the same body');
  assert.equal(r.json.length, Buffer.byteLength(BODY));
  assert.equal(r.json.contentType, 'application/json');

  const echo = seen('/api/echo');
  assert.equal(echo.length, 2, 'sent twice: the original and one replay');
  assert.deepEqual(echo.map((e) => e.status), [401, 200]);
  assert.notEqual(echo[0].token, echo[1].token, 'the replay carried a new token');
  assert.equal(echo[0].bodyLength, Buffer.byteLength(BODY));
  assert.equal(echo[1].bodyLength, Buffer.byteLength(BODY));
  assert.equal(env.control.stats().hostCalls, hostBefore + 1, 'one forced renewal');
  const backend = env.control.addonStats();
  assert.equal(backend.reasons[EXPIRED], 1);
  // The rejected token is not used again.
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  assert.equal(seen('/api/whoami').at(-1).token, echo[1].token);
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env);
});

test('two requests rejected at once share the forced renewal; each is replayed once', async () => {
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);
  const hostBefore = env.control.stats().hostCalls;
  env.control.addon({ rejectNext: 2 });
  const out = await s.eval(async (body) => {
    const f = window.connectTokenDemo.auth.fetch;
    const rs = await Promise.all([
      f('/api/echo', { method: 'PUT', body }),
      f('/api/echo', { method: 'PATCH', body: new Blob([body]) }),
    ]);
    return Promise.all(rs.map(async (r) => ({ status: r.status, body: (await r.json()).body })));
  }, BODY);
  assert.deepEqual(out, [
    { status: 200, body: BODY },
    { status: 200, body: BODY },
  ]);
  assert.equal(env.control.stats().hostCalls, hostBefore + 1, 'one forced renewal for both');
  assert.deepEqual(seen('/api/echo').map((e) => e.status).sort(), [200, 200, 401, 401]);
  await assertNoLeaks(env);
});

test('host cache hands back the same token: the 401 is returned as is (no replay)', async () => {
  await env.reset(); // the host re-issues its cached token when asked early
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);
  const hostBefore = env.control.stats().hostCalls;
  env.control.addon({ rejectNext: 1 });
  const r = await s.fetch('/api/echo', { method: 'POST', body: BODY });
  assert.equal(r.status, 401);
  assert.equal(r.text, EXPIRED);
  assert.equal(seen('/api/echo').length, 1, 'not replayed');
  assert.equal(env.control.stats().hostCalls, hostBefore + 1, 'one forced renewal, which got the same token');
  assert.equal(env.control.stats().cacheHits, 1);
  // The session goes on with that (valid) token, without another host call.
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  assert.equal(env.control.stats().hostCalls, hostBefore + 1);
  await assertNoLeaks(env);
});

test('retryUnauthorized=false: the 401 is returned as is, no renewal', async () => {
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
  const s = await env.open({ query: { retryUnauthorized: false } });
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);
  const hostBefore = env.control.stats().hostCalls;
  env.control.addon({ rejectNext: 1 });
  const r = await s.fetch('/api/echo', { method: 'POST', body: BODY });
  assert.equal(r.status, 401);
  assert.equal(seen('/api/echo').length, 1);
  assert.equal(env.control.stats().hostCalls, hostBefore);
  await assertNoLeaks(env);
});

test('own Authorization header: never overwritten, its 401 never replayed', async () => {
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
  const s = await env.open();
  await s.settle(); // the first ask (made at creation) has reached the host
  await s.advance(3_000);
  const hostBefore = env.control.stats().hostCalls;
  const r = await s.fetch('/api/whoami', { headers: { Authorization: 'Bearer not-ours' } });
  assert.equal(r.status, 401);
  const sent = env.control.addonStats().requests.filter((x) => x.url === '/api/whoami');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].authScheme, 'Bearer');
  assert.equal(env.control.stats().hostCalls, hostBefore);
  await assertNoLeaks(env);
});

test('Request object with a body (what axios and ky send): a 401 is replayed once with a new token and the same body', async () => {
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);
  const hostBefore = env.control.stats().hostCalls;
  env.control.addon({ rejectNext: 1 });
  const out = await s.eval(async (body) => {
    const request = new Request('/api/echo', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    const r = await window.connectTokenDemo.auth.fetch(request);
    return { status: r.status, echo: await r.json(), bodyUsed: request.bodyUsed };
  }, BODY);
  assert.equal(out.status, 200);
  assert.equal(out.echo.body, BODY, 'the replay carried the same body');
  assert.equal(out.echo.contentType, 'application/json', "the Request's own headers went along");
  assert.equal(out.bodyUsed, true, "the caller's Request was what the replay sent");
  const sent = seen('/api/echo');
  assert.deepEqual(sent.map((x) => x.status), [401, 200]);
  assert.notEqual(sent[0].token, sent[1].token, 'replayed with a new token');
  assert.equal(env.control.stats().hostCalls - hostBefore, 1, 'one forced renewal');
  await assertNoLeaks(env);
});

test('ReadableStream body over HTTP/2 (allowed HTTPS origin): carries the token; a 401 is not replayed', async () => {
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
  const https = env.world.httpsOrigin;
  const s = await env.open({ query: { allowed: https } });
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);
  const send = () =>
    s.eval(async (url) => {
      const chunks = ['{"streamed":', '"Zoë ✓"}'];
      const enc = new TextEncoder();
      const body = new ReadableStream({
        pull(c) {
          if (chunks.length) c.enqueue(enc.encode(chunks.shift()));
          else c.close();
        },
      });
      const r = await window.connectTokenDemo.auth.fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        duplex: 'half',
      });
      return { status: r.status, text: await r.text() };
    }, `${https}/api/echo`);

  const ok = await send();
  assert.equal(ok.status, 200, ok.text);
  const echo = JSON.parse(ok.text);
  assert.equal(echo.body, '{"streamed":"Zoë ✓"}');
  assert.equal(echo.httpVersion, '2.0');
  assert.equal(seen('/api/echo', 'https').at(-1).status, 200);
  assert.ok(seen('/api/echo', 'https').at(-1).token, 'the stream request carried the token');

  const hostBefore = env.control.stats().hostCalls;
  env.control.addon({ rejectNext: 1 });
  const rejected = await send();
  assert.equal(rejected.status, 401);
  assert.equal(rejected.text, EXPIRED);
  const all = seen('/api/echo', 'https');
  assert.equal(all.length, 2, 'the stream request was sent once: not replayed');
  assert.ok(env.control.stats().hostCalls - hostBefore <= 1);
  assert.equal(env.control.addonStats().byServer.https.accepted, 1);
  await assertNoLeaks(env);
});

test('a revoked token (401, then replayed with a new one) is never sent again', async () => {
  await env.reset({ host: { cacheMarginSeconds: 100_000, nonce: true } });
  const s = await env.open();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.advance(3_000);
  const [first] = seen('/api/whoami');
  env.control.addon({ revokeHash: first.token });
  const r = await s.fetch('/api/whoami');
  assert.equal(r.status, 200);
  for (let i = 0; i < 5; i++) assert.equal((await s.fetch('/api/whoami')).status, 200);
  const uses = seen('/api/whoami').filter((e) => e.token === first.token);
  assert.deepEqual(uses.map((e) => e.status), [200, 401], 'used once before the revocation, rejected once after');
  await assertNoLeaks(env);
});
