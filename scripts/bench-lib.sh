# Shared by scripts/bench.sh, scripts/bench-peers.sh and scripts/bench-export.sh (sourced, not run): building the servers, free
# ports, starting and stopping exactly the processes a benchmark started, MariaDB and Redis through
# scripts/services.sh, and the summary file. The caller sets repo_root, run_dir and summary, and installs
#   trap on_exit EXIT; trap 'exit 130' INT TERM
# before it starts anything.

ready_timeout_seconds=90
stop_timeout_seconds=20

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Everything this script starts, so the exit trap stops exactly these and nothing else.
started_pids=()
started_names=()
services_started_here=0

stop_started() {
  local i pid name deadline
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
    pid="${started_pids[i]}"
    name="${started_names[i]}"
    kill -0 "$pid" 2>/dev/null || continue
    # SIGTERM lets a silo leave the membership table cleanly instead of being declared dead later.
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + stop_timeout_seconds))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name (pid $pid) did not stop within ${stop_timeout_seconds}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  started_pids=()
  started_names=()
}

on_exit() {
  local status=$?
  stop_started
  if ((services_started_here)); then
    bash scripts/services.sh stop || true
  fi
  exit "$status"
}

# A port is taken if something accepts a connection on it.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

chosen_ports=" "
# free_port VAR: a free port, below Linux's ephemeral range (32768+) so that no outgoing connection
# holds it, and never one already handed out. Assigns instead of printing: in a $(...) subshell the
# record of ports handed out would be lost.
free_port() {
  local port attempt
  for attempt in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    [[ "$chosen_ports" == *" $port "* ]] && continue
    port_in_use "$port" && continue
    chosen_ports+="$port "
    printf -v "$1" '%s' "$port"
    return 0
  done
  die "found no free port"
}

# start NAME LOG VAR=VALUE... -- COMMAND...   (pid recorded; output to LOG)
# `dotnet X.dll` runs in X.dll's folder, as the images run it (WORKDIR /app): that folder is the host's content
# root, so its appsettings.json (log levels) is read, and the configuration's file watcher watches that folder
# alone. From the repo root the servers ran without appsettings.json, logging every middleware step of every
# request, and watched the whole tree, MariaDB's data files and their own logs included.
start() {
  local name="$1" log="$2"
  shift 2
  local vars=() dir=.
  while [[ "$1" != -- ]]; do
    vars+=("$1")
    shift
  done
  shift
  [[ "$1" != dotnet || "${2:-}" != *.dll ]] || dir="$(dirname "$2")"
  (cd "$dir" && exec env "${vars[@]}" "$@") </dev/null >"$log" 2>&1 &
  started_pids+=("$!")
  started_names+=("$name")
  say "started $name (pid $!), log $log"
  last_pid=$!
}

# Polls a readiness URL until it answers 200, failing early if the process died, or at the deadline.
wait_ready() {
  local name="$1" url="$2" pid="$3" log="$4"
  local deadline=$((SECONDS + ready_timeout_seconds))
  until curl -fsS --noproxy '*' --max-time 5 -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "$name exited while starting; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    if ((SECONDS >= deadline)); then
      say "$name was not ready within ${ready_timeout_seconds}s ($url); last lines of $log:"
      tail -n 30 "$log" >&2 || true
      curl -sS --noproxy '*' --max-time 5 "$url" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  say "$name ready: $(curl -sS --noproxy '*' --max-time 5 "$url")"
}

record() { printf '%s\n' "$*" | tee -a "$summary"; }

# commit_snapshot COMMIT: prints the folder holding a git archive snapshot of COMMIT (a full hash), extracting it on first use.
commit_snapshot() {
  local source_dir="$repo_root/.local/bench/src-${1:0:12}"
  if [[ ! -f "$source_dir/Dilemma.Orleans.sln" ]]; then
    say "extracting commit ${1:0:12} into $source_dir"
    rm -rf "$source_dir"
    mkdir -p "$source_dir"
    git archive "$1" | tar -x -C "$source_dir"
  fi
  printf '%s\n' "$source_dir"
}

