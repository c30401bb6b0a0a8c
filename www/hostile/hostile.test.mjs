// Hostile input at the JavaScript boundary of connect-token (issue 5, part 2).
//   node --test www/hostile/hostile.test.mjs
// Serves this folder and the built package (pkg/, built with scripts/build.sh if missing) from a
// tiny loopback server and drives headless Chromium (/usr/bin/chromium, or CHROMIUM_PATH) with
// playwright-core. Every public function and option is called with wrong types, throwing getters,
// Proxies that throw on every trap, misbehaving token sources and odd fetch arguments; each call
// must end in a clear ConnectTokenError or exactly what window.fetch does, never a wasm trap or
// an uncaught error. Then the same instance must still renew and authenticate (page.clock).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const pkg = path.join(root, 'pkg');
const { chromium } = createRequire(path.join(root, 'package.json'))('playwright-core');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Every /api/ request the server saw: {path, method, host, auth}. */
const requests = [];
let server;
let browser;
let page;
let base;
const pageErrors = [];

function serve(req, res) {
  const url = new URL(req.url, 'http://placeholder');
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': 'authorization, content-type, x-test',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE',
  };
  if (url.pathname.startsWith('/api/')) {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return res.end();
    }
    let length = 0;
    req.on('data', (chunk) => (length += chunk.length));
    req.on('end', () => {
      const auth = req.headers.authorization ?? null;
      requests.push({ path: url.pathname, method: req.method, host: req.headers.host, auth });
      const status = url.pathname === '/api/unauthorized' ? 401 : 200;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...cors });
      res.end(JSON.stringify({ auth, method: req.method, bodyLength: length }));
    });
    return;
  }
  const [dir, rel] = url.pathname.startsWith('/pkg/') ? [pkg, url.pathname.slice(5)] : [here, url.pathname.slice(1) || 'index.html'];
  const file = path.resolve(dir, decodeURIComponent(rel));
  if (!file.startsWith(dir + path.sep)) {
    res.writeHead(403);
    return res.end();
  }
  stat(file).then(
    (info) => {
      if (!info.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      createReadStream(file).pipe(res);
    },
    () => {
      res.writeHead(404);
      res.end();
    },
  );
}

/** Runs `fn(arg)` in the page. */
const inPage = (fn, arg) => page.evaluate(fn, arg);

/**
 * Bugs found by this test (see README.md), each with the cases that show it. The category tests
 * leave these cases out; each bug has its own regression test below. B3 is a known limit of the
 * design (README: Behaviour, clock skew), kept as a todo.
 */
const KNOWN = {
  'B1 createConnectAuth rejects with a raw error, not invalid-options, when reading the options object or the allowedOrigins array throws': [
    'Proxy throwing on every trap',
    'revoked Proxy',
    'allowedOrigins Proxy of an array',
  ],
  'B2 a token source whose thenable `then` getter throws a hostile value: unhandled rejection on the page, and callers get timeout instead of host-error': [
    'returns a thenable whose then getter throws a hostile Proxy',
  ],
  'B3 an already-expired token as the FIRST answer is handed out as fresh (the clock estimate assumes it was just minted)': [
    'returns an expired JWT',
  ],
  'B4 auth.fetch(url, init) with a non-object init (5, "x", true) sends the request with the token where window.fetch rejects with TypeError': [
    'init 5',
    "init 'x'",
    'init true',
  ],
  "B5 auth.fetch with bad init.headers rejects with the Headers constructor's TypeError, not fetch's": [
    'init headers 5',
    "init headers 'x'",
    'init headers null',
    'init headers with an invalid name',
    'init headers with an invalid value',
    'init headers as bad pairs',
  ],
  'B6 token(options) throws synchronously (not a rejected invalid-options) when an option getter throws a non-Error': [
    'token({get signal() { throw undefined }})',
    'token({get signal() { throw hostile Proxy }})',
  ],
  'B7 token, claims, stats and dispose are not bound: called detached they throw a private-field TypeError': [
    'detached token()',
    'detached claims()',
    'detached stats()',
    'token.call(null)',
    'detached dispose()',
  ],
  'B8 new ConnectAuth(hostile object) throws the object\'s own error rather than "Use createConnectAuth"': [
    'new ConnectAuth(hostile Proxy)',
  ],
};
const knownCases = new Set(Object.values(KNOWN).flat());
/** Every result of every category, by case name, for the known-bug tests. */
const seen = new Map();

/** Formats the deviations of a runner's results (known bugs left out) for an assertion message. */
function deviations(results) {
  for (const r of results) if (!seen.has(r.name) || r.deviation) seen.set(r.name, r);
  return results.filter((r) => r.deviation && !knownCases.has(r.name)).map((r) => `  - ${r.name}: ${r.deviation}`);
}

async function uncaught() {
  return inPage(() => window.hostile.uncaught.splice(0));
}

