#!/usr/bin/env bash
# Regenerates every pallet's weights.rs from benchmarks run on this machine.
#
# Builds the runtime with the `runtime-benchmarks` feature in its own target
# directory (so the normal build is untouched) and runs frame-omni-bencher,
# which it installs once (pinned) under ~/.cache/citychain/tools.
#
#   ./scripts/benchmark.sh                 all CityChain pallets
#   ./scripts/benchmark.sh pallet_departments
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OMNI_BENCHER_VERSION=0.28.0
TOOLS="$HOME/.cache/citychain/tools"
BENCH_TARGET="${BENCH_TARGET_DIR:-$HOME/.cache/citychain/target-bench}"
STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"

ensure_prerequisites
if [ ! -x "$TOOLS/bin/frame-omni-bencher" ] ||
	! "$TOOLS/bin/frame-omni-bencher" --version | grep -q "$OMNI_BENCHER_VERSION"; then
	log "installing frame-omni-bencher $OMNI_BENCHER_VERSION"
	# Its own test runtime is built by substrate-wasm-builder, which must not
	# look for it in our workspace (lib.sh's WASM_BUILD_WORKSPACE_HINT).
	env -u WASM_BUILD_WORKSPACE_HINT CARGO_TARGET_DIR="$TOOLS/target" cargo install --locked --root "$TOOLS" \
		"frame-omni-bencher@$OMNI_BENCHER_VERSION"
fi

log "building the runtime with runtime-benchmarks into $BENCH_TARGET"
(cd "$ROOT" && CARGO_TARGET_DIR="$BENCH_TARGET" cargo build --release --locked \
	-p citychain-runtime --features runtime-benchmarks)
WASM="$BENCH_TARGET/release/wbuild/citychain-runtime/citychain_runtime.compact.compressed.wasm"

# Where each pallet's weights go: our pallets' own weights.rs; for an
# upstream pallet benchmarked by the runtime (runtime/src/benchmarks/), a
# module of runtime/src/weights/.
declare -A OUTPUTS=(
	[pallet_access]=pallets/access/src/weights.rs
	[pallet_audit]=pallets/audit/src/weights.rs
	[pallet_datasets]=pallets/datasets/src/weights.rs
	[pallet_departments]=pallets/departments/src/weights.rs
	[pallet_governance]=pallets/governance/src/weights.rs
	[pallet_validator_set]=pallets/validator-set/src/weights.rs
	[pallet_node_authorization]=runtime/src/weights/node_authorization.rs
)
pallets=("$@")
((${#pallets[@]})) || pallets=("${!OUTPUTS[@]}")

for pallet in "${pallets[@]}"; do
	output="${OUTPUTS[$pallet]:-}"
	[ -n "$output" ] || die "unknown pallet $pallet (known: ${!OUTPUTS[*]})"
	log "benchmarking $pallet"
	"$TOOLS/bin/frame-omni-bencher" v1 benchmark pallet \
		--runtime "$WASM" \
		--genesis-builder-policy=none \
		--pallet "$pallet" --extrinsic '*' \
		--steps "$STEPS" --repeat "$REPEAT" \
		--wasm-execution compiled \
		--template "$ROOT/scripts/weight-template.hbs" \
		--output "$ROOT/$output"
done
