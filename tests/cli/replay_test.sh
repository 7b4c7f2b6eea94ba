#!/usr/bin/env bash
# clara replay of a session recorded before the layout move (issue 9): tests/data/format1_session
# is clarad's format-1 replay.log and tokens.txt from `clara demo` built at commit 7d95262 (the
# shipped notewise-piano, seed 0), and clara_part.mid what that build's `clara replay --out` wrote. Today's replay must give back the tokens that session
# committed: format-1 logs replay with the end placement they were played with (the frontier
# step), not the encoder's placement the stream took later (commit 327c571).
set -uo pipefail
clara=$1
data=$2
source "$(dirname "$0")/lib.sh"

session="$data/format1_session"
model="$data/../../models/notewise-piano"
check "the fixture is a format-1 log" grep -qx 'format_version = 1' "$session/replay.log"

"$clara" replay "$session/replay.log" --model "$model" --tokens "$tmp/replayed.txt" --out "$tmp/clara.mid" \
  > "$tmp/replay.out" 2>&1
rc=$?
check "replay exits 0: as many tokens as the session committed" test $rc -eq 0
check "the replayed tokens are the session's tokens.txt, token for token" cmp -s "$tmp/replayed.txt" "$session/tokens.txt"
# Clara's messages too: clara_part.mid is what the pre-move `clara replay --out` wrote for this log.
check "Clara's part is the pre-move replay's, note for note" cmp -s "$tmp/clara.mid" "$session/clara_part.mid"
check "replay reports 244 of 244 tokens" grep -q ': 244 tokens (the session committed 244), 44 notes by Clara' "$tmp/replay.out"
"$clara" replay "$session/replay.log" --model "$model" --check "$session/tokens.txt" > /dev/null 2>&1
check "replay --check against tokens.txt exits 0" test $? -eq 0
[ $fail -eq 0 ] || cat "$tmp/replay.out"
exit $fail
