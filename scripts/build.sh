#!/usr/bin/env bash
# Builds pkg/: the npm package (release wasm optimized with wasm-opt -Oz and carried inside the
# JavaScript, the ES module entries, their CommonJS bundles in cjs/, and types).
# Builds into a temporary folder and swaps it in, so a running server never sees half a package.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
crate=connect_token
out="pkg.tmp.$$"
trap 'rm -rf "$out"' EXIT
build_release_wasm
wasm-bindgen --target web --encode-into always --omit-default-module-path --out-dir "$out" "target/wasm32-unknown-unknown/release/$crate.wasm"
node_modules/.bin/wasm-opt $WASM_OPT_FLAGS --strip-debug --strip-producers --strip-target-features \
  -o "$out/${crate}_bg.wasm" "$out/${crate}_bg.wasm"
# The generated declarations type the raw wasm exports (InitOutput) as `any`: they are opaque
# handles, so say `unknown`; and the .wasm's own declarations file is for nobody.
sed -E -i '/^    readonly /s/\bany\b/unknown/g' "$out/$crate.d.ts"
rm "$out/${crate}_bg.wasm.d.ts"
node scripts/short-imports.mjs "$out"
node scripts/pack-wasm.mjs "$out"
cp -r js/index.js js/index.d.ts js/react js/testing js/package.json README.md LICENSE CHANGELOG.md "$out/"
# CommonJS, for test runners that require() (Jest's default mode, create-react-app's Jest 27, which
# reads `main` and the react/ and testing/ folders' package.json, not `exports`): each entry
# bundled into cjs/ by esbuild from the same ES modules. jest-environment-jsdom has no
# TextDecoder/TextEncoder, which the glue makes when it loads: Node's are taken there (through
# process.getBuiltinModule, like the entry's node:zlib, so that no bundler sees a Node module).
mkdir "$out/cjs"
echo '{ "type": "commonjs" }' >"$out/cjs/package.json"
banner="const { TextDecoder, TextEncoder } = globalThis.TextDecoder ? globalThis : process.getBuiltinModule('node:util');"
# The React entry keeps the main entry external (one module instance, one copy of the wasm, for an
# app that requires both) and its 'use client' first (esbuild keeps the directive; no banner, since
# it carries no glue).
for pair in index:index react/index:react testing/index:testing; do
  entry=${pair%:*} name=${pair#*:}
  if [ "$name" = react ]; then flags=(--external:../index.js); else flags=(--banner:js="$banner"); fi
  node_modules/.bin/esbuild "$out/$entry.js" --bundle --format=cjs --platform=neutral --external:react \
    "${flags[@]}" --log-level=warning --outfile="$out/cjs/$name.js"
  sed -e "s|'\.\./|'./|" "$out/$entry.d.ts" >"$out/cjs/$name.d.ts"
done
sed -i 's|require("\.\./index\.js")|require("./index.js")|' "$out/cjs/react.js"
cp "$out/$crate.d.ts" "$out/cjs/"
rm -rf pkg.old && { [ ! -d pkg ] || mv pkg pkg.old; } && mv "$out" pkg && rm -rf pkg.old
echo "built pkg/"
