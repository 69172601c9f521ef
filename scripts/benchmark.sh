#!/usr/bin/env bash
# Regenerates the weights the runtime charges from benchmarks run on this
# machine, with the node's `benchmark` subcommand.
#
# Builds the node with the `runtime-benchmarks` feature in its own target
# directory (so the normal build is untouched), then:
#
#   ./scripts/benchmark.sh                  every pallet, then storage and overhead
#   ./scripts/benchmark.sh pallet_datasets  the named pallets (see OUTPUTS)
#   ./scripts/benchmark.sh storage          DbWeight: reads and writes of this node's
#                                           ParityDb on a state of STORAGE_DATASETS
#                                           (default 100000) registered datasets
#   ./scripts/benchmark.sh overhead         ExtrinsicBaseWeight and BlockExecutionWeight
#
# STEPS (default 50) and REPEAT (default 20) for the pallets.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_TARGET="${BENCH_TARGET_DIR:-$HOME/.cache/citychain/target-bench}"
STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
STORAGE_DATASETS="${STORAGE_DATASETS:-100000}"
WEIGHTS="$ROOT/runtime/src/weights"

# Where each pallet's weights go: our pallets' own weights.rs (our template,
# a `WeightInfo` trait and its implementation); for an upstream pallet, a
# module of runtime/src/weights/ implementing the pallet's trait.
declare -A OUTPUTS=(
	[pallet_access]=pallets/access/src/weights.rs
	[pallet_audit]=pallets/audit/src/weights.rs
	[pallet_datasets]=pallets/datasets/src/weights.rs
	[pallet_departments]=pallets/departments/src/weights.rs
	[pallet_governance]=pallets/governance/src/weights.rs
	[pallet_validator_set]=pallets/validator-set/src/weights.rs
	[pallet_node_authorization]=runtime/src/weights/node_authorization.rs
	[frame_system]=runtime/src/weights/frame_system.rs
	[frame_system_extensions]=runtime/src/weights/frame_system_extensions.rs
	[pallet_balances]=runtime/src/weights/pallet_balances.rs
	[pallet_sudo]=runtime/src/weights/pallet_sudo.rs
	[pallet_timestamp]=runtime/src/weights/pallet_timestamp.rs
	[pallet_utility]=runtime/src/weights/pallet_utility.rs
	[pallet_session]=runtime/src/weights/pallet_session.rs
	[pallet_collective]=runtime/src/weights/pallet_collective.rs
	[pallet_migrations]=runtime/src/weights/pallet_migrations.rs
)
# The upstream pallets, whose files implement the pallet's own trait.
UPSTREAM="frame_system frame_system_extensions pallet_balances pallet_sudo pallet_timestamp pallet_utility pallet_session pallet_collective pallet_migrations"

ensure_prerequisites
log "building citychain-node with runtime-benchmarks into $BENCH_TARGET"
# frame-benchmarking-cli's storage test runtime serves parachains' proof
# benchmarks only; its wasm build cannot find itself from our workspace.
(cd "$ROOT" && SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 CARGO_TARGET_DIR="$BENCH_TARGET" \
	cargo build --release --locked -p citychain-node -p citychain-search-bench \
	--features citychain-node/runtime-benchmarks)
NODE="$BENCH_TARGET/release/citychain-node"
WASM="$BENCH_TARGET/release/wbuild/citychain-runtime/citychain_runtime.compact.compressed.wasm"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/citychain-benchmark.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

pallet() {
	local pallet=$1 output="${OUTPUTS[$1]:-}" template=()
	[ -n "$output" ] || die "unknown benchmark $pallet (known: ${!OUTPUTS[*]} storage overhead)"
	[[ " $UPSTREAM " == *" $pallet "* ]] || template=(--template "$ROOT/scripts/weight-template.hbs")
	log "benchmarking $pallet"
	"$NODE" benchmark pallet \
		--runtime "$WASM" \
		--genesis-builder-policy=none \
		--pallet "$pallet" --extrinsic '*' \
		--steps "$STEPS" --repeat "$REPEAT" \
		--wasm-execution compiled \
		"${template[@]}" \
		--output "$ROOT/$output"
}

storage() {
	log "writing a development chain with $STORAGE_DATASETS datasets"
	"$BENCH_TARGET/release/citychain-search-bench" --node "$NODE" \
		--spec "$STORAGE_DATASETS" --out "$WORK/spec.json"
	log "benchmarking ParityDb reads and writes on its state"
	"$NODE" benchmark storage \
		--chain "$WORK/spec.json" --base-path "$WORK/db" \
		--state-version 1 \
		--weight-path "$WEIGHTS"
}

overhead() {
	log "benchmarking the block and extrinsic base weights"
	# Blocks of System.remark from //Alice, whose department's allowance is
	# 6000 transactions per period: 5000 per block measures the base as well.
	"$NODE" benchmark overhead \
		--chain dev --base-path "$WORK/overhead" \
		--max-ext-per-block 5000 \
		--weight-path "$WEIGHTS"
}

targets=("$@")
((${#targets[@]})) || targets=("${!OUTPUTS[@]}" storage overhead)
for target in "${targets[@]}"; do
	case "$target" in
	storage) storage ;;
	overhead) overhead ;;
	*) pallet "$target" ;;
	esac
done
