// The benchmark run behind bench/run.sh: sizes, per-request overhead, claim decoding, cold start
// and host calls, in one headless Chromium run. Prints a table and writes bench/results.json,
// bench/chart.png and BENCHMARKS.md (at the repository root). Nothing here asserts a timing.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { serve } from './lib/server.mjs';
import { mint } from './pages/mint.js';
import { chartHtml } from './lib/chart.mjs';
import { markdown, SIZE_STEPS } from './lib/report.mjs';
import { measure } from './lib/measure.mjs';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../www/chromium.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const out = join(bench, '.out');
mkdirSync(out, { recursive: true });

const QUICK = process.env.BENCH_QUICK === '1'; // a fast smoke run with small counts
const KB = 1024;
const SIZE_BUDGET = 16_000; // bytes, as scripts/size.sh checks in CI

const log = (...args) => console.error('[bench]', ...args);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const gzip9 = (buffer) => execFileSync('gzip', ['-9', '-n', '-c'], { input: buffer, maxBuffer: 1 << 28 }).length;
const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const nproc = Number(execFileSync('nproc').toString().trim());
  return { nproc, cpu: model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release() };
}

// 1. Size -----------------------------------------------------------------------------------

const APPS = [
  { name: 'connect-token', file: 'connect-token.js', ours: true },
  { name: 'oidc-client-ts', file: 'oidc-client-ts.js', packages: ['oidc-client-ts'] },
  { name: '@auth0/auth0-spa-js', file: 'auth0-spa-js.js', packages: ['@auth0/auth0-spa-js'] },
  { name: 'ky + jwt-decode', file: 'ky-jwt-decode.js', packages: ['ky', 'jwt-decode'] },
  { name: 'ky', file: 'ky.js', packages: ['ky'], part: true },
  { name: 'jwt-decode', file: 'jwt-decode.js', packages: ['jwt-decode'], part: true },
];

function versionOf(name) {
  return JSON.parse(readFileSync(join(bench, 'node_modules', name, 'package.json'), 'utf8')).version;
}

async function sizes() {
  const rows = [];
  for (const app of APPS) {
    const result = await esbuild.build({
      entryPoints: [join(bench, 'apps', app.file)],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      alias: { 'connect-token': join(root, 'pkg', 'index.js') },
      metafile: true,
    });
    const js = result.outputFiles[0].contents;
    writeFileSync(join(out, `size-${app.file}`), js);
    const row = {
      name: app.name,
      part: Boolean(app.part),
      versions: app.ours ? { 'connect-token': 'pkg/ (this tree)' } : Object.fromEntries(app.packages.map((p) => [p, versionOf(p)])),
      jsMin: js.length,
      jsGzip: gzip9(js),
    };
    if (app.ours) {
      // Minified bytes each source file contributes to the bundle (before gzip).
      const inputs = Object.values(result.metafile.outputs)[0].inputs;
      row.jsInputs = Object.fromEntries(Object.entries(inputs).map(([file, { bytesInOutput }]) => [file.replace(/^(\.\.\/)+/, ''), bytesInOutput]));
      const wasm = readFileSync(join(root, 'pkg', 'connect_token_bg.wasm'));
      row.wasmRaw = wasm.length;
      row.wasmGzip = gzip9(wasm);
    }
    row.totalGzip = row.jsGzip + (row.wasmGzip ?? 0);
    rows.push(row);
  }
  return rows;
}

// Browser runs ---------------------------------------------------------------------------------

async function openPage(browser, url, { clockAt } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  if (clockAt !== undefined) await page.clock.install({ time: clockAt });
  await page.goto(url, { waitUntil: 'load' });
  if (!(await page.evaluate(() => window.benchReady === true))) {
    throw new Error(`${url} did not load: ${errors.map(String).join('; ') || 'no error reported'}`);
  }
  return { page, context, errors };
}

async function coldStarts(browser, origin, rounds) {
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    const { page, context } = await openPage(browser, `${origin}/bench/pages/cold.html`);
    runs.push(await page.evaluate(() => window.cold()));
    await context.close();
  }
  const pick = (key) => median(runs.map((run) => run[key]));
  return {
    rounds,
    create: pick('create'),
    firstToken: pick('firstToken'),
    warmCreate: pick('warmCreate'),
    warmFirstToken: pick('warmFirstToken'),
    wasmFetch: pick('wasmFetch'),
    wasmBytes: runs[0].wasmBytes,
    runs,
  };
}

