// The acceptance test: a new user's fresh Vite 8 app and fresh webpack 5 app install the
// packed package and authenticate with no bundler config, and useConnectAuth(auth) re-renders on
// renewals.
//
// 1. `npm pack` pkg/ and `npm install` the tarball (a real copy, offline) into two new app folders
//    outside the repository, each holding the app of www/fresh (src/main.jsx plus the bundler's own
//    files: Vite has no config at all, webpack only JSX through babel and an HTML page).
// 2. The toolchain (Vite, webpack, babel, React) is not downloaded: it is linked from
//    www/demo/node_modules, which pins the same versions. Only connect-token is installed.
// 3. Build both apps as a user would (`vite build`, `webpack --mode production`) and check from the
//    bundlers' own records (Vite's manifest, webpack's stats) that connect-token came from the
//    installed copy, and that the emitted .wasm is pkg's.
// 4. Serve each build as the add-on page of its own simulated Connect world (40 s tokens), open
//    the host page in Chromium, wait until the backend has accepted the app's own request, then move
//    the page clock and the server clock together across three renewals: every new token's iat
//    must show in the DOM by a re-render of the component, and the backend rejects nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { startWorld } from '../sim/servers.js';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';
import { ROOT, PKG_DIR, Session, assertNoLeaks } from './harness.mjs';

const run = promisify(execFile);
const FRESH = path.join(ROOT, 'www/fresh');
const DEMO_MODULES = path.join(ROOT, 'www/demo/node_modules');
const TTL_SECONDS = 40; // renewals every 20 s (the 60 s margin is clamped to half the lifetime); the host's 60 s cache margin means it mints every time
const RENEWALS = 3;
const REQUEST_EVERY_MS = 5_000;

/** What each fresh app links from www/demo/node_modules (what `npm install` would have fetched) and how it builds. */
const APPS = {
  vite: {
    toolchain: ['react', 'react-dom', 'vite'],
    versionOf: 'vite',
    major: '8.',
    // --manifest only adds dist/.vite/manifest.json: which source file each emitted asset came from.
    build: ['vite/bin/vite.js', 'build', '--manifest'],
  },
  webpack: {
    toolchain: ['react', 'react-dom', 'webpack', 'webpack-cli', 'babel-loader', '@babel/core', '@babel/preset-react', 'html-webpack-plugin'],
    versionOf: 'webpack',
    major: '5.',
    // --json only writes the stats (every module's resolved file) next to the build.
    build: ['webpack-cli/bin/cli.js', '--mode', 'production', '--json', 'stats.json'],
  },
};

let tmp;
let tarball;
let browser;
const built = {};

before(async () => {
  assert.ok(existsSync(path.join(PKG_DIR, 'package.json')), `${PKG_DIR} is missing: run ./scripts/build.sh first`);
  for (const app of Object.values(APPS)) {
    for (const name of app.toolchain) {
      assert.ok(existsSync(path.join(DEMO_MODULES, name, 'package.json')), `${DEMO_MODULES}/${name} is missing: run npm ci in www/demo`);
    }
  }
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fresh-apps-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG_DIR });
  tarball = path.join(tmp, JSON.parse(stdout)[0].filename);
  // Both apps install and build at once; each test waits for its own.
  for (const name of Object.keys(APPS)) {
    built[name] = prepare(name);
    built[name].catch(() => {}); // reported by the app's test
  }
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

