// What an app pays for connect-token: www/size/app.js (one import, one call) bundled for
// production by Vite and by webpack 5 with the demo's installed bundlers, no config for the
// package. Prints JS min+gzip -9 and .wasm gzip -9 per bundler; exits 1 if either total is over
// the budget (bytes, the first argument). bench/run.mjs imports bundleSizes() to measure other
// one-line apps the same way.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const demo = path.join(here, '../demo');

/**
 * The wasm module as `pkg` carries it: the base64 text in connect_token_wasm.js (the .wasm gzipped,
 * then base64; scripts/pack-wasm.mjs). A bundle that holds this text holds that module.
 */
export function pkgWasmText(pkg = path.join(here, '../../pkg')) {
  const source = readFileSync(path.join(pkg, 'connect_token_wasm.js'), 'utf8');
  const text = source.match(/export default '([A-Za-z0-9+/=]+)'/)?.[1];
  if (!text) throw new Error(`${pkg}/connect_token_wasm.js does not hold the module`);
  return text;
}

const files = (dir) => readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

function measure(name, dir, module) {
  const emitted = files(dir).map((file) => {
    const bytes = readFileSync(file);
    return { file: path.relative(dir, file), bytes: bytes.length, gzip: gz(bytes), text: bytes.toString('latin1') };
  });
  const sum = (ext, key) => emitted.filter((f) => f.file.endsWith(ext)).reduce((total, f) => total + f[key], 0);
  const js = sum('.js', 'gzip');
  const wasm = sum('.wasm', 'gzip');
  // Every file the app downloads counts, however the module is carried.
  const total = sum('', 'gzip');
  // connect-token's module, carried in the JS: its base64 text gzipped alone (0 for other apps).
  const carried = emitted.some((f) => f.file.endsWith('.js') && f.text.includes(module)) ? gz(Buffer.from(module)) : 0;
  return { name, js, jsMin: sum('.js', 'bytes'), wasm, wasmRaw: sum('.wasm', 'bytes'), carried, total, files: emitted.map(({ text, ...f }) => f) };
}

/**
 * Bundles the one-file app `app` for production with Vite and with webpack 5 and measures what
 * they emit: [{ name: 'Vite' | 'webpack 5', js, jsMin, wasm, wasmRaw, total, files }], gzip -9
 * bytes (jsMin and wasmRaw before gzip). The app is copied into a temporary folder inside
 * `resolveFrom`, so its imports resolve through that folder's node_modules (by default the demo's,
 * where `connect-token` is a link to pkg/); `pkg` is the package whose module a bundle may hold.
 */
export async function bundleSizes(app, { resolveFrom = demo, pkg } = {}) {
  const { build } = await import(path.join(demo, 'node_modules/vite/dist/node/index.js'));
  const webpack = (await import(path.join(demo, 'node_modules/webpack/lib/index.js'))).default;
  const out = mkdtempSync(path.join(resolveFrom, '.size-'));
  const entry = path.join(out, 'app.js');
  copyFileSync(app, entry);
  try {
    await build({
      root: resolveFrom,
      logLevel: 'warn',
      configFile: false,
      resolve: { preserveSymlinks: true },
      build: { outDir: path.join(out, 'vite'), emptyOutDir: true, rollupOptions: { input: entry } },
    });
    await new Promise((resolve, reject) =>
      webpack(
        {
          mode: 'production',
          context: resolveFrom,
          entry,
          output: { path: path.join(out, 'webpack'), publicPath: 'auto' },
          resolve: { symlinks: false, modules: [path.join(resolveFrom, 'node_modules')] },
          performance: { hints: false },
        },
        (error, stats) => (error || stats.hasErrors() ? reject(error ?? new Error(stats.toString('errors-only'))) : resolve()),
      ),
    );
    const module = pkgWasmText(pkg);
    return [measure('Vite', path.join(out, 'vite'), module), measure('webpack 5', path.join(out, 'webpack'), module)];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const budget = Number(process.argv[2] ?? 49152);
  const results = await bundleSizes(path.join(here, 'app.js'));
  let over = false;
  // The module travels in the JS (pkg/connect_token_wasm.js): a bundle without it measured nothing.
  for (const { name, js, wasm, total, carried } of results) {
    if (!carried) throw new Error(`${name}: the bundle does not hold pkg/'s wasm module`);
    console.log(`connect-token size via ${name}: ${total} B min+gzip -9, every file the app downloads (JS ${js} B, of it the wasm module's base64 about ${carried} B alone; .wasm files ${wasm} B) (budget ${budget} B)`);
    over ||= total > budget;
  }
  if (over) {
    console.error(`FAIL: connect-token is over its size budget of ${budget} B`);
    process.exitCode = 1;
  }
}
