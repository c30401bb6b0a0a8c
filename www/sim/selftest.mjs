// Self-test of the test world:  node --test www/sim/selftest.mjs
// Part 1 drives the servers over HTTP from Node; part 2 uses the real bridge in headless Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import http2 from 'node:http2';
import { createRequire } from 'node:module';
import { createQueryStringHash, fromMethodAndUrl } from 'atlassian-jwt';
import { startWorld, tokenHash } from './servers.js';
import { createAddon, clientInfo } from './ace-app.js';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';

const ADDON_KEY = 'connect-token-demo';
const EXPIRED = 'Authentication request has expired. Try reloading the page.';

function decode(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

const postJson = (url, body) =>
  fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

let world;

async function hostToken() {
  const r = await postJson(`${world.hostOrigin}/host/token`, { addonKey: ADDON_KEY });
  return { status: r.status, body: await r.json() };
}
async function controlHost(knobs) {
  const r = await postJson(`${world.hostOrigin}/control/host`, knobs);
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}
async function api(path, authorization, { base = world.addonOrigin, accept, origin, method = 'GET', body } = {}) {
  const headers = {};
  if (authorization) headers.Authorization = authorization;
  if (accept) headers.Accept = accept;
  if (origin) headers.Origin = origin;
  const r = await fetch(base + path, { method, headers, body });
  return { status: r.status, text: await r.text(), headers: r.headers };
}
/** Put the virtual clock at an absolute virtual time (ms). */
function setVirtualNow(ms) {
  world.control.clock({ shiftMs: ms - Date.now() });
}

before(async () => {
  world = await startWorld();
});
after(async () => {
  await world?.close();
});

describe('servers (Node, over HTTP)', () => {
  test('host mints a context JWT shaped like the product', async () => {
    world.control.reset();
    const { status, body } = await hostToken();
    assert.equal(status, 200);
    const { header, payload } = decode(body.token);
    assert.deepEqual(header, { typ: 'JWT', alg: 'HS256' });
    assert.equal(payload.qsh, 'context-qsh');
    assert.equal(payload.iss, world.tenant.clientKey);
    assert.match(payload.sub, /^712020:[0-9a-f-]{36}$/);
    assert.equal(payload.exp - payload.iat, 900);
    assert.equal(payload.aud, undefined);
    assert.equal(payload.sim_nonce, undefined);
    assert.deepEqual(payload.context.jira.issue, { key: 'DEMO-1', id: '10001', issuetype: { id: '10002' } });
    assert.deepEqual(payload.context.jira.project, { key: 'DEMO', id: '10000' });
    assert.equal(payload.context.license.active, true);
    assert.equal(payload.context.url.displayUrl, world.hostOrigin);
    assert.ok(Math.abs(payload.iat - world.control.clock().nowSeconds) <= 1);
    const stats = world.control.stats();
    assert.equal(stats.hostCalls, 1);
    assert.equal(stats.minted, 1);
  });

  test('verifier accepts "JWT <token>" and counts it per token', async () => {
    world.control.reset();
    const { body } = await hostToken();
    const r = await api('/api/whoami', `JWT ${body.token}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { sub: world.tenant.sub, iss: world.tenant.clientKey });
    assert.ok(r.headers.get('x-acpt'), 'ACE sends its session token in X-acpt');
    const s = world.control.addonStats();
    assert.equal(s.accepted, 1);
    assert.equal(s.perToken[tokenHash(body.token)].accepted, 1);
    const entry = s.requests.at(-1);
    assert.equal(entry.url, '/api/whoami');
    assert.equal(entry.hasAuthorization, true);
    assert.equal(entry.tokenSource, 'header');
    assert.equal(JSON.stringify(s).includes(body.token), false, 'stats never hold the token');
  });

  test('verifier rejects Bearer, lower-case jwt, no header, wrong secret, other alg, unknown iss', async () => {
    world.control.reset();
    const { body } = await hostToken();
    const t = body.token;
    for (const auth of [`Bearer ${t}`, `jwt ${t}`, `Jwt ${t}`, undefined]) {
      const r = await api('/api/whoami', auth);
      assert.equal(r.status, 401, `${auth?.slice(0, 8)} -> ${r.status}`);
      assert.equal(r.text, 'Could not find authentication data on request');
    }
    const wrong = world.control.mint({ secret: 'not-the-shared-secret' });
    let r = await api('/api/whoami', `JWT ${wrong}`);
    assert.equal(r.status, 400, 'ACE answers 400 to a bad signature');
    assert.match(r.text, /^Unable to decodeSymmetric JWT token: Error: Signature verification failed/);
    // ACE's answer quotes the token's header and payload (never the signature); the counters keep neither.
    assert.equal(r.text.includes(wrong.split('.')[2]), false, 'the response never holds the signature');
    assert.equal(JSON.stringify(world.control.addonStats()).includes(wrong.split('.')[1]), false, 'the counters hold no token material');

    const hs512 = world.control.sign(decode(t).payload, { algorithm: 'HS512' });
    r = await api('/api/whoami', `JWT ${hs512}`);
    assert.equal(r.status, 401);
    assert.match(r.text, /^Invalid JWT: Algorithm from the header/);

    const stranger = world.control.sign({ ...decode(t).payload, iss: 'someone-else' });
    r = await api('/api/whoami', `JWT ${stranger}`);
    assert.equal(r.status, 401);
    assert.match(r.text, /Could not find stored client data for someone-else/);

    r = await api('/api/whoami', 'JWT not.a.jwt');
    assert.equal(r.status, 401);
    assert.match(r.text, /^Invalid JWT/);

    r = await api('/api/whoami', `Bearer ${t}`, { accept: 'application/json' });
    assert.equal(r.status, 401);
    assert.deepEqual(JSON.parse(r.text), { message: 'Could not find authentication data on request' });

    const s = world.control.addonStats();
    assert.equal(s.accepted, 0);
    assert.equal(s.rejected, 9);
  });

  test('qsh must be "context-qsh" (Spring Boot rule, the default; qshCheck "ace" is checkValidToken alone)', async () => {
    world.control.reset();
    const claims = world.control.contextClaims({ iat: world.control.clock().nowSeconds, exp: world.control.clock().nowSeconds + 900 });
    const other = world.control.sign({ ...claims, qsh: 'abc123' });
    const r = await api('/api/whoami', `JWT ${other}`);
    assert.equal(r.status, 401);
    assert.equal(r.text, 'Authentication failed: query hash does not match.');
    world.control.addon({ qshCheck: 'ace' });
    assert.equal((await api('/api/whoami', `JWT ${other}`)).status, 200);
    assert.deepEqual(world.control.addonStats().reasons, { 'Authentication failed: query hash does not match.': 1 });
  });

  test('expiry: accepted at exp-1, rejected at exactly now >= exp (virtual clock, no leeway)', async () => {
    world.control.reset();
    const { body } = await hostToken();
    const { exp } = decode(body.token).payload;
    setVirtualNow((exp - 1) * 1000 + 50);
    let r = await api('/api/whoami', `JWT ${body.token}`);
    assert.equal(r.status, 200, r.text);
    setVirtualNow(exp * 1000 + 50);
    r = await api('/api/whoami', `JWT ${body.token}`);
    assert.equal(r.status, 401);
    assert.equal(r.text, EXPIRED);
    const s = world.control.addonStats().perToken[tokenHash(body.token)];
    assert.deepEqual([s.accepted, s.rejected], [1, 1]);
  });

  test('cache: same token until remaining life < cacheMarginSeconds, then a new one', async () => {
    world.control.reset();
    const a = (await hostToken()).body.token;
    const b = (await hostToken()).body.token;
    assert.equal(a, b);
    const { exp } = decode(a).payload;
    setVirtualNow((exp - 61) * 1000 + 50); // 61 s left: still cached
    assert.equal((await hostToken()).body.token, a);
    setVirtualNow((exp - 59) * 1000 + 50); // 59 s left: below the 60 s margin
    const c = (await hostToken()).body.token;
    assert.notEqual(c, a);
    assert.equal(decode(c).payload.iat, exp - 59);
    const s = world.control.stats();
    assert.deepEqual([s.hostCalls, s.minted, s.cacheHits], [4, 2, 2]);
  });

  test('same-second tokens are identical; the nonce knob makes them differ', async () => {
    world.control.reset();
    await controlHost({ cacheMarginSeconds: 100000 }); // never reuse the cache: mint every time
    setVirtualNow(Math.floor(Date.now() / 1000 + 10) * 1000); // start of a virtual second
    const a = (await hostToken()).body.token;
    const b = (await hostToken()).body.token;
    assert.equal(decode(a).payload.iat, decode(b).payload.iat);
    assert.equal(a, b);
    await controlHost({ nonce: true });
    setVirtualNow(Math.floor(Date.now() / 1000 + 10) * 1000);
    const c = (await hostToken()).body.token;
    const d = (await hostToken()).body.token;
    assert.notEqual(c, d);
    assert.equal(typeof decode(c).payload.sim_nonce, 'number');
  });

  test('fault knobs over HTTP: failNext, failUntil, failForMs', async () => {
    world.control.reset();
    await controlHost({ failNext: 2 });
    assert.equal((await hostToken()).status, 500);
    const second = await hostToken();
    assert.equal(second.status, 500);
    assert.match(second.body.error, /Simulated host failure/);
    assert.equal((await hostToken()).status, 200);
    const s = world.control.stats();
    assert.deepEqual([s.hostCalls, s.failed, s.minted], [3, 2, 1]);

    const now = world.control.clock().now;
    await controlHost({ failUntil: now + 60_000 });
    assert.equal((await hostToken()).status, 500);
    await postJson(`${world.hostOrigin}/control/clock`, { advanceMs: 61_000 });
    assert.equal((await hostToken()).status, 200);

    await controlHost({ failForMs: 5_000 });
    assert.equal((await hostToken()).status, 500);
    world.control.clock({ advanceMs: 5_001 });
    assert.equal((await hostToken()).status, 200);
  });

  test('fault knobs over HTTP: hang, hangNext, delayMs', async () => {
    world.control.reset();
    // Sends POST /host/token, waits until the host holds it, then gives it 600 ms to answer (it must
    // not) and aborts. (A client timeout started with the request could fire before it reached the host.)
    const hungRequest = async () => {
      const calls = world.control.stats().hostCalls;
      const abort = new AbortController();
      const answer = fetch(`${world.hostOrigin}/host/token`, {
        method: 'POST',
        body: JSON.stringify({ addonKey: ADDON_KEY }),
        signal: abort.signal,
      });
      answer.catch(() => {});
      await waitUntil(() => world.control.stats().hostCalls === calls + 1, 5000, 'the request reached the host');
      const timer = setTimeout(() => abort.abort(new DOMException('no answer within 600 ms', 'TimeoutError')), 600);
      await assert.rejects(answer, (e) => e.name === 'TimeoutError');
      clearTimeout(timer);
    };
    await controlHost({ hang: true });
    await hungRequest();
    await controlHost({ hang: false, hangNext: 1 });
    await hungRequest();
    assert.equal((await hostToken()).status, 200);
    const s = world.control.stats();
    assert.deepEqual([s.hostCalls, s.hung], [3, 2]);
    await waitUntil(() => world.control.stats().pendingHung === 0, 5000, 'aborted clients are no longer pending');

    await controlHost({ delayMs: 300 });
    const t0 = Date.now();
    assert.equal((await hostToken()).status, 200);
    assert.ok(Date.now() - t0 >= 290, 'answer was delayed');
  });

  test('fault knobs over HTTP: malformedNext, expiredNext, ttlSeconds, reset', async () => {
    world.control.reset();
    await controlHost({ malformedNext: 1 });
    assert.equal((await hostToken()).body.token, 'not.a.jwt');
    await controlHost({ malformedNext: 1, malformedValue: 'eyJ!!!.@@@.###' });
    assert.equal((await hostToken()).body.token, 'eyJ!!!.@@@.###');

    await controlHost({ expiredNext: 1 });
    const expired = (await hostToken()).body.token;
    const p = decode(expired).payload;
    assert.ok(p.exp < world.control.clock().nowSeconds, 'exp already past');
    const r = await api('/api/whoami', `JWT ${expired}`);
    assert.equal(r.status, 401);
    assert.equal(r.text, EXPIRED);

    await controlHost({ ttlSeconds: 120 });
    const short = decode((await hostToken()).body.token).payload;
    assert.equal(short.exp - short.iat, 120);

    const s = world.control.stats();
    assert.deepEqual([s.malformed, s.expiredServed, s.minted], [2, 1, 2]);
    const knobs = await controlHost({ reset: true });
    assert.equal(knobs.ttlSeconds, 900);
    assert.equal(world.control.stats().hostCalls, 0);
    const bad = await postJson(`${world.hostOrigin}/control/host`, { noSuchKnob: 1 });
    assert.equal(bad.status, 400);
  });

  test('clock control over HTTP', async () => {
    world.control.reset();
    let c = await (await postJson(`${world.hostOrigin}/control/clock`, { shiftMs: 3_600_000 })).json();
    assert.equal(c.shiftMs, 3_600_000);
    c = await (await postJson(`${world.addonOrigin}/control/clock`, { advanceMs: 1000 })).json();
    assert.equal(c.shiftMs, 3_601_000);
    c = await (await fetch(`${world.hostOrigin}/control/clock`)).json();
    assert.ok(Math.abs(c.now - (Date.now() + 3_601_000)) < 1000);
    const t = decode((await hostToken()).body.token).payload;
    assert.ok(Math.abs(t.iat - c.nowSeconds) <= 1, 'minting uses the virtual clock');
  });

  test('add-on knobs: rejectNext, revoke, reset', async () => {
    world.control.reset();
    const t = (await hostToken()).body.token;
    let r = await postJson(`${world.addonOrigin}/control/addon`, { rejectNext: 1 });
    assert.equal(r.status, 200);
    assert.equal((await api('/api/whoami', `JWT ${t}`)).status, 401);
    assert.equal((await api('/api/whoami', `JWT ${t}`)).status, 200);
    await postJson(`${world.hostOrigin}/control/addon`, { revoke: t });
    r = await api('/api/whoami', `JWT ${t}`);
    assert.equal(r.status, 401);
    assert.equal(r.text, 'Token revoked (simulated)');
    const s = await (await fetch(`${world.hostOrigin}/control/addon/stats`)).json();
    assert.deepEqual(s.perToken[tokenHash(t)], { accepted: 1, rejected: 2, sub: world.tenant.sub, iat: decode(t).payload.iat, exp: decode(t).payload.exp });
    await postJson(`${world.hostOrigin}/control/addon`, { reset: true });
    assert.equal((await api('/api/whoami', `JWT ${t}`)).status, 200);
  });

  test('echo returns the raw body, its length and content type; any /api/* path works', async () => {
    world.control.reset();
    const t = (await hostToken()).body.token;
    const json = JSON.stringify({ name: 'Zoë ✓', list: [1, 2, 3] });
    const r = await fetch(`${world.addonOrigin}/api/echo`, {
      method: 'POST',
      headers: { Authorization: `JWT ${t}`, 'Content-Type': 'application/json' },
      body: json,
    });
    const e = await r.json();
    assert.equal(e.body, json);
    assert.equal(e.length, Buffer.byteLength(json));
    assert.equal(e.contentType, 'application/json');
    const any = await api('/api/projects/DEMO/things?x=1', `JWT ${t}`, { method: 'DELETE' });
    assert.equal(any.status, 200);
    assert.equal(JSON.parse(any.text).path, '/api/projects/DEMO/things');
  });

  test('CORS: add-on and second origins allowed with Authorization; third origin not', async () => {
    for (const base of [world.addonOrigin, world.secondOrigin]) {
      for (const origin of [world.addonOrigin, world.secondOrigin]) {
        const r = await fetch(`${base}/api/whoami`, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
        });
        assert.equal(r.status, 204);
        assert.equal(r.headers.get('access-control-allow-origin'), origin);
        assert.match(r.headers.get('access-control-allow-headers'), /Authorization/);
        assert.match(r.headers.get('access-control-allow-headers'), /Content-Type/);
      }
      const r = await fetch(`${base}/api/whoami`, { method: 'OPTIONS', headers: { Origin: world.thirdOrigin } });
      assert.equal(r.headers.get('access-control-allow-origin'), null);
    }
  });

  test('third origin records requests (Authorization presence, never the value)', async () => {
    world.control.reset();
    const t = (await hostToken()).body.token;
    await fetch(`${world.thirdOrigin}/collect?a=1`, { method: 'POST', headers: { Authorization: `JWT ${t}` }, body: 'x' });
    await fetch(`${world.thirdOrigin}/plain`);
    const log = await (await fetch(`${world.hostOrigin}/control/third/log`)).json();
    assert.equal(log.length, 2);
    assert.equal(log[0].hasAuthorization, true);
    assert.equal(log[0].authHash, tokenHash(t));
    assert.deepEqual(log[0].jwtHashesFound, [tokenHash(t)]);
    assert.equal(log[1].hasAuthorization, false);
    assert.equal(JSON.stringify(log).includes(t), false);
    const own = await (await fetch(`${world.thirdOrigin}/control/third/log`)).json();
    assert.equal(own.length, 2);
  });

  test('HTTPS origin speaks HTTP/2 and verifies like the others', async () => {
    world.control.reset();
    const t = (await hostToken()).body.token;
    const client = http2.connect(world.httpsOrigin, { rejectUnauthorized: false });
    try {
      const res = await new Promise((resolve, reject) => {
        const req = client.request({
          ':method': 'POST',
          ':path': '/api/echo',
          authorization: `JWT ${t}`,
          'content-type': 'text/plain',
        });
        let data = '';
        let status;
        req.on('response', (h) => (status = h[':status']));
        req.setEncoding('utf8');
        req.on('data', (c) => (data += c));
        req.on('end', () => resolve({ status, body: JSON.parse(data) }));
        req.on('error', reject);
        req.end('hello over h2');
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.body, 'hello over h2');
      assert.equal(res.body.httpVersion, '2.0');
    } finally {
      client.close();
    }
    assert.equal(world.control.addonStats().byServer.https.accepted, 1);
  });
});

// The simulator's verdicts are ACE's: a plain ACE app in this process (no simulator) and the
// simulator answer the same requests alike. ACE's checkValidToken() guards /api/*, authenticate()
// (qsh checked against the request) guards /api/authenticate/*.
describe('ACE decides: a plain ACE 11.5.3 app and the simulator agree', () => {
  let plain;
  let plainOrigin;
  before(async () => {
    const require = createRequire(import.meta.url);
    const express = require('express');
    const ace = require('atlassian-connect-express');
    const app = express();
    const listeners = process.listeners('unhandledRejection');
    const addon = await createAddon(ace, app);
    // ACE adds a process-wide unhandledRejection logger; keep node:test's behaviour in this process.
    for (const l of process.listeners('unhandledRejection')) if (!listeners.includes(l)) process.off('unhandledRejection', l);
    await addon.settings.set('clientInfo', clientInfo(world.tenant, world.hostOrigin), world.tenant.clientKey);
    app.use(express.json());
    app.get('/api/whoami', addon.checkValidToken(), (req, res) => res.json({ sub: req.context.userAccountId, iss: req.context.clientKey }));
    app.get('/api/authenticate/check', addon.authenticate(), (req, res) =>
      res.json({ ok: true, method: req.method, path: req.path, sub: req.context.userAccountId }),
    );
    plain = http.createServer(app);
    await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
    plainOrigin = `http://127.0.0.1:${plain.address().port}`;
  });
  after(() => new Promise((resolve) => (plain ? plain.close(resolve) : resolve())));

  const both = async (path, authorization, o = {}) => [await api(path, authorization, { ...o, base: plainOrigin }), await api(path, authorization, o)];
  const sameAnswer = ([ace, sim], status, what) => {
    assert.equal(ace.status, status, `plain ACE, ${what}: ${ace.text}`);
    assert.equal(sim.status, ace.status, `simulator, ${what}: ${sim.text}`);
    assert.equal(sim.text, ace.text, what);
  };
  const qshOf = (method, url) => createQueryStringHash(fromMethodAndUrl(method, url), false, 'http://localhost/');

  test('rejected by both: expired, wrong secret, no token, Bearer, unknown issuer, wrong qsh where ACE checks it', async () => {
    world.control.reset();
    const now = world.control.clock().nowSeconds;
    const expired = world.control.mint({ iat: now - 901, ttlSeconds: 900 });
    sameAnswer(await both('/api/whoami', `JWT ${expired}`), 401, 'expired');
    sameAnswer(await both('/api/whoami', `JWT ${world.control.mint({ secret: 'not-the-shared-secret' })}`), 400, 'wrong secret');
    sameAnswer(await both('/api/whoami'), 401, 'no token');
    sameAnswer(await both('/api/whoami', `Bearer ${world.control.mint()}`), 401, 'Bearer');
    sameAnswer(await both('/api/whoami', `JWT ${world.control.sign(world.control.contextClaims({ iat: now, exp: now + 900, iss: 'stranger' }))}`), 401, 'unknown iss');
    const page = (qsh) => world.control.sign({ ...world.control.contextClaims({ iat: now, exp: now + 180 }), qsh });
    sameAnswer(await both('/api/authenticate/check', `JWT ${page('0123abcd')}`), 401, 'wrong qsh on authenticate()');
    sameAnswer(await both('/api/authenticate/check', `JWT ${page(qshOf('GET', '/api/authenticate/check'))}`), 200, 'right qsh on authenticate()');
    sameAnswer(await both('/api/whoami', `JWT ${world.control.mint()}`), 200, 'a fresh context JWT');
    const s = world.control.addonStats();
    assert.deepEqual([s.accepted, s.rejected, s.noToken], [2, 6, 2]);
    assert.equal(s.reasons['Authentication request has expired. Try reloading the page.'], 1);
    assert.equal(s.reasons['Authentication failed: query hash does not match.'], 1);
  });

  test("checkValidToken() ignores qsh; the Spring Boot switch (qshCheck 'context', default) adds @ContextJwt's rule", async () => {
    world.control.reset();
    const now = world.control.clock().nowSeconds;
    const other = world.control.sign({ ...world.control.contextClaims({ iat: now, exp: now + 900 }), qsh: '0123abcd' });
    const [ace, sim] = await both('/api/whoami', `JWT ${other}`);
    assert.equal(ace.status, 200, 'ACE alone accepts any qsh on checkValidToken()');
    assert.equal(sim.status, 401);
    world.control.addon({ qshCheck: 'ace' });
    sameAnswer(await both('/api/whoami', `JWT ${other}`), 200, 'qshCheck ace');
  });

  test("ACE's clock is the simulator's: a token live in real time is expired in virtual time", async () => {
    world.control.reset();
    const token = world.control.mint();
    sameAnswer(await both('/api/whoami', `JWT ${token}`), 200, 'before');
    world.control.clock({ advanceMs: 900_000 });
    // ACE's moment follows the newest world's clock in this process: the plain app's too.
    sameAnswer(await both('/api/whoami', `JWT ${token}`), 401, 'expired in virtual time');
    world.control.clock({ advanceMs: -900_000 });
    assert.equal((await api('/api/whoami', `JWT ${token}`)).status, 200, 'and back');
  });
});

test('static serving: addonDir, /pkg/ mount, /iframe.js, MIME types, no escape from the root', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sim-static-'));
  try {
    mkdirSync(path.join(root, 'spa'));
    mkdirSync(path.join(root, 'pkg'));
    writeFileSync(path.join(root, 'spa', 'index.html'), '<p>spa</p>');
    writeFileSync(path.join(root, 'pkg', 'lib_bg.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(path.join(root, 'pkg', 'lib.js'), 'export {}');
    writeFileSync(path.join(root, 'secret.txt'), 'outside');
    const w = await startWorld({ addonDir: path.join(root, 'spa'), staticDirs: { '/pkg/': path.join(root, 'pkg') }, https: false });
    try {
      let r = await fetch(`${w.addonOrigin}/`);
      assert.equal(await r.text(), '<p>spa</p>');
      r = await fetch(`${w.addonOrigin}/pkg/lib_bg.wasm`);
      assert.equal(r.headers.get('content-type'), 'application/wasm');
      r = await fetch(`${w.addonOrigin}/pkg/lib.js`);
      assert.match(r.headers.get('content-type'), /^text\/javascript/);
      r = await fetch(`${w.addonOrigin}/iframe.js`);
      assert.ok((await r.text()).length > 100_000, 'the real bridge');
      for (const p of ['/pkg/..%2fsecret.txt', '/..%2fsecret.txt', '/pkg/%2e%2e/secret.txt']) {
        r = await fetch(`${w.addonOrigin}${p}`);
        assert.ok(r.status === 403 || r.status === 404, `${p} -> ${r.status}`);
        assert.notEqual(await r.text(), 'outside');
      }
      assert.equal(w.httpsOrigin, null);
    } finally {
      await w.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Part 2: the real bridge in headless Chromium.


async function waitUntil(condition, maxMs, what) {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > maxMs) throw new Error(`not within ${maxMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitForChromium(maxMs) {
  const t0 = Date.now();
  while (!existsSync(CHROMIUM_PATH)) {
    if (Date.now() - t0 > maxMs) throw new Error(`${CHROMIUM_PATH} did not appear within ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe('real bridge in Chromium', () => {
  let browser;
  let context;

  before(async () => {
    await waitForChromium(Number(process.env.SIM_CHROMIUM_WAIT_MS || 10 * 60_000));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    context = await browser.newContext({ ignoreHTTPSErrors: true });
  });
  after(async () => {
    await browser?.close();
  });

  async function openAddon(query = {}) {
    const page = await context.newPage();
    await page.goto(world.hostPageUrl({ addon: '/index.html', ...query }));
    const frame = await (await page.waitForSelector('#sim-frame iframe')).contentFrame();
    await frame.waitForFunction(() => window.AP && window.AP.context && typeof window.AP.context.getToken === 'function');
    assert.equal(new URL(frame.url()).origin, world.addonOrigin, 'the add-on runs cross-origin');
    assert.equal(await frame.textContent('#placeholder'), 'placeholder');
    return { page, frame };
  }

  test('promise form: getToken resolves to a token the backend accepts', async () => {
    world.control.reset();
    const { page, frame } = await openAddon();
    const out = await frame.evaluate(async () => {
      const p = AP.context.getToken();
      const isPromise = !!p && typeof p.then === 'function';
      const token = await p;
      const r = await fetch('/api/whoami', { headers: { Authorization: 'JWT ' + token } });
      return { isPromise, token, status: r.status, who: await r.json() };
    });
    assert.equal(out.isPromise, true);
    assert.equal(out.status, 200);
    assert.equal(out.who.sub, world.tenant.sub);
    assert.equal(world.control.stats().hostCalls, 1);
    const s = world.control.addonStats();
    assert.equal(s.perToken[tokenHash(out.token)].accepted, 1);
    assert.equal(s.requests.find((e) => e.url === '/api/whoami').origin, null, 'same-origin GET');

    // a rejection reaches the iframe as the plain message string
    world.control.host({ failNext: 1 });
    const err = await frame.evaluate(() => AP.context.getToken().then(() => 'resolved', (e) => ({ type: typeof e, e })));
    assert.deepEqual(err, { type: 'string', e: 'Simulated host failure: could not get a context token' });

    // the callback on a promise method gets the token alone
    const viaCb = await frame.evaluate(() => new Promise((res) => AP.context.getToken((...a) => res(a))));
    assert.equal(viaCb.length, 1);
    assert.equal(viaCb[0], out.token, 'the host cache returns the same token');
    await page.close();
  });

  test('callback form (?form=callback): token via callback, no argument on error', async () => {
    world.control.reset();
    const { page, frame } = await openAddon({ form: 'callback' });
    const out = await frame.evaluate(
      () =>
        new Promise((resolve) => {
          let ret = 'unset';
          ret = AP.context.getToken((...args) => resolve({ args, ret: typeof ret }));
        }),
    );
    assert.equal(out.args.length, 1);
    assert.equal(out.ret, 'undefined', 'getToken(cb) returns undefined');
    const token = out.args[0];
    const noPromise = await frame.evaluate(() => typeof AP.context.getToken());
    assert.equal(noPromise, 'undefined', 'no promise without returnsPromise');
    // that call still reaches the host server; let it land before arming a fault, or it may take the fault
    await waitUntil(() => world.control.stats().hostCalls === 2, 5000, 'the callback-less getToken reached the host');

    const status = await frame.evaluate(
      (t) => fetch('/api/whoami', { headers: { Authorization: 'JWT ' + t } }).then((r) => r.status),
      token,
    );
    assert.equal(status, 200);
    assert.equal(world.control.addonStats().perToken[tokenHash(token)].accepted, 1);

    world.control.host({ failNext: 1 });
    const onError = await frame.evaluate(() => new Promise((res) => AP.context.getToken((...a) => res(a.length))));
    assert.equal(onError, 0, 'error -> callback() with no argument');
    await page.close();

    // the knob returnsPromise:false makes the callback form the page default
    world.control.host({ returnsPromise: false });
    const again = await openAddon();
    assert.equal(await again.page.evaluate(() => window.simHost.form), 'callback');
    assert.equal(await again.frame.evaluate(() => typeof AP.context.getToken()), 'undefined');
    // that call too reaches the host: let it land here, not in the next test (after its reset)
    await waitUntil(() => world.control.stats().hostCalls === 4, 5000, 'the last callback-less getToken reached the host');
    await again.page.close();
  });

  test('hang: the promise has not settled after ~1 s', async () => {
    world.control.reset();
    const { page, frame } = await openAddon();
    world.control.host({ hang: true });
    await frame.evaluate(() => {
      window.__state = 'pending';
      AP.context.getToken().then(
        () => (window.__state = 'resolved'),
        () => (window.__state = 'rejected'),
      );
    });
    // the call reaches the host server in its own time: time the hang from when it is held there
    await waitUntil(() => world.control.stats().hostCalls === 1, 5000, 'the getToken reached the host, which holds it');
    await page.waitForTimeout(1000);
    assert.equal(await frame.evaluate(() => window.__state), 'pending');
    const s = world.control.stats();
    assert.equal(s.hostCalls, 1);
    assert.equal(s.pendingHung, 1);
    world.control.host({ hang: false });
    await page.close();
  });

  test('cross-origin APIs: second origin allowed, third origin records, h2 stream body', async () => {
    world.control.reset();
    const { page, frame } = await openAddon();
    const out = await frame.evaluate(
      async ({ second, third, https }) => {
        const token = await AP.context.getToken();
        const auth = { Authorization: 'JWT ' + token };
        const r2 = await fetch(second + '/api/whoami', { headers: auth });
        const r3 = await fetch(third + '/beacon', { method: 'POST', body: 'no token here' });
        const chunks = ['{"a":', '"streamed ✓"}'];
        const enc = new TextEncoder();
        const stream = new ReadableStream({
          pull(c) {
            if (chunks.length) c.enqueue(enc.encode(chunks.shift()));
            else c.close();
          },
        });
        const rs = await fetch(https + '/api/echo', {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: stream,
          duplex: 'half',
        });
        return { token, s2: r2.status, s3: r3.status, hs: rs.status, echo: await rs.json() };
      },
      { second: world.secondOrigin, third: world.thirdOrigin, https: world.httpsOrigin },
    );
    assert.equal(out.s2, 200);
    assert.equal(out.s3, 200);
    assert.equal(out.hs, 200);
    assert.equal(out.echo.body, '{"a":"streamed ✓"}');
    assert.equal(out.echo.httpVersion, '2.0');
    const s = world.control.addonStats();
    assert.equal(s.byServer.second.accepted, 1);
    assert.equal(s.byServer.https.accepted, 1);
    assert.equal(s.perToken[tokenHash(out.token)].accepted, 2);
    const log = world.control.thirdLog();
    assert.equal(log.length, 1);
    assert.equal(log[0].hasAuthorization, false);
    assert.deepEqual(log[0].jwtHashesFound, []);
    await page.close();
  });

  test('pageJwt=1 puts a product-like JWT on the iframe URL (qsh of the page, not context-qsh)', async () => {
    world.control.reset();
    const { page, frame } = await openAddon({ pageJwt: 1 });
    const url = new URL(frame.url());
    const jwt = url.searchParams.get('jwt');
    assert.ok(jwt);
    const p = decode(jwt).payload;
    assert.equal(p.exp - p.iat, 180);
    assert.notEqual(p.qsh, 'context-qsh');
    const pageLoad = world.control.addonStats().requests.find((e) => e.url.startsWith('/index.html'));
    assert.deepEqual(pageLoad.jwtHashesInUrl, [tokenHash(jwt)]);
    await page.close();
  });
});
