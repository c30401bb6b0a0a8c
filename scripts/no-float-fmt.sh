#!/usr/bin/env bash
# Fails if the release wasm links Rust's float formatting (`<f64 as core::fmt::Display>`, flt2dec):
# 14-17 KB of wasm that no caller needs (every number the library shows is built without it).
# Reads the function names of the release build made with names kept (scripts/wasm-names.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
./scripts/wasm-names.sh
found=$(grep -E 'f64 as core(\[[0-9a-f]+\])?::fmt::Display|f32 as core(\[[0-9a-f]+\])?::fmt::Display|flt2dec' target/named/functions.txt || true)
if [ -n "$found" ]; then
  echo "FAIL: the release wasm formats floats:" >&2
  echo "$found" >&2
  exit 1
fi
echo "no float formatting in the release wasm ($(wc -l <target/named/functions.txt) functions checked)"