# build: Release builds of gateway, silo and load-test tool into .local/bench/artifacts (or, with $commit
# set, of a git archive snapshot); sets gateway_dll, silo_dll and loadtest_dll.
build() {
  local source_dir="$repo_root" server_artifacts="$artifacts"
  if [[ -n "$commit" ]]; then
    source_dir="$(commit_snapshot "$commit")"
    server_artifacts="$source_dir/.artifacts"
  fi
  say "building Release into $server_artifacts${commit:+ and $artifacts}"
  build_project "$source_dir/Gateway/Gateway.csproj" "$server_artifacts"
  build_project "$source_dir/Silo/Silo.csproj" "$server_artifacts"
  build_project "$repo_root/LoadTest/LoadTest.csproj" "$artifacts"
  gateway_dll="$server_artifacts/bin/Gateway/release/Dilemma.Gateway.dll"
  silo_dll="$server_artifacts/bin/Silo/release/Dilemma.Silo.dll"
  loadtest_dll="$artifacts/bin/LoadTest/release/Dilemma.LoadTest.dll"
  local dll
  for dll in "$gateway_dll" "$silo_dll" "$loadtest_dll"; do
    [[ -f "$dll" ]] || die "build produced no $dll"
  done
}

build_project() {
  dotnet build -c Release --nologo -v q --artifacts-path "$2" "$1" >>"$run_dir/build.log" 2>&1 \
    || { tail -n 40 "$run_dir/build.log" >&2; die "build of $1 failed (log: $run_dir/build.log)"; }
}

# Per-request HTTP logging (as shipped) makes the server logs large; they are kept, packed.
pack_logs() {
  local log
  for log in "$@"; do
    [[ -f "$log" ]] && gzip -f "$log"
  done
  return 0
}

# Each socket is a file descriptor in the load generator and in the gateway; the shell's soft
# limit is often 1024. Raised (up to the hard limit) for this shell, so every process it starts inherits it.
raise_open_files() {
  local needed="$1" soft hard
  soft="$(ulimit -Sn)"
  hard="$(ulimit -Hn)"
  if [[ "$soft" == unlimited ]] || ((soft >= needed)); then
    return 0
  fi
  if [[ "$hard" != unlimited ]] && ((hard < needed)); then
    die "this needs $needed open files per process, but the hard limit is $hard (raise it: ulimit -Hn, /etc/security/limits.conf)"
  fi
  ulimit -Sn "$needed"
  say "raised the open-files limit from $soft to $needed for the processes this script starts"
}

