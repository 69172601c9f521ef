#!/usr/bin/env bash
# Throughput benchmark against a freshly started dev node (e2e/bench/throughput.mjs):
# transfers as the baseline, then registrations, requests, approvals,
# receipts and a mix of the four with batches, each pre-signed and filling at
# least BLOCKS blocks. Prints calls included and finalized per second, the
# ratio of each workload to the transfers of the same run, block fullness,
# authoring time, and what a second node spends importing the workload's
# blocks. Not part of scripts/test.sh.
#
#   ./scripts/bench-throughput.sh [blocks per workload (default 10)] [calls per batch (default 16)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_prerequisites
build_node
npm_ci "$ROOT/e2e"
cd "$ROOT/e2e"
CITYCHAIN_NODE="$NODE_BIN" node bench/throughput.mjs "${1:-10}" "${2:-16}" 2>&1 | grep -v 'RPC-CORE\|API/INIT'