async function session(browser, origin, { streams, ttl, lifetimes, latency, step }) {
  const { page, context, errors } = await openPage(browser, `${origin}/bench/pages/session.html`, { clockAt: Date.UTC(2026, 0, 5, 9) });
  // Stop the clock from following real time: from here on only runFor moves it.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
  const length = ttl * lifetimes * 1000;
  const realStart = performance.now();
  await page.evaluate((options) => window.session.start(options), { streams, ttl, latency });
  for (let t = 0; t < length; t += step) await page.clock.runFor(Math.min(step, length - t));
  const result = await page.evaluate(() => window.session.finish());
  await context.close();
  if (errors.length) throw new Error(`session page error: ${errors.map(String).join('; ')}`);
  const usable = ttl - Math.min(60, ttl / 2);
  const minimum = (ttl * lifetimes) / usable;
  return {
    streams, ttl, lifetimes, latencyMs: latency, sessionS: ttl * lifetimes, usableS: usable,
    minimumCalls: minimum,
    ratio: result.hostCalls / minimum,
    excessCalls: result.hostCalls - minimum,
    realSeconds: (performance.now() - realStart) / 1000,
    ...result,
  };
}

// Main -----------------------------------------------------------------------------------------

const started = new Date();
const load = { start: loadavg() };
const info = machine();
const pkgJson = JSON.parse(readFileSync(join(root, 'pkg', 'package.json'), 'utf8'));
log(`machine: ${info.nproc} cores, ${info.cpu}; load ${load.start.join(' ')}`);

log('1/5 sizes');
const size = await sizes();

const token = mint(1764000000, 900);
const claimsBytes = Buffer.from(token.split('.')[1], 'base64url').length;
const P = QUICK ? { perRound: 2000, rounds: 3, decode: 2000, cold: 3 } : { perRound: 20000, rounds: 11, decode: 20000, cold: 10 };

