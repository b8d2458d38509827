#!/usr/bin/env bash
# Benchmarks as runnable commands; their results are written up in docs/benchmarks.md.
#
#   bash scripts/bench.sh foundation [--mode embedded|cluster|both] [--duration N] [--commit REV]
#                                    [--only auth-flood|grain-call] [--connections N]
#   bash scripts/bench.sh game       [--mode …] [--duration N] [--commit REV] [--only full-games|round-choice]
#                                    [--tables N] [--connections N] [--rate R] [--dropout-rate R]
#   bash scripts/bench.sh signaling  [--mode …] [--duration N] [--commit REV] [--rooms N[,N…]] [--rate R]
#   bash scripts/bench.sh sessions   [--mode …] [--commit REV] [--students N] [--think S]
#   bash scripts/bench.sh memory     [--rooms N] [--runs N] [--duration N] [--commit REV] [--collect-timeout S] [--settle S]
#   bash scripts/bench.sh peers      [--mode …] [--only relay|round-choice|export] [--rounds N] …   (see scripts/bench-peers.sh)
#   any of them also:                [--warmup N] [--server-env NAME=VALUE]… [--mysql-pool N]
#
# foundation   the load-test tool's auth-flood and grain-call scenarios (LoadTest/)
# game         full-games (--tables tables, default 20, playing whole games), then round-choice with
#              --connections participants (default 1000) twice: open loop at --rate requests/s per
#              connection (default 1) and closed loop
# signaling    --rooms rooms x 3 sockets (default 167,1000: 501 and 3000 sockets, one run each),
#              each socket sending --rate candidates/s (default 1) to the next peer of its room
# sessions     one session of --students students (default 300) from enrolment to the last consensus of
#              every room, the facilitator's monitor connected throughout; students think up to --think s
#              (default 2) before each choice. The facilitator: embedded, a new admin made with the setup
#              code the gateway printed; cluster, an account given the role by the silo's grant-role.
#              No --duration or --warmup: the run lasts as long as the class takes
# memory       embedded only: the gateway's resident memory (RSS) after readiness, then --runs runs (default 3)
#              of full-games at --rooms tables (default 1000) for --duration s each; after each run it waits
#              (at most --collect-timeout s, default 900) until the Orleans activation count on /metrics is back
#              to where it was at start, then records RSS, GC heap and activations. Passes when the last RSS is
#              within 50 MB of the first. A short collection age for the run: --server-env Grains__CollectionAgeSeconds=60.
#              --settle S (default 0): also read RSS S s after the grains are collected (an idle process gives memory
#              back then); with it, the pass is judged on those settled readings
# --mode       embedded:  one gateway process with its in-process silo and in-memory storage
#              cluster:   MariaDB + Redis (scripts/services.sh), one silo, one gateway in cluster mode
#              both:      embedded, then cluster (the default)
# --duration   measured seconds per scenario (default 20)
# --warmup     unrecorded seconds under load before measuring (default: foundation 3, game 15, signaling 20;
#              a cold gateway on this 2-core machine re-compiles its hot code for about 15 s)
# --server-env an environment variable for the gateway and silo processes only (repeatable), for
#              diagnostic runs such as DOTNET_GCgen0size=0x10000000; recorded in the summary
# --mysql-pool cluster mode, diagnostic: the silo's MySQL connection pools hold at most N connections
#              each (MySqlConnector's default is 100), by appending Maximum Pool Size=N to its connection string
# --only       run one scenario of the benchmark
# --dropout-rate  game, cluster mode: full-games with this share of players vanishing mid-game; the tool then
#              checks the database (every game finished, room_events exactly as caused) and fails the run if not.
#              The server's grace is 60 s unless e.g. --server-env Game__ReconnectGraceSeconds=5 shortens it
# --connections  foundation: passed to the scenarios (default: theirs); game: round-choice participants
# --commit     build the gateway and silo from a snapshot of this commit (git archive, the work tree
#              is not touched) instead of the work tree: reproducible, and unaffected by edits in progress
#
# Builds Release once into .local/bench/artifacts (apart from the tree's bin/ and obj/, which other
# builds may be using; a --commit snapshot builds inside its own folder), starts every process on loopback with free ports, waits for /health/ready,
# and stops everything it started when it exits, however it exits. MariaDB and Redis are stopped
# only if this script started them. Results (JSON and text per scenario, server logs, summary.txt)
# go to .local/bench/<UTC time>/. Exits non-zero if a server did not come up or a scenario failed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$repo_root"
source scripts/bench-lib.sh

