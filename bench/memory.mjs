// Memory, side by side: what a page holds after 1,000 authenticated requests made through
// connect-token, and after the same requests made through a minimal plain-JS module (get a token,
// set the header), by `performance.measureUserAgentSpecificMemory()` in a cross-origin isolated
// page, each in a fresh Chromium context, the two interleaved, the median of 5 of each. Also, for
// connect-token: the size of its wasm memory at start and after the requests; and, to place the
// difference, the V8 heap used (DevTools Runtime.getHeapUsage) and, from one heap snapshot of each
// page, its bytes by kind (compiled wasm, the wasm memory, strings, code, objects, the browser's
// own). Nothing here asserts anything.
//   node bench/memory.mjs [loads, default 5] [requests, default 1000]
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './lib/server.mjs';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../www/chromium.mjs';

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
// The measurement resolves at once instead of at the next garbage collection (up to 20 s later).
const ARGS = [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory'];

/** Sums a measureUserAgentSpecificMemory() breakdown by memory type (JavaScript, DOM, Shared, ...). */
function byType(breakdown) {
  const sums = {};
  for (const entry of breakdown) {
    const type = entry.types.join('+') || '(none)';
    sums[type] = (sums[type] ?? 0) + entry.bytes;
  }
  return sums;
}

/** The kind of one heap snapshot node, for the breakdown. */
function kindOf(type, name) {
  if (/WasmNativeModule/.test(name)) return 'compiled wasm code (WasmNativeModule)';
  if (/JSArrayBufferData/.test(name)) return 'array buffers (the wasm memory among them)';
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return 'strings (the module text among them)';
  if (type === 'code') return 'JavaScript code (bytecode, compiled code)';
  if (type === 'native') return "the browser's own (DOM, network, style, bindings)";
  return 'JavaScript objects, arrays, closures, shapes';
}

/** A heap snapshot of `page`, summed by kind (self sizes; bytes). */
async function heapBreakdown(cdp) {
  const chunks = [];
  const take = (event) => chunks.push(event.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', take);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', take);
  const { snapshot, nodes, strings } = JSON.parse(chunks.join(''));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [type, name, self] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const kinds = {};
  for (let i = 0; i < nodes.length; i += fields.length) {
    const kind = kindOf(types[nodes[i + type]], String(strings[nodes[i + name]]));
    kinds[kind] = (kinds[kind] ?? 0) + nodes[i + self];
  }
  return kinds;
}

/** One page (`ours` or `plain`) in a fresh context: its figures after `requests` requests. */
async function once(browser, origin, app, requests, { snapshot = false } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error));
    await page.goto(`${origin}/bench/memory/${app}.html`);
    await page.waitForFunction(() => window.ready === true);
    const wasm = await page.evaluate((n) => window.run(n), requests);
    if (errors.length) throw new Error(`${app}: ${errors.map(String).join('; ')}`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const measured = await page.evaluate(async () => {
      if (!crossOriginIsolated) throw new Error('the page is not cross-origin isolated');
      const { bytes, breakdown } = await performance.measureUserAgentSpecificMemory();
      return { bytes, breakdown: breakdown.map(({ bytes, types }) => ({ bytes, types })) };
    });
    const kinds = snapshot ? await heapBreakdown(cdp) : undefined;
    return { bytes: measured.bytes, types: byType(measured.breakdown), heapUsed: heap.usedSize, heapTotal: heap.totalSize, wasm, kinds };
  } finally {
    await context.close();
  }
}

/** The medians of `loads` fresh pages of each app after `requests` requests. */
export async function memoryUse({ loads = 5, requests = 1000, log = () => {} } = {}) {
  const server = await serve(root);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  const runs = { ours: [], plain: [] };
  try {
    for (let i = 0; i < loads; i++) {
      for (const app of i % 2 ? ['plain', 'ours'] : ['ours', 'plain']) {
        runs[app].push(await once(browser, server.origin, app, requests, { snapshot: i === 0 }));
      }
      log(`   load ${i + 1}/${loads}: ours ${runs.ours.at(-1).bytes} B, plain ${runs.plain.at(-1).bytes} B`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const summary = (list) => {
    const types = [...new Set(list.flatMap((r) => Object.keys(r.types)))];
    return {
      bytes: median(list.map((r) => r.bytes)),
      types: Object.fromEntries(types.map((t) => [t, median(list.map((r) => r.types[t] ?? 0))])),
      heapUsed: median(list.map((r) => r.heapUsed)),
      wasmAtStart: list[0].wasm.atStart,
      wasmAfter: list[0].wasm.after,
      snapshot: list[0].kinds,
      runs: list.map((r) => r.bytes),
    };
  };
  return { loads, requests, chromium: browser.version(), ours: summary(runs.ours), plain: summary(runs.plain) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [loads = 5, requests = 1000] = process.argv.slice(2).map(Number);
  const result = await memoryUse({ loads, requests, log: console.error });
  console.log(JSON.stringify(result, null, 2));
}
