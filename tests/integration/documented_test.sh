# What docs/daemon.md and `clarad --help` promise, each checked on a real clarad:
#  1. a [[route]] with a program: the listener gets the program change on the route's channel before
#     Clara's first note, and her notes on that channel;
#  2. --stats-file: every key written, with plausible values;
#  3. without --sessions the session goes under $XDG_DATA_HOME/clara/sessions;
#  4. the chamber model with the instruments named in the config file: Clara plays the instrument the
#     file gives her, not the chamber default;
#  5. a chordwise model is refused: exit 65 (EX_DATAERR) and a message saying why;
#  6. a model that is not there: exit 66 (EX_NOINPUT) and a message naming it.
# (SIGINT and the other stop signals: sigterm_test.sh.)
source "$(dirname "$0")/lib.sh" "$@"

MODEL=$SRC/models/notewise-piano
[ -f "$MODEL/weights.pt" ] || fail "$MODEL/weights.pt missing"
start_jackd

# 1-3: one solo run with a routed program change, the stats file, and no --sessions.
cat >"$WORK/route.toml" <<'EOF'
[duet]
mode = "solo"

[[route]]
instrument = "p"
channel = 3
program = 40
EOF
mkdir -p "$WORK/xdg"
start_probe ear --name ear --seconds 60 --out "$WORK/route.tsv"
wait_port ear:in
XDG_DATA_HOME="$WORK/xdg" start_clarad route --config "$WORK/route.toml" --model "$MODEL" --seed 3 \
  --connect-out '^ear:in$' --stats-file "$WORK/stats.json"
sleep 2.5
stop_clarad
sleep 0.2
stop_probe
[ "$CLARAD_RC" -eq 0 ] || fail "route: clarad exited $CLARAD_RC after SIGTERM"
tsv program "$WORK/route.tsv" 3 40
tsv stopped "$WORK/route.tsv" "$PERIOD"

[ -s "$WORK/stats.json" ] || fail "--stats-file: $WORK/stats.json missing or empty"
recorded_notes=$(awk 'NR > 1 && $3 >= 144 && $3 < 160 && $5 > 0' "$WORK/route.tsv" | wc -l)
recorded_all=$(($(wc -l <"$WORK/route.tsv") - 1))
"$PY" - "$WORK/stats.json" "$recorded_notes" "$recorded_all" <<'PY' || fail "--stats-file: $(cat "$WORK/stats.json")"
import json, os, sys
s = json.load(open(sys.argv[1]))
notes, heard = int(sys.argv[2]), int(sys.argv[3])
keys = ["answers", "dropped", "input_messages", "late", "max_late_us", "onset_error_max_us",
        "onset_error_p99_us", "output_messages", "peak_rss_kb", "reaction_max_ms", "reactions_ms",
        "rollbacks", "session", "startup_ms", "tokens_committed", "tokens_generated", "phrases_ranked",
        "ranking_fallbacks", "last_phrase_human"]
missing = [k for k in keys if k not in s]
assert not missing, f"keys missing: {missing}"
print("stats:", {k: s[k] for k in keys})
assert 0 < s["startup_ms"] < 60000, "startup_ms"
assert 10_000 < s["peak_rss_kb"] < 16_000_000, "peak_rss_kb (a process with a model loaded)"
assert s["tokens_committed"] > 0 and s["tokens_generated"] >= s["tokens_committed"], "tokens"
# The listener heard everything clarad sent from its first cycle: Clara's notes are among it.
assert notes <= s["output_messages"] <= heard, f"output_messages {s['output_messages']}: the listener heard {notes} note-ons, {heard} messages in all"
assert s["input_messages"] == 0, "nothing was played in"
assert s["answers"] == 0 and s["reactions_ms"] == [], "solo mode answers nothing"
assert s["dropped"] == 0 and s["late"] >= 0 and s["rollbacks"] >= 0, "counters"
assert 0 <= s["onset_error_p99_us"] <= s["onset_error_max_us"] < 1_000_000, "onset errors"
assert os.path.isdir(s["session"]), f"session {s['session']} is not a folder"
# Solo ranking is off by default ([solo] candidates = 1): nothing ranked, nothing fallen back.
assert s["phrases_ranked"] == 0 and s["ranking_fallbacks"] == 0 and s["last_phrase_human"] == -1, "solo ranking is off"
PY