# The comparison with the peers in ../shared/bench-peers has options of its own.
if [[ "${1:-}" == peers ]]; then
  shift
  exec bash scripts/bench-peers.sh "$@"
fi

usage() {
  sed -n '2,41p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ "${1:-}" =~ ^(foundation|game|signaling|sessions|memory)$ ]] || usage
bench="$1"
shift
mode=both
duration=20
commit=""
only=""
connections=()
tables=""
rate=""
rooms="167,1000"
warmup=""
server_env=()
mysql_pool=""
dropout_rate=""
students=300
think=""
runs=3
collect_timeout=900
settle=0
while (($# > 0)); do
  case "$1" in
    --mode)
      [[ "${2:-}" =~ ^(embedded|cluster|both)$ ]] || die "--mode takes embedded, cluster or both"
      mode="$2"
      shift 2
      ;;
    --duration)
      # A class takes the time it takes: there is no window to size (nor, below, to warm).
      [[ "$bench" != sessions ]] || die "sessions runs until every room has finished; it takes no --duration"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 1 && "$2" <= 600)) || die "--duration takes whole seconds from 1 to 600"
      duration="$2"
      shift 2
      ;;
    --only)
      case "$bench" in
        foundation) [[ "${2:-}" =~ ^(auth-flood|grain-call)$ ]] || die "--only takes auth-flood or grain-call" ;;
        game) [[ "${2:-}" =~ ^(full-games|round-choice)$ ]] || die "--only takes full-games or round-choice" ;;
        signaling) die "signaling has one scenario; --rooms chooses the runs" ;;
        sessions) die "sessions has one scenario" ;;
        memory) die "memory has one scenario" ;;
      esac
      only="$2"
      shift 2
      ;;
    --connections)
      [[ "$bench" != signaling ]] || die "signaling takes --rooms (three sockets each), not --connections"
      [[ "$bench" != sessions ]] || die "sessions takes --students, not --connections"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 1 && "$2" <= 10000)) || die "--connections takes a whole number from 1 to 10000"
      connections=(--connections "$2")
      shift 2
      ;;
    --tables)
      [[ "$bench" == game ]] || die "--tables is for game"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 1 && "$2" <= 1000)) || die "--tables takes a whole number from 1 to 1000"
      tables="$2"
      shift 2
      ;;
    --rate)
      [[ "$bench" != foundation ]] || die "--rate is for game and signaling"
      [[ "${2:-}" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--rate takes a number (per connection or socket, per second)"
      rate="$2"
      shift 2
      ;;
    --rooms)
      if [[ "$bench" == memory ]]; then
        [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 1 && "$2" <= 1000)) || die "--rooms takes a whole number from 1 to 1000 (full-games tables)"
        tables="$2"
        shift 2
        continue
      fi
      [[ "$bench" == signaling ]] || die "--rooms is for signaling and memory"
      [[ "${2:-}" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--rooms takes a whole number or a comma-separated list, e.g. 167,1000"
      rooms="$2"
      shift 2
      ;;
    --warmup)
      [[ "$bench" != sessions ]] || die "sessions takes no --warmup"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" <= 600)) || die "--warmup takes whole seconds from 0 to 600"
      warmup="$2"
      shift 2
      ;;
    --server-env)
      [[ "${2:-}" =~ ^[A-Za-z_][A-Za-z0-9_]*=.*$ ]] || die "--server-env takes NAME=VALUE"
      server_env+=("$2")
      shift 2
      ;;
    --mysql-pool)
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 1 && "$2" <= 1000)) || die "--mysql-pool takes a whole number from 1 to 1000"
      mysql_pool="$2"
      shift 2
      ;;
    --dropout-rate)
      [[ "$bench" == game ]] || die "--dropout-rate is for game"
      [[ "${2:-}" =~ ^0([.][0-9]+)?$ ]] || die "--dropout-rate takes a share of the players from 0 to 0.66"
      dropout_rate="$2"
      shift 2
      ;;
    --students)
      [[ "$bench" == sessions ]] || die "--students is for sessions"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 3 && "$2" <= 3000 && "$2" % 3 == 0)) || die "--students takes a multiple of 3 from 3 to 3000"
      students="$2"
      shift 2
      ;;
    --think)
      [[ "$bench" == sessions ]] || die "--think is for sessions"
      [[ "${2:-}" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--think takes seconds (a number)"
      think="$2"
      shift 2
      ;;
    --runs)
      [[ "$bench" == memory ]] || die "--runs is for memory"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 1 && "$2" <= 20)) || die "--runs takes a whole number from 1 to 20"
      runs="$2"
      shift 2
      ;;
    --collect-timeout)
      [[ "$bench" == memory ]] || die "--collect-timeout is for memory"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" >= 1 && "$2" <= 7200)) || die "--collect-timeout takes whole seconds from 1 to 7200"
      collect_timeout="$2"
      shift 2
      ;;
    --settle)
      [[ "$bench" == memory ]] || die "--settle is for memory"
      [[ "${2:-}" =~ ^[0-9]+$ ]] && (("$2" <= 600)) || die "--settle takes whole seconds from 0 to 600"
      settle="$2"
      shift 2
      ;;
    --commit)
      [[ -n "${2:-}" ]] || die "--commit takes a commit (hash, branch or tag)"
      commit="$(git rev-parse --verify --quiet "$2^{commit}")" || die "no such commit: $2"
      shift 2
      ;;
    *) usage ;;
  esac