after(async () => {
  await Promise.allSettled(Object.values(built));
  await browser?.close().catch(() => {});
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A new app folder: the fixture, connect-token installed from the tarball, the toolchain linked; then its build. Returns the dist folder. */
async function prepare(name) {
  const app = APPS[name];
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  cpSync(path.join(FRESH, 'src'), path.join(dir, 'src'), { recursive: true });
  cpSync(path.join(FRESH, name), dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `fresh-${name}-app`, private: true, type: 'module' }, null, 2));

  // Installed before the links exist, so that npm neither fetches nor prunes them.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], { cwd: dir });
  const installed = path.join(dir, 'node_modules/connect-token');
  assert.ok(!lstatSync(installed).isSymbolicLink() && lstatSync(installed).isDirectory(), `${installed} must be a copy, not a link`);
  assert.ok(readFileSync(path.join(installed, 'connect_token_bg.wasm')).equals(pkgWasm()), 'the installed copy holds pkg/ as built');
  assert.match(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies['connect-token'], /^file:.*\.tgz$/);

  for (const dep of app.toolchain) {
    mkdirSync(path.dirname(path.join(dir, 'node_modules', dep)), { recursive: true });
    symlinkSync(path.join(DEMO_MODULES, dep), path.join(dir, 'node_modules', dep), 'dir');
  }
  const version = JSON.parse(readFileSync(path.join(DEMO_MODULES, app.versionOf, 'package.json'), 'utf8')).version;
  assert.ok(version.startsWith(app.major), `${app.versionOf} ${version}: this test is about ${app.versionOf} ${app.major}x`);

  const [bin, ...args] = app.build;
  try {
    await run(process.execPath, [path.join(dir, 'node_modules', bin), ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    throw new Error(`${name} build failed in ${dir}:\n${e.stdout}\n${e.stderr}`);
  }
  const dist = path.join(dir, 'dist');
  const wasm = readdirSync(dist, { recursive: true }).filter((f) => String(f).endsWith('.wasm'));
  assert.equal(wasm.length, 1, `${name} emits the wasm once: ${wasm}`);
  assert.ok(readFileSync(path.join(dist, wasm[0])).equals(pkgWasm()), `${name} emitted pkg's wasm`);
  assertResolvedFromInstall(name, dir, realpathSync(installed));
  return dist;
}

function pkgWasm() {
  return readFileSync(path.join(PKG_DIR, 'connect_token_bg.wasm'));
}

/** The bundler's own record says connect-token came from the app's node_modules/connect-token (the tarball's copy). */
function assertResolvedFromInstall(name, dir, installed) {
  if (name === 'vite') {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'dist/.vite/manifest.json'), 'utf8'));
    const sources = Object.values(manifest).map((m) => m.src).filter((s) => /connect[-_]token/.test(s ?? ''));
    // The wasm is found by new URL('connect_token_bg.wasm', import.meta.url) in index.js, so
    // index.js was bundled from the same folder.
    assert.deepEqual(sources, ['node_modules/connect-token/connect_token_bg.wasm'], `Vite's manifest: ${JSON.stringify(manifest)}`);
  } else {
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
    assert.deepEqual(names, ['connect_token.js', 'connect_token_bg.wasm', 'index.js', 'react.js'], `webpack's modules: ${ours}`);
  }
}

for (const name of Object.keys(APPS)) {
  test(`fresh ${name} app: the packed package authenticates with no bundler config, and useConnectAuth re-renders on renewals`, { timeout: 180_000 }, async (t) => {
    const dist = await built[name];
    const world = await startWorld({ addonDir: dist, https: false, host: { ttlSeconds: TTL_SECONDS } });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const s = new Session({ world }, { app: `fresh-${name}`, context, page, skewMs: 0 });
      page.on('console', (m) => s.console.push({ type: m.type(), text: m.text(), url: m.location()?.url || '' }));
      page.on('pageerror', (e) => s.pageErrors.push(String(e?.stack || e)));
      await page.clock.install({ time: world.control.clock().now });
      await page.goto(world.hostPageUrl({ addon: '/index.html' }));
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
      assert.equal(world.control.addonStats().accepted, 1);
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
      assert.equal(backend.accepted, requests + 1);
      assert.ok(requests >= RENEWALS * 3, `${requests} requests`);
      assert.ok(Object.keys(backend.perToken).length >= RENEWALS, 'requests went out with the renewed tokens');
      assert.deepEqual(s.problems(), []);
      t.diagnostic(`${minted.length} tokens shown in ${renders} renders; ${requests + 1} requests accepted, none rejected`);
      await assertNoLeaks({ control: world.control }, [s]);
    } finally {
      await context.close().catch(() => {});
      await world.close();
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