const server = await serve(root);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const chromiumVersion = browser.version();
log(`Chromium ${chromiumVersion}, serving ${root} at ${server.origin}`);
let overhead, decodeBrowser, cold;
const sessions = [];
try {
  log('2/5 per-request overhead');
  {
    const { page, context } = await openPage(browser, `${server.origin}/bench/pages/bench.html`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const setup = await page.evaluate(() => window.bench.setupOverhead());
    const timed = await measure(page, cdp, [...setup.variants, ...setup.breakdown], { perRound: P.perRound, rounds: P.rounds, warmup: P.perRound / 4 });
    const pick = (names) => Object.fromEntries(names.map((name) => [name, timed[name]]));
    const stats = await page.evaluate(() => window.benchAuth.stats());
    overhead = { perRound: P.perRound, rounds: P.rounds, headerSent: setup.headerSent, hostCalls: stats.hostCalls, results: pick(setup.variants), breakdown: pick(setup.breakdown) };
    log('3/5 claim decoding');
    const decodeSetup = await page.evaluate((t) => window.bench.setupDecode(t), token);
    const decoded = await measure(page, cdp, decodeSetup.names, { perRound: P.decode, rounds: P.rounds, warmup: P.decode / 4 });
    decodeBrowser = { perRound: P.decode, rounds: P.rounds, readClaims: decoded.readClaims, jwtDecode: decoded.jwtDecode };
    await context.close();
  }
  log('4/5 cold start');
  cold = await coldStarts(browser, server.origin, P.cold);
  log('5/5 host calls');
  const configs = [
    { streams: 1, ttl: 60, lifetimes: 20, latency: 100, step: 10_000 },
    { streams: 10, ttl: 60, lifetimes: 20, latency: 100, step: 10_000 },
    { streams: 500, ttl: 60, lifetimes: 20, latency: 100, step: 10_000 },
    { streams: 10, ttl: 900, lifetimes: 20, latency: 100, step: 60_000 },
  ];
  for (const config of QUICK ? configs.map((c) => ({ ...c, lifetimes: 4 })) : configs) {
    const result = await session(browser, server.origin, config);
    log(`   ${config.streams} streams, ttl ${config.ttl} s: ${result.hostCalls} host calls (minimum ${result.minimumCalls.toFixed(2)}), ${result.requests} requests, ${result.waitedSteady} waited in steady state (${result.realSeconds.toFixed(1)} s)`);
    sessions.push(result);
  }
} finally {
  await browser.close().catch(() => {});
}
load.end = loadavg();

const ours = size.find((row) => row.name === 'connect-token');
const o = overhead.results;
// Ratios round by round (both loops ran in the same pass, seconds apart, under the same load),
// and their median: steadier than a ratio of medians when the machine's load comes and goes.
const perRoundRatio = (a, b, key) => median(a[key].map((value, i) => value / b[key][i]));
overhead.ratios = {
  oursToWrapperCpu: perRoundRatio(o.ours, o.wrapper, 'cpuRounds'),
  oursToWrapperWall: perRoundRatio(o.ours, o.wrapper, 'rounds'),
  oursToKyCpu: perRoundRatio(o.ours, o.ky, 'cpuRounds'),
  oursToKyWall: perRoundRatio(o.ours, o.ky, 'rounds'),
};
const q = overhead.ratios;
decodeBrowser.ratios = {
  jwtDecodeToReadClaimsCpu: perRoundRatio(decodeBrowser.jwtDecode, decodeBrowser.readClaims, 'cpuRounds'),
  jwtDecodeToReadClaimsWall: perRoundRatio(decodeBrowser.jwtDecode, decodeBrowser.readClaims, 'rounds'),
};
const budgets = [
  {
    name: 'size: wasm + JS ≤ 16 KB min+gzip (16,000 B, as CI checks)',
    value: `${(ours.totalGzip / KB).toFixed(1)} KB (${ours.totalGzip} B)`,
    met: ours.totalGzip <= SIZE_BUDGET,
  },
  {
    name: 'per request: ≤ 2× the minimal wrapper (CPU time)',
    value: `${q.oursToWrapperCpu.toFixed(2)}× (median of per-round ratios; medians ${Math.round(o.ours.cpu)} / ${Math.round(o.wrapper.cpu)} ns CPU; wall ${q.oursToWrapperWall.toFixed(2)}×)`,
    met: q.oursToWrapperCpu <= 2,
  },
  {
    name: 'per request: below ky (CPU time)',
    value: `${Math.round(o.ours.cpu)} ns vs ${Math.round(o.ky.cpu)} ns CPU (wall ${Math.round(o.ours.median)} vs ${Math.round(o.ky.median)} ns)`,
    met: q.oursToKyCpu < 1,
  },
  ...sessions.map((s) => ({
    name: `host calls: ratio 1.00 within one call (${s.streams} stream${s.streams > 1 ? 's' : ''}, TTL ${s.ttl} s)`,
    value: `${s.hostCalls} / ${s.minimumCalls.toFixed(2)} = ${s.ratio.toFixed(3)}`,
    met: s.hostCalls >= Math.floor(s.minimumCalls) && s.hostCalls <= s.minimumCalls + 1,
  })),
  ...sessions.map((s) => ({
    name: `zero waiting requests in steady state (${s.streams} stream${s.streams > 1 ? 's' : ''}, TTL ${s.ttl} s)`,
    value: `${s.waitedSteady} of ${s.requests}`,
    met: s.waitedSteady === 0 && s.expiredSent === 0 && s.noHeader === 0 && s.failed === 0 && s.untracked === 0 && s.completed === s.requests,
  })),
];

const results = {
  generated: started.toISOString(),
  command: 'bench/run.sh',
  quick: QUICK,
  machine: { ...info, chromium: chromiumVersion, loadavg: load },
  versions: {
    'connect-token': pkgJson.version,
    ...Object.fromEntries(['oidc-client-ts', '@auth0/auth0-spa-js', 'ky', 'jwt-decode', 'esbuild', 'playwright-core'].map((p) => [p, versionOf(p)])),
  },
  size,
  overhead,
  decode: { token: { length: token.length, claimsBytes }, browser: decodeBrowser },
  cold,
  sessions,
  budgets,
};
writeFileSync(join(bench, 'results.json'), JSON.stringify(results, null, 2) + '\n');

// Chart: an SVG page, screenshotted.
{
  const shot = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await shot.newPage({ viewport: { width: 1140, height: 300 }, deviceScaleFactor: 1 });
    await page.setContent(chartHtml(results), { waitUntil: 'load' });
    await page.screenshot({ path: join(bench, 'chart.png'), fullPage: true });
  } finally {
    await shot.close();
  }
}
writeFileSync(join(root, 'BENCHMARKS.md'), markdown(results));
await server.close();

