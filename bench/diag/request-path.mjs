// Diagnostic: where auth.fetch's time goes (see request-path.js). Needs bench/run.sh's setup.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../lib/server.mjs';
import { measure } from '../lib/measure.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const server = await serve(root);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/bench/diag/request-path.html`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const names = await page.evaluate(() => window.bench.setup());
  const rounds = Number(process.env.ROUNDS ?? 11);
  const timed = await measure(page, cdp, names, { perRound: 20000, rounds, warmup: 5000 });
  const w = timed['minimal wrapper'];
  console.log(`median of ${rounds} rounds × 20000 (CPU = renderer main thread)`);
  for (const [name, r] of Object.entries(timed)) {
    const ratio = r.cpuRounds.map((cpu, i) => cpu / w.cpuRounds[i]).sort((a, b) => a - b)[r.cpuRounds.length >> 1];
    console.log(`${name.padEnd(44)} ${String(Math.round(r.cpu)).padStart(6)} ns CPU  ${String(Math.round(r.median)).padStart(6)} ns wall  ${ratio.toFixed(2)}× wrapper (CPU, per round)`);
  }
} finally {
  await browser.close();
  await server.close();
}
