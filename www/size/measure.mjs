// What an app pays for connect-token: www/size/app.js (one import, one call) bundled for
// production by Vite and by webpack 5 with the demo's installed bundlers, no config for the
// package. Prints JS min+gzip -9 and .wasm gzip -9 per bundler; exits 1 if either total is over
// the budget (bytes, the first argument).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const demo = path.join(here, '../demo');
const budget = Number(process.argv[2] ?? 49152);
const { build } = await import(path.join(demo, 'node_modules/vite/dist/node/index.js'));
const webpack = (await import(path.join(demo, 'node_modules/webpack/lib/index.js'))).default;

const files = (dir) => readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

function measure(name, dir) {
  const all = files(dir);
  const js = all.filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gz(f), 0);
  const wasm = all.filter((f) => f.endsWith('.wasm')).reduce((sum, f) => sum + gz(f), 0);
  if (!wasm) throw new Error(`${name}: no .wasm emitted`);
  return { name, js, wasm, total: js + wasm };
}

// Inside the demo, so that `connect-token` resolves through its node_modules (a link to pkg/).
const out = mkdtempSync(path.join(demo, '.size-'));
const app = path.join(out, 'app.js');
copyFileSync(path.join(here, 'app.js'), app);
try {
  await build({
    root: demo,
    logLevel: 'warn',
    configFile: false,
    resolve: { preserveSymlinks: true },
    build: { outDir: path.join(out, 'vite'), emptyOutDir: true, rollupOptions: { input: app } },
  });
  await new Promise((resolve, reject) =>
    webpack(
      {
        mode: 'production',
        context: demo,
        entry: app,
        output: { path: path.join(out, 'webpack'), publicPath: 'auto' },
        resolve: { symlinks: false, modules: [path.join(demo, 'node_modules')] },
        performance: { hints: false },
      },
      (error, stats) => (error || stats.hasErrors() ? reject(error ?? new Error(stats.toString('errors-only'))) : resolve()),
    ),
  );
  const results = [measure('Vite', path.join(out, 'vite')), measure('webpack 5', path.join(out, 'webpack'))];
  let over = false;
  for (const { name, js, wasm, total } of results) {
    console.log(`connect-token size via ${name}: js ${js} B + wasm ${wasm} B = ${total} B min+gzip -9 (budget ${budget} B)`);
    over ||= total > budget;
  }
  if (over) {
    console.error(`FAIL: connect-token is over its size budget of ${budget} B`);
    process.exitCode = 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
