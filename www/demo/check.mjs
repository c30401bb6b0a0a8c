#!/usr/bin/env node
// End-to-end check of the demo, both builds, in Debian's Chromium (playwright-core, no download):
//   node www/demo/check.mjs [--screenshot docs/demo.png] [--wait 100] [--ttl 30]
// Starts its own world (www/sim), opens the host page with each build in the iframe, waits for the
// test hook, presses the burst button and checks that the backend accepted the requests; checks the
// option and error paths; over four fresh loads, that the timeline shows the tokens the host
// answered and its summary line agrees with the stats card; with --screenshot, lets a few renewals
// happen and saves a 1280x800 shot.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startWorld } from '../sim/servers.js';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    screenshot: { type: 'string' },
    wait: { type: 'string', default: '100' },
    ttl: { type: 'string', default: '30' },
  },
});

const world = await startWorld({
  staticDirs: { '/vite/': path.join(here, 'dist-vite'), '/webpack/': path.join(here, 'dist-webpack') },
  host: { ttlSeconds: Number(values.ttl) },
});
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});

/** Opens the host page with `addon` in the iframe; resolves with {page, frame, ready}. */
async function open(addon, hostQuery = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => console.error(`  page error (${addon}): ${error.message}`));
  await page.goto(world.hostPageUrl({ addon, ...hostQuery }));
  const frame = await (await page.waitForSelector('#sim-frame iframe')).contentFrame();
  await frame.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 20_000 });
  return { page, frame, ready: await frame.evaluate(() => document.documentElement.dataset.ready) };
}

const step = (text) => console.log(`ok - ${text}`);

/**
 * A fresh load of `addon`, watched for `ms`: what the timeline, its summary line and the stats card
 * show, against what the host did for this page (the tokens it answered, by iat and exp, and its
 * calls). The first request's Date header moves the estimate of the issuer's clock: the same token
 * must stay one token.
 */
async function timelineAgreesWithTheHost(addon, ms) {
  const issuedBefore = world.control.stats().issued.length;
  const callsBefore = world.control.stats().hostCalls;
  const { page, frame, ready } = await open(addon);
  assert.equal(ready, '1');
  await frame.evaluate(() => window.connectTokenDemo.auth.fetch('/api/whoami'));
  await page.waitForTimeout(ms);
  const shown = await frame.evaluate(() => {
    const stat = (label) => Number([...document.querySelectorAll('.stat')].find((s) => s.querySelector('.stat-label').textContent === label)?.querySelector('.stat-value').textContent);
    return {
      tokens: [...document.querySelectorAll('.timeline g[data-iat]')].map((g) => `${g.dataset.iat}-${g.dataset.exp}`),
      summary: Number(/(\d+) tokens?,/.exec(document.querySelector('.summary')?.textContent ?? '')?.[1]),
      renewals: stat('renewals'),
      hostCalls: stat('host calls'),
    };
  });
  await page.close();
  const host = world.control.stats();
  const answered = [...new Set(host.issued.slice(issuedBefore).map((i) => `${i.iat}-${i.exp}`))];
  assert.deepEqual(shown.tokens, answered, `${addon}: the timeline shows the tokens the host answered`);
  assert.equal(shown.summary, shown.tokens.length, `${addon}: the summary line counts the tokens drawn`);
  assert.equal(shown.summary, shown.renewals, `${addon}: the summary line agrees with the stats card's renewals`);
  assert.equal(shown.hostCalls, host.hostCalls - callsBefore, `${addon}: the stats card counts the host's calls`);
  return shown;
}

