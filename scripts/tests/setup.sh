#!/usr/bin/env bash
# Tests the set-up of scripts/lib.sh (ensure_prerequisites) with stand-ins
# for rustup, dpkg-query, apt-get and sudo on PATH: no network, a few
# seconds. It must stop at once, naming what is missing and how to install
# it, when an install fails; and go on when everything is there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0

# A stand-in rustup. FAKE_TARGETS / FAKE_COMPONENTS: what it lists as
# installed; every install fails, as without network. Calls are logged.
mkdir -p "$work/bin"
cat >"$work/bin/rustup" <<'SH'
#!/usr/bin/env bash
echo "rustup $*" >>"$FAKE_LOG"
case "$1 $2" in
"toolchain list") echo "1.95.0-x86_64-unknown-linux-gnu" ;;
"target list") printf '%s\n' $FAKE_TARGETS ;;
"component list") printf '%s\n' $FAKE_COMPONENTS ;;
*) echo "error: could not download file from 'https://static.rust-lang.org'" >&2; exit 1 ;;
esac
SH
# Debian packages: those in FAKE_DEBS are installed; apt-get always fails.
cat >"$work/bin/dpkg-query" <<'SH'
#!/usr/bin/env bash
for pkg in $FAKE_DEBS; do [ "$pkg" = "${!#}" ] && { printf 'install ok installed'; exit 0; }; done
exit 1
SH
cat >"$work/bin/apt-get" <<'SH'
#!/usr/bin/env bash
echo "apt-get $*" >>"$FAKE_LOG"
echo "E: Temporary failure resolving 'deb.debian.org'" >&2
exit 100
SH
printf '#!/usr/bin/env bash\nexec "$@"\n' >"$work/bin/sudo"
chmod +x "$work/bin/"*

all_debs="protobuf-compiler clang libclang-dev libssl-dev pkg-config"
all_components="rustfmt-x86_64-unknown-linux-gnu clippy-x86_64-unknown-linux-gnu rust-src"

# Prints the result of test $1 (passed if $2 is 1; exit $3 in $4 s), with
# its output (file $5) if it failed, and counts the failures.
report() {
	if (($2)); then
		echo "ok   $1 (exit $3 in $4 s)"
	else
		echo "FAIL $1 (exit $3 in $4 s); its output:"
		sed 's/^/  | /' "$5"
		fails=$((fails + 1))
	fi
}

# Runs ensure_prerequisites with the stand-ins; $1: expected exit ("ok" or
# "fail"), then the patterns its output must contain.
check() {
	local name=$1 expect=$2 out="$work/out" start=$SECONDS rc=0
	shift 2
	: >"$work/log"
	PATH="$work/bin:$PATH" FAKE_LOG="$work/log" timeout 60 \
		bash -c 'source "$1/scripts/lib.sh"; ensure_prerequisites' _ "$ROOT" >"$out" 2>&1 || rc=$?
	local took=$((SECONDS - start)) ok=1 pattern
	if [ "$expect" = ok ]; then ((rc == 0)) || ok=0; else ((rc != 0 && rc != 124)) || ok=0; fi
	((took < 20)) || ok=0
	for pattern in "$@"; do grep -qF -- "$pattern" "$out" "$work/log" || { ok=0; echo "  missing: $pattern"; }; done
	report "$name" "$ok" "$rc" "$took" "$out"
}

FAKE_DEBS=$all_debs FAKE_TARGETS="x86_64-unknown-linux-gnu" FAKE_COMPONENTS=$all_components \
	check "stops when the wasm target cannot be added" fail \
	"rustup target add wasm32v1-none --toolchain 1.95.0" "could not download" "wasm32v1-none"
FAKE_DEBS=$all_debs FAKE_TARGETS="x86_64-unknown-linux-gnu wasm32v1-none" \
	FAKE_COMPONENTS="rustfmt-x86_64-unknown-linux-gnu clippy-x86_64-unknown-linux-gnu" \
	check "stops when rust-src cannot be added" fail \
	"rustup component add rust-src --toolchain 1.95.0"
FAKE_DEBS="protobuf-compiler libclang-dev libssl-dev pkg-config" \
	FAKE_TARGETS="x86_64-unknown-linux-gnu wasm32v1-none" FAKE_COMPONENTS=$all_components \
	check "stops when a Debian package cannot be installed" fail \
	"missing Debian packages: clang" "sudo apt-get install clang" "Temporary failure resolving"
FAKE_DEBS=$all_debs FAKE_TARGETS="x86_64-unknown-linux-gnu wasm32v1-none" FAKE_COMPONENTS=$all_components \
	check "goes on when everything is installed" ok

# A set-up step in the background (background_setup) that takes a second
# beside a foreground stage (interruptible) of $3 s: $1: the test's name;
# $2: the step's exit status; $4: expected exit ("ok" or "fail"), then the
# patterns the output must contain. A failed step must stop the script
# within seconds, with its output, and leave none of the foreground stage's
# processes behind.
check_background() {
	local name=$1 status=$2 length=$3 expect=$4 out="$work/bg" start=$SECONDS rc=0 ok=1 pattern
	shift 4
	mkdir -p "$work/stages"
	STAGE_LOGS="$work/stages" timeout 60 bash -c '
		set -euo pipefail
		source "$1/scripts/lib.sh"
		trap print_stage_times EXIT
		step() { sleep 1; echo "the set-up step says $1"; return "$1"; }
		background_setup "fake set-up" step "$2"
		stage "long build" interruptible bash -c "sleep $3; echo built"
		wait_stage "fake set-up"
		echo "the script went on"
	' _ "$ROOT" "$status" "$length" >"$out" 2>&1 || rc=$?
	local took=$((SECONDS - start))
	if [ "$expect" = ok ]; then ((rc == 0)) || ok=0; else ((rc != 0 && rc != 124 && took < 6)) || ok=0; fi
	for pattern in "$@"; do grep -qF -- "$pattern" "$out" || { ok=0; echo "  missing: $pattern"; }; done
	if [ "$expect" = fail ]; then
		! grep -qF "the script went on" "$out" || { ok=0; echo "  the script went on"; }
		! pgrep -fx "sleep $length" >/dev/null || { ok=0; echo "  the foreground stage still runs"; }
	fi
	report "$name" "$ok" "$rc" "$took" "$out"
}

check_background "a failed set-up step in the background stops the build at once" 3 10.5 fail \
	"the set-up step says 3" "fake set-up failed (exit 3)" "long build"
check_background "a set-up step in the background that succeeds lets the script go on" 0 2 ok \
	"the set-up step says 0" "built" "the script went on"

((fails == 0)) || { echo "$fails set-up test(s) failed"; exit 1; }
