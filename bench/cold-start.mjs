// Cold start, side by side: when the first authenticated request of a bundled app leaves, for a
// Vite 8 app with connect-token and the same app with a minimal plain-JS module (get a token, set
// the header), each load in a fresh Chromium context, the two interleaved, at loopback and with
// 100 ms of round-trip time (CDP Network.emulateNetworkConditions). The token source answers at
// once. Prints medians and where the time goes; writes bench/.out/cold-start.json. Nothing here
// asserts a timing.
//   node bench/cold-start.mjs [pkg dir, default pkg/] [loads per app and RTT, default 15]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { mint } from './pages/mint.js';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../www/chromium.mjs';

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const RTTS = [0, 100];
const demoModules = path.join(root, 'www/demo/node_modules');
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Builds bench/cold/<app>.js as the entry of a Vite 8 app, connect-token linked to `pkg`; returns its dist. */
export async function build(tmp, app, pkg) {
  const dir = path.join(tmp, app);
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  cpSync(path.join(bench, 'cold/index.html'), path.join(dir, 'index.html'));
  cpSync(path.join(bench, `cold/${app}.js`), path.join(dir, 'main.js'));
  symlinkSync(pkg, path.join(dir, 'node_modules/connect-token'), 'dir');
  const { build: viteBuild } = await import(path.join(demoModules, 'vite/dist/node/index.js'));
  await viteBuild({ root: dir, logLevel: 'warn', configFile: false, base: './', build: { outDir: 'dist', target: 'esnext' } });
  return path.join(dir, 'dist');
}

/**
 * Serves each app's dist at /<app>/ (with the token source at /<app>/ap.js) and /api/first. The
 * token source answers after `hostDelayMs`; each page is rendered with a fresh session token in
 * place of its `{{token}}`, as atlassian-connect-express renders its templates.
 */
export async function serve(dists, { hostDelayMs = 0 } = {}) {
  const token = mint(Math.floor(Date.now() / 1000), 900);
  const answer = hostDelayMs ? `new Promise((resolve) => setTimeout(() => resolve(${JSON.stringify(token)}), ${hostDelayMs}))` : `Promise.resolve(${JSON.stringify(token)})`;
  const ap = `window.AP = { context: { getToken: () => ${answer} } };`;
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const [, app, ...rest] = url.pathname.split('/');
    const file = rest.join('/') || 'index.html';
    if (file === 'ap.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(ap);
    if (url.pathname === '/api/first') return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    try {
      let body = readFileSync(path.join(dists[app], file));
      if (file === 'index.html') body = String(body).replace('content="{{token}}"', `content="${mint(Math.floor(Date.now() / 1000), 900)}"`);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** One load in a fresh context: the times (ms after navigation start) of each step. */
export async function load(browser, url, rtt) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    if (rtt) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: rtt, downloadThroughput: -1, uploadThroughput: -1 });
    }
    await page.goto(url);
    // The request's resource timing entry is queued after its response: wait for it.
    const sent = () => performance.getEntriesByType('resource').some((e) => e.name.includes('/api/first'));
    await page.waitForFunction(sent, null, { polling: 5, timeout: 30_000 });
    return await page.evaluate(() => {
      const resource = (part) => performance.getEntriesByType('resource').find((e) => e.name.includes(part));
      const mark = (name) => performance.getEntriesByName(name)[0]?.startTime;
      const navigation = performance.getEntriesByType('navigation')[0];
      const scripts = performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'));
      const wasm = resource('.wasm');
      return {
        html: navigation.responseEnd,
        scripts: Math.max(...scripts.map((e) => e.responseEnd)),
        appStart: mark('app-start'),
        created: mark('created'),
        wasm: wasm ? wasm.responseEnd : null,
        leaves: resource('/api/first').startTime,
        answered: resource('/api/first').responseEnd,
      };
    });
  } finally {
    await context.close();
  }
}

/**
 * Runs the comparison: `loads` fresh contexts per app and RTT, interleaved. Returns
 * `{ loads, results: { [rtt]: { ours, plain, difference, min, max } }, lines }`, each app's figures
 * the medians of its loads (ms after navigation start), `difference` the median of the per-pair
 * differences of when the first authenticated request left, `lines` the printable report.
 */
export async function coldStart({ pkg = path.join(root, 'pkg'), loads = 15 } = {}) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cold-start-'));
  try {
    const dists = { ours: await build(tmp, 'ours', pkg), plain: await build(tmp, 'plain', pkg) };
    const { server, origin } = await serve(dists);
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const results = {};
    try {
      for (const rtt of RTTS) {
        const runs = { ours: [], plain: [] };
        // One warm-up of each (Chromium's own first start), then interleaved loads.
        for (const app of ['ours', 'plain']) await load(browser, `${origin}/${app}/`, rtt);
        for (let i = 0; i < loads; i++) {
          for (const app of i % 2 ? ['plain', 'ours'] : ['ours', 'plain']) runs[app].push(await load(browser, `${origin}/${app}/`, rtt));
        }
        const summary = (app) => Object.fromEntries(Object.keys(runs[app][0]).map((k) => [k, runs[app][0][k] === null ? null : median(runs[app].map((r) => r[k]))]));
        const differences = runs.ours.map((r, i) => r.leaves - runs.plain[i].leaves);
        results[rtt] = { ours: summary('ours'), plain: summary('plain'), difference: median(differences), min: Math.min(...differences), max: Math.max(...differences) };
      }
    } finally {
      await browser.close();
      server.close();
    }
    return { loads, results, lines: report(loads, results, path.relative(root, pkg) || pkg) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function report(loads, results, pkg) {
  const f = (x) => (x === null ? '—' : x.toFixed(1));
  const lines = [`Cold start: the first authenticated request, ms after navigation start (median of ${loads} fresh contexts per app, interleaved; package ${pkg})`];
  for (const rtt of RTTS) {
    const { ours, plain, difference, min, max } = results[rtt];
    lines.push(`  RTT ${rtt} ms: connect-token ${f(ours.leaves)} ms, minimal JS module ${f(plain.leaves)} ms: +${f(difference)} ms (median of pairs; ${f(min)} .. ${f(max)})`);
    for (const [name, r] of [['connect-token', ours], ['minimal JS', plain]]) {
      lines.push(`    ${name.padEnd(14)} HTML ${f(r.html)}, scripts ${f(r.scripts)}${r.wasm ? `, .wasm ${f(r.wasm)}` : ''}, app code starts ${f(r.appStart)}, ready ${f(r.created)} (+${f(r.created - r.appStart)}), request leaves ${f(r.leaves)} (+${f(r.leaves - r.created)})`);
    }
  }
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { results, lines } = await coldStart({ pkg: path.resolve(process.argv[2] ?? path.join(root, 'pkg')), loads: Number(process.argv[3] ?? 15) });
  console.log(lines.join('\n'));
  mkdirSync(path.join(bench, '.out'), { recursive: true });
  writeFileSync(path.join(bench, '.out/cold-start.json'), JSON.stringify(results, null, 2));
}
