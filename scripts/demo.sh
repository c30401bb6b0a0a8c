#!/usr/bin/env bash
# Runs the connect-token demo: builds the library (pkg/) and the demo SPA twice (Vite and webpack 5),
# then serves both inside the simulated Connect host (www/sim) and prints the URLs to open.
# Runs until Ctrl-C. Safe to run again: installs only what is missing or out of date.
#
#   ./scripts/demo.sh                     tokens live 120 s, so renewals show within minutes
#   ./scripts/demo.sh --ttl 900           like real Jira (15 minutes)
#   ./scripts/demo.sh --query 'renewMarginSeconds=30&retryUnauthorized=false'
#   DEMO_HOST_PORT=8300 DEMO_ADDON_PORT=8301 ./scripts/demo.sh   fixed ports (default: any free port)
# Arguments are passed on to www/demo/serve.js.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

say "scripts/setup.sh"
./scripts/setup.sh

say "building the library into pkg/"
./scripts/build.sh

# After build.sh: the demo depends on "connect-token": "file:../../pkg".
npm_ci "$root/www/sim"
npm_ci "$root/www/demo"

say "building the demo with Vite (www/demo/dist-vite) and webpack (www/demo/dist-webpack)"
(cd www/demo && npm run --silent build:vite && npm run --silent build:webpack -- --stats errors-warnings)

say "starting the simulated Connect host and add-on server"
args=(--ttl "${DEMO_TTL:-120}")
if [ -n "${DEMO_HOST_PORT:-}" ]; then args+=(--port-host "$DEMO_HOST_PORT"); fi
if [ -n "${DEMO_ADDON_PORT:-}" ]; then args+=(--port-addon "$DEMO_ADDON_PORT"); fi
exec node www/demo/serve.js "${args[@]}" "$@"