done
if [[ "$bench" == memory ]]; then
  # The in-memory stores are what is measured: cluster mode keeps its rows in MariaDB.
  [[ "$mode" != cluster ]] || die "memory measures embedded mode only"
  mode=embedded
  tables="${tables:-1000}"
fi
tables="${tables:-20}"
[[ -z "$dropout_rate" || "$mode" == cluster ]] || die "--dropout-rate needs --mode cluster (the check reads MariaDB)"
if [[ -z "$warmup" ]]; then
  case "$bench" in
    game) warmup=15 ;;
    signaling) warmup=20 ;;
  esac
fi
warmup_args=()
[[ -z "$warmup" ]] || warmup_args=(--warmup "$warmup")
IFS=, read -r -a room_runs <<<"$rooms"
for n in "${room_runs[@]}"; do
  ((n >= 1 && n <= 5000)) || die "--rooms: each run takes 1 to 5000 rooms"
done

command -v dotnet >/dev/null 2>&1 || die "dotnet not found; install the .NET SDK named in global.json"
command -v curl >/dev/null 2>&1 || die "curl not found (apt-get install curl)"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

run_dir="$repo_root/.local/bench/$(date -u +%Y%m%dT%H%M%SZ)"
artifacts="$repo_root/.local/bench/artifacts"
summary="$run_dir/summary.txt"
mkdir -p "$run_dir"

trap on_exit EXIT
trap 'exit 130' INT TERM

