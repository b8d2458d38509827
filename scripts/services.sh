#!/usr/bin/env bash
# Local MariaDB, Redis and coturn for development: loopback only, non-default ports, data under .local/services/.
#
#   scripts/services.sh install   apt-get install what is missing of mariadb-server, redis-server, coturn, nginx, prometheus, chromium,
#                                 fonts-noto-cjk, iproute2
#   scripts/services.sh start     start all three (idempotent), create database and user "dilemma", print settings
#   scripts/services.sh stop      stop them cleanly
#   scripts/services.sh status    say what runs; exit 0 only if all run and answer
#   scripts/services.sh env       print export lines:  eval "$(scripts/services.sh env)"
#
# Ports: DILEMMA_MYSQL_PORT (default 3307), DILEMMA_REDIS_PORT (default 6380) and DILEMMA_TURN_PORT (default
# 3480, UDP and TCP; relays on 49160-49359), so a machine's own MariaDB (3306), Redis (6379) and coturn (3478)
# keep running undisturbed. coturn uses the TURN REST API shared secret (generated once into
# .local/services/coturn/secret); `env` prints the Ice__* settings that make a gateway hand out its credentials.
# DILEMMA_MARIADB_ARGS: extra mariadbd options for a start, e.g. "--thread-handling=pool-of-threads" (diagnostics).
# The tests do not use these servers: they start their own on free ports (Tests/Infrastructure/LocalServices.cs)
# and only need the binaries.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
state_dir="$repo_root/.local/services"
mysql_port="${DILEMMA_MYSQL_PORT:-3307}"
redis_port="${DILEMMA_REDIS_PORT:-6380}"
turn_port="${DILEMMA_TURN_PORT:-3480}"
turn_realm="dilemma.local"
timeout_seconds=60
for port in "$mysql_port" "$redis_port" "$turn_port"; do
  [[ "$port" =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)) || { echo "services: '$port' is not a TCP port" >&2; exit 2; }
done

mariadb_dir="$state_dir/mariadb"
mariadb_data="$mariadb_dir/data"
mariadb_pid_file="$mariadb_dir/mariadbd.pid"
mariadb_log="$mariadb_dir/mariadbd.log"
mariadb_port_file="$mariadb_dir/port"
redis_dir="$state_dir/redis"
redis_pid_file="$redis_dir/redis.pid"
redis_log="$redis_dir/redis.log"
redis_port_file="$redis_dir/port"
coturn_dir="$state_dir/coturn"
coturn_pid_file="$coturn_dir/turnserver.pid"
coturn_log="$coturn_dir/turnserver.log"
coturn_port_file="$coturn_dir/port"
coturn_secret_file="$coturn_dir/secret"

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# mariadbd and mariadb-install-db live in /usr/sbin, which is not on every user's PATH.
find_binary() {
  local name="$1" dir
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return 0
  fi
  for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
    if [[ -x "$dir/$name" ]]; then
      echo "$dir/$name"
      return 0
    fi
  done
  return 1
}

require_binary() {
  find_binary "$1" || die "'$1' not found; run: bash scripts/services.sh install"
}

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $* (and sudo is not installed)"
  fi
}

package_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

