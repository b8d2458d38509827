#!/usr/bin/env bash
# Research export benchmark (issues 5, 15, 18): for each size, a database filled by Tools/DataGenerator (every
# research table, so every sheet has rows), one silo and one cluster-mode gateway (Release builds) on loopback,
# and curl downloading the export as a researcher.
#
#   bash scripts/bench-export.sh                       sizes 1693 100000; the workbook, then CSV of each sheet
#   SIZES="1693 100000 1000000" RUNS=3 bash scripts/bench-export.sh
#   FORMATS=xlsx bash scripts/bench-export.sh          the workbook only (FORMATS="xlsx csv" is the default)
#   BUILD=r2r bash scripts/bench-export.sh             servers published with ReadyToRun, as the container images are
#   SERVER_ENV="DOTNET_TieredPGO=0" bash scripts/bench-export.sh   extra environment for both servers (runtime knobs)
#   COMMIT=430be61 bash scripts/bench-export.sh        the servers of another commit (a git archive snapshot, plain Release
#                                                      build), for before/after pairs on the same database: alternate runs with and without
#
# Per size and format it prints: wall time to last byte (curl time_total; also time to first byte), bytes,
# and for gateway and silo the resident set before the export and the peak during it (VmHWM, reset before
# each run through /proc/PID/clear_refs, which needs root or the processes' owner). The first export after the
# servers are ready (the whole workbook) is the "first after start" row: what a researcher meets after a
# deployment. Every other row is the median of RUNS exports after one discarded warm-up of that format.
# Generated databases (bench_export_<size>) are kept and reused; KEEP_DATA=0 drops them at the end.
# MariaDB and Redis come from scripts/services.sh on their own ports, so a development pair keeps running.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$repo_root"
source scripts/bench-lib.sh
sizes="${SIZES:-1693 100000}"
formats="${FORMATS:-xlsx csv}"
runs="${RUNS:-3}"
keep_data="${KEEP_DATA:-1}"
export DILEMMA_MYSQL_PORT="${DILEMMA_MYSQL_PORT:-3417}"
export DILEMMA_REDIS_PORT="${DILEMMA_REDIS_PORT:-6417}"
silo_http=15081
gateway_http=15080
out_dir="$repo_root/.local/bench-export"
mkdir -p "$out_dir"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

say() { printf 'bench-export: %s\n' "$*" >&2; }

