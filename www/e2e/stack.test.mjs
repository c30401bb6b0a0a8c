// The wasm's stack is big enough, with room to spare: WebAssembly has no guard page, and a stack
// overflow would trap and kill the module for the page. The shipped module's stack size is read
// from the module itself (its stack pointer's first value: Rust puts the stack first in memory);
// www/stack/page.js paints that stack, runs every public path of pkg/ (bad options, each kind of
// request and header, a 401 replay, renewals, events, dispose, the bridge form failing four ways)
// and reports how deep it went. Fails if that passes a quarter of the stack (scripts/lib.sh sets
// the size), or if painting found nothing (a measure that saw nothing would prove nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serve } from '../../bench/lib/server.mjs';
import { pkgWasmText } from '../size/measure.mjs';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';
import { ROOT } from './harness.mjs';

/** The shipped module's stack size: its first global, the stack pointer, starts at the top. */
function stackSize() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'connect-token-stack-'));
  try {
    const wasm = path.join(dir, 'module.wasm');
    writeFileSync(wasm, gunzipSync(Buffer.from(pkgWasmText(path.join(ROOT, 'pkg')), 'base64')));
    const text = execFileSync(path.join(ROOT, 'node_modules/.bin/wasm-opt'), ['--all-features', '--print', wasm], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const top = /\(global \$global\$0 \(mut i32\) \(i32\.const (\d+)\)\)/.exec(text)?.[1];
    assert.ok(top, "the module's first global is not the stack pointer");
    return Number(top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let browser;
let server;
before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  server = await serve(ROOT);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('every public path uses under a quarter of the stack', async () => {
  const size = stackSize();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${server.origin}/www/stack/page.html`);
  await page.waitForFunction(() => window.ready === true);
  const { used, events } = await page.evaluate((size) => window.deepestStack(size), size);
  assert.deepEqual(errors.map(String), []);
  assert.ok(events > 0, 'the page saw no event: the paths did not run');
  assert.ok(used > 0, 'painting saw no use of the stack: the measure is broken');
  assert.ok(used <= size / 4, `the deepest use is ${used} B of a ${size} B stack: raise WASM_STACK_BYTES in scripts/lib.sh`);
  console.log(`deepest stack use ${used} B of ${size} B`);
});
