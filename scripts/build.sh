#!/usr/bin/env bash
# Builds pkg/: the npm package (release wasm, optimized with wasm-opt -Oz, plus the JS entry and types).
set -euo pipefail
cd "$(dirname "$0")/.."
crate=connect_token
cargo build --quiet --lib --target wasm32-unknown-unknown --release
rm -rf pkg
wasm-bindgen --target web --no-typescript --out-dir pkg "target/wasm32-unknown-unknown/release/$crate.wasm"
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  -o "pkg/${crate}_bg.wasm" "pkg/${crate}_bg.wasm"
cp js/index.js js/index.d.ts js/source.js js/react.js js/react.d.ts js/package.json pkg/
cp README.md pkg/ 2>/dev/null || true
echo "built pkg/: $(ls pkg | tr '\n' ' ')"
