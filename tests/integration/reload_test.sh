# SIGHUP reloads the config file while clarad plays (docs/service.md, "Reload"). clarad starts in
# solo mode from a file on a JACK dummy server, a listen-only client hearing it; then:
#   1. the file changes temperature, tempo, answer_bars and key_keeping; HUP; `clara ctl get` shows each new
#      value, and the log names each change;
#   2. the file breaks (a value out of range, an unknown key); HUP; every problem is logged as
#      FILE:LINE:COLUMN, the running values stay, and Clara keeps playing;
#   3. a key that cannot change live (the JACK client name); HUP; "needs a restart" is logged and
#      the ports keep their names;
#   4. the output's connect pattern moves from one listener to another; HUP; she leaves the first
#      (every note ended, the panic after her last note) and plays into the second;
#   4b. the output port's name changes; HUP; clara:midi_out becomes clara:synth_out, still connected
#      to the second listener, and she plays on into it;
#   4c. the route's note range narrows to one octave; HUP; her notes from then on are in it;
#   5. mode listen; HUP; the mode changes (on a bar line) and she falls silent;
#   6. the OSC ports move (set in the file, as the whole test does); HUP; `clara ctl` answers on the
#      new port and not on the old; then to a port another program holds: refused with the reason,
#      and the port before keeps answering;
# then SIGTERM: exit 0, every note-on of hers has its note-off and the panic follows her last note.
source "$(dirname "$0")/lib.sh" "$@"

command -v jack_midi_dump >/dev/null 2>&1 || unavailable "jack_midi_dump is not installed"
MODEL=$SRC/models/notewise-piano
CONF=$WORK/clarad.toml
ctl() { "$CLARA" ctl --port "$OSC_PORT" --timeout 2 "$@"; }
EAR=$WORK/ear.txt  # the listener she plays into
events() { wc -l <"$EAR"; }

