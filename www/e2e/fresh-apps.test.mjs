// The acceptance test: a new user's fresh app, built by each bundler an existing React app
// may use (Vite 8's dev server and build, Next.js 16 App Router built by Turbopack and by webpack
// and served by `next start`, webpack 5, create-react-app 5's `react-scripts build`, esbuild
// `--bundle --format=esm`, Rollup with only @rollup/plugin-node-resolve), installs the packed
// package and authenticates with no bundler config; the React apps render through
// <ConnectAuthProvider> under <StrictMode> and re-render on renewals.
//
// 1. `npm pack` pkg/ and `npm install` the tarball (a real copy, offline) into a new app folder per
//    bundler outside the repository, each holding the app of www/fresh (src/main.jsx and
//    src/Session.jsx, or plain/main.js for Rollup, which has no JSX or CommonJS plugin, or next/,
//    plus the bundler's own files: Vite has no config at all, webpack only JSX through babel and an
//    HTML page, CRA its public/).
// 2. The toolchains are not downloaded: they are linked from www/demo/node_modules (Vite, webpack,
//    babel, React) and www/fresh-runners/node_modules (react-scripts, esbuild, Rollup), which pin
//    them; the Next.js apps install theirs as create-next-app would (npm's cache first), since
//    Turbopack resolves no package linked from outside the app.
// 3. Build each app as a user would; each emits no .wasm, and exactly one of its JS files holds
//    pkg/'s module (connect_token_wasm.js); webpack's stats say connect-token's modules came from
//    the installed copy.
// 4. Serve each build as the add-on page of its own simulated Connect world (40 s tokens; a dev
//    server or `next start` behind the world's add-on origin), open the host page in Chromium,
//    wait until the backend has accepted the app's own request (one host call, under StrictMode
//    too), then move the page clock and the server clock together across three renewals: every new
//    token's iat must show in the DOM by a re-render, and the backend rejects nothing; no console
//    warning or error in the page, nothing in an app server's log that says error or warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { startWorld } from '../sim/servers.js';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';
import { freePort } from '../engines/webdriver.mjs';
import { ROOT, PKG_DIR, Session, assertNoLeaks, pkgWasmText, waitUntil } from './harness.mjs';

const run = promisify(execFile);
const FRESH = path.join(ROOT, 'www/fresh');
const DEMO_MODULES = path.join(ROOT, 'www/demo/node_modules');
const RUNNERS_MODULES = path.join(ROOT, 'www/fresh-runners/node_modules');
const TTL_SECONDS = 40; // renewals every 20 s (the 60 s margin is clamped to half the lifetime); the host's 60 s cache margin means it mints every time
const RENEWALS = 3;
const REQUEST_EVERY_MS = 5_000;

/**
 * Each fresh app: its files (copied from www/fresh: `[from, to]`), its toolchain (linked from
 * `modules`: what `npm install` would have fetched), the build commands (`[bin in node_modules,
 * ...args]`), and the folder it builds into. Nothing about connect-token in any of them.
 */