// The table.
const pad = (text, width) => String(text).padEnd(width);
const lines = [];
lines.push(`connect-token benchmarks — ${info.nproc} cores, ${info.cpu}, Chromium ${chromiumVersion}, load ${load.start.join(' ')} → ${load.end.join(' ')}${QUICK ? ' (QUICK: small counts)' : ''}`);
lines.push('', 'Size (esbuild bundle+minify, esm, browser; gzip -9)');
for (const row of size) {
  const split = row.wasmGzip ? `  (JS ${(row.jsGzip / KB).toFixed(1)} + wasm ${(row.wasmGzip / KB).toFixed(1)})` : '';
  lines.push(`  ${pad(row.name + (row.part ? ' (alone)' : ''), 28)} ${pad((row.totalGzip / KB).toFixed(1) + ' KB', 9)}${split}`);
}
{
  const previous = SIZE_STEPS[0].js + SIZE_STEPS[0].wasm;
  lines.push(`  connect-token now ${ours.totalGzip} B (JS ${ours.jsGzip} + wasm ${ours.wasmGzip}); previous build ${previous} B: ${ours.totalGzip - previous} B`);
}
lines.push('', `Per-request overhead (${overhead.perRound} awaited calls × ${overhead.rounds} rounds; median wall ns/call, and renderer main-thread CPU ns/call)`);
for (const [name, r] of Object.entries(o)) {
  lines.push(`  ${pad(name, 16)} ${pad(Math.round(r.median) + ' ns', 10)} ${pad('(CPU ' + Math.round(r.cpu) + ')', 12)} ${(r.median / o.wrapper.median).toFixed(2)}× wrapper (CPU ${(r.cpu / o.wrapper.cpu).toFixed(2)}×)`);
}
lines.push(`  ours ÷ wrapper, median of per-round ratios: CPU ${q.oursToWrapperCpu.toFixed(2)}×, wall ${q.oursToWrapperWall.toFixed(2)}×`);
lines.push('  where our time goes:');
for (const [name, r] of Object.entries(overhead.breakdown)) lines.push(`  ${pad(name, 16)} ${pad(Math.round(r.median) + ' ns', 10)} (CPU ${Math.round(r.cpu)})`);
lines.push('', 'Claim decoding (ns per decode of a real-shaped context JWT; wall, and CPU)');
const row = (label, wall, cpu) => lines.push(`  ${pad(label, 48)} ${pad(Math.round(wall) + ' ns', 10)} (CPU ${cpu == null ? '—' : Math.round(cpu)})`);
row('connect-token readClaims (pkg/claims.js), Chromium', decodeBrowser.readClaims.median, decodeBrowser.readClaims.cpu);
row('jwt-decode jwtDecode, Chromium', decodeBrowser.jwtDecode.median, decodeBrowser.jwtDecode.cpu);
lines.push(`  jwt-decode ÷ ours, median of per-round ratios: CPU ${decodeBrowser.ratios.jwtDecodeToReadClaimsCpu.toFixed(1)}×, wall ${decodeBrowser.ratios.jwtDecodeToReadClaimsWall.toFixed(1)}×`);
lines.push('', `Cold start (median of ${cold.rounds} fresh pages)`);
lines.push(`  createConnectAuth() → resolved: ${cold.create.toFixed(1)} ms; → first token: ${cold.firstToken.toFixed(1)} ms; warm (wasm loaded): ${cold.warmCreate.toFixed(2)} / ${cold.warmFirstToken.toFixed(2)} ms`);
lines.push('', 'Host calls (fake clock; host answers after 100 ms)');
for (const s of sessions) {
  lines.push(`  ${pad(s.streams + ' streams', 11)} TTL ${pad(s.ttl + ' s', 6)} × ${s.lifetimes}: ${pad(s.hostCalls + ' calls', 10)} minimum ${pad(s.minimumCalls.toFixed(2), 6)} ratio ${s.ratio.toFixed(3)}; ${s.requests} requests, waited: ${s.waitedStartup} at start, ${s.waitedSteady} steady; expired sent ${s.expiredSent}`);
}
lines.push('', 'Budgets');
for (const b of budgets) lines.push(`  ${b.met ? 'met    ' : 'NOT MET'} ${pad(b.name, 62)} ${b.value}`);
lines.push('', 'Wrote bench/results.json, bench/chart.png, BENCHMARKS.md');
console.log(lines.join('\n'));