# wait_value KEY VALUE SECONDS: until `clara ctl get KEY` prints VALUE.
wait_value() {
  local i got=""
  for ((i = 0; i < $3 * 10; i++)); do
    got=$(ctl get "$1" 2>/dev/null || true)
    [ "$got" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 is '$got' $3 s after the reload, expected '$2': $(grep -i reload "$WORK/clarad.err" | tail -n 5)"
}

# wait_playing SECONDS: until the listener has heard at least 4 more MIDI events from Clara.
wait_playing() {
  local n0 i
  n0=$(events)
  for ((i = 0; i < $1 * 10; i++)); do
    (($(events) >= n0 + 4)) && return 0
    sleep 0.1
  done
  fail "Clara played nothing in the $1 s after $2"
}

hup() {  # TAG: SIGHUP, then until the log shows the reload done (its last line for this reload)
  local before
  before=$(grep -c 'reload (SIGHUP)' "$WORK/clarad.err" || true)
  kill -HUP "$CLARAD_PID"
  for _ in $(seq 50); do
    (($(grep -c 'reload (SIGHUP)' "$WORK/clarad.err" || true) > before)) && { sleep 0.3; break; }
    sleep 0.1
  done
  kill -0 "$CLARAD_PID" 2>/dev/null || fail "clarad exited after SIGHUP ($1): $(tail -n 5 "$WORK/clarad.err")"
}

cat >"$CONF" <<TOML
[control]
udp_port = $OSC_PORT
tcp_port = $OSC_PORT
[duet]
mode = "solo"
tempo = 120.0
answer_bars = 2
[sampler]
temperature = 1.0
[[route]]
instrument = "p"
[[midi.output]]
connect = ["^ear:input\$"]
TOML
export OSC_PORT_IN_FILE=1

start_jackd
stdbuf -oL jack_midi_dump -a ear >"$WORK/ear.txt" 2>"$WORK/ear.err" &
STARTED+=($!)
wait_port "ear:input"
start_clarad clarad --config "$CONF" --model "$MODEL" --seed 7 --sessions "$WORK/sessions"
wait_playing 10 "start"
[ "$(ctl get temperature)" = "1" ] || fail "temperature at start: $(ctl get temperature)"

# 1. Live changes.
cat >"$CONF" <<TOML
[control]
udp_port = $OSC_PORT
tcp_port = $OSC_PORT
[duet]
mode = "solo"
tempo = 100.0
answer_bars = 4
[sampler]
temperature = 0.5
key_keeping = 0.0
[[route]]
instrument = "p"
[[midi.output]]
connect = ["^ear:input\$"]
TOML
hup "live changes"
wait_value temperature 0.5 3
wait_value tempo 100 3
wait_value answer_bars 4 3
wait_value key_keeping 0 3
for key in 'sampler.temperature 1.0 -> 0.5' 'duet.tempo 120.0 -> 100.0' 'duet.answer_bars 2 -> 4' \
  'sampler.key_keeping 1.5 -> 0.0'; do
  grep -qF "reload: $key" "$WORK/clarad.err" || fail "the log does not say 'reload: $key': $(grep reload "$WORK/clarad.err")"
done
note "reload applied: $(grep -c 'reload: ' "$WORK/clarad.err") log lines; temperature 0.5, tempo 100, answer_bars 4, key_keeping 0"
wait_playing 10 "the live reload"

# 2. A broken file: each problem reported with file:line:column, nothing changed, still playing.
cat >"$CONF" <<TOML
[duet]
mode = "solo"
tempo = 1000.0
answer_bars = 4
[sampler]
temperature = 0.25
bogus = 1
[control]
udp_port = $OSC_PORT
tcp_port = $OSC_PORT
[[route]]
instrument = "p"
[[midi.output]]
connect = ["^ear:input\$"]
TOML
hup "broken file"
grep -q "reload refused" "$WORK/clarad.err" || fail "no 'reload refused' in the log: $(tail -n 5 "$WORK/clarad.err")"
grep -qF "$CONF:3:" "$WORK/clarad.err" || fail "the out-of-range tempo (line 3) is not reported as $CONF:3:...: $(tail -n 5 "$WORK/clarad.err")"
grep -qF "$CONF:7:" "$WORK/clarad.err" || fail "the unknown key (line 7) is not reported as $CONF:7:...: $(tail -n 5 "$WORK/clarad.err")"
[ "$(ctl get tempo)" = "100" ] || fail "a refused reload changed the tempo: $(ctl get tempo)"
[ "$(ctl get temperature)" = "0.5" ] || fail "a refused reload changed the temperature: $(ctl get temperature)"
wait_playing 10 "the refused reload"
note "broken file: $(grep -F "$CONF:" "$WORK/clarad.err" | head -n 2 | tr '\n' ' ')"

# 3. What needs a restart is said so and left alone.
cat >"$CONF" <<TOML
[control]
udp_port = $OSC_PORT
tcp_port = $OSC_PORT
[midi]
client_name = "clara-renamed"
[duet]
mode = "solo"
tempo = 100.0
answer_bars = 4
[sampler]
temperature = 0.5
key_keeping = 0.0
[[route]]
instrument = "p"
[[midi.output]]
connect = ["^ear:input\$"]
TOML
hup "restart-only key"
grep -qF 'needs a restart: midi.client_name' "$WORK/clarad.err" ||
  fail "no 'needs a restart: midi.client_name' in the log: $(tail -n 5 "$WORK/clarad.err")"
jack_lsp -s "$JACK_DEFAULT_SERVER" | grep -qx 'clara:midi_out' || fail "clara:midi_out is gone after the reload"
wait_playing 10 "the restart-only reload"

# 4. Her output moves to another listener: connected there, disconnected from the first after a
# panic, so nothing is left sounding where she left.
stdbuf -oL jack_midi_dump -a ear2 >"$WORK/ear2.txt" 2>"$WORK/ear2.err" &
STARTED+=($!)
wait_port "ear2:input"
sed -i 's/\^ear:input\$/^ear2:input$/' "$CONF"
grep -qF '"^ear2:input$"' "$CONF" || fail "the test did not rewrite the connect pattern: $(cat "$CONF")"
hup "connect pattern"
for ((i = 0; i < 30; i++)); do
  conns=$(jack_lsp -s "$JACK_DEFAULT_SERVER" -c clara:midi_out 2>/dev/null)
  grep -qx '   ear2:input' <<<"$conns" && ! grep -qx '   ear:input' <<<"$conns" && break
  sleep 0.1
done
grep -qx '   ear2:input' <<<"$conns" && ! grep -qx '   ear:input' <<<"$conns" ||
  fail "3 s after the reload clara:midi_out is not moved from ear to ear2: $conns"
grep -qF 'reload: midi.output[0].connect' "$WORK/clarad.err" || fail "the log does not name the connect change: $(grep reload "$WORK/clarad.err" | tail -n 3)"
sleep 0.3
tsv stopped "$WORK/ear.txt" "$PERIOD" || fail "notes left sounding on ear, or no panic there, after she moved to ear2"
EAR=$WORK/ear2.txt
wait_playing 10 "the move to ear2"
note "connect pattern reloaded: clara:midi_out moved from ear:input to ear2:input, every note on ear ended"

# 4b. The output port is renamed: its connection stays, and so does the music.
cat >>"$CONF" <<'TOML'
name = "synth_out"
TOML
hup "output name"
for ((i = 0; i < 30; i++)); do
  conns=$(jack_lsp -s "$JACK_DEFAULT_SERVER" -c clara:synth_out 2>/dev/null || true)
  grep -qx '   ear2:input' <<<"$conns" && break
  sleep 0.1
done
grep -qx '   ear2:input' <<<"$conns" || fail "3 s after the reload there is no clara:synth_out connected to ear2: $(jack_lsp -s "$JACK_DEFAULT_SERVER" -c)"
jack_lsp -s "$JACK_DEFAULT_SERVER" | grep -qx 'clara:midi_out' && fail "clara:midi_out is still there after the rename"
grep -qF 'renamed JACK port clara:midi_out to clara:synth_out' "$WORK/clarad.err" || fail "the log does not say the port was renamed: $(grep -i 'reload\|rename' "$WORK/clarad.err" | tail -n 3)"
wait_playing 10 "the rename"
note "output renamed: clara:midi_out is clara:synth_out, still connected to ear2:input, Clara plays on"

# 4c. The route's note range narrows: her notes end on the route they began on, then fold into it.
sed -i 's/^instrument = "p"$/instrument = "p"\nnote_low = 60\nnote_high = 71/' "$CONF"
grep -qx 'note_high = 71' "$CONF" || fail "the test did not write the note range: $(cat "$CONF")"
hup "route range"
grep -qF 'reload: route[0].note_low 0 -> 60' "$WORK/clarad.err" || fail "the log does not say 'reload: route[0].note_low 0 -> 60': $(grep reload "$WORK/clarad.err" | tail -n 3)"
sleep 0.5  # the inference thread takes the command at its next step; the commit horizon before it
from=$(events)
wait_playing 10 "the route change"
sleep 1
# jack_midi_dump's lines: " FRAME: STATUS DATA1 DATA2 ..." in hex.
keys=$(tail -n +"$((from + 1))" "$EAR" | awk '$2 ~ /^9/ && $4 != "00" { print $3 }' | while read -r h; do echo $((16#$h)); done |
  sort -n | uniq | tr '\n' ' ')
[ -n "$keys" ] || fail "no note-on heard after the range change"
for k in $keys; do ((k >= 60 && k <= 71)) || fail "note-on of key $k after the route's range became 60..71 (keys heard: $keys)"; done
note "route range reloaded: her keys since then: $keys"

# 5. Mode listen, through the control path: on a bar line, then silence.
sed -i 's/^mode = "solo"/mode = "listen"/' "$CONF"
hup "mode listen"
wait_value mode listen 5
# The status says listen at once; the engine switches on the next bar line, up to a bar later (4
# beats at the reloaded 100 bpm: 2.4 s), and her last notes end there. CI once counted 5 events in a
# window that began 1 s after the status changed: the bar line had not come yet.
sleep 3
n0=$(events)
sleep 2
(($(events) == n0)) || fail "Clara still plays a bar (3 s) after the mode listen reload applied ($(( $(events) - n0 )) events in 2 s)"

# 6. The OSC ports move with the file: the new one answers, the old one no longer does.
OLD_PORT=$OSC_PORT
NEW_PORT=$(free_port)
sed -i "s/^udp_port = $OLD_PORT\$/udp_port = $NEW_PORT/; s/^tcp_port = $OLD_PORT\$/tcp_port = $NEW_PORT/" "$CONF"
grep -qx "udp_port = $NEW_PORT" "$CONF" || fail "the test did not rewrite the OSC ports: $(cat "$CONF")"
hup "OSC ports"
grep -qF "reload: control.udp_port $OLD_PORT -> $NEW_PORT" "$WORK/clarad.err" ||
  fail "the log does not say 'reload: control.udp_port $OLD_PORT -> $NEW_PORT': $(grep -i 'reload\|OSC' "$WORK/clarad.err" | tail -n 4)"
OSC_PORT=$NEW_PORT
[ "$(ctl get mode)" = "listen" ] || fail "clara ctl on the new port $NEW_PORT: '$(ctl get mode 2>&1)'"
if "$CLARA" ctl --port "$OLD_PORT" --timeout 1 get mode >/dev/null 2>&1; then
  fail "the old OSC port $OLD_PORT still answers after the reload moved it to $NEW_PORT"
fi
note "OSC moved from port $OLD_PORT to $NEW_PORT: $(grep 'OSC control:' "$WORK/clarad.err" | tail -n 1)"
# ... and to a port another program holds (UDP on 127.0.0.1): refused, the port before answers on.
HELD=$(free_port)
"$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1]))); time.sleep(30)' "$HELD" &
HOLDER=$!
STARTED+=("$HOLDER")
sleep 0.3
sed -i "s/^udp_port = $NEW_PORT\$/udp_port = $HELD/; s/^tcp_port = $NEW_PORT\$/tcp_port = $HELD/" "$CONF"
hup "OSC port taken"
grep -qF "needs a restart: control.udp_port $NEW_PORT -> $HELD" "$WORK/clarad.err" ||
  fail "no 'needs a restart: control.udp_port $NEW_PORT -> $HELD' in the log: $(grep -i 'reload' "$WORK/clarad.err" | tail -n 3)"
grep -q "cannot listen on udp 127.0.0.1 port $HELD" "$WORK/clarad.err" || fail "the refusal does not say why: $(tail -n 3 "$WORK/clarad.err")"
[ "$(ctl get mode)" = "listen" ] || fail "the OSC port before ($NEW_PORT) stopped answering after a refused move: '$(ctl get mode 2>&1)'"
kill "$HOLDER" 2>/dev/null || true
note "OSC move to a taken port refused, port $NEW_PORT answers on"

stop_clarad TERM
[ "$CLARAD_RC" -eq 0 ] || fail "clarad exited $CLARAD_RC after SIGTERM: $(tail -n 5 "$WORK/clarad.err")"
sleep 0.2
tsv stopped "$EAR" "$PERIOD" || fail "notes left sounding or no panic after the reloads"
note "$(grep -c 'reload (SIGHUP)' "$WORK/clarad.err") reloads; clarad stopped in $CLARAD_STOP_MS ms; every note ended"
echo "PASS"