machine_facts() {
  local cpu memory sdk runtime
  cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  memory="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  sdk="$(dotnet --version)"
  runtime="$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')"
  local source
  if [[ -n "$commit" ]]; then
    source="commit ${commit:0:12} (a snapshot; the load-test tool from the work tree)"
  else
    source="work tree at $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
    [[ -z "$(git status --porcelain 2>/dev/null)" ]] || source+=" with uncommitted changes"
  fi
  record "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  record "source:   $source"
  record "machine:  $(nproc) cores ($cpu), $memory memory, $(uname -sr)"
  record "dotnet:   SDK $sdk, runtime $runtime"
  record "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min load average before the run)"
  if [[ "$bench" == sessions ]]; then
    record "duration: until every room has finished; client and servers share the same cores"
  else
    record "duration: ${duration}s measured per scenario${warmup:+ after ${warmup}s of unrecorded warm-up under load}; client and servers share the same cores"
  fi
}

failures=0

# run_scenario MODE SCENARIO LABEL URL ARGS...   (LABEL names the result files: a scenario may run more than once)
run_scenario() {
  local mode_name="$1" scenario="$2" label="$3" url="$4"
  shift 4
  local base="$run_dir/$mode_name-$label" status=0
  [[ -z "$only" || "$only" == "$scenario" ]] || return 0
  record ""
  record "== $mode_name: $label"
  # Other work on a shared machine moves every number; say how much there was.
  record "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local timing=(--duration "$duration" "${warmup_args[@]}")
  [[ "$bench" != sessions ]] || timing=()
  dotnet "$loadtest_dll" "$scenario" --url "$url" "${timing[@]}" "$@" --out "$base.json" \
    2> >(tee "$base.progress.log" >&2) | tee "$base.txt" | tee -a "$summary" || status=$?
  record "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  if ((status != 0)); then
    record "!! $mode_name $label failed (exit $status)"
    failures=$((failures + 1))
  fi
}

# run_benchmark MODE URL PID-ARGS...: the scenarios of the chosen benchmark against one running gateway.
run_benchmark() {
  local mode_name="$1" url="$2"
  shift 2
  case "$bench" in
    foundation)
      run_scenario "$mode_name" auth-flood auth-flood "$url" "${connections[@]}" "$@"
      run_scenario "$mode_name" grain-call grain-call "$url" "${connections[@]}" "$@"
      ;;
    game)
      if [[ -n "$dropout_rate" ]]; then
        # ConnectionStrings__MySql is run_cluster's: the tool reads the run's rooms and room_events back from it.
        run_scenario "$mode_name" full-games "full-games-dropout$dropout_rate" "$url" --tables "$tables" \
          --dropout-rate "$dropout_rate" --database "$ConnectionStrings__MySql" "$@"
      else
        run_scenario "$mode_name" full-games full-games "$url" --tables "$tables" "$@"
      fi
      run_scenario "$mode_name" round-choice "round-choice-rate${rate:-1}" "$url" "${connections[@]}" --rate "${rate:-1}" "$@"
      run_scenario "$mode_name" round-choice round-choice-closed "$url" "${connections[@]}" "$@"
      ;;
    signaling)
      local n
      for n in "${room_runs[@]}"; do
        run_scenario "$mode_name" signaling "signaling-${n}rooms" "$url" --rooms "$n" --rate "${rate:-1}" "$@"
      done
      ;;
    sessions)
      run_scenario "$mode_name" sessions "sessions-${students}students" "$url" --students "$students" ${think:+--think "$think"} \
        "${facilitator_args[@]}" "$@"
      ;;
  esac
}

# CPU of the servers over each measured window; MariaDB and Redis only where their pid files say so.
service_pid_args() {
  local name pid
  for name in mariadb redis; do
    pid="$(service_pid "$name")" && printf -- '--server-pid\n%s=%s\n' "$name" "$pid"
  done
  return 0
}

server_environment

