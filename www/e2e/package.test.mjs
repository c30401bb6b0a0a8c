// The npm package as published: every module that pkg/'s entry points import is in the tarball
// `npm pack` would make (package.json "files"), so an installed copy loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pkg');

test('npm pack ships every module the entry points import', () => {
  const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: pkg, encoding: 'utf8' }));
  const packed = new Set(files.map((file) => file.path));
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  const entries = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
  const seen = new Set();
  const visit = (file) => {
    const path = normalize(file).replace(/^\.\//, '');
    if (seen.has(path)) return;
    seen.add(path);
    assert.ok(packed.has(path), `${path} is imported or exported but not in package.json "files"`);
    if (!path.endsWith('.js')) return;
    const source = readFileSync(join(pkg, path), 'utf8');
    for (const [, specifier] of source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g)) {
      visit(join(dirname(path), specifier));
    }
    for (const [, asset] of source.matchAll(/new URL\(['"](\.?\/?[\w.-]+\.wasm)['"]/g)) visit(join(dirname(path), asset));
  };
  for (const entry of entries) visit(entry);
  assert.ok(seen.has('connect_token.js') && seen.has('connect_token_bg.wasm'), `walked ${[...seen].join(', ')}`);
});
