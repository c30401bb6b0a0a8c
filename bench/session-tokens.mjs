// The backend's own session tokens (issue 26), measured:
// 1. First request: a Vite 8 app whose first act is an authenticated request, with the host
//    answering getToken after 150 ms (the simulator's real delay): connect-token with `initialToken`
//    (the page's {{token}}), connect-token without it, and the minimal plain-JS module (await
//    getToken, then fetch). Each load in a fresh Chromium context, the three interleaved, at
//    loopback. When the request leaves and when its response arrived, ms after navigation start.
// 2. Host calls over an hour of requests every 30 s (fake clock), with and without X-acpt.
// Prints the figures and returns them; nothing here asserts a timing.
//   node bench/session-tokens.mjs [pkg dir, default pkg/] [loads per app, default 15]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, serve, load } from './cold-start.mjs';
import { serve as serveRoot } from './lib/server.mjs';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../www/chromium.mjs';

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
export const HOST_DELAY_MS = 150;
const APPS = ['ours-initial', 'ours', 'plain'];
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Part 1: `loads` fresh loads of each app, interleaved; medians and per-round differences. */
async function firstRequest(browser, pkg, loads) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'first-request-'));
  try {
    const dists = {};
    for (const app of APPS) dists[app] = await build(tmp, app, pkg);
    const { server, origin } = await serve(dists, { hostDelayMs: HOST_DELAY_MS });
    try {
      const runs = Object.fromEntries(APPS.map((app) => [app, []]));
      for (const app of APPS) await load(browser, `${origin}/${app}/`, 0); // warm-up
      for (let i = 0; i < loads; i++) {
        const order = i % 2 ? [...APPS].reverse() : APPS;
        for (const app of order) runs[app].push(await load(browser, `${origin}/${app}/`, 0));
      }
      const figures = Object.fromEntries(
        APPS.map((app) => [app, { leaves: median(runs[app].map((r) => r.leaves)), answered: median(runs[app].map((r) => r.answered)) }]),
      );
      const ahead = runs.plain.map((r, i) => r.leaves - runs['ours-initial'][i].leaves);
      return { loads, hostDelayMs: HOST_DELAY_MS, figures, initialAheadOfPlain: median(ahead), aheadMin: Math.min(...ahead), aheadMax: Math.max(...ahead) };
    } finally {
      server.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Part 2: an hour of requests every 30 s under the fake clock, for each configuration. */
async function hostCallsPerHour(browser) {
  const server = await serveRoot(root);
  const configs = [
    { name: 'host tokens only (no X-acpt)', xacpt: false, initial: false },
    { name: 'X-acpt, from the page token', xacpt: true, initial: true },
    { name: 'X-acpt, without a page token', xacpt: true, initial: false },
  ];
  const results = [];
  try {
    for (const config of configs) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.clock.install({ time: Date.UTC(2026, 0, 5, 9) });
      await page.goto(`${server.origin}/bench/pages/hour.html`, { waitUntil: 'load' });
      await page.waitForFunction(() => window.benchReady === true);
      await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
      await page.evaluate((c) => window.hour.start(c), config);
      for (let t = 0; t < 3_600_000; t += 10_000) await page.clock.runFor(10_000);
      results.push({ ...config, ...(await page.evaluate(() => window.hour.finish())) });
      await context.close();
    }
  } finally {
    await server.close();
  }
  return results;
}

/** Both parts; `lines` is the printable report. */
export async function sessionTokens({ pkg = path.join(root, 'pkg'), loads = 15 } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const first = await firstRequest(browser, pkg, loads);
    const hour = await hostCallsPerHour(browser);
    return { first, hour, lines: report(first, hour) };
  } finally {
    await browser.close();
  }
}

function report(first, hour) {
  const f = (x) => x.toFixed(1);
  const name = { 'ours-initial': 'connect-token, initialToken', ours: 'connect-token, host token', plain: 'minimal JS module' };
  const lines = [`First request with the host answering getToken after ${first.hostDelayMs} ms (median of ${first.loads} fresh contexts per app, interleaved; ms after navigation start)`];
  for (const [app, r] of Object.entries(first.figures)) lines.push(`  ${name[app].padEnd(30)} leaves ${f(r.leaves)} ms, response ${f(r.answered)} ms`);
  lines.push(`  with initialToken the request leaves ${f(first.initialAheadOfPlain)} ms before the minimal module's (median of pairs; ${f(first.aheadMin)} .. ${f(first.aheadMax)})`);
  lines.push('Host calls over an hour, a request every 30 s (fake clock)');
  for (const r of hour) lines.push(`  ${r.name.padEnd(32)} ${r.hostCalls} host calls, ${r.ok}/${r.requests} ok, ${r.carriedSession} carried a session token, ${r.backendTokens} taken`);
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { first, hour, lines } = await sessionTokens({ pkg: path.resolve(process.argv[2] ?? path.join(root, 'pkg')), loads: Number(process.argv[3] ?? 15) });
  console.log(lines.join('\n'));
  mkdirSync(path.join(bench, '.out'), { recursive: true });
  writeFileSync(path.join(bench, '.out/session-tokens.json'), JSON.stringify({ first, hour }, null, 2));
}
