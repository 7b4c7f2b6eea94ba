#!/usr/bin/env bash
# Installs Clara as built by tools/setup.sh (build/) into its FHS places (cmake --install,
# layout in cmake/install.cmake and docs/service.md), then, as root, what the system service
# needs: /etc/clara/clarad.toml (only when absent: a user's settings are never overwritten),
# the system user `clara` in group `audio`, and /var/lib/clara. Idempotent: run it again after
# every build.
#   tools/install.sh [--build DIR] [--prefix DIR] [--no-system]
# DESTDIR=/some/root stages everything under that folder (packaging, tests); the system user
# is then made in DESTDIR/etc/passwd when that file exists (useradd --prefix), else left out.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: tools/install.sh [--build DIR] [--prefix DIR] [--no-system]
  --build DIR    the build folder to install from (default build/, as tools/setup.sh makes it)
  --prefix DIR   install under DIR instead of the prefix the build was configured with
                 (/usr/local by default)
  --no-system    only the files: no /etc/clara/clarad.toml, no user clara, no /var/lib/clara
DESTDIR=ROOT stages the whole install under ROOT.
USAGE
}

build=build prefix="" system=yes
while (($#)); do
  case $1 in
    --build) build=${2:?--build needs a folder}; shift 2 ;;
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --no-system) system=no; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; usage >&2; exit 64 ;;
  esac
done

say() { echo "install: $*"; }
die() { echo "install.sh: $*" >&2; exit "${2:-1}"; }

[ -f "$build/CMakeCache.txt" ] || die "$build is not a build folder: run tools/setup.sh first" 66
[ -x "$build/bin/clara" ] || die "$build/bin/clara is not built: run tools/setup.sh first" 66
[ -x "$build/bin/clarad" ] || say "warning: $build/bin/clarad is not built (a build without LibTorch): only clara is installed"
# The man pages are part of the default build; build them if this folder was built by target.
cmake --build "$build" --target man >/dev/null

root=${DESTDIR:-}
install_args=(--install "$build")
[ -n "$prefix" ] && install_args+=(--prefix "$prefix")
cmake "${install_args[@]}" | { grep -v '^-- Up-to-date:' || true; }  # pipefail: cmake's failure stops us
[ -n "$prefix" ] || prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
say "files under ${root}${prefix}"

if [ "$system" = no ]; then
  say "--no-system: no /etc/clara/clarad.toml, user or /var/lib/clara"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  say "not root: the files are in place; run as root (sudo tools/install.sh) for the system service's"
  say "config, user clara and /var/lib/clara"
  exit 0
fi

# The settings: clarad reads /etc/clara/clarad.toml whatever the prefix (the unit names it).
conf=$root/etc/clara/clarad.toml
if [ -e "$conf" ] || [ -L "$conf" ]; then
  say "kept $conf (yours; the shipped example is ${root}${prefix}/share/clara/clarad.toml)"
else
  install -d -m 0755 "$root/etc/clara"
  # Readable by clarad's group only: a control token may go in it.
  install -m 0640 -g audio "${root}${prefix}/share/clara/clarad.toml" "$conf"
  say "wrote $conf (the shipped defaults)"
fi

# The user the system unit runs as: no login, no home of its own, primary group audio.
etc=$root/etc
if [ -n "$root" ] && [ ! -f "$etc/passwd" ]; then
  say "no $etc/passwd under DESTDIR: the user clara and /var/lib/clara are left to the target system"
  exit 0
fi
prefix_opt=()
[ -n "$root" ] && prefix_opt=(--prefix "$root")
has_entry() {  # DATABASE NAME: in the staged root's file, or through NSS on this system
  if [ -n "$root" ]; then grep -q "^$2:" "$etc/$1"; else getent "$1" "$2" >/dev/null; fi
}
field() {  # DATABASE NAME FIELD
  if [ -n "$root" ]; then awk -F: -v n="$2" -v f="$3" '$1 == n { print $f }' "$etc/$1"
  else getent "$1" "$2" | cut -d: -f"$3"; fi
}
if ! has_entry group audio; then
  groupadd --system "${prefix_opt[@]}" audio
  say "made group audio"
fi
if has_entry passwd clara; then
  say "kept user clara"
else
  useradd --system --gid audio --home-dir /var/lib/clara --no-create-home --shell /usr/sbin/nologin \
    --comment "Clara duet daemon" "${prefix_opt[@]}" clara
  say "made system user clara (group audio)"
fi
uid=$(field passwd clara 3)
gid=$(field group audio 3)
# Sessions of the system service; StateDirectory=clara in the unit makes it too, this makes it
# before the first start and for a clarad run by hand as clara.
install -d -m 0750 -o "$uid" -g "$gid" "$root/var/lib/clara" "$root/var/lib/clara/sessions"
say "$root/var/lib/clara (clara:audio, 0750)"

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "systemd reloaded; start the service with: systemctl enable --now clarad"
else
  say "the service: systemctl daemon-reload && systemctl enable --now clarad"
fi
