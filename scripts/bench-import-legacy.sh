#!/usr/bin/env bash
# import-legacy benchmark (issue 15): the original system's schema with a data set of its size (277 users,
# 760 rooms, 1,693 participants; `Tools/DataGenerator legacy`, seed 1) imported into an empty database, then again.
#
#   bash scripts/bench-import-legacy.sh            3 runs
#   RUNS=5 bash scripts/bench-import-legacy.sh
#
# Per run it prints the wall time of the first import (everything written) and of the second (nothing
# written), each the whole `dotnet Dilemma.Silo.dll import-legacy` process: start-up, schema check, read,
# write. The databases are made afresh for every run. MariaDB comes from scripts/services.sh on its own
# ports (a development pair keeps running); it is left running, as bench-export.sh leaves it.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$repo_root"
runs="${RUNS:-3}"
export DILEMMA_MYSQL_PORT="${DILEMMA_MYSQL_PORT:-3418}"
export DILEMMA_REDIS_PORT="${DILEMMA_REDIS_PORT:-6418}"
export DILEMMA_TURN_PORT="${DILEMMA_TURN_PORT:-3518}"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
out_dir="$repo_root/.local/bench-import-legacy"
mkdir -p "$out_dir"
say() { printf 'bench-import-legacy: %s\n' "$*" >&2; }

bash scripts/services.sh install >/dev/null
bash scripts/services.sh start >/dev/null
mariadb_client() { mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$DILEMMA_MYSQL_PORT" -u root "$@"; }

say "building Release"
dotnet build -c Release Silo/Silo.csproj -v quiet -nologo >/dev/null
dotnet build -c Release Tools/DataGenerator/DataGenerator.csproj -v quiet -nologo >/dev/null
silo_dll="$repo_root/Silo/bin/Release/net10.0/Dilemma.Silo.dll"
generator_dll="$repo_root/Tools/DataGenerator/bin/Release/net10.0/Dilemma.DataGenerator.dll"
from="Server=127.0.0.1;Port=$DILEMMA_MYSQL_PORT;User ID=root;Database=bench_legacy_from"
to="Server=127.0.0.1;Port=$DILEMMA_MYSQL_PORT;User ID=root;Database=bench_legacy_to"

seconds() { local start end; start=$(date +%s.%N); "$@" >"$out_dir/last-report.txt" 2>"$out_dir/last-progress.txt"; end=$(date +%s.%N); echo "$end - $start" | bc; }

printf 'run\tfirst import s\tsecond import s\n'
for run in $(seq 1 "$runs"); do
  mariadb_client -e "DROP DATABASE IF EXISTS bench_legacy_from; DROP DATABASE IF EXISTS bench_legacy_to"
  dotnet "$generator_dll" legacy --to "$from" --seed 1 >&2
  first=$(seconds env ConnectionStrings__MySql="$to" dotnet "$silo_dll" import-legacy --from "$from")
  cp "$out_dir/last-report.txt" "$out_dir/first-report.txt"
  second=$(seconds env ConnectionStrings__MySql="$to" dotnet "$silo_dll" import-legacy --from "$from")
  printf '%s\t%.2f\t%.2f\n' "$run" "$first" "$second"
done
say "reports of the last run: $out_dir/first-report.txt (first), $out_dir/last-report.txt (second)"
cat "$out_dir/first-report.txt" >&2
