#!/usr/bin/env bash
# Search benchmark: registries of 10k, 100k and 1M datasets built through the
# runtime (natively, state in an in-memory trie) and the same catalogue in
# SQLite's R*Tree; the same calibrated bbox + time queries on both. Prints
# p50/p95 latency, storage reads per query, the ratio to SQLite per size and
# the growth from the smallest to the largest registry, then the state per
# dataset, contract and audit entry. Not part of scripts/test.sh (the 1M
# registry takes about 10 minutes and 12 GiB); its correctness check against
# SQLite at 3000 datasets is.
#
#   ./scripts/bench-search.sh [--sizes 10000,100000,1000000] [--queries 200] [--contracts 1000] [--seed 42]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_prerequisites
log "building citychain-search-bench (release) into $CARGO_TARGET_DIR"
(cd "$ROOT" && cargo build --release --locked -p citychain-search-bench)
"$CARGO_TARGET_DIR/release/citychain-search-bench" "$@"
