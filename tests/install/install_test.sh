# cmake --install and tools/install.sh: the FHS layout (cmake/install.cmake), and the installed
# programs run from a folder outside the source tree, with the source tree's models out of
# reach, finding the installed models and sample by themselves (core/install/data_dirs.hpp);
# CLARA_DATA_DIR honoured by both; tools/install.sh idempotent, keeping a user's config, making
# the system user and /var/lib/clara in a staged root (DESTDIR with its own etc/passwd).
# Usage: bash install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: bash install_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?usage}" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clara-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
HAVE_CLARAD=0
[ -x "$BUILD/bin/clarad" ] && HAVE_CLARAD=1
# A build without LibTorch has neither clarad nor clara's model commands (generate).
HAVE_MODEL=0
"$BUILD/bin/clara" help generate >/dev/null 2>&1 && HAVE_MODEL=1
ALLOW_ROOT=()
[ "$(id -u)" -ne 0 ] || ALLOW_ROOT=(--allow-root)

# 1. cmake --install into a prefix of the test's own.
P=$WORK/prefix
cmake --install "$BUILD" --prefix "$P" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "cmake --install"; exit 1; }
expect=(bin/clara share/clara/clarad.toml share/clara/samples/anna-magdalena-20a.mid
        lib/systemd/system/clarad.service lib/systemd/user/clarad.service
        share/man/man1/clara.1 share/man/man5/clarad.toml.5 share/doc/clara/README.md share/doc/clara/service.md)
((HAVE_CLARAD)) && expect+=(bin/clarad share/man/man8/clarad.8)
for m in "$SRC"/models/*/; do
  name=$(basename "$m")
  card=model.toml
  [ -f "$m/classifier.toml" ] && card=classifier.toml  # a judging model (critic, composer classifier)
  expect+=("share/clara/models/$name/$card" "share/clara/models/$name/weights.pt" "share/clara/models/$name/SHA256SUMS")
done
for f in "${expect[@]}"; do [ -e "$P/$f" ] || fail "cmake --install did not make $f"; done
for m in "$P"/share/clara/models/*/; do
  (cd "$m" && sha256sum --quiet -c SHA256SUMS) || fail "$m: SHA256SUMS does not match the installed files"