run_embedded() {
  local log="$run_dir/embedded-gateway.log" management metrics="" metrics_env=()
  if [[ "$bench" == memory ]]; then
    # The activation count and GC heap come from /metrics on a management port.
    free_port management
    metrics="http://127.0.0.1:$management/metrics"
    metrics_env=("Telemetry__MetricsUrls=http://127.0.0.1:$management")
  fi
  record ""
  record "=== embedded: one gateway process with an in-process silo, in-memory storage${metrics:+ (metrics $metrics)}"
  if ! start_embedded embedded-gateway "$log" "${metrics_env[@]}"; then
    record "!! embedded gateway did not become ready"
    failures=$((failures + 1))
    stop_started
    return 0
  fi
  record "  at $gateway_url"
  if [[ "$bench" == sessions ]]; then
    # A fresh embedded gateway has no admin, so it prints its one-time setup code; the tool registers an admin with it.
    local setup_code
    setup_code="$(sed -n 's/.*setup code: \([A-Za-z0-9_-]*\).*/\1/p' "$log" | head -n 1)"
    [[ -n "$setup_code" ]] || die "the embedded gateway printed no setup code (see $log)"
    facilitator_args=(--setup-code "$setup_code")
  fi
  if [[ "$bench" == memory ]]; then
    measure_memory "$gateway_url" "$metrics" "$gateway_pid"
  else
    run_benchmark embedded "$gateway_url" --server-pid "gateway=$gateway_pid"
  fi
  stop_started
  pack_logs "$log"
}

# The memory benchmark's readings of one process: resident set (/proc), and from its /metrics the Orleans
# activation count and the GC heap after the last collection (both summed over their series).
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
metric_sum() {
  curl -fsS --noproxy '*' --max-time 10 "$1" 2>/dev/null \
    | awk -v name="$2" '$1 ~ ("^" name "({|$)") { total += $NF; found = 1 } END { if (found) printf "%.0f", total; else print "?" }'
}
activations() { metric_sum "$1" orleans_catalog_activations; }
gc_heap_mb() {
  local bytes
  bytes="$(metric_sum "$1" dotnet_gc_last_collection_heap_size_bytes)"
  [[ "$bytes" == "?" ]] && echo "?" || echo $((bytes / 1048576))
}

# measure_memory URL METRICS PID: the memory benchmark against one running embedded gateway.
measure_memory() {
  local url="$1" metrics="$2" pid="$3"
  local start_rss start_activations series run deadline count rss
  start_rss="$(rss_mb "$pid")"
  start_activations="$(activations "$metrics")"
  [[ "$start_activations" =~ ^[0-9]+$ ]] || die "no orleans_catalog_activations on $metrics"
  record "  start: RSS $start_rss MB, GC heap $(gc_heap_mb "$metrics") MB, $start_activations activations"
  series="$start_rss"
  for ((run = 1; run <= runs; run++)); do
    run_scenario embedded full-games "memory-run$run" "$url" --tables "$tables" --server-pid "gateway=$pid"
    # Collected means as many activations as at start (a few more allowed: the sweep and the probes wake grains too).
    deadline=$((SECONDS + collect_timeout))
    count="$(activations "$metrics")"
    while ! [[ "$count" =~ ^[0-9]+$ && "$count" -le $((start_activations + 20)) ]] && ((SECONDS < deadline)); do
      sleep 2
      count="$(activations "$metrics")"
    done
    rss="$(rss_mb "$pid")"
    series+=" → $rss"
    if [[ "$count" =~ ^[0-9]+$ && "$count" -le $((start_activations + 20)) ]]; then
      record "  after run $run: RSS $rss MB, GC heap $(gc_heap_mb "$metrics") MB, $count activations (collected)"
    else
      record "  after run $run: RSS $rss MB, GC heap $(gc_heap_mb "$metrics") MB, $count activations: NOT collected within ${collect_timeout}s"
    fi
    if ((settle > 0)); then
      sleep "$settle"
      rss="$(rss_mb "$pid")"
      record "  ${settle}s later: RSS $rss MB, GC heap $(gc_heap_mb "$metrics") MB, $(activations "$metrics") activations"
      series+=" ($rss)"
    fi
  done
  ((settle == 0)) || series+=" (in brackets: ${settle}s later)"
  record "  RSS series (MB): $series"
  if ((rss - start_rss <= 50)); then
    record "  pass: the last RSS is $((rss - start_rss)) MB above the start (at most 50)"
  else
    record "!! miss: the last RSS is $((rss - start_rss)) MB above the start (at most 50)"
    failures=$((failures + 1))
  fi
}