before(async () => {
  if (!existsSync(path.join(pkg, 'index.js')) || !existsSync(path.join(pkg, 'connect_token_wasm.js'))) {
    execFileSync(path.join(root, 'scripts/build.sh'), { cwd: root, stdio: 'inherit' });
  }
  server = http.createServer(serve);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  // Fake timers whose time still flows; fastForward jumps to force renewals.
  await context.clock.install({ time: Date.now() });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${base}/index.html`);
  await page.waitForFunction(() => window.hostile?.run);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

test('createConnectAuth refuses every bad option with invalid-options', async () => {
  const results = await inPage(() => window.hostile.run.options());
  assert.ok(results.length > 80, `${results.length} cases`);
  const broken = deviations(results);
  assert.deepEqual(await uncaught(), []);
  assert.equal(broken.length, 0, `${broken.length} of ${results.length} option cases broke the rule:\n${broken.join('\n')}`);
});

test('a misbehaving token source gives the right ConnectTokenError at once', async () => {
  const results = await inPage(() => window.hostile.run.sources());
  const broken = deviations(results);
  const errors = await uncaught();
  assert.deepEqual(errors, [], `uncaught errors on the page: ${JSON.stringify(errors)}`);
  const slow = results.filter((r) => r.outcome.ms > 500).map((r) => `${r.name} ${r.outcome.ms} ms`);
  if (slow.length) console.log(`# slow token sources: ${slow.join(', ')}`);
  assert.equal(broken.length, 0, `${broken.length} of ${results.length} token sources broke the rule:\n${broken.join('\n')}`);
});

test('a thousand hostile calls, then the same instance still renews and authenticates', async () => {
  await inPage(async () => {
    const { createConnectAuth, mint, instances } = window.hostile;
    const calls = { getToken: 0, events: [] };
    const auth = await createConnectAuth({ getToken: () => (calls.getToken++, mint(60, { src: 'main' })) });
    auth.subscribe((event) => calls.events.push(event.type));
    instances.main = auth;
    instances.mainCalls = calls;
    await auth.token();
  });
  // Round 1 compares every fetch with window.fetch; later rounds repeat the calls (no comparison)
  // until more than a thousand hostile calls were made.
  const first = [...(await inPage(() => window.hostile.run.fetches('main', true))), ...(await inPage(() => window.hostile.run.methods('main')))];
  let calls = first.length;
  const later = [];
  while (calls < 1000) {
    const round = [...(await inPage(() => window.hostile.run.fetches('main', false))), ...(await inPage(() => window.hostile.run.methods('main')))];
    calls += round.length;
    later.push(...round.filter((r) => r.outcome?.error?.wasmTrap || r.library?.error?.wasmTrap || r.library?.kind === 'threw' || r.library?.kind === 'pending'));
  }
  const errorsDuringCalls = await uncaught();

  // Renewals: the token lives 60 s and is renewed 30 s before exp; jump 31 s at a time.
  let previous = await inPage(() => window.hostile.instances.main.token());
  const statsBefore = await inPage(() => window.hostile.instances.main.stats());
  for (let i = 0; i < 5; i++) {
    await page.clock.fastForward(31_000);
    const now = await inPage(async () => {
      const auth = window.hostile.instances.main;
      for (let tries = 0; tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (auth.snapshot().status === 'fresh') break;
      }
      const token = await auth.token();
      const response = await auth.fetch('/api/echo');
      const body = await response.json();
      return { token, auth: body.auth, src: auth.claims()?.src, status: auth.snapshot().status };
    });
    assert.notEqual(now.token, previous, `jump ${i + 1}: the token was not renewed`);
    assert.equal(now.auth, `JWT ${now.token}`, `jump ${i + 1}: the request did not carry the current token`);
    assert.equal(now.src, 'main');
    assert.equal(now.status, 'fresh');
    assert.equal(requests.at(-1).auth, `JWT ${now.token}`);
    previous = now.token;
  }
  const statsAfter = await inPage(() => window.hostile.instances.main.stats());
  assert.ok(statsAfter.renewals >= statsBefore.renewals + 5, `renewals ${JSON.stringify(statsBefore)} -> ${JSON.stringify(statsAfter)}`);
  const events = await inPage(() => window.hostile.instances.mainCalls.events);
  assert.ok(events.filter((e) => e === 'renewed').length >= 5, `events ${events}`);
  // The token never went to the other origin (localhost) during all of this.
  const port = new URL(base).port;
  const leaked = requests.filter((r) => r.host === `localhost:${port}` && r.auth?.startsWith('JWT '));
  assert.deepEqual(leaked, [], 'the token was sent to an origin that is not allowed');
  assert.ok(calls >= 1000, `${calls} calls`);
  assert.deepEqual(later, [], 'traps, synchronous throws or hangs in later rounds');
  assert.deepEqual(errorsDuringCalls, [], `uncaught errors during the hostile calls: ${JSON.stringify(errorsDuringCalls)}`);
  assert.deepEqual(await uncaught(), []);
  const broken = deviations(first);
  assert.equal(broken.length, 0, `${broken.length} of ${first.length} calls broke the rule (${calls} calls made, renewals fine):\n${broken.join('\n')}`);
});

