// The benchmark run behind bench/run.sh: sizes (bundled by Vite and webpack 5, as CI measures),
// what each crate costs in the wasm, per-request overhead, renewals, cold start and host calls,
// in one headless Chromium run. Prints a table and writes bench/results.json,
// bench/chart.png and BENCHMARKS.md (at the repository root). Nothing here asserts a timing.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './lib/server.mjs';
import { mint } from './pages/mint.js';
import { chartHtml } from './lib/chart.mjs';
import { markdown, BEFORE_RUST } from './lib/report.mjs';
import { sizeGroups } from './size-groups.mjs';
import { memoryUse } from './memory.mjs';
import { bundleSizes } from '../www/size/measure.mjs';
import { measure } from './lib/measure.mjs';
import { coldStart } from './cold-start.mjs';
import { sessionTokens } from './session-tokens.mjs';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../www/chromium.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const out = join(bench, '.out');
mkdirSync(out, { recursive: true });

const QUICK = process.env.BENCH_QUICK === '1'; // a fast smoke run with small counts
const KB = 1000; // the issue's "KB"; KiB = 1024 B
// Bytes, what an app pays (scripts/size.sh): CI's gate (40 KiB) and the target.
const SIZE = { ciGate: 36_864, target: 32_000 };
const PER_REQUEST_ADDED_NS = 5_000; // ≤ 5 µs median CPU added over calling fetch directly
// Each of ours ÷ the minimal JS wrapper doing the same header work, wall time (what the app pays on
// its main thread), median of per-round ratios.
const RATIO_BUDGETS = [
  { ours: 'ours', wrapper: 'wrapper', max: 2.5, what: 'no init' },
  { ours: 'oursInit', wrapper: 'wrapperInit', max: 2, what: 'an init with headers' },
  { ours: 'oursRequest', wrapper: 'wrapperRequest', max: 2, what: 'a Request with a JSON body' },
];

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

// connect-token is www/size/app.js, the app CI measures; the others are bench/apps/, each the
// same kind of one-line app, all bundled the same way (www/size/measure.mjs: Vite and webpack 5,
// production, no config; JS min+gzip -9 plus any .wasm gzip -9).
const APPS = [
  { name: 'connect-token', file: join(root, 'www', 'size', 'app.js'), ours: true },
  { name: 'oidc-client-ts', file: 'oidc-client-ts.js', packages: ['oidc-client-ts'] },
  { name: '@auth0/auth0-spa-js', file: 'auth0-spa-js.js', packages: ['@auth0/auth0-spa-js'] },
  { name: 'ky + jwt-decode', file: 'ky-jwt-decode.js', packages: ['ky', 'jwt-decode'] },
  { name: 'ky', file: 'ky.js', packages: ['ky'], part: true },
  { name: 'jwt-decode', file: 'jwt-decode.js', packages: ['jwt-decode'], part: true },
];

function versionOf(name, modules = join(bench, 'node_modules')) {
  return JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;
}

