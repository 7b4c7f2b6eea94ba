# Sourced by tests/integration/*_test.sh: the harness around real binaries on a private JACK server.
# Usage in a test:  source "$(dirname "$0")/lib.sh" "$@"   (args: CLARAD PROBE CLARA SOURCE_DIR)
# Everything a test starts is recorded by PID and ended by PID: other people run their own clarad and
# jackd on the same machine, so nothing here ever signals a process by name.
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: bash $0 CLARAD CLARA-JACKPROBE CLARA SOURCE_DIR" >&2
  exit 2
fi
CLARAD=$1
PROBE=$2
CLARA=$3
SRC=$4
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA=$SRC/tests/data
# Debian's interpreter, with the distribution's python3-mido; the python3 first on PATH may be another.
PY=/usr/bin/python3

# The dummy server's clock: 48 kHz, 128-frame periods. Tests derive every frame figure from these.
RATE=48000
PERIOD=128

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }
# What the harness itself needs (JACK, the interpreter): a skip on a developer's machine, a failure
# under CI (CI=true), where a missing server would otherwise turn every test into a silent skip.
unavailable() {
  if [ "${CI:-}" = true ]; then fail "$* (CI=true: the test environment must provide it)"; fi
  skip "$*"
}

command -v jackd >/dev/null 2>&1 || unavailable "jackd is not installed"
command -v jack_lsp >/dev/null 2>&1 || unavailable "jack_lsp is not installed"
[ -x "$PY" ] || unavailable "$PY is not installed"
for bin in "$CLARAD" "$PROBE"; do [ -x "$bin" ] || fail "$bin is not an executable"; done
# clarad refuses root (exit 77) without --allow-root; this sandbox and CI run the tests as root.
ALLOW_ROOT=()
[ "$(id -u)" -ne 0 ] || ALLOW_ROOT=(--allow-root)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clara-int.$(basename "$0" .sh).XXXXXX")
STARTED=()  # PIDs of what this test started, in start order
# clarad reads ~/.config/clara/clarad.toml or /etc/clara/clarad.toml when no --config is given:
# a developer's own file must not change what a test sees.
mkdir -p "$WORK/xdg-config" "$WORK/etc-clara"
export XDG_CONFIG_HOME="$WORK/xdg-config" CLARA_SYSTEM_CONFIG_DIR="$WORK/etc-clara"

