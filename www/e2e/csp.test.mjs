// The demo (its Vite build) served under the Content-Security-Policy README recommends for a
// Connect app's pages, in Chromium inside the simulated Connect host: with the simulator's origins
// in place of the product's, the header is exactly README's (www/sim/csp.js makes both). The app
// authenticates, calls its own backend and an allowed second origin, and no securitypolicyviolation
// fires; the same policy without 'wasm-unsafe-eval' stops it with a wasm-blocked ConnectTokenError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startWorld } from '../sim/servers.js';
import { connectAppCsp } from '../sim/csp.js';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';
import { APPS, ROOT } from './harness.mjs';

const PRODUCT = { bridge: 'https://connect-cdn.atl-paas.net', ancestors: ['https://*.atlassian.net', 'https://*.jira.com'] };

let browser;
before(async () => {
  assert.ok(existsSync(path.join(APPS.vite.dir, 'index.html')), `${APPS.vite.dir} is missing: build www/demo first`);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
after(() => browser?.close());

test("README's header is the one this test serves, with the product's origins", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme.includes(`Content-Security-Policy: ${connectAppCsp(PRODUCT)}`), 'README shows connectAppCsp(PRODUCT)');
});

/** Opens the demo (the second origin allowed the token) under `policy(origins)`; returns the world, its frame, the header served and the console. */
async function openDemo(t, policy) {
  const world = await startWorld({ addonDir: APPS.vite.dir, https: false, pageHeaders: (origins) => ({ 'Content-Security-Policy': policy(origins) }) });
  const context = await browser.newContext();
  t.after(async () => {
    await context.close().catch(() => {});
    await world.close();
  });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const console = [];
  page.on('console', (m) => console.push(m.text()));
  const served = page.waitForResponse((r) => r.url().startsWith(world.addonOrigin) && r.url().includes('index.html'));
  await page.goto(world.hostPageUrl({ addon: `/index.html?allowed=${world.control.info().secondOrigin}` }));
  const header = (await served).headers()['content-security-policy'];
  const frame = await (await page.waitForSelector('#sim-frame iframe')).contentFrame();
  await frame.waitForFunction(() => document.documentElement.dataset.ready, null, { polling: 25, timeout: 30_000 });
  return { world, frame, header, console };
}

test("under README's policy the demo authenticates, calls both origins, and trips nothing", async (t) => {
  const policy = (o) => connectAppCsp({ bridge: o.addonOrigin, api: [o.secondOrigin], ancestors: [o.hostOrigin] });
  const { world, frame, header, console } = await openDemo(t, policy);
  assert.equal(header, policy(world.control.info()), 'the page was served under the policy');
  assert.equal(await frame.evaluate(() => document.documentElement.dataset.ready), '1', String(await frame.evaluate(() => window.connectTokenDemo?.error?.message)));
  const statuses = await frame.evaluate(async (second) => {
    const { auth } = window.connectTokenDemo;
    return Promise.all(['/api/whoami', `${second}/api/whoami`].map(async (url) => (await auth.fetch(url)).status));
  }, world.control.info().secondOrigin);
  assert.deepEqual(statuses, [200, 200]);
  assert.deepEqual(await frame.evaluate(() => window.__violations), []);
  assert.deepEqual(console.filter((line) => /Content.Security.Policy/i.test(line)), []);
});

test("without 'wasm-unsafe-eval' the demo says wasm-blocked, and what to add", async (t) => {
  const policy = (o) => connectAppCsp({ bridge: o.addonOrigin, api: [o.secondOrigin], ancestors: [o.hostOrigin] }).replace(" 'wasm-unsafe-eval'", '');
  const { frame } = await openDemo(t, policy);
  const error = await frame.evaluate(() => ({ ready: document.documentElement.dataset.ready, code: window.connectTokenDemo?.error?.code, message: window.connectTokenDemo?.error?.message }));
  assert.equal(error.ready, 'error');
  assert.equal(error.code, 'wasm-blocked');
  assert.match(error.message, /'wasm-unsafe-eval'/);
});
