#!/usr/bin/env bash
# Prints what an app downloads for connect-token — the main entry bundled and minified by esbuild,
# and the .wasm in full, each gzip -9 — and fails above the budget (bytes; 1 KB = 1000 bytes).
#   scripts/size.sh [budget_bytes]      (default 16000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
budget="${1:-16000}"
[ -f pkg/index.js ] || ./scripts/build.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node_modules/.bin/esbuild pkg/index.js --bundle --minify --format=esm --platform=browser \
  --external:./connect_token_bg.wasm --outfile="$out/index.min.js" --log-level=warning
js=$(gzip -9c "$out/index.min.js" | wc -c)
wasm=$(gzip -9c pkg/connect_token_bg.wasm | wc -c)
total=$((js + wasm))
printf 'connect-token size (min+gzip -9): js %d B (raw min %d B), wasm %d B (raw %d B), total %d B, budget %d B\n' \
  "$js" "$(wc -c <"$out/index.min.js")" "$wasm" "$(wc -c <pkg/connect_token_bg.wasm)" "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "FAIL: connect-token is $((total - budget)) B over its size budget" >&2
  exit 1
fi
