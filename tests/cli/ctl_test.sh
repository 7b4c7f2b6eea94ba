#!/usr/bin/env bash
# clara ctl as a user runs it, with no clarad anywhere: exit codes and messages for
# nothing listening, bad usage and --help. The port is one the kernel just handed out
# and took back, so no real daemon is ever reached.
set -uo pipefail
clara=$1
source "$(dirname "$0")/lib.sh"

# A UDP and a TCP port nothing listens on (Debian's interpreter, as lib.sh uses).
read -r uport tport < <(/usr/bin/python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", 0))
print(u.getsockname()[1], t.getsockname()[1])')

# Nothing listening: 69 within ~2 s, saying where it looked.
start=$(date +%s%N)
"$clara" ctl --port "$uport" status > "$tmp/out" 2> "$tmp/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "status with nothing listening (UDP) exits 69" test "$rc" -eq 69
check "... within 2 s (took ${ms} ms)" test "$ms" -lt 2000
check "... naming the target" grep -q "clara ctl: .*udp 127.0.0.1:$uport.*is clarad running there" "$tmp/err"
check "... and printing nothing on stdout" test ! -s "$tmp/out"

"$clara" ctl --tcp --port "$tport" status 2> "$tmp/err" > /dev/null
check "status with nothing listening (TCP) exits 69" test $? -eq 69
check "... saying the connection was refused" grep -q "tcp 127.0.0.1:$tport refused" "$tmp/err"

# Several words after the subcommand, a negative number among them: parsed, then 69 (not 64).
"$clara" ctl --port "$uport" set temperature -0.5 2> "$tmp/err" > /dev/null
check "set with a negative value reaches the network (69, not a usage error)" test $? -eq 69
"$clara" ctl send /clara/meter ii 3 4 --port "$uport" 2> /dev/null > /dev/null
check "options after the subcommand's words are options" test $? -eq 69

# Usage errors: 64, before anything is sent.
check "no subcommand exits 64" test "$(rc_of "$clara" ctl --port "$uport")" -eq 64
check "an unknown subcommand exits 64" test "$(rc_of "$clara" ctl --port "$uport" frobnicate)" -eq 64
check "a stray argument exits 64" test "$(rc_of "$clara" ctl --port "$uport" status now)" -eq 64
check "set without a value exits 64" test "$(rc_of "$clara" ctl --port "$uport" set temperature)" -eq 64
check "a port out of range exits 64" test "$(rc_of "$clara" ctl --port 70000 status)" -eq 64
check "a bad timeout exits 64" test "$(rc_of "$clara" ctl --port "$uport" --timeout soon status)" -eq 64
check "send with an argument that does not parse exits 64" \
  test "$(rc_of "$clara" ctl --port "$uport" send /clara/tempo f fast)" -eq 64
"$clara" ctl --port "$uport" frobnicate 2> "$tmp/err"
check "the usage error names the word" grep -q "unknown command 'frobnicate'" "$tmp/err"

# A token is never printed, not even when nothing answers.
CLARA_OSC_TOKEN=hunter2 "$clara" ctl --port "$uport" --timeout 0.2 status > "$tmp/out" 2> "$tmp/err"
check "with a token and nothing listening: 69" test $? -eq 69
check "... and the token appears nowhere" bash -c "! grep -q hunter2 '$tmp/out' '$tmp/err'"

# --help lists every subcommand and the exit codes.
"$clara" ctl --help > "$tmp/help"
check "ctl --help exits 0" test $? -eq 0
for sub in status "get KEY" "set KEY VALUE" models "model NAME" "mode MODE" panic start stop reset metrics list \
           "send ADDRESS" watch; do
  check "ctl --help lists '$sub'" grep -q "^  $sub" "$tmp/help"
done
check "ctl --help explains 69" grep -q "69 no clarad answering" "$tmp/help"
"$clara" --help > "$tmp/top"
check "clara --help lists ctl" grep -qE "^  ctl " "$tmp/top"

exit $fail