bash scripts/services.sh install >/dev/null
# services.sh keeps MariaDB's temporary tables out of /tmp: a sort's table deleted there failed 100,000-participant
# exports ("Error on delete of '/tmp/#sql-temptable-...MAI'").
bash scripts/services.sh start >/dev/null
mariadb_client() { mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$DILEMMA_MYSQL_PORT" -u root "$@"; }

# services.sh gives MariaDB a 256 MB buffer pool, which a million participants (about 1.5 GB of rows and
# indexes) do not fit; a server holding such a dataset would be given room for it. BUFFER_POOL_MB=256 measures
# the small pool instead. MariaDB resizes the pool online.
buffer_pool_mb="${BUFFER_POOL_MB:-2048}"
mariadb_client -e "SET GLOBAL innodb_buffer_pool_size = $((buffer_pool_mb * 1024 * 1024))"
redis="127.0.0.1:$DILEMMA_REDIS_PORT"

# The data generator is a tool beside the servers, not part of them: always a plain Release build.
dotnet build -c Release Tools/DataGenerator/DataGenerator.csproj -v quiet -nologo >/dev/null
generator_dll="$repo_root/Tools/DataGenerator/bin/Release/net10.0/Dilemma.DataGenerator.dll"

if [[ "${BUILD:-build}" == "r2r" ]]; then
  # As the container images are built: published for linux-x64 with ReadyToRun code, so a fresh process does
  # not first compile the export's code paths.
  say "publishing Release with ReadyToRun"
  for project in Silo Gateway; do
    dotnet publish "$project/$project.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
      -p:UseAppHost=false -o "$out_dir/publish-$project" -v quiet -nologo >/dev/null
  done
  silo_dll="$out_dir/publish-Silo/Dilemma.Silo.dll"
  gateway_dll="$out_dir/publish-Gateway/Dilemma.Gateway.dll"
else
  source_dir="$repo_root"
  if [[ -n "${COMMIT:-}" ]]; then
    commit="$(git rev-parse --verify "${COMMIT}^{commit}")"
    source_dir="$(commit_snapshot "$commit")"
  fi
  say "building Release${commit:+ of ${commit:0:12}}"
  dotnet build -c Release "$source_dir/Silo/Silo.csproj" -v quiet -nologo >/dev/null
  dotnet build -c Release "$source_dir/Gateway/Gateway.csproj" -v quiet -nologo >/dev/null
  silo_dll="$source_dir/Silo/bin/Release/net10.0/Dilemma.Silo.dll"
  gateway_dll="$source_dir/Gateway/bin/Release/net10.0/Dilemma.Gateway.dll"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

# CPU seconds (user + system) a process has used so far; the machine may be shared, so CPU time says what an
# export costs where wall time also says how busy the neighbours were.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
mariadb_pid="$(cat "$repo_root/.local/services/mariadb/mariadbd.pid")"

wait_http() {
  local url="$1" deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null "$url"; do
    ((SECONDS < deadline)) || { say "no answer from $url"; exit 1; }
    sleep 0.5
  done
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '| participants in database | rows exported | format | wall time to last byte (s) | first byte (s) | bytes | gateway RSS before → peak (MB) | silo RSS before → peak (MB) | gateway / silo peak growth (MB) | CPU s: MariaDB / silo / gateway | load average |\n'
printf '| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'

for size in $sizes; do
  database="bench_export_$size"
  connection="Server=127.0.0.1;Port=$DILEMMA_MYSQL_PORT;User ID=root;Database=$database"
  ensure_research_database "$size" "$connection"
  participants="$(mariadb_client -N -e "SELECT COUNT(*) FROM $database.room_participants")"

  service_id="bench-$size-$$"
  ConnectionStrings__MySql="$connection" ConnectionStrings__Redis="$redis" Cluster__ServiceId="$service_id" Cluster__ClusterId="$service_id" \
    Cluster__AdvertisedIp=127.0.0.1 Cluster__SiloPort=21111 Cluster__GatewayPort=31000 Logging__LogLevel__Default=Warning \
    Research__PseudonymKey=bench-export-pseudonym-key-0123456789abcdef \
    env ${SERVER_ENV:-} dotnet "$silo_dll" --urls "http://127.0.0.1:$silo_http" >"$out_dir/silo-$size.log" 2>&1 &
  silo_pid=$!
  pids+=("$silo_pid")
  wait_http "http://127.0.0.1:$silo_http/health/ready"
  Cluster__Mode=Cluster ConnectionStrings__Redis="$redis" Cluster__ServiceId="$service_id" Cluster__ClusterId="$service_id" \
    Auth__JwtKey=bench-export-signing-key-0123456789abcdef Logging__LogLevel__Default=Warning \
    env ${SERVER_ENV:-} dotnet "$gateway_dll" --urls "http://127.0.0.1:$gateway_http" >"$out_dir/gateway-$size.log" 2>&1 &
  gateway_pid=$!
  pids+=("$gateway_pid")
  wait_http "http://127.0.0.1:$gateway_http/health/ready"

  base="http://127.0.0.1:$gateway_http"
  credentials='{"username":"bench_researcher","password":"bench-password-1","data_consent":true,"voice_consent":false}'
  curl -s -o /dev/null -X POST "$base/auth/register" -H 'content-type: application/json' -d "$credentials" || true
  ConnectionStrings__MySql="$connection" dotnet "$silo_dll" grant-role bench_researcher researcher >&2
  token="$(curl -sf -X POST "$base/auth/login" -H 'content-type: application/json' -d "$credentials" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')"

  targets=""
  for format in $formats; do
    if [[ "$format" == csv ]]; then
      for sheet in participants rooms decisions consensus room_events facilitator_actions recording_events connection_quality scenarios ai_interactions; do
        targets+=" csv:$sheet"
      done
    else
      targets+=" $format"
    fi
  done

  first_after_start=1
  for target in $targets; do
    format="${target%%:*}"
    query="format=$format"
    [[ "$target" == csv:* ]] && query+="&sheet=${target#csv:}"
    results="$out_dir/runs-$size-${target/:/-}.txt"
    : >"$results"
    for run in $(seq 0 "$runs"); do
      gateway_before=$(kib "$gateway_pid" VmRSS)
      silo_before=$(kib "$silo_pid" VmRSS)
      echo 5 >"/proc/$gateway_pid/clear_refs"
      echo 5 >"/proc/$silo_pid/clear_refs"
      cpu_before="$(cpu "$mariadb_pid") $(cpu "$silo_pid") $(cpu "$gateway_pid")"
      load="$(cut -d' ' -f1 /proc/loadavg)"
      timing="$(curl -s -o "$out_dir/export-$size.$format" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' \
        -H "authorization: Bearer $token" "$base/research/experiments/export/excel?$query")"
      read -r status first total bytes <<<"$timing"
      [[ "$status" == 200 ]] || { say "export answered $status"; cat "$out_dir/export-$size.$format" >&2; exit 1; }
      gateway_peak=$(kib "$gateway_pid" VmHWM)
      silo_peak=$(kib "$silo_pid" VmHWM)
      cpu_after="$(cpu "$mariadb_pid") $(cpu "$silo_pid") $(cpu "$gateway_pid")"
      cpu_used="$(awk -v b="$cpu_before" -v a="$cpu_after" 'BEGIN { split(b, x); split(a, y); printf "%.2f/%.2f/%.2f", y[1] - x[1], y[2] - x[2], y[3] - x[3] }')"
      line="$total $first $bytes $gateway_before $gateway_peak $silo_before $silo_peak $cpu_used $load"
      if ((run == 0 && first_after_start)); then
        first_after_start=0
        say "size $size $target first after start: $line"
        echo "$line" >"$out_dir/first-$size.txt"
      elif ((run == 0)); then
        say "size $size $target warm-up: $line"
      else
        echo "$line" >>"$results"
        say "size $size $target run $run: $line"
      fi
    done

    # Rows: the workbook's participant rows from the ledger; a CSV's lines after the header (a text with a line
    # break in it, as scenario texts may have, counts twice).
    if [[ "$format" == csv ]]; then
      rows=$(($(wc -l <"$out_dir/export-$size.csv") - 1))
    else
      rows="$(mariadb_client -N -e "SELECT participant_rows FROM $database.research_exports ORDER BY id DESC LIMIT 1")"
    fi
    mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
    if [[ -f "$out_dir/first-$size.txt" ]]; then
      read -r wall first bytes gateway_before gateway_peak silo_before silo_peak cpu_used load <"$out_dir/first-$size.txt"
      printf '| %s | %s | %s | %.3f | %.3f | %s | %s → %s | %s → %s | %s / %s | %s | %s |\n' \
        "$participants" "$rows" "$target, first after start" "$wall" "$first" "$bytes" \
        "$(mb "$gateway_before")" "$(mb "$gateway_peak")" "$(mb "$silo_before")" "$(mb "$silo_peak")" \
        "$(((gateway_peak - gateway_before) / 1024))" "$(((silo_peak - silo_before) / 1024))" "${cpu_used//\// \/ }" "$load"
      rm "$out_dir/first-$size.txt"
    fi
    wall=$(awk '{ print $1 }' "$results" | median)
    pick="$(awk -v t="$wall" '$1 == t' "$results" | head -n 1)"
    read -r _ first bytes gateway_before gateway_peak silo_before silo_peak cpu_used load <<<"$pick"
    max_gateway_growth=$(awk '{ g = ($5 - $4) / 1024; if (g > m) m = g } END { printf "%.0f", m }' "$results")
    max_silo_growth=$(awk '{ g = ($7 - $6) / 1024; if (g > m) m = g } END { printf "%.0f", m }' "$results")
    printf '| %s | %s | %s | %.3f | %.3f | %s | %s → %s | %s → %s | %s / %s | %s | %s |\n' \
      "$participants" "$rows" "$target" "$wall" "$first" "$bytes" \
      "$(mb "$gateway_before")" "$(mb "$gateway_peak")" "$(mb "$silo_before")" "$(mb "$silo_peak")" \
      "$max_gateway_growth" "$max_silo_growth" "${cpu_used//\// \/ }" "$load"
  done

  kill "$gateway_pid" "$silo_pid"
  wait "$gateway_pid" "$silo_pid" 2>/dev/null || true
  pids=()
  if [[ "$keep_data" == 0 ]]; then
    mariadb_client -e "DROP DATABASE $database"
  fi
done

printf '\nMariaDB buffer pool: %s MB. Machine: %s cores, %s, %s memory; %s\n' "$buffer_pool_mb" "$(nproc)" "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
  "$(free -h | awk '/Mem:/ { print $2 }')" "$(date -u +%Y-%m-%d)"
