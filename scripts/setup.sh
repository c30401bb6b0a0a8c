#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there (safe to run again):
# the wasm32 target, the wasm-bindgen CLI matching Cargo.lock, the three browser engines with their
# WebDriver servers (Debian's Chromium and ChromeDriver, Firefox ESR with geckodriver from
# crates.io, WebKitGTK's MiniBrowser and WebKitWebDriver under Xvfb), and the root npm tools
# (wasm-opt from binaryen, playwright-core, esbuild, axios, ky).
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

debs=()
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || debs+=(chromium chromium-driver)
[ -x /usr/bin/firefox-esr ] || debs+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || debs+=(webkit2gtk-driver)
[ -x /usr/bin/xvfb-run ] && command -v xauth >/dev/null || debs+=(xvfb xauth)
if [ ${#debs[@]} -gt 0 ]; then
  say "installing Debian ${debs[*]}"
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq "${debs[@]}"
fi

if ! "$HOME/.cargo/bin/geckodriver" --version >/dev/null 2>&1; then
  say "installing geckodriver from crates.io (about 3 minutes on 2 cores)"
  cargo install geckodriver --locked
fi

npm_ci "$root"
