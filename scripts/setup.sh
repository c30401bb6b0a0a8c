#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there (safe to run again):
# the wasm32 target, the wasm-bindgen CLI matching Cargo.lock, Debian's Chromium and ChromeDriver,
# and the root npm tools (wasm-opt from binaryen, playwright-core).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
rustup component add clippy rustfmt >/dev/null 2>&1 || true

wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wanted" ]; then
  say "installing wasm-bindgen-cli $wanted (about 8 minutes on 2 cores)"
  cargo install wasm-bindgen-cli --version "$wanted" # without --locked: see docs in toolchain notes
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian chromium and chromium-driver"
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq chromium chromium-driver
fi

npm_ci "$root"
