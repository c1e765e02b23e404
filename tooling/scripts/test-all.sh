#!/usr/bin/env bash
# The whole test suite, as the README's test command and .ci/run run it:
#   1. the Debian peers the tests need (tooling/peers/install.sh; needs root)
#   2. lint, 3. typecheck, 4. unit + simulation + real-peer tests (vitest),
#   5. build every package and check it with publint and attw.
# Peer tests skip with a reason when a peer is missing, except with CI=true
# (or STACK_REQUIRE_PEERS=1): then a missing peer fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TURBO_TELEMETRY_DISABLED=1 FORCE_COLOR=${FORCE_COLOR:-0}
bin=node_modules/.bin
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

step "peers"
if [[ $(id -u) -eq 0 ]]; then
  bash tooling/peers/install.sh base tcp
elif bash tooling/peers/install.sh --check base tcp; then
  :
elif [[ "${CI:-}" == "true" || "${STACK_REQUIRE_PEERS:-}" == "1" ]]; then
  echo "peers are missing and installing them needs root; CI must run as root" >&2
  exit 1
else
  echo "not root: peers missing above are not installed; their tests will be skipped (run as root, or sudo bash tooling/peers/install.sh base tcp)"
fi

step "lint"
"$bin/eslint" . --max-warnings 0

step "typecheck"
"$bin/turbo" run typecheck --output-logs=errors-only

step "tests: unit, simulation, real peers"
mkdir -p .tmp
rm -f .tmp/vitest.json
set +e
"$bin/vitest" run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json
vitest_status=$?
set -e

step "build, publint, attw"
"$bin/turbo" run check:package --output-logs=errors-only

step "done"
# One plain closing line with the counts, whatever the reporter printed.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".tmp/vitest.json", "utf8"));
  // A file that fails outside any test (an import error, a failing afterAll)
  // has no failed test of its own: count it as one failure.
  const fileFailures = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + fileFailures} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
'
exit "$vitest_status"
