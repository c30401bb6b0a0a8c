// What each crate costs in the shipped wasm: the release build run through wasm-bindgen with names
// kept (--keep-debug) and wasm-opt with the same optimization and feature flags as
// scripts/build.sh plus -g (keep the name section), then `twiggy top` (shallow bytes per function
// and data segment), grouped by crate. Optional: without twiggy it returns { skipped } and how
// to get it (`cargo install twiggy`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pkgWasmText } from '../../www/size/measure.mjs';

export const TWIGGY_HOW = '`cargo install twiggy` (then run bench/run.sh again)';

function findTwiggy() {
  const candidates = [process.env.TWIGGY, join(os.homedir(), '.cargo', 'bin', 'twiggy')].filter(Boolean);
  for (const file of candidates) if (existsSync(file)) return file;
  try {
    return execFileSync('sh', ['-c', 'command -v twiggy'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** The CSV twiggy writes: a header row, then Name,ShallowSize,... with "" escaping in quoted names. */
function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const fields = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let value = '';
        i++;
        while (i < line.length) {
          if (line[i] === '"' && line[i + 1] === '"') (value += '"'), (i += 2);
          else if (line[i] === '"') break;
          else value += line[i++];
        }
        fields.push(value);
        i += 2; // closing quote and comma
      } else {
        const end = line.indexOf(',', i);
        fields.push(line.slice(i, end < 0 ? line.length : end));
        i = end < 0 ? line.length + 1 : end + 1;
      }
    }
    rows.push({ name: fields[0], bytes: Number(fields[1]) });
  }
  return rows;
}

/** The groups, in the order the report lists them: our two layers, each crate, the standard library. */
export const GROUPS = [
  'src/core',
  'src/web',
  'wasm-bindgen',
  'js-sys',
  'web-sys',
  'wasm-bindgen-futures',
  'serde-wasm-bindgen (and serde)',
  'gloo-timers',
  'lol_alloc',
  'std/core/alloc: panics and fmt',
  'std/core/alloc: other',
  'data segments',
  'imports (their entries in the wasm)',
  'wasm structure (types, tables, exports, headers)',
  'unnamed code',
  'other',
];

/**
 * The group of one twiggy entry (a demangled name), by the first crate its name mentions. A
 * generic instance goes to the crate of its outermost type (serde's code for our outgoing objects
 * counts as src/web); the externref shims wasm-bindgen writes around our exports, into which
 * wasm-opt inlines the exported functions' bodies, count as src/web.
 */
export function groupOf(raw) {
  const name = raw.replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
  if (/subsection$/.test(name)) return null; // the name section itself: not in the shipped wasm
  if (/^data segment|^data section headers/.test(name)) return 'data segments';
  if (/externref shim|multivalue shim/.test(name)) return 'src/web';
  if (/^import /.test(name)) return 'imports (their entries in the wasm)';
  if (/^code\[\d+\]$/.test(name)) return 'unnamed code';
  if (/^(type\[|table\[|elem\[|export |memory\[|global\[)|section headers$|^"?(custom|producers|target_features)/.test(name)) return 'wasm structure (types, tables, exports, headers)';
  if (/^__wbindgen|^__wbg|^__externref/.test(name)) return 'wasm-bindgen';
  const drop = /^core::ptr::drop_in_place<(.*)>$/.exec(name);
  if (drop) return groupOf(drop[1]) ?? 'other';
  if (/js_sys::futures|wasm_bindgen_futures/.test(name)) return 'wasm-bindgen-futures';
  if (/panic|\bfmt\b|core::str::count|<core::cell::Borrow(Mut)?Error/.test(name) && !/connect_token/.test(name)) return 'std/core/alloc: panics and fmt';
  const crate = /([a-z_][a-z0-9_]*)::/.exec(name)?.[1];
  switch (crate) {
    case 'connect_token':
      return /^<?connect_token::core::/.test(name) ? 'src/core' : 'src/web';
    case 'js_sys': case 'wasm_bindgen': case 'web_sys': case 'gloo_timers':
      return crate.replace(/_/g, '-');
    case 'lol_alloc':
      return crate;
    case 'serde_wasm_bindgen': case 'serde_core': case 'serde':
      return 'serde-wasm-bindgen (and serde)';
    case 'core': case 'alloc': case 'std': case 'hashbrown': case undefined:
      return 'std/core/alloc: other';
    default:
      return 'other';
  }
}

/** The wasm-opt flags of the shipped build (scripts/lib.sh's WASM_OPT_FLAGS, which scripts/build.sh uses). */
export function buildFlags(root) {
  const lib = join(root, 'scripts', 'lib.sh');
  return execFileSync('bash', ['-c', `source "${lib}" && echo $WASM_OPT_FLAGS`], { encoding: 'utf8' }).trim().split(/\s+/);
}

/** Builds the named wasm and groups twiggy's shallow sizes by crate. */
export function crateBreakdown(root, { log = () => {} } = {}) {
  const twiggy = findTwiggy();
  if (!twiggy) return { skipped: `twiggy is not installed; to get this breakdown: ${TWIGGY_HOW}` };
  const version = execFileSync(twiggy, ['--version'], { encoding: 'utf8' }).trim();
  const flags = buildFlags(root);
  const tmp = mkdtempSync(join(os.tmpdir(), 'connect-token-crates-'));
  try {
    log('   building the wasm with names kept (scripts/wasm-names.sh: wasm-bindgen --keep-debug, wasm-opt -g)');
    execFileSync(join(root, 'scripts', 'wasm-names.sh'), { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const named = join(root, 'target', 'named', 'connect_token_bg.wasm');
    // The same module without its names, to compare with the shipped pkg/ wasm.
    const stripped = join(tmp, 'stripped.wasm');
    const wasmOpt = join(root, 'node_modules', '.bin', 'wasm-opt');
    const features = flags.filter((f) => f.startsWith('--enable-'));
    execFileSync(wasmOpt, [...features, '--strip-debug', '--strip-producers', '--strip-target-features', '-o', stripped, named], { stdio: 'inherit' });
    const csv = execFileSync(twiggy, ['top', '-n', '100000', '--format', 'csv', named], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const entries = parseCsv(csv).map((row) => ({ ...row, group: groupOf(row.name) }));
    const counted = entries.filter((e) => e.group);
    const total = counted.reduce((sum, e) => sum + e.bytes, 0);
    const groups = GROUPS.map((group) => {
      const items = counted.filter((e) => e.group === group);
      return { group, bytes: items.reduce((sum, e) => sum + e.bytes, 0), items: items.length };
    }).filter((g) => g.items);
    const clean = (name) => name.replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
    const top = counted.slice().sort((a, b) => b.bytes - a.bytes).slice(0, 20).map((e) => ({ name: clean(e.name), bytes: e.bytes, group: e.group }));
    // The shipped wasm travels in pkg/connect_token_wasm.js as base64 of its gzip.
    const shipped = gunzipSync(Buffer.from(pkgWasmText(join(root, 'pkg')), 'base64')).length;
    return {
      twiggy: version,
      wasmOptFlags: [...flags, '-g'],
      namedRaw: statSync(named).size,
      strippedRaw: statSync(stripped).size,
      shippedRaw: shipped,
      nameSection: entries.filter((e) => !e.group).reduce((sum, e) => sum + e.bytes, 0),
      imports: entries.filter((e) => /^import /.test(e.name)).length,
      total,
      groups,
      top,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
