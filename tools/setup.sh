#!/usr/bin/env bash
# Installs every Debian 12 package Clara uses, then configures and builds it in build/.
# Idempotent: re-running only installs what is missing and rebuilds what changed.
# Run as root, or as a user with sudo (only apt-get is run with it).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopenblas0-pthread           # the model (CPU LibTorch; OpenBLAS or it runs on reference BLAS)
  libssl-dev                                  # sha256 of model files (libcrypto)
  librtmidi-dev libasio-dev libboost-dev      # MIDI ports, OSC sockets, lock-free queues
  libasound2-dev                              # the ALSA sequencer itself: following ports as they come and go
  ableton-link-dev                            # Ableton Link: the `link` tempo source (header-only, uses asio)
  libtomlplusplus-dev                         # config files, model cards, manifests
  libcli11-dev                                # command-line flags (clara and clarad)
  nlohmann-json3-dev                          # JSON outputs (stats file, --json)
  libgtest-dev libgmock-dev                   # tests
  jackd2 libjack-jackd2-dev                   # JACK backend (tests use the dummy driver)
  liblo-dev liblo-tools                       # OSC: liblo checks the codec in tests; oscsend/oscdump are real clients
  puredata-core                               # the Pure Data example patch (docs/examples) is tested with a real Pd
  libsystemd-dev                              # sd_notify for the service
  clang libclang-rt-14-dev                    # libFuzzer + sanitizers
  libeigen3-dev                               # the benchmark's hand-written floor
  python3-mido                                # benchmark baseline (MIDI parsing in Python)
  libcairo2-dev                               # clara plot: piano rolls and training curves (PNG, SVG)
  libfluidsynth-dev libsndfile1-dev           # clara render: MIDI to audio offline, WAV files
  fluid-soundfont-gm                          # the General MIDI SoundFont clara render and the demo play with
  help2man man-db groff-base                  # man pages from --help (clara.1, clarad.8), checked with man -l
  passwd                                      # tools/install.sh: useradd for the service's user
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  # jackd2 asks whether to enable real-time priority; keep the default non-interactively.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi

if [ "${1:-}" = "--no-build" ]; then exit 0; fi
# Release: what a user plays with (the model step at -O3); tools/test.sh runs every suite on the
# same build type with warnings as errors, so this build is the one the tests vouch for.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/bin/clara"