sessions=("$WORK"/xdg/clara/sessions/*/)
[ -d "${sessions[0]}" ] || fail "no session folder under \$XDG_DATA_HOME/clara/sessions ($WORK/xdg): $(find "$WORK/xdg" | head)"
[ ${#sessions[@]} -eq 1 ] || fail "expected one session under $WORK/xdg/clara/sessions, found ${#sessions[@]}"
for f in session.mid replay.log tokens.txt; do [ -s "${sessions[0]}$f" ] || fail "${sessions[0]}$f missing or empty"; done
[ "$(stat_of "$WORK/stats.json" session)" -ef "${sessions[0]}" ] ||
  fail "the stats file names session $(stat_of "$WORK/stats.json" session), not ${sessions[0]}"
note "session under \$XDG_DATA_HOME: ${sessions[0]}"

# 4: the chamber model's defaults (human the solo instrument v, Clara the piano p) turned round by the
# config file: Clara must play v, routed to channel 2, and never p (channel 1).
CHAMBER=$SRC/models/chamber
if [ -f "$CHAMBER/weights.pt" ]; then
  cat >"$WORK/chamber.toml" <<'EOF'
[duet]
mode = "solo"
human_instrument = "p"
clara_instrument = "v"

[[route]]
instrument = "p"
channel = 1

[[route]]
instrument = "v"
channel = 2
EOF
  start_probe chamber-ear --name chear --seconds 60 --out "$WORK/chamber.tsv"
  wait_port chear:in
  start_clarad chamber --config "$WORK/chamber.toml" --model "$CHAMBER" --seed 1 --connect-out '^chear:in$' \
    --no-record
  note "$(grep '^clarad: ready' "$WORK/chamber.err")"
  sleep 3
  stop_clarad
  sleep 0.2
  stop_probe
  [ "$CLARAD_RC" -eq 0 ] || fail "chamber: clarad exited $CLARAD_RC after SIGTERM"
  tsv channels "$WORK/chamber.tsv" 2 || fail "chamber: Clara did not play the instrument the config file names (v, channel 2)"
  tsv stopped "$WORK/chamber.tsv" "$PERIOD"
else
  fail "$CHAMBER/weights.pt missing: the chamber check cannot run"
fi

# run_clarad TAG ARGS...: clarad in the foreground (60 s at most); sets RC, output in $WORK/TAG.err.
run_clarad() {
  local tag=$1
  shift
  RC=0
  timeout 60 "$CLARAD" "${ALLOW_ROOT[@]}" --jack-server "$JACK_DEFAULT_SERVER" --no-osc "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err" || RC=$?
  [ "$RC" -ne 124 ] || fail "$tag: clarad still running after 60 s"
  ! grep -q '^clarad: ready' "$WORK/$tag.err" || fail "$tag: clarad went live"
  note "$tag: exit $RC: $(head -c 300 "$WORK/$tag.err")"
}

# 5: a chordwise model.
run_clarad chordwise --model "$SRC/models/chordwise-piano" --no-record
[ "$RC" -eq 65 ] || fail "chordwise: exit $RC, expected 65 (EX_DATAERR): $(cat "$WORK/chordwise.err")"
grep -qi 'chordwise' "$WORK/chordwise.err" || fail "chordwise: the message does not say the model is chordwise"
grep -qi 'notewise' "$WORK/chordwise.err" || fail "chordwise: the message does not say what the duet needs"

# 6: no such model.
run_clarad nomodel --model "$WORK/no-such-model" --no-record
[ "$RC" -eq 66 ] || fail "nomodel: exit $RC, expected 66 (EX_NOINPUT): $(cat "$WORK/nomodel.err")"
grep -qF "$WORK/no-such-model" "$WORK/nomodel.err" || fail "nomodel: the message does not name the missing model"
echo "PASS"
