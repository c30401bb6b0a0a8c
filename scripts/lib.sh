# Shared helpers for the scripts in this folder (sourced, not run).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\n== %s\n' "$*"; }

# npm ci in $1 when node_modules is missing or older than the lockfile.
npm_ci() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in ${dir#"$root"/}"
    retry_once "npm ci in ${dir#"$root"/}" "check that registry.npmjs.org is reachable (npm config get registry)" \
      bash -c 'cd "$1" && npm ci --no-audit --no-fund' _ "$dir"
  fi
}

# Runs a command that downloads; if it fails, says so and runs it once more; if that fails too,
# says which step failed and what to do, and fails.
#   retry_once "<the step>" "<what to do if it keeps failing>" command args...
retry_once() {
  local step="$1" advice="$2" status=0
  shift 2
  "$@" && return 0 || status=$?
  printf '\n== %s failed (exit %s); trying once more in 10 s\n' "$step" "$status" >&2
  sleep 10
  "$@" && return 0 || status=$?
  printf '\nsetup: %s failed twice (exit %s). %s, then run ./scripts/setup.sh again.\n' "$step" "$status" "$advice" >&2
  return "$status"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt-get as root, waiting while another program holds the package manager's locks (a new VM's
# automatic upgrades at first boot do): up to APT_LOCK_WAIT seconds (default 1200), saying once
# per holder who holds which lock. apt-get waits for the dpkg lock itself only with
# DPkg::Lock::Timeout, and `apt-get update` not even then (it fails at once on the lists lock), so
# the wait is here: any failure that says "Could not get lock" is tried again every 5 s.
apt_get() {
  local deadline=$((SECONDS + ${APT_LOCK_WAIT:-1200})) log status held said=""
  log=$(mktemp)
  while true; do
    status=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=5 "$@" 2>"$log" || status=$?
    held=$(grep -m1 -o 'Could not get lock .*' "$log" || true)
    if [ "$status" = 0 ] || [ -z "$held" ]; then
      cat "$log" >&2
      rm -f "$log"
      return "$status"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf 'setup: gave up after %s s waiting for the package manager: %s\n' "${APT_LOCK_WAIT:-1200}" "$held" >&2
      rm -f "$log"
      return "$status"
    fi
    if [ "$held" != "$said" ]; then
      printf 'setup: waiting for the package manager (apt-get %s): %s\n' "$1" "${held#Could not get lock }" >&2
      said=$held
    fi
    sleep 5
  done
}

# Installs Debian packages (the package lists first), waiting for the package manager's locks.
apt_install() {
  apt_get update -qq && apt_get install -y -qq "$@"
}

# Stage times for scripts/test.sh: `stage <name>` ends the previous stage and starts this one;
# `stage_summary` (run on exit) prints how long each took and the total.
stage_names=()
stage_seconds=()
stage() {
  stage_end
  stage_name="$*"
  stage_start=$SECONDS
  say "$*"
}
stage_end() {
  if [ -n "${stage_name:-}" ]; then
    stage_names+=("$stage_name")
    stage_seconds+=($((SECONDS - stage_start)))
    stage_name=""
  fi
}
stage_summary() {
  local status=$? i
  stage_end
  printf '\n== stage times\n'
  for i in "${!stage_names[@]}"; do
    printf '%6s  %s\n' "$(minutes "${stage_seconds[$i]}")" "${stage_names[$i]}"
  done
  printf '%6s  total%s\n' "$(minutes "$SECONDS")" "$([ "$status" = 0 ] || echo " (failed, exit $status)")"
  return "$status"
}
minutes() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

# Jobs that run beside the stages (installs that wait on the network, a test that mostly sleeps):
# `beside <name> command...` starts one, its output in a log; `await_beside <name>` waits for it,
# prints its log, and fails if it failed. Its time is a line of its own in the stage summary.
declare -A beside_pid beside_log
beside() {
  local name="$1"
  shift
  beside_log[$name]=$(mktemp)
  # The job times itself (into <log>.seconds): it may end long before it is awaited.
  (
    start=$SECONDS
    status=0
    "$@" || status=$?
    echo $((SECONDS - start)) >"${beside_log[$name]}.seconds"
    exit "$status"
  ) >"${beside_log[$name]}" 2>&1 &
  beside_pid[$name]=$!
  say "beside the next stages: $name"
}
await_beside() {
  local name="$1" status=0
  stage_end # the wait is no part of the stage before it
  wait "${beside_pid[$name]}" || status=$?
  say "$name (beside; finished)"
  cat "${beside_log[$name]}"
  stage_names+=("$name (beside the stages)")
  stage_seconds+=("$(cat "${beside_log[$name]}.seconds" 2>/dev/null || echo 0)")
  rm -f "${beside_log[$name]}" "${beside_log[$name]}.seconds"
  return "$status"
}

# The wasm features the package uses (each engine in README "Browsers" supports them) and the
# wasm-opt flags of the shipped build (scripts/build.sh; scripts/wasm-names.sh adds -g). A function
# with one caller is inlined only up to 20 instructions: inlining every such function (wasm-opt's
# default) made the gzipped wasm 1.1 KB larger (measured on 34-36 KB builds: 0 gave -0.5 KB, 20 and
# 50 the least).
WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue"
WASM_OPT_FLAGS="-Oz --converge --one-caller-inline-max-function-size=20 $WASM_FEATURES"

# The wasm's stack: 64 KiB instead of Rust's default 1 MiB, which made every instance's memory
# 1.1 MB at start. The deepest use measured, over every public path with failures and a 401 replay
# (www/stack/page.js), is under 3 KB; www/e2e/stack.test.mjs fails if it passes a quarter of this.
# WebAssembly has no guard page, but Rust puts the stack first in memory: an overflow runs below
# address 0 and traps, it cannot overwrite data.
WASM_STACK_BYTES=65536

# The release wasm, as shipped (scripts/build.sh) and as read by scripts/wasm-names.sh. Built as a
# cdylib alone: the crate is also an rlib (for the native tests and the fuzz harness), and for a
# lib with both crate types Cargo passes rustc no `-C lto`, so the profile's `lto = true` never
# applied (seen with `cargo build -v`): alone, the module is 59.8 KB instead of 76.0 KB raw, and
# what the app downloads 30.7 KB instead of 35.8 KB. The stack size is a link argument of this
# crate only, so the dependencies' builds are shared with clippy's.
build_release_wasm() {
  cargo rustc --quiet --lib --crate-type cdylib --target wasm32-unknown-unknown --release -- -C link-arg=-zstack-size=$WASM_STACK_BYTES
}
