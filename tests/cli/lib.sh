# Sourced by tests/cli/*_test.sh after they read their arguments: a scratch folder removed at exit,
# and the checks every CLI test counts with (the test exits with $fail at its end).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
rc_of() { "$@" >/dev/null 2>&1; echo $?; }  # a command's exit code, its output dropped
