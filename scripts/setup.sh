#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there (safe to run again):
# the wasm32 target, the wasm-bindgen CLI matching Cargo.lock, the three browser engines with their
# WebDriver servers (Debian's Chromium and ChromeDriver, Firefox ESR with geckodriver from
# crates.io, WebKitGTK's MiniBrowser and WebKitWebDriver under Xvfb), and the root npm tools
# (wasm-opt from binaryen, playwright-core, esbuild, axios, ky). Each download is tried twice, and
# the Debian step waits for the package manager while another program holds it (scripts/lib.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

retry_once "adding the wasm32 target (rustup)" "check that static.rust-lang.org is reachable" \
  rustup target add wasm32-unknown-unknown
rustup component add clippy rustfmt >/dev/null 2>&1 || true

wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wanted" ]; then
  say "installing wasm-bindgen-cli $wanted (about 3 minutes on 2 cores)"
  # Without --locked: see docs in toolchain notes.
  retry_once "installing wasm-bindgen-cli $wanted (cargo install)" "check that crates.io is reachable" \
    cargo install wasm-bindgen-cli --version "$wanted"
fi

debs=()
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || debs+=(chromium chromium-driver)
[ -x /usr/bin/firefox-esr ] || debs+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || debs+=(webkit2gtk-driver)
[ -x /usr/bin/xvfb-run ] && command -v xauth >/dev/null || debs+=(xvfb xauth)
if [ ${#debs[@]} -gt 0 ]; then
  say "installing Debian ${debs[*]}"
  retry_once "installing Debian ${debs[*]} (apt-get)" "check that the Debian mirror in /etc/apt/sources.list* is reachable" \
    apt_install "${debs[@]}"
fi

if ! "$HOME/.cargo/bin/geckodriver" --version >/dev/null 2>&1; then
  say "installing geckodriver from crates.io (about 2 minutes on 2 cores)"
  retry_once "installing geckodriver (cargo install)" "check that crates.io is reachable" \
    cargo install geckodriver --locked
fi

npm_ci "$root"