async function sizes() {
  const rows = [];
  for (const app of APPS) {
    const [vite, webpack] = app.ours ? await bundleSizes(app.file) : await bundleSizes(join(bench, 'apps', app.file), { resolveFrom: bench });
    rows.push({
      name: app.name,
      part: Boolean(app.part),
      versions: app.ours ? { 'connect-token': 'pkg/ (this tree)' } : Object.fromEntries(app.packages.map((p) => [p, versionOf(p)])),
      vite,
      webpack,
    });
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

log('1/8 sizes (Vite and webpack 5)');
const size = await sizes();
log('2/8 the size by group, and what each crate costs in the wasm (twiggy)');
let crates;
let groups;
const sizeBefore = JSON.parse(readFileSync(join(bench, 'size-before.json'), 'utf8'));
try {
  groups = await sizeGroups(root, { log });
  crates = groups.wasm;
} catch (error) {
  crates = { skipped: `the breakdown failed: ${String(error.message ?? error).split('\n')[0]}` };
}
if (crates.skipped) log(`   skipped: ${crates.skipped}`);

const token = mint(1764000000, 900);
const claimsBytes = Buffer.from(token.split('.')[1], 'base64url').length;
const P = QUICK ? { perRound: 2000, rounds: 3, renewals: 300, cold: 3 } : { perRound: 20000, rounds: 11, renewals: 2000, cold: 31 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = await serve(root);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const chromiumVersion = browser.version();
log(`Chromium ${chromiumVersion}, serving ${root} at ${server.origin}`);
let overhead, renewal, cold;
const sessions = [];
try {
  log('3/8 per-request overhead');
  {
    const { page, context } = await openPage(browser, `${server.origin}/bench/pages/bench.html`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const setup = await page.evaluate(() => window.bench.setupOverhead());
    const timed = await measure(page, cdp, [...setup.variants, ...setup.breakdown], { perRound: P.perRound, rounds: P.rounds, warmup: P.perRound / 4 });
    const pick = (names) => Object.fromEntries(names.map((name) => [name, timed[name]]));
    const stats = await page.evaluate(() => window.benchAuth.stats());
    overhead = { perRound: P.perRound, rounds: P.rounds, headerSent: setup.headerSent, hostCalls: stats.hostCalls, results: pick(setup.variants), breakdown: pick(setup.breakdown) };
    log('4/8 renewals');
    const renewalSetup = await page.evaluate(() => window.bench.setupRenewal());
    // Fresh keepers before each round, then 2 s: a keeper asks its source at most once per 2 s.
    const prepare = async (n) => {
      await page.evaluate((n) => window.bench.prepareRenewals(n), n);
      await sleep(2100);
    };
    const timedRenewals = await measure(page, cdp, renewalSetup.names, { perRound: P.renewals, rounds: P.rounds, warmup: P.renewals / 4, prepare });
    renewal = { perRound: P.renewals, rounds: P.rounds, ...timedRenewals };
    await context.close();
  }
  log('5/8 cold start');
  cold = await coldStart({ pkg: join(root, 'pkg'), loads: P.cold });
  log('6/8 host calls');
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
log('7/8 memory');
const memory = await memoryUse({ loads: QUICK ? 1 : 5, requests: 1000, log });
log('8/8 the backend\'s session tokens: first request, host calls per hour');
const sessionTokenRun = await sessionTokens({ pkg: join(root, 'pkg'), loads: P.cold });
load.end = loadavg();

const ours = size.find((row) => row.name === 'connect-token');
const o = overhead.results;
// Ratios round by round (both loops ran in the same pass, seconds apart, under the same load),
// and their median: steadier than a ratio of medians when the machine's load comes and goes.
const perRoundRatio = (a, b, key) => median(a[key].map((value, i) => value / b[key][i]));
const perRoundDiff = (a, b, key) => median(a[key].map((value, i) => value - b[key][i]));
overhead.ratios = {
  oursToWrapperCpu: perRoundRatio(o.ours, o.wrapper, 'cpuRounds'),
  oursToWrapperWall: perRoundRatio(o.ours, o.wrapper, 'rounds'),
  oursToKyCpu: perRoundRatio(o.ours, o.ky, 'cpuRounds'),
  oursToKyWall: perRoundRatio(o.ours, o.ky, 'rounds'),
};
overhead.added = {
  oursOverBareCpu: perRoundDiff(o.ours, o.bare, 'cpuRounds'),
  oursOverBareWall: perRoundDiff(o.ours, o.bare, 'rounds'),
  kyOverBareCpu: perRoundDiff(o.ky, o.bare, 'cpuRounds'),
  wrapperOverBareCpu: perRoundDiff(o.wrapper, o.bare, 'cpuRounds'),
};
const timedVariant = (name) => o[name] ?? overhead.breakdown[name];
overhead.budgetRatios = RATIO_BUDGETS.map((b) => ({
  ...b,
  cpu: perRoundRatio(timedVariant(b.ours), timedVariant(b.wrapper), 'cpuRounds'),
  wall: perRoundRatio(timedVariant(b.ours), timedVariant(b.wrapper), 'rounds'),
}));
// createConnectAuth() is the wasm's fetch, its compile and instantiation, and a keeper's start
// (which a warm createConnectAuth() times alone).
const q = overhead.ratios;
const added = overhead.added;
renewal.added = {
  oursCpu: perRoundDiff(renewal.oursRenewal, renewal.oursHeld, 'cpuRounds'),
  oursWall: perRoundDiff(renewal.oursRenewal, renewal.oursHeld, 'rounds'),
  jwtDecodeCpu: perRoundDiff(renewal.jwtDecodeRenewal, renewal.jsHeld, 'cpuRounds'),
  jwtDecodeWall: perRoundDiff(renewal.jwtDecodeRenewal, renewal.jsHeld, 'rounds'),
};
const worst = Math.max(ours.vite.total, ours.webpack.total);
const sizeValue = `Vite ${ours.vite.total.toLocaleString('en-US')} B, webpack 5 ${ours.webpack.total.toLocaleString('en-US')} B`;
// The first authenticated request of a bundled app, after a minimal plain-JS module's (issue 18).
const COLD_BUDGETS = { 0: 25, 100: 30 };
const coldBudgets = Object.entries(COLD_BUDGETS).map(([rtt, max]) => ({
  name: `cold start, RTT ${rtt} ms: the first request leaves ≤ ${max} ms after a minimal JS module's`,
  value: `+${cold.results[rtt].difference.toFixed(1)} ms (median of ${cold.loads} pairs)`,
  met: cold.results[rtt].difference <= max,
}));
// With the page's own token the first request needs no host round trip (issue 26).
const INITIAL_AHEAD_MS = 100;
const { first: firstRequest, hour } = sessionTokenRun;
const budgets = [
  ...coldBudgets,
  {
    name: `first request, host answering after ${firstRequest.hostDelayMs} ms: with initialToken it leaves ≥ ${INITIAL_AHEAD_MS} ms before a minimal JS module's`,
    value: `${firstRequest.initialAheadOfPlain.toFixed(1)} ms before (median of ${firstRequest.loads} pairs)`,
    met: firstRequest.initialAheadOfPlain >= INITIAL_AHEAD_MS,
  },
  {
    name: 'host calls in an hour of requests every 30 s with X-acpt, from the page token: 0',
    value: `${hour.find((h) => h.xacpt && h.initial).hostCalls} host calls`,
    met: hour.find((h) => h.xacpt && h.initial).hostCalls === 0,
  },
  {
    name: `size, CI gate (scripts/size.sh): ≤ 36 KiB (${SIZE.ciGate.toLocaleString('en-US')} B) via Vite and webpack 5`,
    value: sizeValue,
    met: worst <= SIZE.ciGate,
  },
  {
    name: `size, target: ≤ 32 KB (${SIZE.target.toLocaleString('en-US')} B)`,
    value: `${sizeValue}${worst > SIZE.target ? `: ${(worst - SIZE.target).toLocaleString('en-US')} B over` : ''}`,
    met: worst <= SIZE.target,
  },
  {
    name: 'per request: ≤ 5 µs median CPU added over calling the fetch directly',
    value: `${Math.round(added.oursOverBareCpu).toLocaleString('en-US')} ns CPU added (median of per-round differences; wall ${Math.round(added.oursOverBareWall).toLocaleString('en-US')} ns)`,
    met: added.oursOverBareCpu <= PER_REQUEST_ADDED_NS,
  },
  {
    name: "per request: far below ky's beforeRequest hook (CPU time)",
    value: `${Math.round(o.ours.cpu)} ns vs ${Math.round(o.ky.cpu)} ns CPU, ${q.oursToKyCpu.toFixed(2)}× ky (wall ${Math.round(o.ours.median)} vs ${Math.round(o.ky.median)} ns)`,
    met: q.oursToKyCpu < 1,
  },
  ...overhead.budgetRatios.map((b) => ({
    name: `per request, ${b.what}: ≤ ${b.max}× the minimal JS wrapper (wall time; ${b.ours} ÷ ${b.wrapper})`,
    value: `${b.wall.toFixed(2)}× wall (median of per-round ratios; medians ${Math.round(timedVariant(b.ours).median)} / ${Math.round(timedVariant(b.wrapper).median)} ns; CPU ${b.cpu.toFixed(2)}×)`,
    met: b.wall <= b.max,
  })),
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
    ...Object.fromEntries(['oidc-client-ts', '@auth0/auth0-spa-js', 'ky', 'jwt-decode', 'playwright-core'].map((p) => [p, versionOf(p)])),
    ...Object.fromEntries(['vite', 'webpack'].map((p) => [p, versionOf(p, join(root, 'www', 'demo', 'node_modules'))])),
  },
  size,
  sizeBudgets: SIZE,
  crates,
  sizeGroups: groups ? { ...groups, wasm: undefined } : undefined,
  sizeBefore,
  memory,
  overhead,
  renewal: { token: { length: token.length, claimsBytes }, ...renewal },
  cold,
  sessions,
  sessionTokens: { first: firstRequest, hour },
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
lines.push('', 'Size (one-line app bundled for production by Vite / webpack 5; every file, min+gzip -9; 1 KB = 1000 B)');
for (const row of size) {
  const one = (b) => `${pad((b.total / KB).toFixed(1) + ' KB', 9)}${b.wasm ? ` (JS ${(b.js / KB).toFixed(1)} + wasm ${(b.wasm / KB).toFixed(1)})` : b.carried ? ` (wasm in the JS: ${(b.carried / KB).toFixed(1)})` : ''}`;
  lines.push(`  ${pad(row.name + (row.part ? ' (alone)' : ''), 28)} Vite ${pad(one(row.vite), 32)} webpack ${one(row.webpack)}`);
}
lines.push(`  connect-token: Vite ${ours.vite.total} B, webpack 5 ${ours.webpack.total} B; CI gate ${SIZE.ciGate} B, target ${SIZE.target} B`);
lines.push(`  before the binding moved into Rust (${BEFORE_RUST.commit}, esbuild measure): ${BEFORE_RUST.total} B`);
if (crates.skipped) lines.push('', `What each crate costs: skipped (${crates.skipped})`);
else {
  lines.push('', `What each crate costs (twiggy shallow bytes of the named release wasm, raw; ${crates.total} B counted, shipped wasm ${crates.shippedRaw} B)`);
  for (const g of [...crates.groups].sort((a, b) => b.bytes - a.bytes)) lines.push(`  ${pad(g.group, 46)} ${pad(g.bytes + ' B', 9)} ${((100 * g.bytes) / crates.total).toFixed(1).padStart(5)} %`);
}
lines.push('', `Per-request overhead (${overhead.perRound} awaited calls × ${overhead.rounds} rounds; median wall ns/call, and renderer main-thread CPU ns/call)`);
for (const [name, r] of Object.entries(o)) {
  lines.push(`  ${pad(name, 16)} ${pad(Math.round(r.median) + ' ns', 10)} ${pad('(CPU ' + Math.round(r.cpu) + ')', 12)} ${(r.median / o.wrapper.median).toFixed(2)}× wrapper (CPU ${(r.cpu / o.wrapper.cpu).toFixed(2)}×)`);
}
lines.push(`  ours ÷ wrapper, median of per-round ratios: CPU ${q.oursToWrapperCpu.toFixed(2)}×, wall ${q.oursToWrapperWall.toFixed(2)}×`);
lines.push(`  added over the bare fetch, median of per-round differences: ours ${Math.round(added.oursOverBareCpu)} ns CPU, wrapper ${Math.round(added.wrapperOverBareCpu)}, ky ${Math.round(added.kyOverBareCpu)}`);
lines.push('  where our time goes:');
for (const [name, r] of Object.entries(overhead.breakdown)) lines.push(`  ${pad(name, 16)} ${pad(Math.round(r.median) + ' ns', 10)} (CPU ${Math.round(r.cpu)})`);
lines.push('', `Renewals (${renewal.perRound} keepers per round × ${renewal.rounds} rounds; wall ns, and CPU ns, per call)`);
for (const name of ['oursRenewal', 'oursHeld', 'jwtDecodeRenewal', 'jsHeld']) {
  const r = renewal[name];
  lines.push(`  ${pad(name, 18)} ${pad(Math.round(r.median) + ' ns', 10)} (CPU ${Math.round(r.cpu)})`);
}
lines.push(`  a renewal's answer accepted, over handing out the held token: ${Math.round(renewal.added.oursCpu)} ns CPU (wall ${Math.round(renewal.added.oursWall)}); hand-rolled with jwt-decode: ${Math.round(renewal.added.jwtDecodeCpu)} ns CPU`);
lines.push('', ...cold.lines);
lines.push('', `Memory after ${memory.requests} requests (measureUserAgentSpecificMemory, median of ${memory.loads} fresh pages): ours ${memory.ours.bytes} B, minimal JS module ${memory.plain.bytes} B; our wasm memory ${memory.ours.wasmAtStart} B at start, ${memory.ours.wasmAfter} B after`);
lines.push('', 'Host calls (fake clock; host answers after 100 ms)');
for (const s of sessions) {
  lines.push(`  ${pad(s.streams + ' streams', 11)} TTL ${pad(s.ttl + ' s', 6)} × ${s.lifetimes}: ${pad(s.hostCalls + ' calls', 10)} minimum ${pad(s.minimumCalls.toFixed(2), 6)} ratio ${s.ratio.toFixed(3)}; ${s.requests} requests, waited: ${s.waitedStartup} at start, ${s.waitedSteady} steady; expired sent ${s.expiredSent}`);
}
lines.push('', ...sessionTokenRun.lines);
lines.push('', 'Budgets');
for (const b of budgets) lines.push(`  ${b.met === null ? '       ' : b.met ? 'met    ' : 'NOT MET'} ${pad(b.name, 72)} ${b.value}`);
lines.push('', 'Wrote bench/results.json, bench/chart.png, BENCHMARKS.md');
console.log(lines.join('\n'));