done
grep -q "^ExecStart=$P/bin/clarad " "$P/lib/systemd/system/clarad.service" || fail "the system unit does not run $P/bin/clarad"
grep -q "^ExecReload=" "$P/lib/systemd/system/clarad.service" || fail "the system unit has no ExecReload="
cmp -s "$SRC/config/clarad.toml" "$P/share/clara/clarad.toml" || fail "share/clara/clarad.toml is not config/clarad.toml"
[ ! -e "$P/etc" ] || fail "cmake --install wrote $P/etc: a config file is tools/install.sh's, and only when absent"
# No path into the source tree compiled in (the old CLARA_SOURCE_DIR).
for bin in "$P"/bin/*; do
  if strings -n 6 "$bin" | grep -qxF -e "$SRC" -e "$SRC/models" -e "$SRC/tools/samples"; then
    fail "$bin holds the source path $SRC"
  fi
done
ok "layout under a prefix: ${#expect[@]} files, model sums, units, no source path in the binaries"

# 2. The installed programs, run from elsewhere with nothing but their own tree: a working
# directory with no models/, no CLARA_DATA_DIR, and the source tree's models out of reach
# (asserted below from the places they say they searched).
OUT=$WORK/elsewhere
mkdir -p "$OUT"
cd "$OUT"
unset CLARA_DATA_DIR
run() { env XDG_CONFIG_HOME="$WORK/xdg" CLARA_SYSTEM_CONFIG_DIR="$WORK/etc-none" "$@"; }
if ((HAVE_MODEL)); then
  rc=0
  run "$P/bin/clara" generate --model notewise-piano --length 40 --out "$OUT/gen.mid" >"$WORK/gen.log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] && [ -s "$OUT/gen.mid" ] || fail "installed clara generate --model notewise-piano: exit $rc: $(tail -n 3 "$WORK/gen.log")"
  rc=0
  run "$P/bin/clara" demo --offline --length 40 >"$WORK/demo.log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] && [ -s "$OUT/demo-continuation.mid" ] ||
    fail "installed clara demo --offline (sample and model from the install): exit $rc: $(tail -n 3 "$WORK/demo.log")"
  rc=0
  run "$P/bin/clara" generate --model no-such-model --length 4 --out "$OUT/x.mid" >"$WORK/missing.log" 2>&1 || rc=$?
  [ "$rc" -eq 66 ] || fail "clara with a missing model: exit $rc, expected 66"
  grep -qF "$P/share/clara/models" "$WORK/missing.log" || fail "clara did not search $P/share/clara/models: $(cat "$WORK/missing.log")"
  grep -qF "$SRC" "$WORK/missing.log" && fail "clara searched the source tree: $(cat "$WORK/missing.log")"
  ok "installed clara: generate and demo --offline from $OUT; searched $(sed -n 's/.*looked in \(.*\))$/\1/p' "$WORK/missing.log")"
else
  rc=0
  run "$P/bin/clara" demo --offline >"$WORK/demo.log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] && [ -s "$OUT/demo-roundtrip.mid" ] ||
    fail "installed clara demo --offline (the sample from the install): exit $rc: $(tail -n 3 "$WORK/demo.log")"
  ok "installed clara (no model commands in this build): demo --offline found the installed sample from $OUT"
fi

# clarad: the model is found and loaded before any port opens, so with no JACK server a found
# model ends in 69 (MIDI server unavailable), a missing one in 66.
clarad_rc() {  # ARGS...: clarad's exit code with no JACK server to reach
  local rc=0
  run JACK_NO_START_SERVER=1 timeout 120 "$P/bin/clarad" "${ALLOW_ROOT[@]}" --no-osc --no-record \
    --jack-server "clara-install-test-$$" "$@" >"$WORK/clarad.out" 2>"$WORK/clarad.err" || rc=$?
  echo "$rc"
}
if ((HAVE_CLARAD)); then
  rc=$(clarad_rc --model notewise-piano)
  [ "$rc" -eq 69 ] || fail "installed clarad --model notewise-piano without JACK: exit $rc, expected 69 (model found): $(tail -n 3 "$WORK/clarad.err")"
  rc=$(clarad_rc --model no-such-model)
  [ "$rc" -eq 66 ] || fail "installed clarad with a missing model: exit $rc, expected 66"
  grep -qF "$P/share/clara/models" "$WORK/clarad.err" || fail "clarad did not search $P/share/clara/models: $(cat "$WORK/clarad.err")"
  grep -qF "$SRC" "$WORK/clarad.err" && fail "clarad searched the source tree: $(cat "$WORK/clarad.err")"
  run "$P/bin/clarad" --print-config >"$WORK/print.toml" || fail "installed clarad --print-config"
  grep -q '^name = "notewise-piano"' "$WORK/print.toml" || fail "clarad --print-config: no model.name"
  ok "installed clarad: finds notewise-piano in its own tree (exit 69 without JACK), 66 for a missing one"
fi

# 3. CLARA_DATA_DIR: a model only there is found by both programs with it, by neither without.
mkdir -p "$WORK/data/models"
cp -r "$P/share/clara/models/notewise-piano" "$WORK/data/models/private-piano"
if ((HAVE_MODEL)); then
  rc=0
  run "$P/bin/clara" generate --model private-piano --length 4 --out "$OUT/p.mid" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 66 ] || fail "clara found private-piano without CLARA_DATA_DIR (exit $rc)"
  rc=0
  run CLARA_DATA_DIR="$WORK/data" "$P/bin/clara" generate --model private-piano --length 4 --out "$OUT/p.mid" \
    >"$WORK/p.log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "clara with CLARA_DATA_DIR did not find private-piano: exit $rc: $(tail -n 3 "$WORK/p.log")"
fi
# The demo's sample is looked up the same way: one under CLARA_DATA_DIR wins over the install's.
mkdir -p "$WORK/data/samples"
cp "$SRC/tests/data/duet_phrases.mid" "$WORK/data/samples/anna-magdalena-20a.mid"
(cd "$OUT" && run CLARA_DATA_DIR="$WORK/data" "$P/bin/clara" demo --offline --length 4 >"$WORK/demo-env.log" 2>&1) ||
  fail "clara demo --offline with CLARA_DATA_DIR: $(tail -n 3 "$WORK/demo-env.log")"
[ "$(head -n 1 "$WORK/demo-env.log")" != "$(head -n 1 "$WORK/demo.log")" ] ||
  fail "clara demo --offline with CLARA_DATA_DIR played the installed sample: $(head -n 1 "$WORK/demo-env.log")"
if ((HAVE_CLARAD)); then
  rc=$(clarad_rc --model private-piano)
  [ "$rc" -eq 66 ] || fail "clarad found private-piano without CLARA_DATA_DIR (exit $rc)"
  rc=$(CLARA_DATA_DIR="$WORK/data" clarad_rc --model private-piano)
  [ "$rc" -eq 69 ] || fail "clarad with CLARA_DATA_DIR did not find private-piano: exit $rc: $(tail -n 3 "$WORK/clarad.err")"
fi
ok "CLARA_DATA_DIR honoured by clara$( ((HAVE_CLARAD)) && echo " and clarad")"
cd "$WORK"

# 4. DESTDIR: the configured prefix under a staging root, nothing outside it.
PREFIX0=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
DESTDIR=$WORK/stage cmake --install "$BUILD" >/dev/null 2>&1 || fail "DESTDIR=... cmake --install"
[ -x "$WORK/stage$PREFIX0/bin/clara" ] || fail "DESTDIR install has no $PREFIX0/bin/clara under the staging root"
[ -f "$WORK/stage$PREFIX0/share/clara/models/notewise-piano/weights.pt" ] || fail "DESTDIR install has no models"
ok "DESTDIR=$WORK/stage: $PREFIX0 staged"

# 5. tools/install.sh into a staged root with its own passwd and group files: the config written
# once and a user's edit kept, the user clara (group audio) made once, /var/lib/clara its own.
R=$WORK/root
mkdir -p "$R/etc"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:x:0:\naudio:x:29:\n' >"$R/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
printf 'root:*::\naudio:*::\n' >"$R/etc/gshadow"
if [ "$(id -u)" -eq 0 ] && command -v useradd >/dev/null; then
  for round in 1 2; do
    DESTDIR=$R bash "$SRC/tools/install.sh" --build "$BUILD" --prefix /opt/clara >"$WORK/install-sh.$round.log" 2>&1 ||
      { fail "tools/install.sh round $round: $(tail -n 5 "$WORK/install-sh.$round.log")"; break; }
    [ "$round" -eq 1 ] && echo "# mine" >>"$R/etc/clara/clarad.toml"
  done
  [ -x "$R/opt/clara/bin/clara" ] || fail "tools/install.sh --prefix /opt/clara: no $R/opt/clara/bin/clara"
  grep -q "^ExecStart=/opt/clara/bin/clarad " "$R/opt/clara/lib/systemd/system/clarad.service" 2>/dev/null ||
    ((HAVE_CLARAD == 0)) || fail "the unit installed with --prefix /opt/clara does not run /opt/clara/bin/clarad"
  tail -n 1 "$R/etc/clara/clarad.toml" | grep -qx '# mine' || fail "tools/install.sh overwrote the user's $R/etc/clara/clarad.toml"
  grep -q 'kept .*/etc/clara/clarad.toml' "$WORK/install-sh.2.log" || fail "the second run does not say it kept the config"
  [ "$(stat -c %a "$R/etc/clara/clarad.toml")" = 640 ] || fail "clarad.toml mode $(stat -c %a "$R/etc/clara/clarad.toml"), expected 640"
  [ "$(grep -c '^clara:' "$R/etc/passwd")" -eq 1 ] || fail "user clara not made exactly once: $(cat "$R/etc/passwd")"
  [ "$(awk -F: '$1 == "clara" { print $4 }' "$R/etc/passwd")" = 29 ] || fail "clara's primary group is not audio (29)"
  awk -F: '$1 == "clara" { exit !($7 == "/usr/sbin/nologin" && $6 == "/var/lib/clara") }' "$R/etc/passwd" ||
    fail "clara's shell or home: $(grep '^clara:' "$R/etc/passwd")"
  uid=$(awk -F: '$1 == "clara" { print $3 }' "$R/etc/passwd")
  [ "$(stat -c '%u:%g %a' "$R/var/lib/clara")" = "$uid:29 750" ] ||
    fail "/var/lib/clara is $(stat -c '%u:%g %a' "$R/var/lib/clara"), expected $uid:29 750"
  [ -d "$R/var/lib/clara/sessions" ] || fail "no /var/lib/clara/sessions"
  ok "tools/install.sh twice into a staged root: config kept, user clara (uid $uid, group audio) once, /var/lib/clara"
else
  echo "skip tools/install.sh's system part: needs root and useradd"
  DESTDIR=$R bash "$SRC/tools/install.sh" --build "$BUILD" --prefix /opt/clara --no-system >/dev/null ||
    fail "tools/install.sh --no-system"
fi

[ "$fails" -eq 0 ] || exit 1
echo "PASS"
