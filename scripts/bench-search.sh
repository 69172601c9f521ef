#!/usr/bin/env bash
# Search benchmark: for 10k, 100k and 1M datasets of a seeded Beijing
# catalogue, a development chain whose genesis state holds them (written as
# the runtime writes registrations), a node started on it — which builds its
# search index from that state: the catch-up rate — and the same calibrated
# searches (bbox+time, +text, intersects a polygon, +CQL2) over the node's
# WebSocket JSON-RPC and in SQLite in process on the same catalogue. Every
# answer is checked against SQLite's. Prints p50/p95 latency, the ratios, the
# growth from the smallest to the largest size, then the state per dataset,
# contract and audit entry. Not part of scripts/test.sh (the 1M run takes
# about half an hour); its unit tests are.
#
#   ./scripts/bench-search.sh [--sizes 10000,100000,1000000] [--queries 200] [--contracts 1000] [--seed 42]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_prerequisites
build_node
CITYCHAIN_NODE="$NODE_BIN" "$CARGO_TARGET_DIR/release/citychain-search-bench" "$@"
