#!/usr/bin/env bash
# Type-checks tests/types/usage.ts (every export and option) against pkg/ with tsc --strict, and
# fails if any of the package's declarations says `any`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/index.d.ts ] || ./scripts/build.sh
node_modules/.bin/tsc -p tests/types/tsconfig.json
if grep -rnwE --include='*.d.ts' '(:|=>|<|\|) *any' pkg/; then
  echo "FAIL: the package's declarations above say any" >&2
  exit 1
fi
echo "types: tests/types/usage.ts compiles against pkg/ with --strict; no any in any of pkg/'s declarations"
