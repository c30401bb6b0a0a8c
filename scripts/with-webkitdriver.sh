#!/usr/bin/env bash
# Runs a command with a WebKitWebDriver (WebKitGTK, Safari's engine) listening under Xvfb and
# SAFARIDRIVER_REMOTE pointing at it, which wasm-bindgen-test's runner takes as its Safari driver
# (with no capabilities, WebKitWebDriver starts MiniBrowser). Stops the driver and Xvfb after.
#   scripts/with-webkitdriver.sh cargo test --target wasm32-unknown-unknown --tests
set -euo pipefail
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid xvfb-run -a /usr/bin/WebKitWebDriver --port="$port" >/dev/null 2>&1 &
driver=$!
trap 'kill -- -"$driver" 2>/dev/null || true' EXIT
for _ in $(seq 300); do # up to 30 s
  curl -sf "http://127.0.0.1:$port/status" >/dev/null && break
  sleep 0.1
done
SAFARIDRIVER_REMOTE="http://127.0.0.1:$port" "$@"