try {
  for (const build of ['vite', 'webpack']) {
    const { page, frame, ready } = await open(`/${build}/index.html`);
    assert.equal(ready, '1');
    const hook = await frame.evaluate(() => ({
      keys: Object.keys(window.connectTokenDemo).sort(),
      types: Object.values(window.connectTokenDemo).map((v) => typeof v),
      isError: window.connectTokenDemo.isConnectTokenError({ name: 'ConnectTokenError', code: 'timeout' }),
    }));
    assert.deepEqual(hook.keys, ['auth', 'createConnectAuth', 'isConnectTokenError']);
    assert.equal(hook.isError, true);
    const wasm = world.control.addonStats().requests.filter((r) => r.url.endsWith('.wasm'));
    assert.deepEqual(wasm, [], `${build}: no .wasm request (the module is in the JS)`);
    step(`${build}: data-ready="1", window.connectTokenDemo = {auth, createConnectAuth, isConnectTokenError}, no .wasm request`);

    const before = world.control.addonStats();
    const hostBefore = world.control.stats().hostCalls;
    await frame.click('[data-testid=burst]');
    await frame.waitForFunction(() => /50\/50 OK/.test(document.querySelector('.burst-result')?.textContent ?? ''), null, { timeout: 20_000 });
    const after = world.control.addonStats();
    const whoami = after.requests.slice(before.requests.length).filter((r) => r.url === '/api/whoami');
    assert.equal(whoami.length, 50);
    assert.ok(whoami.every((r) => r.status === 200 && r.tokenSource && r.authScheme === 'JWT'), 'every burst request carried "JWT <token>" and was accepted');
    assert.equal(after.accepted - before.accepted, 50);
    assert.equal(after.rejected, before.rejected);
    step(`${build}: burst → backend accepted 50/50 (addonStats.accepted ${before.accepted} → ${after.accepted}), host calls +${world.control.stats().hostCalls - hostBefore}`);

    const rows = await frame.evaluate(async () => {
      const status = (await window.connectTokenDemo.auth.fetch('/api/whoami')).status;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { status, rows: document.querySelectorAll('.log tbody tr').length, first: document.querySelector('.log tbody tr td:nth-child(3)')?.textContent };
    });
    assert.deepEqual(rows, { status: 200, rows: 50, first: '200' });
    step(`${build}: a direct auth.fetch from the test shows in the log (50 rows kept)`);
    await page.close();

    const bad = await open(`/${build}/index.html?timeoutMs=0`);
    assert.equal(bad.ready, 'error');
    const error = await bad.frame.evaluate(() => ({
      keys: Object.keys(window.connectTokenDemo).sort(),
      code: window.connectTokenDemo.error.code,
      is: window.connectTokenDemo.isConnectTokenError(window.connectTokenDemo.error),
    }));
    assert.deepEqual(error, { keys: ['createConnectAuth', 'error', 'isConnectTokenError'], code: 'invalid-options', is: true });
    step(`${build}: ?timeoutMs=0 → data-ready="error", connectTokenDemo.error.code "invalid-options"`);
    await bad.page.close();

    const query = new URLSearchParams({ allowed: world.secondOrigin, renewMarginSeconds: '5', retryUnauthorized: 'false', timeoutMs: '5000' });
    const custom = await open(`/${build}/index.html?${query}`);
    assert.equal(custom.ready, '1');
    const secondBefore = world.control.addonStats().byServer.second?.accepted ?? 0;
    const fetchStatus = (url) => custom.frame.evaluate(async (u) => (await window.connectTokenDemo.auth.fetch(u)).status, url);
    const statuses = [await fetchStatus(`${world.secondOrigin}/api/whoami`)];
    world.control.addon({ rejectNext: 1 });
    statuses.push(await fetchStatus('/api/whoami'));
    assert.deepEqual(statuses, [200, 401], 'allowed origin got the token; retryUnauthorized=false did not replay the 401');
    assert.equal(world.control.addonStats().byServer.second.accepted, secondBefore + 1);
    step(`${build}: ?allowed=<second origin>&retryUnauthorized=false&… → token sent to the second origin, 401 not replayed`);
    await custom.page.close();

    const callback = await open(`/${build}/index.html`, { form: 'callback' });
    assert.equal(callback.ready, '1');
    const status = await callback.frame.evaluate(async () => (await window.connectTokenDemo.auth.fetch('/api/whoami')).status);
    assert.equal(status, 200);
    step(`${build}: the host's callback form of getToken works too`);
    await callback.page.close();
  }

  {
    // The page as atlassian-connect-express renders it, with its session tokens: requests flow,
    // the host-call counter stays still, and the timeline shows tokens from the backend.
    world.control.addon({ qshCheck: 'ace' });
    const hostBefore = world.control.stats().hostCalls;
    const { page, frame, ready } = await open('/ace/vite/index.html?session=1', { pageJwt: 1 });
    assert.equal(ready, '1');
    for (let i = 0; i < 3; i++) {
      const status = await frame.evaluate(async () => (await window.connectTokenDemo.auth.fetch('/api/whoami')).status);
      assert.equal(status, 200);
      await page.waitForTimeout(1_100); // ACE's next token expires a second later
    }
    await page.waitForTimeout(600); // the stats poll and a frame
    const shown = await frame.evaluate(() => ({
      hostCalls: Number([...document.querySelectorAll('.stat')].find((s) => s.querySelector('.stat-label').textContent === 'host calls')?.querySelector('.stat-value').textContent),
      sources: [...document.querySelectorAll('.timeline g[data-source]')].map((g) => g.dataset.source),
      from: document.querySelector('[data-testid=token-source]')?.textContent,
    }));
    assert.equal(world.control.stats().hostCalls, hostBefore, 'no host call');
    assert.equal(shown.hostCalls, 0, 'the host-call counter stays still');
    assert.ok(shown.sources.length >= 3 && shown.sources.every((s) => s === 'backend'), `the timeline shows backend tokens: ${shown.sources}`);
    assert.match(shown.from, /your backend/);
    step(`ACE-rendered page with session tokens: 3 requests accepted, host calls 0, timeline shows ${shown.sources.length} tokens from the backend`);
    await page.close();
    world.control.addon({ qshCheck: 'context' });
  }

  const loads = [];
  for (let i = 0; i < 4; i++) loads.push(await timelineAgreesWithTheHost(`/vite/index.html`, 3_000));
  step(`4 fresh loads: the timeline shows the tokens the host answered (${loads.map((l) => l.tokens.length).join(', ')}), the summary line agrees with the stats card`);

  if (values.screenshot) {
    const seconds = Number(values.wait);
    const { page, frame } = await open('/vite/index.html');
    await frame.click('[data-testid=periodic]');
    await frame.click('[data-testid=burst]');
    const started = Date.now();
    await page.waitForTimeout((seconds * 1000) / 2);
    world.control.addon({ rejectNext: 1 }); // one 401, replayed with a new token: a red dot, then green
    await frame.click('[data-testid=burst]');
    await page.waitForTimeout(Math.max(0, seconds * 1000 - (Date.now() - started) - 1500));
    await frame.click('[data-testid=burst]');
    await page.waitForTimeout(1500);
    const out = path.resolve(values.screenshot);
    await page.screenshot({ path: out });
    const stats = await frame.evaluate(() => window.connectTokenDemo.auth.stats());
    step(`screenshot ${out} after ${seconds} s: ${JSON.stringify(stats)}`);
  }
} finally {
  await browser.close();
  await world.close();
}
