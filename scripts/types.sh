#!/usr/bin/env bash
# Type-checks tests/types/usage.ts and react.tsx (every export and option) against pkg/ with
# `tsc --strict` and skipLibCheck off, with TypeScript 5.9 and 7 (the native compiler), under the
# `lib` an app may have: ES2020, ES2022 + DOM (Vite's react-ts template), ESNext; and fails if any of
# the package's declarations says `any`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/index.d.ts ] || ./scripts/build.sh
for tsc in node_modules/typescript/bin/tsc node_modules/typescript7/bin/tsc; do
  for lib in ES2020,DOM ES2022,DOM ESNext,DOM; do
    echo "types: $("$tsc" --version), lib $lib"
    "$tsc" -p tests/types/tsconfig.json --lib "$lib"
  done
done
if grep -rnwE --include='*.d.ts' '(:|=>|<|\|) *any' pkg/; then
  echo "FAIL: the package's declarations above say any" >&2
  exit 1
fi
echo "types: tests/types compiles against pkg/ with --strict, TypeScript 5.9 and 7, lib ES2020/ES2022/ESNext; no any in any of pkg/'s declarations"
