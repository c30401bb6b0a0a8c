#!/usr/bin/env bash
# Builds pkg/: the npm package (release wasm optimized with wasm-opt -Oz, the JS entry and types).
# Builds into a temporary folder and swaps it in, so a running server never sees half a package.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
crate=connect_token
out="pkg.tmp.$$"
trap 'rm -rf "$out"' EXIT
cargo build --quiet --lib --target wasm32-unknown-unknown --release
wasm-bindgen --target web --encode-into always --omit-default-module-path --out-dir "$out" "target/wasm32-unknown-unknown/release/$crate.wasm"
node_modules/.bin/wasm-opt $WASM_OPT_FLAGS --strip-debug --strip-producers --strip-target-features \
  -o "$out/${crate}_bg.wasm" "$out/${crate}_bg.wasm"
# The generated declarations type the raw wasm exports (InitOutput) as `any`: they are opaque
# handles, so say `unknown`; and the .wasm's own declarations file is for nobody.
sed -E -i '/^    readonly /s/\bany\b/unknown/g' "$out/$crate.d.ts"
rm "$out/${crate}_bg.wasm.d.ts"
cp js/index.js js/index.d.ts js/react.js js/react.d.ts js/testing.js js/testing.d.ts js/package.json README.md LICENSE CHANGELOG.md "$out/"
rm -rf pkg.old && { [ ! -d pkg ] || mv pkg pkg.old; } && mv "$out" pkg && rm -rf pkg.old
echo "built pkg/"