run_cluster() {
  local ConnectionStrings__MySql ConnectionStrings__Redis
  use_services
  [[ -z "$mysql_pool" ]] || ConnectionStrings__MySql="${ConnectionStrings__MySql%;};Maximum Pool Size=$mysql_pool"
  local silo_log="$run_dir/cluster-silo.log" gateway_log="$run_dir/cluster-gateway.log"
  record ""
  record "=== cluster: one silo (MariaDB storage, Redis membership) and one gateway"
  if ! start_cluster cluster "$silo_log" "$gateway_log" "$ConnectionStrings__MySql" "$ConnectionStrings__Redis"; then
    record "!! silo or gateway did not become ready"
    failures=$((failures + 1))
    stop_started
    return 0
  fi
  record "  at $gateway_url"
  if [[ "$bench" == sessions ]]; then
    cluster_facilitator "$gateway_url" "$ConnectionStrings__MySql" || {
      record "!! could not make a facilitator"
      failures=$((failures + 1))
      stop_started
      return 0
    }
  fi
  local watch=(--server-pid "gateway=$gateway_pid" --server-pid "silo=$silo_pid")
  mapfile -t -O "${#watch[@]}" watch < <(service_pid_args)
  run_benchmark cluster "$gateway_url" "${watch[@]}"
  stop_started
  pack_logs "$silo_log" "$gateway_log"
}

facilitator_args=()
cluster_facilitator() {
  local url="$1" mysql="$2" username password
  username="bench-fac-$(date -u +%H%M%S)-$RANDOM"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')"
  curl -fsS --noproxy '*' --max-time 30 -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"$username\",\"password\":\"$password\"}" "$url/auth/register" || return 1
  ConnectionStrings__MySql="$mysql" dotnet "$silo_dll" grant-role "$username" facilitator >>"$run_dir/grant-role.log" 2>&1 || {
    tail -n 20 "$run_dir/grant-role.log" >&2
    return 1
  }
  facilitator_args=(--facilitator "$username:$password")
}

case "$bench" in
  game) raise_open_files $((${connections[1]:-1000} + 4096)) ;;
  sessions) raise_open_files $((students + 4096)) ;;
  memory) raise_open_files $((tables * 3 + 4096)) ;;
  signaling)
    most=0
    for n in "${room_runs[@]}"; do ((n > most)) && most=$n; done
    raise_open_files $((most * 3 + 4096))
    ;;
esac

options_text="--mode $mode --duration $duration${warmup:+ --warmup $warmup}${only:+ --only $only}${connections[1]:+ --connections ${connections[1]}}"
case "$bench" in
  game) options_text+=" --tables $tables${rate:+ --rate $rate}" ;;
  signaling) options_text+=" --rooms $rooms${rate:+ --rate $rate}" ;;
  sessions) options_text="--mode $mode --students $students${think:+ --think $think}" ;;
  memory) options_text="--rooms $tables --runs $runs --duration $duration --collect-timeout $collect_timeout --settle $settle" ;;
esac
for setting in "${server_env[@]}"; do
  options_text+=" --server-env $setting"
done
[[ -z "$mysql_pool" ]] || options_text+=" --mysql-pool $mysql_pool"
record "$bench benchmark: bash scripts/bench.sh $bench $options_text${commit:+ --commit ${commit:0:12}}"
record "open files: $(ulimit -Sn) per process"
machine_facts
build
case "$mode" in
  embedded) run_embedded ;;
  cluster) run_cluster ;;
  both)
    run_embedded
    run_cluster
    ;;
esac

record ""
if ((failures > 0)); then
  record "$bench: $failures step(s) failed; results and logs in $run_dir"
  exit 1
fi
record "$bench: done; results and logs in $run_dir"
