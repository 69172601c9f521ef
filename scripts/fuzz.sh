#!/usr/bin/env bash
# Fuzzes every parser an anonymous client reaches (fuzz/fuzz_targets: CQL2
# text and JSON, datetime, bbox, intersects, the Authorization header, the
# STAC GET query string, the byte ranges asked of /data), and the audit
# log's proofs a node sends, decoded and verified (log_proof), for
# SECONDS_PER_TARGET each (default 60), one target after another on one
# core, and prints the executions per target.
# Fails if any target crashes (a panic, an overflowed stack, a timeout of an
# input, memory beyond the limit); the input is then in
# fuzz/artifacts/<target>/, and `cargo +nightly fuzz run --fuzz-dir fuzz
# -s none <target> <input>` replays it.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]
#
# Environment:
#   CARGO_TARGET_DIR_FUZZ  build directory (default
#                          ~/.cache/citychain/fuzz-target); the corpus each
#                          run grows is kept there too (corpus/<target>),
#                          the committed seeds (fuzz/corpus/<target>) are
#                          read and never written
#   FUZZ_TARGETS           the targets to run, space-separated (default all)
#   FUZZ_SANITIZER         cargo fuzz's -s: none (default: the code is safe
#                          Rust, and none builds and runs several times
#                          faster) or address
#   FUZZ_TOOLCHAIN         the nightly toolchain (default nightly)
#   FUZZ_TIMEOUT           seconds one input may take (default 10)
#
# The fuzz crate is not a workspace member and never links Substrate: a cold
# build takes a few minutes on two cores, a warm one seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"
[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || {
	echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
	exit 2
}
TARGET_DIR="${CARGO_TARGET_DIR_FUZZ:-$HOME/.cache/citychain/fuzz-target}"
SANITIZER="${FUZZ_SANITIZER:-none}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"
# The pinned toolchain of the workspace (rust-toolchain.toml, or one
# scripts/lib.sh exported) cannot build libFuzzer targets: nightly does.
export RUSTUP_TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"
unset CARGO_TARGET_DIR

# The longest input each target is given: its parser's bound, with room
# past it to see it refuse (the CQL2 targets: the node's 16 KiB).
declare -A MAX_LEN=(
	[cql2_text]=16384
	[cql2_json]=16384
	[datetime]=256
	[bbox]=512
	[intersects]=16384
	[auth_header]=512
	[stac_query]=16384
	[range]=256
	[presigned]=512
	[log_proof]=4096
)
# Words libFuzzer splices into inputs (fuzz/dicts/<name>.dict).
declare -A DICT=(
	[cql2_text]=cql2
	[cql2_json]=cql2
	[stac_query]=cql2
	[intersects]=geojson
	[range]=range
	[presigned]=presigned
)
TARGETS=(${FUZZ_TARGETS:-cql2_text cql2_json datetime bbox intersects auth_header stac_query range presigned log_proof})

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

if ! rustup run "$RUSTUP_TOOLCHAIN" rustc --version >/dev/null 2>&1; then
	# No nightly (a machine may have only the pinned toolchain): the pinned
	# one builds libFuzzer targets when told to accept nightly flags.
	pinned="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")"
	rustup run "$pinned" rustc --version >/dev/null 2>&1 ||
		die "neither $RUSTUP_TOOLCHAIN nor the pinned $pinned toolchain is installed"
	log "no $RUSTUP_TOOLCHAIN toolchain: building with $pinned and RUSTC_BOOTSTRAP=1"
	export RUSTUP_TOOLCHAIN="$pinned" RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
	log "installing cargo-fuzz from crates.io"
	cargo install cargo-fuzz --locked
fi

fuzz() { (cd "$ROOT" && nice -n 10 cargo fuzz "$1" --fuzz-dir fuzz -s "$SANITIZER" --target-dir "$TARGET_DIR" "${@:2}"); }

log "building the fuzz targets ($(rustc --version), sanitizer $SANITIZER) in $TARGET_DIR"
start=$SECONDS
fuzz build
log "built in $((SECONDS - start)) s"

mkdir -p "$TARGET_DIR/logs"
failed=() report=()
for target in "${TARGETS[@]}"; do
	[ -n "${MAX_LEN[$target]:-}" ] || die "no fuzz target $target"
	corpus="$TARGET_DIR/corpus/$target" out="$TARGET_DIR/logs/$target.log"
	mkdir -p "$corpus" "$ROOT/fuzz/artifacts/$target"
	args=(-max_total_time="$SECONDS_PER_TARGET" -max_len="${MAX_LEN[$target]}" -timeout="$TIMEOUT"
		-rss_limit_mb=2048 -print_final_stats=1)
	[ -z "${DICT[$target]:-}" ] || args+=(-dict="$ROOT/fuzz/dicts/${DICT[$target]}.dict")
	log "$target: ${SECONDS_PER_TARGET} s, inputs of at most ${MAX_LEN[$target]} bytes (log: $out)"
	rc=0
	# New inputs go to the first directory (kept between runs); the
	# committed seeds are only read.
	fuzz run "$target" "$corpus" "$ROOT/fuzz/corpus/$target" -- "${args[@]}" >"$out" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -1)
	slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$out" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$out" | tail -1 || true)
	if ((rc == 0)); then
		verdict=ok
	else
		verdict="FAILED (exit $rc)"
		failed+=("$target")
		grep -E "panicked at|overflowed its stack|ERROR: libFuzzer|SUMMARY|Test unit written to|^Base64:" "$out" | head -20 >&2 || tail -30 "$out" >&2
	fi
	report+=("$(printf '%-12s %12s runs %9s exec/s  slowest %3s s  %-22s %s' "$target" "${runs:-?}" "${rate:-?}" "${slowest:-?}" "${cov:-}" "$verdict")")
done

log "fuzzing, ${SECONDS_PER_TARGET} s per target:"
printf '  %s\n' "${report[@]}" >&2
((${#failed[@]} == 0)) || die "crashed: ${failed[*]} (inputs in fuzz/artifacts/<target>/, logs in $TARGET_DIR/logs/)"