const APPS = {
  // Vite's dev server (development React: StrictMode runs effects twice), behind the simulator.
  'vite-dev': {
    files: [['src', 'src'], ['vite', '.']],
    modules: DEMO_MODULES,
    toolchain: ['react', 'react-dom', 'vite'],
    versionOf: 'vite',
    major: '8.',
    build: [],
    serve: ['vite/bin/vite.js', '--port', '{port}', '--strictPort', '--host', '127.0.0.1'],
  },
  // Next.js 16 App Router: the provider in the root layout (a server component), the page rendered on
  // the server and hydrated; built with Turbopack (next build's default) and with webpack, served
  // by `next start` behind the simulator. Installed from the registry (npm's cache first) as
  // create-next-app would, since Turbopack resolves no package linked from outside the app.
  next: {
    files: [['next', '.'], ['src/Session.jsx', 'app/Session.jsx']],
    install: 'registry',
    versionOf: 'next',
    major: '16.',
    build: [['next/dist/bin/next', 'build']],
    out: '.next/static',
    serve: ['next/dist/bin/next', 'start', '--port', '{port}', '--hostname', '127.0.0.1'],
    page: '/',
  },
  'next-webpack': {
    files: [['next', '.'], ['src/Session.jsx', 'app/Session.jsx']],
    install: 'registry',
    versionOf: 'next',
    major: '16.',
    build: [['next/dist/bin/next', 'build', '--webpack']],
    out: '.next/static',
    serve: ['next/dist/bin/next', 'start', '--port', '{port}', '--hostname', '127.0.0.1'],
    page: '/',
  },
  vite: {
    files: [['src', 'src'], ['vite', '.']],
    modules: DEMO_MODULES,
    toolchain: ['react', 'react-dom', 'vite'],
    versionOf: 'vite',
    major: '8.',
    build: [['vite/bin/vite.js', 'build']],
    out: 'dist',
  },
  webpack: {
    files: [['src', 'src'], ['webpack', '.']],
    modules: DEMO_MODULES,
    toolchain: ['react', 'react-dom', 'webpack', 'webpack-cli', 'babel-loader', '@babel/core', '@babel/preset-react', 'html-webpack-plugin'],
    versionOf: 'webpack',
    major: '5.',
    // --json only writes the stats (every module's resolved file) next to the build.
    build: [['webpack-cli/bin/cli.js', '--mode', 'production', '--json', 'stats.json']],
    out: 'dist',
  },
  // create-react-app 5: `react-scripts build` (webpack 5 inside, with CRA's own config).
  cra: {
    files: [['src/main.jsx', 'src/index.js'], ['src/Session.jsx', 'src/Session.jsx'], ['cra', '.']],
    modules: RUNNERS_MODULES,
    toolchain: ['react', 'react-dom', 'react-scripts'],
    versionOf: 'react-scripts',
    major: '5.',
    build: [['react-scripts/bin/react-scripts.js', 'build']],
    out: 'build',
  },
  // esbuild as its README shows it; --jsx=automatic is for the app's JSX (React 17+'s runtime).
  esbuild: {
    files: [['src', 'src'], ['page/index.html', 'dist/index.html']],
    modules: RUNNERS_MODULES,
    toolchain: ['react', 'react-dom', 'esbuild'],
    versionOf: 'esbuild',
    major: '0.',
    build: [['esbuild/bin/esbuild', 'src/main.jsx', '--bundle', '--format=esm', '--jsx=automatic', '--minify', '--outfile=dist/main.js']],
    out: 'dist',
  },
  // Rollup with only @rollup/plugin-node-resolve: no CommonJS or JSX plugin, so the plain app.
  rollup: {
    files: [['plain/main.js', 'main.js'], ['page/index.html', 'dist/index.html']],
    modules: RUNNERS_MODULES,
    toolchain: ['rollup', '@rollup/plugin-node-resolve'],
    versionOf: 'rollup',
    major: '4.',
    build: [['rollup/dist/bin/rollup', 'main.js', '--format', 'es', '--dir', 'dist', '--plugin', '@rollup/plugin-node-resolve']],
    out: 'dist',
  },
};

// FRESH_APPS=vite-dev,next runs only those (for working on one); CI runs them all.
for (const name of Object.keys(APPS)) if (process.env.FRESH_APPS && !process.env.FRESH_APPS.split(',').includes(name)) delete APPS[name];

let tmp;
let tarball;
let browser;
const built = {};

before(async () => {
  assert.ok(existsSync(path.join(PKG_DIR, 'package.json')), `${PKG_DIR} is missing: run ./scripts/build.sh first`);
  for (const app of Object.values(APPS)) {
    for (const name of app.toolchain ?? []) {
      assert.ok(existsSync(path.join(app.modules, name, 'package.json')), `${app.modules}/${name} is missing: run npm ci in ${path.dirname(app.modules)}`);
    }
  }
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fresh-apps-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG_DIR });
  tarball = path.join(tmp, JSON.parse(stdout)[0].filename);
  // The apps install and build one after another (two cores; CRA alone takes most of a minute);
  // each test waits for its own.
  let previous = Promise.resolve();
  for (const name of Object.keys(APPS)) {
    built[name] = previous.then(() => prepare(name));
    previous = built[name].catch(() => {}); // reported by the app's test
  }
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

