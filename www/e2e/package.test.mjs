// The npm package as published: `npm pack` of pkg/ holds exactly what an installed copy needs, found
// from the entry points rather than listed here: every module the entry points import (static
// imports and re-exports, literal dynamic imports; the wasm module is one of them), every asset the
// JS loads with `new URL('…', import.meta.url)`, the type declarations and what they import, each
// folder's own package.json (module type, `main`), plus package.json,
// README.md, LICENSE and CHANGELOG.md. Nothing missing (an installed copy loads) and nothing else
// (no stray build output ships).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pkg');
const ALWAYS = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];

const rel = (from, specifier) => normalize(join(dirname(from), specifier)).replace(/^\.\//, '');

/** Relative module specifiers of a JS or .d.ts source: import/export … from, import '…', import('…'). */
function specifiers(source) {
  const found = [];
  for (const re of [
    /(?:^|[;\s])(?:import|export)\s[^;]*?\sfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /(?:^|[;\s])import\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
  ]) {
    for (const [, s] of source.matchAll(re)) found.push(s);
  }
  return found;
}

/** Assets the JS loads relative to itself: new URL('x', import.meta.url). */
function assets(source) {
  return [...source.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)].map(([, a]) => a);
}

/** The files an installed copy needs, walked from package.json's entry points. */
function expectedFiles() {
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  const targets = [];
  const collect = (t) => {
    if (typeof t === 'string') targets.push(t);
    else if (t && typeof t === 'object') Object.values(t).forEach(collect);
  };
  collect(manifest.exports);
  collect(manifest.main);
  collect(manifest.types);
  collect(manifest.module);
  collect(manifest.browser);

  const seen = new Set();
  const visit = (path, via) => {
    path = normalize(path).replace(/^\.\//, '');
    if (seen.has(path)) return;
    assert.ok(existsSync(join(pkg, path)), `${path} (from ${via}) does not exist in pkg/`);
    seen.add(path);
    if (path.endsWith('.d.ts')) {
      // `from './x.js'` in a declaration file means ./x.d.ts
      for (const s of specifiers(readFileSync(join(pkg, path), 'utf8'))) visit(rel(path, s).replace(/\.js$/, '.d.ts'), path);
    } else if (path.endsWith('.js')) {
      const source = readFileSync(join(pkg, path), 'utf8');
      for (const s of specifiers(source)) visit(rel(path, s), path);
      for (const a of assets(source)) visit(rel(path, a), path);
    }
  };
  for (const t of targets) visit(t, 'package.json');
  for (const f of ALWAYS) visit(f, 'always shipped');
  // A folder's own package.json says how its files load: cjs/ (CommonJS), react/ and testing/
  // (ES modules, and `main` for resolvers that do not read `exports`, such as Jest 27).
  for (const dir of new Set([...seen].map((f) => dirname(f)).filter((d) => d !== '.'))) {
    if (existsSync(join(pkg, dir, 'package.json'))) seen.add(join(dir, 'package.json'));
  }
  return seen;
}

test('npm pack ships exactly the entry points, what they import and load, the types, README, LICENSE and CHANGELOG', () => {
  const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, encoding: 'utf8' }));
  const packed = [...new Set(files.map((file) => file.path))].sort();
  const expected = [...expectedFiles()].sort();
  assert.ok(expected.includes('connect_token_wasm.js'), `the walk reached the wasm module: ${expected.join(', ')}`);
  assert.ok(expected.some((f) => f.endsWith('.d.ts')), `the walk reached the types: ${expected.join(', ')}`);
  const missing = expected.filter((f) => !packed.includes(f));
  const extra = packed.filter((f) => !expected.includes(f));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `packed: ${packed.join(', ')}`);
});

test('the package is licensed MIT in its manifest and its LICENSE file', () => {
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  assert.equal(manifest.license, 'MIT');
  assert.match(readFileSync(join(pkg, 'LICENSE'), 'utf8'), /^MIT License\n/);
  assert.match(readFileSync(join(pkg, 'CHANGELOG.md'), 'utf8'), new RegExp(`## \\[${manifest.version.replace(/\./g, '\\.')}\\]`));
});