# The pid in one of scripts/services.sh's pid files (mariadb or redis), if that server runs.
service_pid() {
  local file pid
  case "$1" in
    mariadb) file="$repo_root/.local/services/mariadb/mariadbd.pid" ;;
    redis) file="$repo_root/.local/services/redis/redis.pid" ;;
  esac
  [[ -s "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

# use_services: MariaDB and Redis from scripts/services.sh (started here, and so stopped at exit, only if
# they were not running); sets ConnectionStrings__MySql and ConnectionStrings__Redis.
use_services() {
  if bash scripts/services.sh status >/dev/null 2>&1; then
    say "MariaDB and Redis already run; using them and leaving them running"
  else
    # Another work tree's servers may hold the default ports; ours then take free ones (the port files keep them).
    local variable default taken_instead
    for variable in DILEMMA_MYSQL_PORT:3307 DILEMMA_REDIS_PORT:6380 DILEMMA_TURN_PORT:3480; do
      default="${variable#*:}"
      variable="${variable%%:*}"
      [[ -z "${!variable:-}" ]] && port_in_use "$default" || continue
      free_port taken_instead
      export "$variable=$taken_instead"
      say "port $default is taken; $variable=$taken_instead"
    done
    bash scripts/services.sh start >/dev/null
    services_started_here=1
  fi
  eval "$(bash scripts/services.sh env | sed 's/^export //')"
}

# server_environment: common_env, the settings every gateway and silo of a run gets; call after the
# options are read (server_env holds --server-env settings).
server_environment() {
  local jwt_key cluster_id
  jwt_key="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
  # A cluster id of its own: membership in a shared Redis must not mix with anyone else's silos.
  cluster_id="bench-$(date -u +%H%M%S)-$RANDOM"
  # Every simulated player comes from 127.0.0.1: per-address sign-up, room opening and lookup limits would measure themselves.
  local address_limits=(RateLimits__Rooms__LookupBurstPerAddress=1000000 RateLimits__Rooms__LookupsPerMinutePerAddress=1000000
    RateLimits__Rooms__CreateBurstPerAddress=1000000 RateLimits__Rooms__CreatesPerMinutePerAddress=1000000
    RateLimits__Auth__GuestSignInsPerWindow=1000000 RateLimits__Auth__RegistrationsPerWindow=1000000
    RateLimits__WsTicketsPerMinute=1000000 RateLimits__WsTicketsPerMinutePerAddress=1000000)
  common_env=(ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production "Auth__JwtKey=$jwt_key" "Research__PseudonymKey=$jwt_key-pseudonyms"
    "Cluster__ClusterId=$cluster_id" "${address_limits[@]}" "${server_env[@]}")
}

# start_embedded NAME LOG: one gateway with its in-process silo and in-memory storage; sets gateway_url and
# gateway_pid. Returns non-zero if it did not become ready.
start_embedded() {
  local name="$1" log="$2" http silo_port gateway_port
  shift 2
  free_port http
  free_port silo_port
  free_port gateway_port
  gateway_url="http://127.0.0.1:$http"
  start "$name" "$log" "${common_env[@]}" "$@" "Cluster__SiloPort=$silo_port" "Cluster__GatewayPort=$gateway_port" \
    -- dotnet "$gateway_dll" --urls "$gateway_url"
  gateway_pid=$last_pid
  wait_ready "$name" "$gateway_url/health/ready" "$gateway_pid" "$log"
}

# start_cluster NAME SILO-LOG GATEWAY-LOG MYSQL REDIS [VAR=VALUE…]: one silo on MYSQL and one cluster-mode gateway,
# joined through REDIS (the extra settings go to both); sets gateway_url, gateway_pid and silo_pid. Returns
# non-zero if either did not become ready.
start_cluster() {
  local name="$1" silo_log="$2" gateway_log="$3" mysql="$4" redis="$5"
  shift 5
  local silo_http silo_port silo_gateway_port http
  free_port silo_http
  free_port silo_port
  free_port silo_gateway_port
  free_port http
  gateway_url="http://127.0.0.1:$http"
  start "$name-silo" "$silo_log" "${common_env[@]}" "$@" "ConnectionStrings__MySql=$mysql" "ConnectionStrings__Redis=$redis" \
    Cluster__AdvertisedIp=127.0.0.1 "Cluster__SiloPort=$silo_port" "Cluster__GatewayPort=$silo_gateway_port" \
    "ASPNETCORE_URLS=http://127.0.0.1:$silo_http" \
    -- dotnet "$silo_dll"
  silo_pid=$last_pid
  wait_ready "$name-silo" "http://127.0.0.1:$silo_http/health/ready" "$silo_pid" "$silo_log" || return 1
  start "$name-gateway" "$gateway_log" "${common_env[@]}" "$@" Cluster__Mode=Cluster "ConnectionStrings__Redis=$redis" \
    -- dotnet "$gateway_dll" --urls "$gateway_url"
  gateway_pid=$last_pid
  wait_ready "$name-gateway" "$gateway_url/health/ready" "$gateway_pid" "$gateway_log"
}

# ensure_research_database SIZE CONNECTION: a database of SIZE participants made by Tools/DataGenerator's
# research verb (seed 42, a year of games), kept and reused while it still holds that many games.
# Needs mariadb_client (a client on that server as root); uses generator_dll, building the tool into the
# bench artifacts when it is not set; sets research_database.
ensure_research_database() {
  local size="$1" connection="$2" games started
  research_database="bench_export_$size"
  games=$(((size + 2) / 3))
  if [[ "$(mariadb_client -N -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$research_database' AND TABLE_NAME = 'rooms'")" == "0" ]] \
     || [[ "$(mariadb_client -N -e "SELECT COUNT(*) FROM $research_database.rooms")" != "$games" ]]; then
    mariadb_client -e "DROP DATABASE IF EXISTS $research_database"
    say "generating $games games ($((games * 3)) participants) into $research_database"
    started=$SECONDS
    if [[ -z "${generator_dll:-}" ]]; then
      build_project "$repo_root/Tools/DataGenerator/DataGenerator.csproj" "$artifacts"
      generator_dll="$artifacts/bin/DataGenerator/release/Dilemma.DataGenerator.dll"
    fi
    ConnectionStrings__MySql="$connection" dotnet "$generator_dll" research --games "$games" --seed 42 --days 365 >&2
    say "generated in $((SECONDS - started)) s"
  fi
}
