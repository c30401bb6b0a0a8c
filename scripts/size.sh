#!/usr/bin/env bash
# Prints what an app pays for connect-token — a one-line app (www/size/app.js) bundled for
# production by Vite and by webpack 5 with no config for the package: JS min+gzip -9 plus the
# .wasm gzip -9 — and fails above the budget (bytes).
#   scripts/size.sh [budget_bytes]      (default 36864, see README "Size")
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
[ -f pkg/index.js ] || ./scripts/build.sh
npm_ci "$root/www/demo"
node www/size/measure.mjs "${1:-36864}"
