// Where an app's own tests run: a new user's Vite + React app with Vitest 4, jsdom and Testing
// Library, with the packed package installed, runs the tests of www/fresh-vitest/app (the README's
// "Testing your app" and TanStack Query code): a component using useConnectAuth in jsdom, a
// TanStack Query queryFn on auth.fetch, auth.fetch in Node against a local server (the token for
// the allowed origin only), and the test kit with fake timers (ten minutes of 60-second tokens, a
// failing host).
//
// 1. `npm pack` pkg/ and `npm install` the tarball (a real copy, offline) into a new folder outside
//    the repository holding www/fresh-vitest/app.
// 2. The toolchain (Vitest, jsdom, Testing Library, React, TanStack Query) is not downloaded here: it is linked from
//    www/fresh-vitest/node_modules, which pins it (npm ci there first). No Vitest config at all.
// 3. Run `vitest run` as the app's developer would, with its JSON report; every test must pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, PKG_DIR } from './harness.mjs';

const run = promisify(execFile);
const FRESH = path.join(ROOT, 'www/fresh-vitest');
const MODULES = path.join(FRESH, 'node_modules');
const TOOLCHAIN = ['vitest', 'jsdom', 'react', 'react-dom', '@testing-library/react', '@testing-library/dom', '@tanstack/react-query'];
const EXPECTED = [
  'src/Who.test.jsx: shows who is signed in, from the token the host gave',
  'src/Issues.test.jsx: a TanStack Query queryFn on auth.fetch: the backend gets the token',
  'src/fetch.test.js: auth.fetch sends the token to an allowed origin and to no other',
  'src/renewals.test.js: ten minutes of 60-second tokens: each renewed before it expires',
  'src/renewals.test.js: a host that fails: the caller gets a host-error',
];

let tmp;
let app;

before(async () => {
  assert.ok(existsSync(path.join(PKG_DIR, 'package.json')), `${PKG_DIR} is missing: run ./scripts/build.sh first`);
  for (const name of TOOLCHAIN) {
    assert.ok(existsSync(path.join(MODULES, name, 'package.json')), `${MODULES}/${name} is missing: run npm ci in www/fresh-vitest`);
  }
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fresh-vitest-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG_DIR });
  const tarball = path.join(tmp, JSON.parse(stdout)[0].filename);
  app = path.join(tmp, 'app');
  mkdirSync(app);
  cpSync(path.join(FRESH, 'app'), app, { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'fresh-vitest-app', private: true, type: 'module' }, null, 2));
  // Installed before the links exist, so that npm neither fetches nor prunes them.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], { cwd: app });
  const installed = path.join(app, 'node_modules/connect-token');
  assert.ok(!lstatSync(installed).isSymbolicLink() && lstatSync(installed).isDirectory(), `${installed} must be a copy, not a link`);
  for (const dep of TOOLCHAIN) {
    mkdirSync(path.dirname(path.join(app, 'node_modules', dep)), { recursive: true });
    symlinkSync(path.join(MODULES, dep), path.join(app, 'node_modules', dep), 'dir');
  }
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('a fresh app with Vitest 4 (jsdom and node environments) runs its tests on the installed package, no config', async () => {
  const version = JSON.parse(readFileSync(path.join(MODULES, 'vitest/package.json'), 'utf8')).version;
  assert.ok(version.startsWith('4.'), `vitest ${version}: this test is about Vitest 4`);
  const report = path.join(tmp, 'report.json');
  try {
    await run(process.execPath, [path.join(app, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', `--outputFile=${report}`], {
      cwd: app,
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const detail = existsSync(report) ? readFileSync(report, 'utf8').slice(0, 4000) : `${e.stdout}\n${e.stderr}`;
    throw new Error(`vitest run failed in ${app}:\n${detail}`);
  }
  const results = JSON.parse(readFileSync(report, 'utf8'));
  const passed = results.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'passed').map((t) => `${path.relative(app, file.name)}: ${t.title}`),
  );
  assert.deepEqual(passed.sort(), [...EXPECTED].sort());
  assert.equal(results.numFailedTests, 0);
});