# A server name of our own: ctest -j runs tests side by side, each with its own jackd.
export JACK_NO_AUDIO_RESERVATION=1 JACK_NO_START_SERVER=1
JACK_DEFAULT_SERVER="clara-it-$(basename "$0" .sh)-$$"
# jack_lsp of JACK 1.9.21 aborts in malloc on a server name of exactly 24 characters (seen with
# clara-it-clock_test-NNNN): with test names and PIDs of every length, step around that one.
[ ${#JACK_DEFAULT_SERVER} -ne 24 ] || JACK_DEFAULT_SERVER+="x"
export JACK_DEFAULT_SERVER

cleanup() {
  local rc=$? i pid
  trap - EXIT INT TERM
  # Newest first: clarad and the probe before the server they are clients of.
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    pid=${STARTED[i]}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    for log in "$WORK"/*.err "$WORK"/jackd.log; do
      [ -s "$log" ] && { echo "---- $(basename "$log")"; tail -n 30 "$log"; }
    done
  fi
  if [ -n "${KEEP_WORK:-}" ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; }; then
    echo "(test files kept in $WORK)"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget_pid() {  # a process we already waited for
  local keep=() p
  for p in "${STARTED[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  STARTED=("${keep[@]+"${keep[@]}"}")
}

# start_jackd: a synchronous dummy server (steadier timing on a loaded machine); waits until clients
# can connect. Sets JACKD_PID.
start_jackd() {
  jackd -n "$JACK_DEFAULT_SERVER" -S -d dummy -r "$RATE" -p "$PERIOD" >"$WORK/jackd.log" 2>&1 &
  JACKD_PID=$!
  STARTED+=("$JACKD_PID")
  for _ in $(seq 100); do
    kill -0 "$JACKD_PID" 2>/dev/null || fail "jackd exited at start: $(tail -n 5 "$WORK/jackd.log")"
    jack_lsp -s "$JACK_DEFAULT_SERVER" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "jackd '$JACK_DEFAULT_SERVER' not ready after 10 s"
}

# free_port: a port free for both UDP and TCP on 127.0.0.1 now (tests run side by side, and a
# clarad a developer runs holds 9000).
free_port() {
  "$PY" - <<'PYEOF'
import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close(); u.close(); continue
    t.close(); u.close(); print(port); break
PYEOF
}
OSC_PORT=$(free_port)

# start_clarad TAG ARGS...: clarad in the background, stderr to $WORK/TAG.err; waits (30 s at most)
# for its ready line, which it prints once its ports are up. Sets CLARAD_PID.
start_clarad() {
  local tag=$1
  shift
  local osc=(--osc-port "$OSC_PORT")
  # OSC_PORT_IN_FILE=1: the test's config file sets the ports (a flag would override the file).
  case " $* " in *" --no-osc "* | *" --osc-port "*) osc=() ;; esac
  [ -z "${OSC_PORT_IN_FILE:-}" ] || osc=()
  "$CLARAD" "${ALLOW_ROOT[@]}" --jack-server "$JACK_DEFAULT_SERVER" "${osc[@]}" "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err" &
  CLARAD_PID=$!
  STARTED+=("$CLARAD_PID")
  local i
  for ((i = 0; i < 300; i++)); do
    grep -qs '^clarad: ready' "$WORK/$tag.err" && return 0
    if ! kill -0 "$CLARAD_PID" 2>/dev/null; then
      local rc=0
      wait "$CLARAD_PID" || rc=$?
      forget_pid "$CLARAD_PID"
      fail "clarad exited ($rc) before it was ready: $(cat "$WORK/$tag.err")"
    fi
    sleep 0.1
  done
  fail "clarad not ready after 30 s: $(cat "$WORK/$tag.err")"
}

now_ns() { date +%s%N; }

# stop_clarad [SIGNAL]: SIGTERM (or SIGNAL: INT, QUIT) to our clarad, wait for it. Sets
# CLARAD_RC and CLARAD_STOP_MS (signal to exit, as this script sees it).
stop_clarad() {
  local t0 t1
  t0=$(now_ns)
  kill -"${1:-TERM}" "$CLARAD_PID"
  CLARAD_RC=0
  wait "$CLARAD_PID" || CLARAD_RC=$?
  t1=$(now_ns)
  forget_pid "$CLARAD_PID"
  CLARAD_STOP_MS=$(( (t1 - t0) / 1000000 ))
}

# start_probe TAG ARGS...: clara-jackprobe in the background (stderr to $WORK/TAG.err). Sets PROBE_PID.
start_probe() {
  local tag=$1
  shift
  "$PROBE" --server "$JACK_DEFAULT_SERVER" "$@" 2>"$WORK/$tag.err" &
  PROBE_PID=$!
  STARTED+=("$PROBE_PID")
}

# wait_port PORT [SECONDS]: until PORT exists on our server.
wait_port() {
  local i limit=$(( ${2:-10} * 10 ))
  for ((i = 0; i < limit; i++)); do
    jack_lsp -s "$JACK_DEFAULT_SERVER" 2>/dev/null | grep -qx "$1" && return 0
    sleep 0.1
  done
  fail "port $1 did not appear"
}

# stop_probe: ends a probe that records until stopped (it writes its files on SIGTERM).
stop_probe() {
  kill -TERM "$PROBE_PID" 2>/dev/null || true
  local rc=0
  wait "$PROBE_PID" || rc=$?
  forget_pid "$PROBE_PID"
  [ "$rc" -eq 0 ] || fail "clara-jackprobe exited $rc: $(cat "$WORK"/probe*.err 2>/dev/null | tail -n 5)"
}

# wait_probe: a probe that ends by itself (--seconds).
wait_probe() {
  local rc=0
  wait "$PROBE_PID" || rc=$?
  forget_pid "$PROBE_PID"
  [ "$rc" -eq 0 ] || fail "clara-jackprobe exited $rc"
}

# tsv CHECK ARGS...: the probe TSV analyses in probe_tsv.py; a failed check exits non-zero.
tsv() { "$PY" "$TESTS_DIR/probe_tsv.py" "$@"; }

# The JSON figures clarad writes with --stats-file, one key.
stat_of() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
