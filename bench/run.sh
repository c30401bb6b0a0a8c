#!/usr/bin/env bash
# Runs every benchmark of connect-token in one headless Chromium run, prints a table, and writes
# bench/results.json, bench/chart.png and BENCHMARKS.md. Sets itself up on a fresh machine.
#   bench/run.sh                  the full run (a few minutes)
#   BENCH_QUICK=1 bench/run.sh    a fast smoke run with small counts (not for quoting)
#   BENCH_BUILD=1 bench/run.sh    rebuild pkg/ first (otherwise it is built only when missing)
set -euo pipefail
bench="$(cd "$(dirname "$0")" && pwd)"
source "$bench/../scripts/lib.sh" # root, npm_ci
say() { echo "[bench] $*" >&2; }

# Chromium (Debian's; never a downloaded browser).
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  say "installing Debian's chromium"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

# The benchmark's npm packages (exact pins in bench/package.json), when the lock changed.
if [ ! -f "$bench/node_modules/.bench-lock" ] || ! cmp -s "$bench/package-lock.json" "$bench/node_modules/.bench-lock"; then
  say "npm ci in bench/"
  (cd "$bench" && npm ci --no-audit --no-fund --loglevel=error) >&2
  cp "$bench/package-lock.json" "$bench/node_modules/.bench-lock"
fi

# Vite and webpack 5, to bundle the apps as CI's size check does (www/size/measure.mjs).
npm_ci "$root/www/demo" >&2

# The Rust → wasm toolchain: to build pkg/ when asked or missing, and for the crate breakdown,
# which rebuilds the wasm with names kept.
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
want="$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')"
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (about 8 minutes)"
  cargo install --quiet wasm-bindgen-cli --version "$want"
fi
if [ ! -x "$root/node_modules/.bin/wasm-opt" ]; then
  say "npm ci at the repository root (binaryen's wasm-opt)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
# twiggy is optional: without it the per-crate breakdown is skipped, with a note in the report.
if ! command -v twiggy >/dev/null && [ ! -x "$HOME/.cargo/bin/twiggy" ] && [ -z "${TWIGGY:-}" ]; then
  say "twiggy not found: the per-crate size breakdown will be skipped (get it with: cargo install twiggy)"
fi

# The package under test, built when asked or missing.
if [ "${BENCH_BUILD:-0}" = 1 ] || [ ! -f "$root/pkg/index.js" ] || [ ! -f "$root/pkg/connect_token_wasm.js" ]; then
  say "building pkg/"
  "$root/scripts/build.sh" >&2
fi

cd "$bench"
exec node run.mjs
