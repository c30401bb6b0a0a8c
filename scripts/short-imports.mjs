// Gives the wasm's imports and exports short names, in the module and in wasm-bindgen's glue alike.
//
// wasm-bindgen names each import after the JS function it wraps plus a 16-digit hash
// (`__wbg_headers_5fc0106c076eb731`), and closures' exports the same way
// (`wasm_bindgen__convert__closures_____invoke__h15bc9ef3dcc1acec`); every name is written twice:
// in the wasm's import or export section and in the glue (a key of its import object, a `wasm.`
// property), which no bundler can shorten. The hashes are random digits that gzip cannot squeeze.
// This renames each import and each export the glue uses (but `memory`) to a short name (`a`, `b`,
// ... `aa`) in both files; the module and the glue stay as wasm-bindgen made them otherwise. Run
// after wasm-opt (which keeps these names as they are).
//   node scripts/short-imports.mjs <dir>     (rewrites <dir>/connect_token_bg.wasm and connect_token.js)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const wasmFile = path.join(dir, 'connect_token_bg.wasm');
const glueFile = path.join(dir, 'connect_token.js');
const wasm = readFileSync(wasmFile);

/** Reads an unsigned LEB128 at `at`: [value, the offset after it]. */
function leb(bytes, at) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
}
function toLeb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}
const name = (text) => Buffer.concat([toLeb(Buffer.byteLength(text)), Buffer.from(text)]);
/** The n-th short name: a..z, A..Z, then two letters. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const short = (n) => (n < LETTERS.length ? LETTERS[n] : short(Math.floor(n / LETTERS.length) - 1) + LETTERS[n % LETTERS.length]);

let glue = readFileSync(glueFile, 'utf8');
/** The glue's reads of export `name` (`wasm.name`, matched to the end of the name). */
const glueReads = (name, flags) => new RegExp(`\\bwasm\\.${name.replace(/\$/g, '\\$')}(?![\\w$])`, flags);

/**
 * Section `id` rewritten: its vector of entries from `start` to `end`, each rewritten by
 * `entry(p, body)`, which pushes the new entry's bytes to `body` and returns where the next begins.
 */
function rewriteSection(id, start, end, entry) {
  let [count, p] = leb(wasm, start);
  const body = [toLeb(count)];
  for (let i = 0; i < count; i++) p = entry(p, body);
  if (p !== end) throw new Error(`section ${id} has bytes after its last entry`);
  const contents = Buffer.concat(body);
  return Buffer.concat([Buffer.from([id]), toLeb(contents.length), contents]);
}

/** An import (section 2): a module name, a field name and a function's type index. */
function renameImport(p, body) {
  const [moduleLength, m] = leb(wasm, p);
  const module = wasm.subarray(m, m + moduleLength).toString();
  const [fieldLength, f] = leb(wasm, m + moduleLength);
  const field = wasm.subarray(f, f + fieldLength).toString();
  const kind = wasm[f + fieldLength];
  if (kind !== 0) throw new Error(`import ${module}.${field} is not a function (kind ${kind}): this script renames only functions`);
  const q = leb(wasm, f + fieldLength + 1)[1];
  if (glueModule && glueModule !== module) throw new Error(`imports from two modules (${glueModule}, ${module})`);
  glueModule = module;
  const next = short(renamed.size);
  renamed.set(field, next);
  body.push(name('a'), name(next), wasm.subarray(f + fieldLength, q));
  return q;
}

/** An export (section 7): a name, a kind byte and an index. */
function renameExport(p, body) {
  const [length, n] = leb(wasm, p);
  const old = wasm.subarray(n, n + length).toString();
  const q = leb(wasm, n + length + 1)[1];
  // `memory` keeps its name: tools that look into the instance (debuggers, the soak test's
  // instrumentation) expect it, and it has no hash to save.
  const next = glueReads(old).test(glue) && old !== 'memory' ? short(exported.size) : old;
  if (next !== old) exported.set(old, next);
  body.push(name(next), wasm.subarray(n + length, q));
  return q;
}

// The module: header, then sections (id, size, contents).
const renamed = new Map(); // old import name → new
const exported = new Map(); // old export name → new
let glueModule;
const parts = [wasm.subarray(0, 8)];
for (let at = 8; at < wasm.length; ) {
  const id = wasm[at];
  const [size, start] = leb(wasm, at + 1);
  const end = start + size;
  const entry = { 2: renameImport, 7: renameExport }[id];
  parts.push(entry ? rewriteSection(id, start, end, entry) : wasm.subarray(at, end));
  at = end;
}

// The glue: `import0`'s keys (`__wbg_headers_5fc0106c076eb731: function(`), the module's key, and
// the exports it reads (`wasm.connectauth_fetch`, matched to the end of the name).
for (const [from, to] of exported) {
  glue = glue.replace(glueReads(from, 'g'), `wasm.${to}`);
}
for (const [from, to] of renamed) {
  const key = new RegExp(`^(\\s+)${from}: function\\(`, 'm');
  if (!key.test(glue)) throw new Error(`the glue has no import function ${from}`);
  glue = glue.replace(key, `$1${to}: function(`);
}
const moduleKey = `"${glueModule}": import0,`;
if (!glue.includes(moduleKey)) throw new Error(`the glue does not name the module ${glueModule}`);
glue = glue.replace(moduleKey, '"a": import0,');
writeFileSync(wasmFile, Buffer.concat(parts));
writeFileSync(glueFile, glue);
console.log(`short-imports: ${renamed.size} imports and ${exported.size} exports renamed`);
