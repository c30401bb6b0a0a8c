#!/usr/bin/env bash
# Sets up (idempotent) and runs every test: formatting and lints for the host and wasm32, the
# dependency check, the native core tests, the fuzz checks and corpora replayed on stable, the
# browser tests (wasm-bindgen-test in Chromium, Firefox ESR and WebKitGTK), the size budget,
# the host simulator's self-test, the end-to-end and hostile-input suites in Chromium against the
# real Connect bridge, through the Vite and webpack builds of the demo, and fresh apps of every
# bundler. Prints each stage's time and a summary at the end (scripts/lib.sh `stage`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
trap stage_summary EXIT
stage "setup (installs what is missing)"
./scripts/setup.sh
# Beside the CPU-bound stages: the later suites' npm installs (mostly network and disk) and the
# package-manager test (mostly waiting). Each is awaited before the first stage that needs it.
suite_installs() { npm_ci www/sim && npm_ci www/demo && npm_ci www/fresh-runners; }
beside "npm ci for the simulator, the demo and the fresh apps' test runners" suite_installs
beside "setup's Debian step waits while another program holds the package manager (tests/setup)" tests/setup/apt-lock.test.sh

stage "format and lints (host and wasm32)"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings

stage "the six crates are normal dependencies of the shipped wasm"
./scripts/deps.sh

stage "native tests: the core, with property tests"
cargo test

stage "fuzz checks on stable: known issues, regressions, and every corpus input of every target replayed"
cargo test -q --manifest-path fuzz/harness/Cargo.toml
for corpus in fuzz/corpus/*/; do
  target=$(basename "$corpus")
  cargo run -q --manifest-path fuzz/harness/Cargo.toml --example replay -- "$target" "$corpus"*
done

stage "browser tests: the Rust binding (src/web) through its JavaScript API, in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --tests
stage "the same browser tests in Firefox ESR (geckodriver, headless)"
GECKODRIVER="$HOME/.cargo/bin/geckodriver" cargo test --target wasm32-unknown-unknown --tests
stage "the same browser tests in WebKitGTK (WebKitWebDriver and MiniBrowser under Xvfb)"
./scripts/with-webkitdriver.sh cargo test --target wasm32-unknown-unknown --tests

await_beside "setup's Debian step waits while another program holds the package manager (tests/setup)"
await_beside "npm ci for the simulator, the demo and the fresh apps' test runners"

stage "release package, its types (tsc --strict), no float formatting in it, and its size through Vite and webpack 5"
./scripts/build.sh
./scripts/types.sh
./scripts/no-float-fmt.sh
./scripts/size.sh "${SIZE_BUDGET:-36864}"

stage "host simulator self-test"
node --test www/sim/selftest.mjs

stage "demo builds (Vite and webpack), and the demo's own check in Chromium"
(cd www/demo && npm run --silent build:vite && npm run --silent build:webpack -- --stats errors-warnings)
node www/demo/check.mjs

stage "end-to-end, hostile-input and 24-hour soak suites in Chromium"
node --test $(ls www/e2e/*.test.mjs | grep -v fresh-apps) www/hostile/ www/soak/

# The cross-engine suite runs in real time (mostly waiting on its browsers), so beside the fresh
# apps' builds; both hold on a loaded machine (scripts/test.sh was run beside two CPU-bound jobs).
beside "the cross-engine suite in Chromium, Firefox ESR and WebKitGTK (real time, WebDriver)" node --test www/engines/
stage "fresh apps from the packed tarball: Vite (dev server and build), Next.js (Turbopack and webpack), webpack, create-react-app, esbuild, Rollup"
node --test www/e2e/fresh-apps.test.mjs
await_beside "the cross-engine suite in Chromium, Firefox ESR and WebKitGTK (real time, WebDriver)"

stage_end
say "all tests passed"
