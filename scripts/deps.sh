#!/usr/bin/env bash
# Fails unless each crate the product is defined by is a normal dependency of the wasm build that
# pkg/ ships (scripts/build.sh builds the lib for wasm32 with the default features).
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(cargo tree --quiet -e normal --target wasm32-unknown-unknown --prefix none --depth 1 --edges normal)
missing=0
for crate in wasm-bindgen js-sys web-sys wasm-bindgen-futures serde-wasm-bindgen gloo-timers; do
  if grep -q "^$crate v" <<<"$tree"; then
    echo "ok: $crate ($(grep -m1 "^$crate v" <<<"$tree" | awk '{print $2}'))"
  else
    echo "MISSING: $crate is not a normal dependency of the wasm build" >&2
    missing=1
  fi
done
exit "$missing"
