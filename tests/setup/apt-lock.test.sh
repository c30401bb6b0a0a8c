#!/usr/bin/env bash
# setup's Debian step waits while another program holds the package manager's locks (as a new VM's
# automatic upgrades do at first boot) and then succeeds: a helper process takes the dpkg and
# package-list locks (fcntl locks, as apt and dpkg take them), holds them for HOLD_SECONDS
# (default 20) and lets go; meanwhile `apt_install` (scripts/lib.sh, what scripts/setup.sh runs)
# installs a package that is already there. Checks that it succeeded only after the locks were
# released, and that it said it was waiting and for which process. Needs root (or sudo).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

as_root python3 - "${HOLD_SECONDS:-20}" "$work" <<'PY' &
import fcntl, os, sys, time
hold, work = float(sys.argv[1]), sys.argv[2]
locks = []
for path in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock"):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    locks.append(fd)
open(f"{work}/held", "w").write(str(os.getpid()))
time.sleep(hold)
open(f"{work}/released", "w").close()
for fd in locks:
    os.close(fd)
PY
holder=$!
until [ -f "$work/held" ]; do
  kill -0 "$holder" 2>/dev/null || { echo "apt-lock: the helper could not take the locks" >&2; exit 1; }
  sleep 0.1
done

status=0
apt_install xauth 2>"$work/stderr" || status=$?
wait "$holder"
cat "$work/stderr"
[ "$status" = 0 ] || { echo "apt-lock: apt_install failed (exit $status) while another process held the locks" >&2; exit 1; }
[ -f "$work/released" ] || { echo "apt-lock: apt_install finished before the locks were released: it did not wait" >&2; exit 1; }
grep -q "waiting for the package manager (apt-get update): /var/lib/apt/lists/lock. It is held by process $(cat "$work/held")" "$work/stderr" ||
  { echo "apt-lock: no message saying it waits for the lists lock and for which process" >&2; exit 1; }
echo "apt-lock: ok (waited for process $(cat "$work/held"), then installed)"