test('a disposed instance: every call gives disposed or passes through', async () => {
  const results = await inPage(() => window.hostile.run.disposed());
  const broken = deviations(results);
  assert.deepEqual(await uncaught(), []);
  assert.equal(broken.length, 0, `${broken.length} of ${results.length} calls broke the rule:\n${broken.join('\n')}`);
});

// timeoutMs 5 s: a forced renewal right after the first ask is due 2 s later (the minimum interval
// between asks), and a caller waits for an ask only if it is due within its timeoutMs.
test('two instances with different token sources stay independent', async () => {
  const result = await inPage(async () => {
    const { createConnectAuth, mint, claimsOf } = window.hostile;
    const calls = { a: 0, b: 0 };
    let bFails = false;
    const a = await createConnectAuth({ getToken: () => (calls.a++, mint(60, { src: 'a' })), timeoutMs: 5000 });
    const b = await createConnectAuth({
      getToken: () => {
        calls.b++;
        if (bFails) throw new Error('b is down');
        return Promise.resolve(mint(600, { src: 'b' }));
      },
      scheme: 'Bearer',
      timeoutMs: 5000,
    });
    const seen = async (auth) => (await (await auth.fetch('/api/echo')).json()).auth;
    const out = {};
    out.authA = await seen(a);
    out.authB = await seen(b);
    out.srcA = claimsOf(await a.token()).src;
    out.srcB = claimsOf(await b.token()).src;
    const before = { ...calls };
    await a.token({ forceRefresh: true });
    out.forceA = { a: calls.a - before.a, b: calls.b - before.b };
    bFails = true;
    const bToken = await b.token();
    await b.token({ forceRefresh: true }).catch((error) => (out.bError = error.code));
    out.aAfterBFailed = claimsOf(await a.token()).src;
    out.aStatus = a.snapshot().status;
    out.bStatus = b.snapshot().status;
    bFails = false;
    a.dispose();
    out.aDisposed = await a.token().catch((error) => error.code);
    const bNext = await b.token();
    out.bAfterADisposed = claimsOf(bNext).src;
    out.bRenewedAfterFailure = bNext !== bToken;
    out.authBAfter = await seen(b);
    out.bStats = b.stats();
    b.dispose();
    return out;
  });
  assert.match(result.authA, /^JWT eyJ/);
  assert.match(result.authB, /^Bearer eyJ/);
  assert.equal(result.srcA, 'a');
  assert.equal(result.srcB, 'b');
  assert.deepEqual(result.forceA, { a: 1, b: 0 }, 'forceRefresh on one instance asked the other source');
  assert.equal(result.bError, 'host-error');
  assert.equal(result.aAfterBFailed, 'a');
  assert.equal(result.aStatus, 'fresh');
  assert.equal(result.aDisposed, 'disposed');
  assert.equal(result.bAfterADisposed, 'b');
  assert.equal(result.bRenewedAfterFailure, true);
  assert.match(result.authBAfter, /^Bearer eyJ/);
  assert.deepEqual(await uncaught(), []);
});

test('a throwing subscriber is reported, and the keeper goes on', async () => {
  const result = await inPage(async () => {
    const { createConnectAuth, mint } = window.hostile;
    const auth = await createConnectAuth({ getToken: () => mint(60) });
    const reported = [];
    const onError = (event) => reported.push(event.error?.message);
    addEventListener('error', onError);
    const seen = [];
    auth.subscribe(() => {
      throw new Error('listener failed');
    });
    auth.subscribe((event) => seen.push(event.type));
    const first = await auth.token();
    const second = await auth.token({ forceRefresh: true });
    removeEventListener('error', onError);
    auth.dispose();
    window.hostile.uncaught.splice(0); // the listener's own errors, reported on purpose
    return { reported, seen, renewed: first !== second };
  });
  assert.ok(result.reported.every((m) => m === 'listener failed') && result.reported.length >= 1, JSON.stringify(result));
  assert.ok(result.seen.filter((t) => t === 'renewed').length >= 1, JSON.stringify(result));
  assert.equal(result.renewed, true);
});

test('no page error escaped (but those of a subscriber that throws, and of bug B2)', () => {
  const b2 = KNOWN[Object.keys(KNOWN).find((k) => k.startsWith('B2'))].some((name) => seen.get(name)?.deviation);
  const other = pageErrors.filter((e) => !e.includes('listener failed') && !(b2 && e === 'Error: hostile proxy trap'));
  assert.deepEqual(other, []);
});

const OPEN = { B3: 'known limit: the first token is taken as freshly minted (README, clock skew)' };
for (const [bug, cases] of Object.entries(KNOWN)) {
  test(`bug ${bug}`, { todo: OPEN[bug.slice(0, 2)] }, () => {
    const broken = cases.map((name) => [name, seen.get(name)]).filter(([, r]) => !r || r.deviation);
    assert.equal(broken.length, 0, broken.map(([name, r]) => `  - ${name}: ${r ? r.deviation : 'did not run'}`).join('\n'));
  });
}
