# Solo ranking end to end (issue 14): clarad in solo mode with --candidates and the shipped critic
# plays alone for a few seconds; its figures must show phrases ranked by the critic, every note it
# started must end, and `clara replay` must give back tokens.txt exactly from the log's recorded
# choices, without the critic. Then the start-up refusals: a critic that is missing, or whose files
# do not match their SHA256SUMS, stops clarad with exit code 78 before any port opens.
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
CRITIC=$SRC/models/critic-notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
[ -f "$CRITIC/weights.pt" ] || fail "$CRITIC/weights.pt missing"
BPM=120
CANDIDATES=4

start_jackd
start_clarad clarad --model "$MODEL" --mode solo --tempo "$BPM" --answer-bars 1 --seed 3 \
  --candidates "$CANDIDATES" --critic critic-notewise-piano --sessions "$WORK/sessions" --stats-file "$WORK/stats.json"
line=$(grep '^clarad: solo ranking on' "$WORK/clarad.err") || fail "no start-up line saying ranking is on: $(cat "$WORK/clarad.err")"
grep -q "best of $CANDIDATES by critic critic-notewise-piano" <<<"$line" || fail "the start-up line does not name N and the critic: $line"
note "$line"
start_probe probe --record-from clara:midi_out --seconds 60 --out "$WORK/rec.tsv"
# One bar is 2 s at 120 bpm: about five phrases. Midway, the live figures over OSC.
ctl() { "$CLARA" ctl --port "$OSC_PORT" --timeout 5 "$@"; }
sleep 7
ctl send /clara/ranking >"$WORK/ranking.txt" || fail "clara ctl send /clara/ranking: exit $?"
live_ranked=$(grep -o 'phrases_ranked[^0-9-]*[0-9]*' "$WORK/ranking.txt" | grep -o '[0-9]*$' || true)
[ -n "$live_ranked" ] && [ "$live_ranked" -ge 1 ] || fail "/clara/ranking: phrases_ranked '$live_ranked' after 7 s: $(cat "$WORK/ranking.txt")"
grep -q 'ranking_fallbacks' "$WORK/ranking.txt" && grep -q 'last_phrase_human' "$WORK/ranking.txt" ||
  fail "/clara/ranking lacks its figures: $(cat "$WORK/ranking.txt")"
# /clara/metrics still answers (its reply is at OSC's argument limit).
ctl metrics >"$WORK/metrics.txt" || fail "clara ctl metrics: exit $?"
ctl status >"$WORK/status.txt" || fail "clara ctl status: exit $?"
grep -q "solo_ranking: *best of $CANDIDATES by critic-notewise-piano" "$WORK/status.txt" ||
  fail "/clara/status does not say ranking is on: $(grep solo_ranking "$WORK/status.txt" || cat "$WORK/status.txt")"
note "live: $(tr '\n' ' ' <"$WORK/ranking.txt")"
sleep 4
stop_clarad
sleep 0.2
stop_probe
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM: $(tail -n 5 "$WORK/clarad.err")"

ranked=$(stat_of "$WORK/stats.json" phrases_ranked)
fallbacks=$(stat_of "$WORK/stats.json" ranking_fallbacks)
human=$(stat_of "$WORK/stats.json" last_phrase_human)
note "phrases ranked $ranked, fallbacks $fallbacks, last phrase P(human) $human, stalls $(stat_of "$WORK/stats.json" stalls), late $(stat_of "$WORK/stats.json" late) (late_commit $(stat_of "$WORK/stats.json" late_commit), max $(stat_of "$WORK/stats.json" max_late_us) us)"
[ "$ranked" -ge 3 ] || fail "only $ranked phrases ranked in 11 s (fallbacks $fallbacks)"
"$PY" -c 'import sys; p = float(sys.argv[1]); sys.exit(0 if 0.0 <= p <= 1.0 else 1)' "$human" ||
  fail "last_phrase_human $human is not a probability"
[ "$(stat_of "$WORK/stats.json" stalls)" -eq 0 ] || fail "ranking stalled the duet: $(stat_of "$WORK/stats.json" stalls) stalls"
tsv notes "$WORK/rec.tsv" 10
tsv ledger "$WORK/rec.tsv"

sessions=("$WORK"/sessions/*/)
[ ${#sessions[@]} -eq 1 ] || fail "expected one session folder in $WORK/sessions"
session=${sessions[0]%/}
choices=$(grep -c '^step [0-9]* choice ' "$session/replay.log" || true)
[ "$choices" -eq "$ranked" ] || fail "replay.log holds $choices choices, the stats say $ranked phrases ranked"
# Not every phrase kept candidate 0: the ranking chose.
grep -Eq '^step [0-9]+ choice [0-9]+ [0-9]+ [1-9]' "$session/replay.log" ||
  note "every ranked phrase kept candidate 0 (possible, though unlikely with $CANDIDATES candidates)"
"$CLARA" replay "$session/replay.log" --model "$MODEL" --tokens "$WORK/replayed.txt" || fail "clara replay failed"
cmp -s "$WORK/replayed.txt" "$session/tokens.txt" ||
  fail "clara replay's tokens differ from the session's tokens.txt: $(cmp "$WORK/replayed.txt" "$session/tokens.txt" || true)"
# Without the choices (as an unranked log) the tokens are not the same: the choices are what replay took.
grep -v ' choice ' "$session/replay.log" >"$WORK/unranked.log"
"$CLARA" replay "$WORK/unranked.log" --model "$MODEL" --tokens "$WORK/unranked.txt" >/dev/null 2>&1 || true
if [ -s "$WORK/unranked.txt" ] && cmp -s "$WORK/unranked.txt" "$session/tokens.txt"; then
  grep -Eq '^step [0-9]+ choice [0-9]+ [0-9]+ [1-9]' "$session/replay.log" &&
    fail "the log's choices change nothing in replay"
fi
note "clara replay reproduced tokens.txt exactly ($(wc -w <"$session/tokens.txt") tokens, $choices ranked phrases)"

# A missing critic, and one whose weights do not match SHA256SUMS: exit 78, before any port.
rc=0
"$CLARAD" "${ALLOW_ROOT[@]}" --jack-server "$JACK_DEFAULT_SERVER" --no-osc --no-record --model "$MODEL" --mode solo \
  --candidates 2 --critic "$WORK/no-such-critic" >"$WORK/missing.out" 2>"$WORK/missing.err" || rc=$?
[ "$rc" -eq 78 ] || fail "a missing critic: exit $rc, not 78: $(tail -n 3 "$WORK/missing.err")"
grep -q "solo.critic" "$WORK/missing.err" || fail "the refusal does not name solo.critic: $(tail -n 3 "$WORK/missing.err")"
cp -r "$CRITIC" "$WORK/bad-critic"
printf 'x' >>"$WORK/bad-critic/vocab.txt"
rc=0
"$CLARAD" "${ALLOW_ROOT[@]}" --jack-server "$JACK_DEFAULT_SERVER" --no-osc --no-record --model "$MODEL" --mode solo \
  --candidates 2 --critic "$WORK/bad-critic" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
[ "$rc" -eq 78 ] || fail "a critic failing its SHA256SUMS: exit $rc, not 78: $(tail -n 3 "$WORK/bad.err")"
grep -q "SHA256SUMS\|sha256\|checksum" "$WORK/bad.err" || fail "the refusal does not say the sums differ: $(tail -n 3 "$WORK/bad.err")"
note "missing critic: $(tail -n 1 "$WORK/missing.err")"
note "bad critic: $(tail -n 1 "$WORK/bad.err")"
echo "PASS"
