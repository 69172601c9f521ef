#!/usr/bin/env bash
# Tests the lint gate of scripts/test.sh: a cargo build in the scripts'
# environment (clippy-driver compiling the workspace's crates) of a small
# crate with a clippy lint and an unused variable must fail `deny_warnings`,
# naming the crate, also when the crate is already compiled and cargo only
# replays its warnings; the same crate without them must pass. Offline, a
# few seconds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$work/target"
mkdir -p "$work/crate/src"
printf '[package]\nname = "lint-gate"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n' >"$work/crate/Cargo.toml"
fails=0

# $1: the test's name; $2: expected exit ("ok" or "fail"); $3: main.rs;
# then the patterns the output must contain.
check() {
	local name=$1 expect=$2 rc=0 ok=1 pattern
	printf '%s\n' "$3" >"$work/crate/src/main.rs"
	shift 3
	(cd "$work/crate" && deny_warnings cargo build --release --offline) >"$work/out" 2>&1 || rc=$?
	if [ "$expect" = ok ]; then ((rc == 0)) || ok=0; else ((rc != 0)) || ok=0; fi
	for pattern in "$@"; do grep -qF -- "$pattern" "$work/out" || { ok=0; echo "  missing: $pattern"; }; done
	if ((ok)); then
		echo "ok   $name (exit $rc)"
	else
		echo "FAIL $name (exit $rc); its output:"
		sed 's/^/  | /' "$work/out"
		fails=$((fails + 1))
	fi
}

linted='fn main() { let unused = 1; let v = vec![1]; println!("{}", v.len() == 0); }'
check "a clippy lint and a rustc warning fail the build" fail "$linted" \
	"clippy::len_zero" "unused variable" "warnings are errors here" '`lint-gate` (bin "lint-gate") generated 3 warnings'
check "they fail it again when cargo only replays them" fail "$linted" \
	"warnings are errors here" "generated 3 warnings"
check "code without warnings passes" ok 'fn main() { println!("{}", std::env::args().count()); }'

((fails == 0)) || { echo "$fails lint gate test(s) failed"; exit 1; }
