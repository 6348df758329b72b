#!/usr/bin/env bash
# make mp-test: every check of the mini program, in order: lint (tsc +
# eslint), unit tests (Jest), the weapp build and check-weapp (and its
# self-test), the h5 preview build, and the end-to-end journeys in headless
# Chromium against bin/wemart.
# A failing step does not stop the others (a step whose build failed is
# skipped); it ends with one summary line, also appended to $SUMMARY if set.
# Builds are make's file targets: rebuilt only when a source is newer.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(cd .. && pwd)
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
parts=()

# step NAME COMMAND...: run it, output shown and kept in $log; records ok/FAIL.
step() {
  local name=$1
  shift
  echo "--- mini program: $name"
  local t=$(date +%s)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local took=$(( $(date +%s) - t ))
  if [ "$rc" = 0 ]; then
    parts+=("$name ok (${took} s)")
  else
    parts+=("$name FAIL")
    status=1
  fi
  return "$rc"
}

step "lint" npm run --silent lint
if step "unit tests" npx jest --ci; then
  n=$(grep -oE 'Tests: +([0-9]+ [a-z]+, )*[0-9]+ passed' "$log" | grep -oE '[0-9]+ passed' | tail -n1)
  parts[${#parts[@]}-1]="unit tests ok (${n:-?}, $(sed -nE 's/^Time: +([0-9.]+ s).*/\1/p' "$log" | tail -n1))"
fi
if step "weapp build" make -C "$repo" --no-print-directory miniprogram/dist/app.json; then
  step "check-weapp" node scripts/check-weapp.js
  # and that each of its checks can fail (a broken copy per check)
  step "check-weapp self-test" node scripts/check-weapp.js --self-test
else
  parts+=("check-weapp SKIPPED (no build)")
fi
if step "h5 build" make -C "$repo" --no-print-directory miniprogram/dist-h5/index.html; then
  if make -C "$repo" --no-print-directory mp-browser; then
    if step "e2e" node e2e/run.js; then e2e=ok; else e2e=FAIL; fi
    # "e2e: PASS: 4 of 4 journeys passed, 0 failed in 35.2 s; screenshots in ..."
    detail=$(sed -nE 's/^e2e: [A-Z]+: ([^;]*);.*/\1/p' "$log" | tail -n1)
    [ -n "$detail" ] && parts[${#parts[@]}-1]="e2e $e2e ($detail)"
  else
    parts+=("e2e FAIL (no Chromium: see above)")
    status=1
  fi
else
  parts+=("e2e SKIPPED (no h5 build)")
fi

summary="make mp-test: $([ $status = 0 ] && echo PASS || echo FAIL): $(IFS=';'; echo "${parts[*]}" | sed 's/;/; /g') in $(( $(date +%s) - start )) s"
echo "$summary"
[ -n "${SUMMARY:-}" ] && echo "$summary" >> "$SUMMARY"
exit $status
