#!/bin/sh
# Measures the node's footprint as the launcher runs it: time from starting bin/switchboard to
# "Switchboard is running" (first start, which makes the key and certificate; the first restart,
# which checks the class data archive the first run wrote; and a later restart, as every restart
# after those runs), the time a stop takes (SIGTERM to exit), resident memory (RSS) when idle, and
# with N idle browser connections (node/scripts/idle-clients.mjs).
# Everything on loopback, in a temporary folder; bounded in time.
#
#   mvn -B -q -DskipTests package && node/scripts/footprint.sh [CONNECTIONS]
#
# Environment: SWITCHBOARD_JAVA_OPTS is passed to the launcher (to try other JVM options);
# JAVA_HOME as for the launcher. The launcher's class data archive goes to the temporary folder
# (SWITCHBOARD_CDS_DIR): the first start runs without one and writes it when it stops, the restart
# uses it, as on a real machine. Figures and what was tried: docs/performance.md.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd -P)
connections=${1:-1000}
archive=$(ls "$repo"/node/target/switchboard-*.tar.gz 2>/dev/null | head -n 1)
if [ -z "$archive" ]; then
  echo "footprint: no node/target/switchboard-*.tar.gz; run mvn -B -DskipTests package first" >&2
  exit 2
fi
if [ ! -d "$repo/webclient/node_modules/mqtt" ]; then
  echo "footprint: webclient/node_modules/mqtt missing; run mvn -B -DskipTests package first" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-footprint.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    sleep 2
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

tar -xzf "$archive" -C "$work"
home=$(ls -d "$work"/switchboard-*/)
cat > "$work/switchboard.yaml" <<YAML
dataDir: $work/data
web: {bind: 127.0.0.1, port: 0}
broker: {bind: 127.0.0.1, webSocketPort: 0, tcpPort: -1}
stun: {bind: 127.0.0.1, port: 0}
relay: {bind: 127.0.0.1, portRange: 47900-47999, maxSessions: 50}
metrics: {bind: 127.0.0.1, port: 0}
limits: {connectionsPerAddress: 100000}   # every test client comes from 127.0.0.1
YAML
export SWITCHBOARD_CDS_DIR="$work/cds"

now_ms() { date +%s%3N; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# start_node: starts the launcher in the background, waits (at most 120 s) for "running";
# sets pid and start_ms.
start_node() {
  : > "$work/node.log"
  t0=$(now_ms)
  "$home/bin/switchboard" --config "$work/switchboard.yaml" > "$work/node.log" 2>&1 &
  pid=$!
  i=0
  while ! grep -q 'Switchboard is running' "$work/node.log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "footprint: the node exited:" >&2
      cat "$work/node.log" >&2
      exit 1
    fi
    i=$((i + 1))
    if [ "$i" -gt 12000 ]; then
      echo "footprint: the node did not start within 120 s" >&2
      exit 1
    fi
    sleep 0.01
  done
  start_ms=$(($(now_ms) - t0))
  # CPU time (user + system, with waited-for children such as the launcher's archive check) of
  # the launcher's process, which execs the JVM: steadier than the wall time on a busy machine.
  start_cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15 + $16 + $17) * 1000 / hz)}' "/proc/$pid/stat")
  start_load=$(cut -d' ' -f1 /proc/loadavg)
}

# stop_node: SIGTERM, then waits (at most 180 s: the first stop writes the class data archive);
# sets stop_ms, SIGTERM to the process gone.
stop_node() {
  t0=$(now_ms)
  kill "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 18000 ]; do
    sleep 0.01
    i=$((i + 1))
  done
  stop_ms=$(($(now_ms) - t0))
  pid=
}

start_node
first_ms=$start_ms
first_cpu_ms=$start_cpu_ms
first_load=$start_load
stop_node
first_stop_ms=$stop_ms
start_node
restart_ms=$start_ms
restart_cpu_ms=$start_cpu_ms
restart_load=$start_load

sleep 10
idle_kb=$(rss_kb "$pid")

ws_port=$(sed -n 's/.*broker WebSocket port \([0-9]*\).*/\1/p' "$work/node.log" | head -n 1)
node "$repo/node/scripts/idle-clients.mjs" "wss://127.0.0.1:$ws_port/mqtt" "$connections" 40 300 \
  > "$work/clients.log" 2>&1 &
clients=$!
i=0
while ! grep -q '^connected' "$work/clients.log"; do
  if ! kill -0 "$clients" 2>/dev/null; then
    echo "footprint: the client failed:" >&2
    cat "$work/clients.log" >&2
    exit 1
  fi
  i=$((i + 1))
  if [ "$i" -gt 3000 ]; then
    echo "footprint: $connections connections not up within 300 s" >&2
    exit 1
  fi
  sleep 0.1
done
sleep 10
busy_kb=$(rss_kb "$pid")
hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
wait "$clients" || true
stop_node
# A later restart: the launcher checked the archive once (a JVM of its own, -XX:+VerifySharedSpaces)
# before the first restart; every restart after it only maps the archive.
start_node
later_ms=$start_ms
later_cpu_ms=$start_cpu_ms
later_load=$start_load
stop_node
later_stop_ms=$stop_ms

echo "JVM options (launcher defaults, then SWITCHBOARD_JAVA_OPTS): ${SWITCHBOARD_JAVA_OPTS:-none added}"
echo "load average at the end (1/5/15 min):             $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ready, first start (makes key, certificate; no class data archive yet): ${first_ms} ms, CPU ${first_cpu_ms} ms (load ${first_load})"
echo "ready, first restart (checks the archive the first run wrote, once): ${restart_ms} ms, CPU ${restart_cpu_ms} ms (load ${restart_load})"
echo "ready, later restart (the archive as every restart after it uses it): ${later_ms} ms, CPU ${later_cpu_ms} ms (load ${later_load})"
echo "stop, SIGTERM to exit, first run (writes the class data archive): ${first_stop_ms} ms"
echo "stop, SIGTERM to exit, later restart:                            ${later_stop_ms} ms"
echo "RSS idle (10 s after ready):                     $((idle_kb / 1024)) MB"
echo "RSS with $connections idle browser connections:       $((busy_kb / 1024)) MB (peak $((hwm_kb / 1024)) MB)"
echo "clients: $(grep "^connected" "$work/clients.log")"