after(async () => {
  await Promise.allSettled(Object.values(built));
  await browser?.close().catch(() => {});
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A new app folder: the fixture, connect-token installed from the tarball, the toolchain linked; then its build. Returns the output folder. */
async function prepare(name) {
  const app = APPS[name];
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  for (const [from, to] of app.files) cpSync(path.join(FRESH, from), path.join(dir, to), { recursive: true });
  const own = existsSync(path.join(dir, 'package.json')) ? JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) : {};
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `fresh-${name}-app`, private: true, type: 'module', ...own }, null, 2));

  // Installed before the links exist, so that npm neither fetches nor prunes them (a registry app
  // installs its own dependencies too).
  const mode = app.install === 'registry' ? '--prefer-offline' : '--offline';
  await run('npm', ['install', mode, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], { cwd: dir });
  const installed = path.join(dir, 'node_modules/connect-token');
  assert.ok(!lstatSync(installed).isSymbolicLink() && lstatSync(installed).isDirectory(), `${installed} must be a copy, not a link`);
  assert.equal(readFileSync(path.join(installed, 'connect_token_wasm.js'), 'utf8'), readFileSync(path.join(PKG_DIR, 'connect_token_wasm.js'), 'utf8'), 'the installed copy holds pkg/ as built');
  assert.match(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies['connect-token'], /^file:.*\.tgz$/);

  for (const dep of app.toolchain ?? []) {
    mkdirSync(path.dirname(path.join(dir, 'node_modules', dep)), { recursive: true });
    symlinkSync(path.join(app.modules, dep), path.join(dir, 'node_modules', dep), 'dir');
  }
  const version = JSON.parse(readFileSync(path.join(dir, 'node_modules', app.versionOf, 'package.json'), 'utf8')).version;
  assert.ok(version.startsWith(app.major), `${app.versionOf} ${version}: this test is about ${app.versionOf} ${app.major}x`);

  for (const [bin, ...args] of app.build) {
    // A JavaScript bin runs on this Node; esbuild's is its native executable.
    const file = path.join(dir, 'node_modules', bin);
    const native = readFileSync(file).subarray(0, 4).toString('latin1') === '\x7fELF';
    try {
      await run(native ? file : process.execPath, native ? args : [file, ...args], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1', CI: 'true', GENERATE_SOURCEMAP: 'false', NEXT_TELEMETRY_DISABLED: '1' },
        maxBuffer: 64 << 20,
      });
    } catch (e) {
      throw new Error(`${name} build failed in ${dir}:\n${e.stdout}\n${e.stderr}`);
    }
  }
  if (!app.out) return dir; // a dev server builds as it serves
  const out = path.join(dir, app.out);
  const emitted = readdirSync(out, { recursive: true }).map(String);
  assert.deepEqual(emitted.filter((f) => f.endsWith('.wasm')), [], `${name} emits no .wasm: the module is in the JS`);
  const module = pkgWasmText();
  const holders = emitted.filter((f) => f.endsWith('.js') && readFileSync(path.join(out, f), 'utf8').includes(module));
  assert.equal(holders.length, 1, `${name} bundles pkg/'s module once: ${holders}`);
  if (name === 'webpack') assertWebpackBundledTheInstall(dir, realpathSync(installed));
  return app.serve ? dir : out;
}

/**
 * Starts the app's own server (`app.serve`, `{port}` replaced) in `dir` and waits until it answers
 * its page. Returns its origin, its log so far (a live array), and how to stop it.
 */
async function startAppServer(name, dir) {
  const app = APPS[name];
  const port = await freePort();
  const [bin, ...args] = app.serve.map((a) => a.replace('{port}', String(port)));
  const child = spawn(process.execPath, [path.join(dir, 'node_modules', bin), ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', NEXT_TELEMETRY_DISABLED: '1', BROWSER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d) => log.push(...String(d).split('\n').filter(Boolean)));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill();
    await exited;
  };
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`${name} server exited (${child.exitCode}):\n${log.join('\n')}`);
    return fetch(origin).then((r) => r.ok, () => false);
  }, () => `${name} server answers at ${origin}:\n${log.join('\n')}`, 120_000);
  return { origin, log, stop };
}


