#!/usr/bin/env bash
# Sets up (idempotent) and runs every test: formatting and lints for the host and wasm32, the
# native core tests, the browser tests (wasm-bindgen-test in headless Chromium), the size budget,
# the host simulator's self-test, and the end-to-end and hostile-input suites in Chromium against
# the real Connect bridge, through the Vite and webpack builds of the demo.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
./scripts/setup.sh

say "format and lints (host and wasm32)"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --no-default-features -- -D warnings

say "native tests: the core, with property tests"
cargo test

say "browser tests: the JS binding over the wasm core, in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --tests

say "release package and size budget"
./scripts/build.sh
./scripts/size.sh "${SIZE_BUDGET:-16000}"

say "host simulator self-test"
npm_ci www/sim
node --test www/sim/selftest.mjs

say "demo builds (Vite and webpack)"
npm_ci www/demo
(cd www/demo && npm run --silent build:vite && npm run --silent build:webpack -- --stats errors-warnings)

say "end-to-end, hostile-input and 24-hour soak suites in Chromium"
node --test www/e2e/ www/hostile/ www/soak/

say "all tests passed"
