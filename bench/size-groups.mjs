// Where the bytes an app downloads for connect-token go, by group: our src/core and src/web, each
// crate, the standard library, the data, the imports, and the JavaScript (wasm-bindgen's glue and
// our entry). Prints a table; with --json, the figures as JSON (bench/run.mjs keeps the ones of
// an earlier tree in bench/size-before.json to show beside this tree's).
//
//   node bench/size-groups.mjs [checkout] [--json]
//
// `checkout` (default: this repository) is a working tree of connect-token set up to build
// (`npm ci` at its root); its pkg/ is built first if missing. How each figure is taken:
// - the wasm by group: the release build with names kept (its scripts/wasm-names.sh) through
//   `twiggy top`, shallow bytes before gzip, grouped by bench/lib/crates.mjs; gzip cannot be split
//   by group, so the module's gzip is given whole;
// - what the app downloads: www/size/app.js bundled by Vite and webpack 5 against the checkout's
//   pkg/ (www/size/measure.mjs), every emitted file min+gzip -9; of it, the module's own text
//   (base64 of its gzip) gzipped alone, and the rest, which is the JavaScript;
// - imported functions: the wasm's imports, each one a function of the glue.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { crateBreakdown } from './lib/crates.mjs';
import { bundleSizes, pkgWasmText } from '../www/size/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);

/** The figures for `checkout` (a connect-token working tree). */
export async function sizeGroups(checkout = root, { log = () => {} } = {}) {
  if (!existsSync(path.join(checkout, 'pkg', 'index.js'))) {
    log(`building ${checkout}/pkg`);
    execFileSync(path.join(checkout, 'scripts', 'build.sh'), { cwd: checkout, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const wasm = crateBreakdown(checkout, { log });
  if (wasm.skipped) throw new Error(wasm.skipped);
  // The checkout's pkg/ installed as `connect-token` in a folder of its own, bundled like CI does.
  const app = mkdtempSync(path.join(os.tmpdir(), 'connect-token-size-'));
  try {
    mkdirSync(path.join(app, 'node_modules'));
    cpSync(path.join(checkout, 'pkg'), path.join(app, 'node_modules', 'connect-token'), { recursive: true, dereference: true });
    const pkg = path.join(app, 'node_modules', 'connect-token');
    const [vite, webpack] = await bundleSizes(path.join(root, 'www', 'size', 'app.js'), { resolveFrom: app, pkg });
    const text = pkgWasmText(path.join(checkout, 'pkg'));
    const gzipped = Buffer.from(text, 'base64');
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8' }).trim();
    return {
      commit,
      vite: { total: vite.total, module: vite.carried, js: vite.total - vite.carried },
      webpack: { total: webpack.total, module: webpack.carried, js: webpack.total - webpack.carried },
      module: { raw: gunzipSync(gzipped).length, gzip: gzipped.length },
      imports: wasm.imports,
      groups: wasm.groups,
      counted: wasm.total,
      wasm,
    };
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

/** The table: `after` beside `before` (either may be missing). */
export function sizeTable(after, before) {
  const n = (x) => (x === undefined ? '—' : x.toLocaleString('en-US'));
  const cols = (f) => (before ? `${n(f(before))} | ${n(f(after))} | ${diff(f(after) - f(before))}` : n(f(after)));
  const diff = (d) => (Number.isNaN(d) ? '—' : d > 0 ? `+${n(d)}` : d < 0 ? `−${n(-d)}` : '0');
  const group = (report, name) => report.groups.find((g) => g.group === name)?.bytes ?? 0;
  const names = [...new Set([...(before?.groups ?? []), ...after.groups].map((g) => g.group))];
  const head = before ? `| | ${before.commit} | ${after.commit} | change |\n|---|---:|---:|---:|` : `| | ${after.commit} |\n|---|---:|`;
  return [
    head,
    `| **what the app downloads via Vite** (min+gzip -9) | ${cols((r) => r.vite.total)} |`,
    `| of it the wasm module (its text in the JS, gzip alone) | ${cols((r) => r.vite.module)} |`,
    `| of it JavaScript (wasm-bindgen's glue, index.js) | ${cols((r) => r.vite.js)} |`,
    `| **what the app downloads via webpack 5** | ${cols((r) => r.webpack.total)} |`,
    `| the wasm module, raw | ${cols((r) => r.module.raw)} |`,
    `| the wasm module, gzip as shipped (zopfli) | ${cols((r) => r.module.gzip)} |`,
    `| imported functions (each a function of the glue) | ${cols((r) => r.imports)} |`,
    `| *the wasm by group, raw bytes (names-kept build):* | ${before ? ' | | ' : ''}|`,
    ...names.map((name) => `| ${name} | ${cols((r) => group(r, name))} |`),
    `| counted | ${cols((r) => r.counted)} |`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const checkout = path.resolve(args.find((a) => a !== '--json') ?? root);
  const report = await sizeGroups(checkout, { log: (...a) => console.error('[size-groups]', ...a) });
  console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : sizeTable(report));
}
