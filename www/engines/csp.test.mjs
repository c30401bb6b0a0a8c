// The package under a page's Content-Security-Policy and when its module cannot load, in Chromium,
// Firefox ESR and WebKitGTK (W3C WebDriver, www/csp/page.js):
// - script-src 'self' without 'wasm-unsafe-eval': createConnectAuth() rejects at once with a
//   ConnectTokenError `wasm-blocked` that names 'wasm-unsafe-eval' (and warns off 'unsafe-eval'),
//   with the engine's own error as `cause`; a second call rejects the same way; no unhandled
//   rejection. Each engine's own words differ (the test prints them).
// - with 'wasm-unsafe-eval': it works, and no securitypolicyviolation event fires.
// - a module that is not WebAssembly (a copy of pkg/ whose connect_token_wasm.js holds other
//   bytes), or no DecompressionStream: `load-failed`, saying what was loaded and what went wrong;
//   the next createConnectAuth() tries again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { selectedEngines, startSession } from './engines.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const POLICIES = {
  strict: "default-src 'self'; script-src 'self'",
  wasm: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'",
};
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
// What /bad-pkg/ serves as its module: well-formed gzip and base64 of bytes that are not wasm.
const NOT_WASM = `export default '${gzipSync(Buffer.from('this is not a WebAssembly module')).toString('base64')}';\n`;

let server;
let origin;
before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const [, top, ...rest] = url.pathname.split('/');
    const dir = { csp: 'www/csp', pkg: 'pkg', 'bad-pkg': 'pkg' }[top];
    const file = path.join(ROOT, dir ?? 'missing', ...rest);
    let body;
    try {
      body = top === 'bad-pkg' && rest.join('/') === 'connect_token_wasm.js' ? NOT_WASM : readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const headers = { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    const policy = POLICIES[url.searchParams.get('csp')];
    if (policy) headers['content-security-policy'] = policy;
    res.writeHead(200, headers).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => server?.close());

for (const engine of selectedEngines()) {
  describe(`${engine.name}: ${engine.engine}`, () => {
    let opened;
    let session;
    before(async () => {
      opened = await startSession(engine, 30_000);
      session = opened.session;
    });
    after(() => opened?.close());

    /** Opens the page under `csp` and runs window.csp[method](pkg) in it. */
    async function inPage(csp, method, pkg) {
      await session.navigate(`${origin}/csp/page.html?csp=${csp}`);
      return session.run(
        async ({ method, pkg }) => {
          while (!window.csp) await new Promise((resolve) => setTimeout(resolve, 10));
          return window.csp[method](pkg);
        },
        { method, pkg },
      );
    }

    test("without 'wasm-unsafe-eval': wasm-blocked at once, every time, with the engine's error as cause", async (t) => {
      const { outcomes, unhandled } = await inPage('strict', 'start', 'pkg');
      assert.equal(outcomes.length, 2);
      for (const outcome of outcomes) {
        assert.equal(outcome.ok, false, JSON.stringify(outcome));
        assert.equal(outcome.name, 'ConnectTokenError');
        assert.equal(outcome.code, 'wasm-blocked', JSON.stringify(outcome));
        assert.match(outcome.message, /Add 'wasm-unsafe-eval' to its script-src \(not 'unsafe-eval'/);
        assert.equal(outcome.cause?.name, 'CompileError', `the engine's own error: ${JSON.stringify(outcome.cause)}`);
        assert.ok(outcome.ms < 2_000, `rejected at once, not after a wait: ${outcome.ms} ms`);
      }
      assert.deepEqual(outcomes[1].message, outcomes[0].message, 'the second call rejects the same way');
      assert.deepEqual(unhandled, []);
      t.diagnostic(`${engine.name} says: ${outcomes[0].cause.message}`);
    });

    test("with 'wasm-unsafe-eval': works, and the policy sees no violation", async () => {
      const { outcomes, violations, unhandled } = await inPage('wasm', 'start', 'pkg');
      assert.deepEqual(outcomes, [{ ok: true, token: true }, { ok: true, token: true }]);
      assert.deepEqual(violations, []);
      assert.deepEqual(unhandled, []);
    });

    test('a module that is not WebAssembly: load-failed, and the next call tries again', async () => {
      const { outcomes, unhandled } = await inPage('wasm', 'start', 'bad-pkg');
      for (const outcome of outcomes) {
        assert.equal(outcome.code, 'load-failed', JSON.stringify(outcome));
        assert.match(outcome.message, /could not load its WebAssembly module \(carried in connect_token_wasm\.js\)/);
        assert.equal(outcome.cause?.name, 'CompileError');
      }
      assert.deepEqual(unhandled, []);
    });

    test('no DecompressionStream: load-failed naming it; once it is back, the next call loads', async () => {
      const { outcomes, unhandled } = await inPage('wasm', 'withoutDecompressionStream', 'pkg');
      assert.equal(outcomes[0].code, 'load-failed', JSON.stringify(outcomes[0]));
      assert.match(outcomes[0].message, /could not unpack its WebAssembly module .*DecompressionStream/);
      assert.deepEqual(outcomes[1], { ok: true, token: true });
      assert.deepEqual(unhandled, []);
    });
  });
}
