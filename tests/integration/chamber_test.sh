# Accompany mode with the chamber model: the human plays the violin (on MIDI channel 2), Clara plays
# along on the piano only. The config routes the violin `v` to channel 2 and the piano `p` to channel 1,
# so a note of Clara's on channel 2 would be Clara playing the human's instrument.
source "$(dirname "$0")/lib.sh" "$@"

MODEL=${CLARA_CHAMBER_MODEL:-$SRC/models/chamber}  # the variable: to try a model folder by hand
[ -f "$MODEL/weights.pt" ] || skip "$MODEL is not shipped yet"

cat >"$WORK/chamber.toml" <<'EOF'
[duet]
mode = "accompany"

[[route]]
instrument = "p"
channel = 1

[[route]]
instrument = "v"
channel = 2
EOF

start_jackd
start_clarad clarad --config "$WORK/chamber.toml" --model "$MODEL" --seed 0 --sessions "$WORK/sessions" \
  --stats-file "$WORK/stats.json"
note "$(grep '^clarad: ready' "$WORK/clarad.err")"

# The violin line runs 0.5-8.5 s after the probe starts (the probe counts a line cut short as a
# failure); Clara plays on after it, and SIGTERM at 9.5 s stops it mid-phrase.
start_probe probe --play "$DATA/violin_phrase.mid" --play-to clara:midi_in --record-from clara:midi_out \
  --seconds 60 --out "$WORK/rec.tsv" --played-out "$WORK/played.tsv"
sleep 9.5
stop_clarad
note "clarad exit $CLARAD_RC, $CLARAD_STOP_MS ms after SIGTERM"
sleep 0.2
stop_probe
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM"

tsv channels "$WORK/played.tsv" 2  # the fixture really is on channel 2
tsv notes "$WORK/rec.tsv" 2
tsv channels "$WORK/rec.tsv" 1
tsv ledger "$WORK/rec.tsv"
tsv panic "$WORK/rec.tsv"
note "clarad's own figures: late $(stat_of "$WORK/stats.json" late), onset_error_p99_us $(stat_of "$WORK/stats.json" onset_error_p99_us), tokens_committed $(stat_of "$WORK/stats.json" tokens_committed)"
echo "PASS"
