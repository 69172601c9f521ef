#!/usr/bin/env bash
# Throughput benchmark against a freshly started dev node: transfers as the
# baseline, then dataset registrations, then request + approve pairs, each
# sent at once from many accounts. Prints tx/s, the ratio of each workload to
# the baseline of the same run, and the block fullness reached. Not part of
# scripts/test.sh.
#
#   ./scripts/bench-throughput.sh [accounts (default 32)] [transactions per account (default 50)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_prerequisites
build_node
npm_ci "$ROOT/e2e"
cd "$ROOT/e2e"
CITYCHAIN_NODE="$NODE_BIN" node bench/throughput.mjs "${1:-32}" "${2:-50}" 2>&1 | grep -v 'RPC-CORE\|API/INIT'
