#!/usr/bin/env bash
# Builds the release wasm as scripts/build.sh does but keeps the functions' names (wasm-bindgen
# --keep-debug, wasm-opt -g; imports and exports get short names, as shipped), into
# target/named/connect_token_bg.wasm, and prints its function names, one per line, to
# target/named/functions.txt. For the float-formatting check (scripts/no-float-fmt.sh)
# and for reading where the bytes go (twiggy top target/named/connect_token_bg.wasm).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
out=target/named
rm -rf "$out" && mkdir -p "$out"
build_release_wasm
wasm-bindgen --target web --encode-into always --keep-debug --out-dir "$out" target/wasm32-unknown-unknown/release/connect_token.wasm
node_modules/.bin/wasm-opt $WASM_OPT_FLAGS -g -o "$out/connect_token_bg.wasm" "$out/connect_token_bg.wasm"
node scripts/short-imports.mjs "$out" >/dev/null # as shipped (scripts/build.sh)
node_modules/.bin/wasm-opt $WASM_FEATURES --print-function-map "$out/connect_token_bg.wasm" -o /dev/null |
  sed 's/^[0-9]*://' >"$out/functions.txt"
