#!/usr/bin/env bash
# The test command. Runs every test of Dilemma.Orleans.sln and ends with one line: "N passed, N failed".
#
#   bash scripts/test.sh                                        everything
#   bash scripts/test.sh --filter "FullyQualifiedName~Rooms"    any extra arguments go to dotnet test
#
# Integration tests start their own MariaDB and Redis (Tests/Infrastructure/LocalServices.cs), so this only
# makes sure the binaries are installed. Exits non-zero if the build fails, a test fails, or no test ran.
# TRX files are kept in .local/test-results/<time>-<pid>/ (the last ten runs).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
results_root="$repo_root/.local/test-results"
results_dir="$results_root/$(date +%Y%m%d-%H%M%S)-$$"
cd "$repo_root"

bash scripts/services.sh install
command -v dotnet >/dev/null 2>&1 || { echo "test: dotnet not found; install the .NET SDK named in global.json" >&2; exit 1; }

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# A folder per run: only this run's TRX files are counted, and a run going on beside this one is not disturbed.
mkdir -p "$results_dir"
for old_run in $(ls -1dt "$results_root"/*/ | tail -n +11); do
  rm -rf "$old_run"
done

# The console output is kept too, so the failures can be repeated just above the totals: a CI log that is
# cut to its tail still names what failed and why.
console_log="$results_dir/console.log"
set +e
dotnet test Dilemma.Orleans.sln \
  --results-directory "$results_dir" \
  --logger "trx;LogFilePrefix=tests" \
  --logger "console;verbosity=normal" \
  "$@" 2>&1 | tee "$console_log"
status=${PIPESTATUS[0]}
set -e

# Errors, timeouts and aborts count as failures: none of them is a pass.
passed=0
failed=0
while IFS= read -r -d '' trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1 || true)"
  for attribute in passed failed error timeout aborted; do
    value="$(sed -n "s/.* $attribute=\"\([0-9]*\)\".*/\1/p" <<<"$counters")"
    if [[ "$attribute" == passed ]]; then
      passed=$((passed + ${value:-0}))
    else
      failed=$((failed + ${value:-0}))
    fi
  done
done < <(find "$results_dir" -name '*.trx' -print0)

exit_code=0
if ((failed > 0)); then
  echo "test: what failed (each failure's message and stack, at most 40 lines, from $console_log):"
  awk '/^[ \t]+Failed [A-Za-z_]/ { left = 40; print; next }
       /^[ \t]+(Passed|Skipped) [A-Za-z_]/ { left = 0 }
       left > 0 { print; left-- }' "$console_log" | head -n 400 || true
  exit_code=1
elif ((status != 0)); then
  echo "test: dotnet test exited with $status (build error or test host crash, see above)" >&2
  exit_code=1
elif ((passed == 0)); then
  echo "test: no test ran (wrong --filter, or no tests discovered)" >&2
  exit_code=1
fi

echo "$passed passed, $failed failed"
exit "$exit_code"
