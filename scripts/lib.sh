# Shared helpers for the scripts in this folder (sourced, not run).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\n== %s\n' "$*"; }

# npm ci in $1 when node_modules is missing or older than the lockfile.
npm_ci() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in ${dir#"$root"/}"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}

# The wasm features the package uses (each engine in README "Browsers" supports them) and the
# wasm-opt flags of the shipped build (scripts/build.sh; scripts/wasm-names.sh adds -g). A function
# with one caller is inlined only up to 20 instructions: inlining every such function (wasm-opt's
# default) made the gzipped wasm 1.1 KB larger (measured on 34-36 KB builds: 0 gave -0.5 KB, 20 and
# 50 the least).
WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue"
WASM_OPT_FLAGS="-Oz --converge --one-caller-inline-max-function-size=20 $WASM_FEATURES"

# The wasm's stack: 64 KiB instead of Rust's default 1 MiB, which made every instance's memory
# 1.1 MB at start. The deepest use measured, over every public path with failures and a 401 replay
# (www/stack/page.js), is under 3 KB; www/e2e/stack.test.mjs fails if it passes a quarter of this.
# WebAssembly has no guard page, but Rust puts the stack first in memory: an overflow runs below
# address 0 and traps, it cannot overwrite data.
WASM_STACK_BYTES=65536

# The release wasm, as shipped (scripts/build.sh) and as read by scripts/wasm-names.sh. Built as a
# cdylib alone: the crate is also an rlib (for the native tests and the fuzz harness), and for a
# lib with both crate types Cargo passes rustc no `-C lto`, so the profile's `lto = true` never
# applied (seen with `cargo build -v`): alone, the module is 59.8 KB instead of 76.0 KB raw, and
# what the app downloads 30.7 KB instead of 35.8 KB. The stack size is a link argument of this
# crate only, so the dependencies' builds are shared with clippy's.
build_release_wasm() {
  cargo rustc --quiet --lib --crate-type cdylib --target wasm32-unknown-unknown --release -- -C link-arg=-zstack-size=$WASM_STACK_BYTES
}