cmd_install() {
  command -v apt-get >/dev/null 2>&1 || \
    die "apt-get not found; install MariaDB (mariadbd, mariadb-install-db), Redis (redis-server), coturn, nginx, Prometheus (prometheus, promtool), Chromium, Noto CJK fonts and iproute2 with your package manager"
  local missing=() package
  # nginx: the deployment tests run it with nginx/templates in front of real gateways (Tests/Deployment).
  # prometheus: the telemetry tests scrape gateways and silos with it, and promtool checks k8s/monitoring/alerts.yaml.
  # chromium: the web app's browser tests drive it with Playwright (Tests/Client); Playwright downloads no browser.
  # fonts-noto-cjk: without it chromium draws Korean as empty boxes, and the Korean screenshots show nothing.
  # iproute2: the voice tests run chromium and coturn in a network namespace with only loopback (ip netns).
  for package in mariadb-server redis-server coturn nginx prometheus chromium fonts-noto-cjk iproute2; do
    package_installed "$package" || missing+=("$package")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    say "mariadb-server, redis-server, coturn, nginx, prometheus, chromium, fonts-noto-cjk and iproute2 are installed"
    return 0
  fi
  say "installing: ${missing[*]}"
  # The package lists on a fresh machine (CI) may be empty or stale; skip the update when nothing is missing.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

# True if the process in the pid file is alive. Only the pid file's process counts, never a process found by name;
# and where /proc tells, only if it works inside .local/services (both servers chdir into their data), so a pid
# recycled after a reboot is not mistaken for ours.
running() {
  local pid_file="$1" pid cwd
  [[ -s "$pid_file" ]] || return 1
  pid="$(<"$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  if cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)"; then
    [[ "$cwd/" == "$state_dir/"* ]]
  fi
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The port a running server was started on; otherwise the one the next start would use.
mysql_port_now() {
  if running "$mariadb_pid_file" && [[ -s "$mariadb_port_file" ]]; then cat "$mariadb_port_file"; else echo "$mysql_port"; fi
}

redis_port_now() {
  if running "$redis_pid_file" && [[ -s "$redis_port_file" ]]; then cat "$redis_port_file"; else echo "$redis_port"; fi
}

mysql_connection_string() {
  echo "Server=127.0.0.1;Port=$(mysql_port_now);User ID=dilemma;Password=dilemma;Database=dilemma"
}

redis_connection_string() {
  echo "127.0.0.1:$(redis_port_now)"
}

turn_port_now() {
  if running "$coturn_pid_file" && [[ -s "$coturn_port_file" ]]; then cat "$coturn_port_file"; else echo "$turn_port"; fi
}

# The gateway settings for this coturn, one NAME=VALUE a line (Gateway/Ice/IceSettings.cs reads them).
ice_settings() {
  local port
  port="$(turn_port_now)"
  echo "Ice__Provider=coturn"
  echo "Ice__StunUrls__0=stun:127.0.0.1:$port"
  echo "Ice__Coturn__Urls__0=turn:127.0.0.1:$port?transport=udp"
  echo "Ice__Coturn__Urls__1=turn:127.0.0.1:$port?transport=tcp"
  echo "Ice__Coturn__Realm=$turn_realm"
  echo "Ice__Coturn__Secret=$(cat "$coturn_secret_file" 2>/dev/null)"
}

mariadb_client() {
  local client
  client="$(require_binary mariadb)" || exit 1
  "$client" --no-defaults --protocol=tcp -h 127.0.0.1 -P "$(mysql_port_now)" -u root "$@"
}

# Polls until the check succeeds; fails early with the log if the process died, or at the deadline.
wait_until() {
  local name="$1" pid_file="$2" log="$3"
  shift 3
  local deadline=$((SECONDS + timeout_seconds))
  until "$@" >/dev/null 2>&1; do
    if ! running "$pid_file"; then
      say "$name exited while starting; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      say "$name did not answer within ${timeout_seconds}s; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

start_mariadb() {
  if running "$mariadb_pid_file"; then
    say "MariaDB already running (pid $(<"$mariadb_pid_file"), port $(mysql_port_now))"
    return 0
  fi
  port_open "$mysql_port" && die "port $mysql_port is taken by another program; choose another with DILEMMA_MYSQL_PORT"

  local mariadbd install_db user_args=()
  mariadbd="$(require_binary mariadbd)"
  install_db="$(require_binary mariadb-install-db)"
  # mariadbd refuses to run as root unless told to; CI runs as root.
  [[ "$(id -u)" -eq 0 ]] && user_args=(--user=root)
  # A tmpdir of its own: every mariadbd deletes the #sql* files in its tmpdir as it starts, so one started beside
  # another (a test run's, a benchmark's) would delete the other's live temporary tables if both used /tmp.
  mkdir -p "$mariadb_dir/tmp"

  if [[ ! -d "$mariadb_data/mysql" ]]; then
    say "initialising MariaDB data in $mariadb_data"
    # --no-defaults: /etc/mysql configures the machine's own server, not this one.
    "$install_db" --no-defaults --datadir="$mariadb_data" --tmpdir="$mariadb_dir/tmp" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve "${user_args[@]}" >"$mariadb_dir/install.log" 2>&1 \
      || { tail -n 30 "$mariadb_dir/install.log" >&2; die "mariadb-install-db failed"; }
  fi

  # Unix socket paths are limited to about 100 characters; a deep checkout would exceed that.
  local socket="$mariadb_dir/mysqld.sock"
  ((${#socket} < 100)) || socket="${TMPDIR:-/tmp}/dilemma-mariadb-$mysql_port.sock"

  echo "$mysql_port" >"$mariadb_port_file"
  say "starting MariaDB on 127.0.0.1:$mysql_port"
  # Started from inside its folder: running() checks the working directory, and mariadbd moves into its data only later.
  cd "$mariadb_dir"
  setsid "$mariadbd" --no-defaults "${user_args[@]}" \
    --datadir="$mariadb_data" --tmpdir="$mariadb_dir/tmp" --port="$mysql_port" --bind-address=127.0.0.1 \
    --socket="$socket" --pid-file="$mariadb_pid_file" --log-error="$mariadb_log" \
    --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=256M \
    --max-connections=500 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-allowed-packet=64M ${DILEMMA_MARIADB_ARGS:-} </dev/null >>"$mariadb_log" 2>&1 &
  # mariadbd writes its pid file only once it is up; record the pid now so a crash during start-up is noticed.
  echo "$!" >"$mariadb_pid_file"
  cd "$repo_root"
  wait_until MariaDB "$mariadb_pid_file" "$mariadb_log" mariadb_client -e "SELECT 1"

  # Root has no password but listens on loopback only; the application uses its own account.
  mariadb_client <<'SQL'
CREATE DATABASE IF NOT EXISTS dilemma CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'dilemma'@'%' IDENTIFIED BY 'dilemma';
GRANT ALL PRIVILEGES ON dilemma.* TO 'dilemma'@'%';
SQL
}

start_redis() {
  if running "$redis_pid_file"; then
    say "Redis already running (pid $(<"$redis_pid_file"), port $(redis_port_now))"
    return 0
  fi
  port_open "$redis_port" && die "port $redis_port is taken by another program; choose another with DILEMMA_REDIS_PORT"

  local redis_server redis_cli
  redis_server="$(require_binary redis-server)"
  redis_cli="$(require_binary redis-cli)"
  mkdir -p "$redis_dir"
  echo "$redis_port" >"$redis_port_file"
  say "starting Redis on 127.0.0.1:$redis_port"
  # Membership data only, rebuilt by the silos on start: no persistence needed.
  cd "$redis_dir"
  setsid "$redis_server" --save "" --appendonly no --bind 127.0.0.1 --port "$redis_port" \
    --daemonize no --dir "$redis_dir" --pidfile "$redis_pid_file" </dev/null >>"$redis_log" 2>&1 &
  echo "$!" >"$redis_pid_file"
  cd "$repo_root"
  wait_until Redis "$redis_pid_file" "$redis_log" redis_ping "$redis_cli"
}

start_coturn() {
  if running "$coturn_pid_file"; then
    say "coturn already running (pid $(<"$coturn_pid_file"), port $(turn_port_now))"
    return 0
  fi
  port_open "$turn_port" && die "port $turn_port is taken by another program; choose another with DILEMMA_TURN_PORT"

  local turnserver
  turnserver="$(require_binary turnserver)"
  require_binary turnutils_stunclient >/dev/null
  mkdir -p "$coturn_dir"
  if [[ ! -s "$coturn_secret_file" ]]; then
    # The TURN REST API shared secret: the gateway signs credentials with it, coturn checks them.
    (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$coturn_secret_file")
  fi
  # The secret goes in a file only we can read, not on the command line where any user's ps shows it.
  (umask 077 && echo "static-auth-secret=$(<"$coturn_secret_file")" >"$coturn_dir/turnserver.conf")
  echo "$turn_port" >"$coturn_port_file"
  say "starting coturn on 127.0.0.1:$turn_port (UDP and TCP)"
  cd "$coturn_dir"
  # -c: our own file, so /etc/turnserver.conf (the machine's own coturn) is not read.
  setsid "$turnserver" -c "$coturn_dir/turnserver.conf" --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
    --listening-port="$turn_port" --min-port=49160 --max-port=49359 --use-auth-secret \
    --realm="$turn_realm" --allow-loopback-peers --no-cli --no-tls --no-dtls \
    --userdb="$coturn_dir/turndb" --pidfile="$coturn_pid_file" --log-file=stdout --simple-log \
    </dev/null >>"$coturn_log" 2>&1 &
  echo "$!" >"$coturn_pid_file"
  cd "$repo_root"
  wait_until coturn "$coturn_pid_file" "$coturn_log" stun_binding
}

# A real STUN Binding request over UDP; turnutils_stunclient waits forever for an answer, hence the timeout.
stun_binding() {
  timeout 2 "$(find_binary turnutils_stunclient)" -p "$(turn_port_now)" 127.0.0.1
}

redis_ping() {
  [[ "$("$1" -h 127.0.0.1 -p "$(redis_port_now)" ping 2>/dev/null)" == "PONG" ]]
}

stop_one() {
  local name="$1" pid_file="$2" pid
  if ! running "$pid_file"; then
    say "$name is not running"
    rm -f "$pid_file"
    return 0
  fi
  pid="$(<"$pid_file")"
  # SIGTERM is a clean shutdown for both servers (MariaDB flushes InnoDB first).
  kill -TERM "$pid"
  local deadline=$((SECONDS + timeout_seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "$name (pid $pid) did not stop within ${timeout_seconds}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pid_file"
  say "$name stopped"
}

cmd_start() {
  start_mariadb
  start_redis
  start_coturn
  echo "ConnectionStrings__MySql=$(mysql_connection_string)"
  echo "ConnectionStrings__Redis=$(redis_connection_string)"
  ice_settings
}

cmd_stop() {
  stop_one coturn "$coturn_pid_file"
  stop_one Redis "$redis_pid_file"
  stop_one MariaDB "$mariadb_pid_file"
}

cmd_status() {
  local healthy=0
  if running "$mariadb_pid_file" && mariadb_client -e "SELECT 1" >/dev/null 2>&1; then
    echo "MariaDB: running (pid $(<"$mariadb_pid_file")) on 127.0.0.1:$(mysql_port_now)"
  else
    echo "MariaDB: not running"
    healthy=1
  fi
  local redis_cli
  if running "$redis_pid_file" && redis_cli="$(find_binary redis-cli)" && redis_ping "$redis_cli"; then
    echo "Redis:   running (pid $(<"$redis_pid_file")) on $(redis_connection_string)"
  else
    echo "Redis:   not running"
    healthy=1
  fi
  if running "$coturn_pid_file" && stun_binding >/dev/null 2>&1; then
    echo "coturn:  running (pid $(<"$coturn_pid_file")) on 127.0.0.1:$(turn_port_now) (UDP and TCP)"
  else
    echo "coturn:  not running"
    healthy=1
  fi
  return "$healthy"
}

cmd_env() {
  # Single quotes: the MySQL string holds semicolons, which the shell would otherwise split on.
  echo "export ConnectionStrings__MySql='$(mysql_connection_string)'"
  echo "export ConnectionStrings__Redis='$(redis_connection_string)'"
  local line
  while IFS= read -r line; do
    echo "export ${line%%=*}='${line#*=}'"
  done < <(ice_settings)
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    echo "usage: $0 install|start|stop|status|env" >&2
    exit 2
    ;;
esac