/** webpack's own record says connect-token's ES modules came from the app's node_modules/connect-token (the tarball's copy). */
function assertWebpackBundledTheInstall(dir, installed) {
  const stats = JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8'));
  const files = new Set();
  const walk = (modules = []) => {
    for (const m of modules) {
      if (m.nameForCondition) files.add(m.nameForCondition);
      walk(m.modules);
    }
  };
  walk(stats.modules);
  const ours = [...files].filter((f) => /[\\/]node_modules[\\/]connect-token[\\/]/.test(f) || /^connect_token/.test(path.basename(f)));
  for (const f of ours) assert.ok(f.startsWith(installed + path.sep), `webpack bundled ${f}, not the installed copy in ${installed}`);
  const names = ours.map((f) => path.relative(installed, f)).sort();
  assert.deepEqual(names, ['connect_token.js', 'connect_token_wasm.js', 'index.js', 'react/index.js'], `webpack's modules: ${ours}`);
}

for (const name of Object.keys(APPS)) {
  test(`fresh ${name} app: the packed package authenticates with no bundler config, and useConnectAuth re-renders on renewals`, { timeout: 180_000 }, async (t) => {
    const dist = await built[name];
    const server = APPS[name].serve ? await startAppServer(name, dist) : null;
    const where = server ? { addonProxy: server.origin } : { addonDir: dist };
    const world = await startWorld({ ...where, https: false, host: { ttlSeconds: TTL_SECONDS } });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const s = new Session({ world }, { app: `fresh-${name}`, context, page, skewMs: 0 });
      page.on('console', (m) => s.console.push({ type: m.type(), text: m.text(), url: m.location()?.url || '' }));
      page.on('pageerror', (e) => s.pageErrors.push(String(e?.stack || e)));
      await page.clock.install({ time: world.control.clock().now });
      await page.goto(world.hostPageUrl({ addon: APPS[name].page ?? '/index.html' }));
      s.frame = await (await page.waitForSelector('#sim-frame iframe')).contentFrame();
      assert.equal(new URL(s.frame.url()).origin, world.addonOrigin, 'the app runs cross-origin, in the host page');
      await s.frame.waitForFunction(() => document.documentElement.dataset.ready, null, { polling: 25, timeout: 30_000 });
      s.ready = await s.frame.evaluate(() => document.documentElement.dataset.ready);
      assert.equal(s.ready, '1', `${name} app did not start: ${await s.frame.evaluate(() => String(window.freshApp?.error?.message))} ${s.problems()}`);
      await s.frame.evaluate(() => {
        // What assertNoLeaks reads: the messages of the keeper's events.
        const events = [];
        const text = (id) => document.querySelector(`[data-testid=${id}]`)?.textContent ?? '';
        window.__e2e = {
          events,
          // What the component shows next to the keeper's own snapshot.
          compare() {
            const snap = window.freshApp.auth.snapshot();
            return {
              shown: { status: text('status'), iat: text('iat'), exp: text('exp'), renders: Number(text('renders')) },
              keeper: { status: snap.status, iat: String(snap.claims?.iat ?? '') },
            };
          },
        };
        window.freshApp.auth.subscribe((e) => events.push({ type: e.type, code: e.error?.code, message: e.error?.message }));
      });
      await s.sync();

      // Authenticated: the app's own auth.fetch('/api/whoami') was accepted and its answer is on screen.
      await s.frame.waitForFunction((sub) => document.querySelector('[data-testid=who]')?.textContent === sub, world.tenant.sub, {
        polling: 25,
        timeout: 30_000,
      });
      // The app asks once; in development StrictMode runs its effect twice, so twice there.
      const initial = world.control.addonStats().accepted;
      assert.equal(initial, name === 'vite-dev' ? 2 : 1, 'the app asked the backend who is signed in');
      assert.equal(world.control.stats().hostCalls, 1, 'one keeper, one host call (under StrictMode too)');
      let shown = await showsSnapshot(s);
      assert.equal(shown.status, 'fresh');
      assert.equal(shown.iat, String(world.control.stats().issued[0].iat));
      const iats = [shown.iat];
      let renders = shown.renders;

      // Renewals: both clocks in 1 s steps; after each step, any ask is answered before time moves on.
      let requests = 0;
      let nextRequest = s.pageNowEstimate() + REQUEST_EVERY_MS;
      const end = s.pageNowEstimate() + (RENEWALS + 0.5) * (TTL_SECONDS / 2) * 1000;
      while (s.pageNowEstimate() < end) {
        await s.advance(1000);
        await s.frame.waitForFunction(() => window.freshApp.auth.snapshot().status !== 'renewing', null, { polling: 10, timeout: 15_000 });
        shown = await showsSnapshot(s);
        assert.equal(shown.status, 'fresh', `at +${iats.length} tokens: ${JSON.stringify(shown)}`);
        if (shown.iat !== iats.at(-1)) {
          assert.ok(shown.renders > renders, `a new token re-rendered the component: ${JSON.stringify(shown)}`);
          iats.push(shown.iat);
        }
        renders = shown.renders;
        if (s.pageNowEstimate() >= nextRequest) {
          const r = await s.frame.evaluate(async () => {
            const response = await window.freshApp.auth.fetch('/api/whoami');
            return { status: response.status, text: await response.text() };
          });
          assert.equal(r.status, 200, r.text);
          requests += 1;
          nextRequest += REQUEST_EVERY_MS;
        }
      }

      const host = world.control.stats();
      const minted = host.issued.filter((i) => !i.cached);
      assert.equal(minted.length, RENEWALS + 1, `one token and ${RENEWALS} renewals: ${JSON.stringify(host.issued)}`);
      assert.deepEqual(iats, minted.map((i) => String(i.iat)), 'every token the host minted was shown by a re-render, in order');
      assert.equal(shown.exp, String(minted.at(-1).exp));
      const keeper = await s.frame.evaluate(() => window.freshApp.auth.stats());
      assert.equal(keeper.hostCalls, host.hostCalls);
      assert.equal(keeper.failures, 0);
      const backend = world.control.addonStats();
      assert.equal(backend.rejected, 0, `rejected: ${JSON.stringify(backend.reasons)}`);
      assert.equal(backend.noToken, 0);
      assert.equal(backend.accepted, requests + initial);
      assert.ok(requests >= RENEWALS * 3, `${requests} requests`);
      assert.ok(Object.keys(backend.perToken).length >= RENEWALS, 'requests went out with the renewed tokens');
      assert.deepEqual(s.problems(), []);
      assert.deepEqual(s.console.filter((m) => m.type === 'warning').map((m) => m.text), [], 'no console warning');
      if (server) assert.deepEqual(server.log.filter((line) => /error|warn/i.test(line)), [], `${name} server log:\n${server.log.join('\n')}`);
      t.diagnostic(`${minted.length} tokens shown in ${renders} renders; ${requests + initial} requests accepted, none rejected`);
      await assertNoLeaks({ control: world.control }, [s]);
    } finally {
      await context.close().catch(() => {});
      await world.close();
      await server?.stop();
    }
  });
}

/**
 * Waits until the DOM shows the keeper's current snapshot (status and iat: React has re-rendered),
 * then returns what the DOM shows.
 */
async function showsSnapshot(s) {
  try {
    const handle = await s.frame.waitForFunction(
      () => {
        const { shown, keeper } = window.__e2e.compare();
        return shown.status === keeper.status && shown.iat === keeper.iat && shown;
      },
      null,
      { polling: 10, timeout: 15_000 },
    );
    return await handle.jsonValue();
  } catch (e) {
    const now = await s.frame.evaluate(() => window.__e2e.compare()).catch(() => e.message);
    throw new Error(`the component does not show the keeper's snapshot (no re-render?): ${JSON.stringify(now)}`);
  }
}
