#!/usr/bin/env bash
# Sets up what is missing, builds the node once, and runs every test suite:
# the workspace's Rust tests, the end-to-end tests against that node, then
# the zombienet network tests with the same binary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

started=$SECONDS
ensure_prerequisites
build_node

log "cargo test (workspace, release profile shared with the node)"
(cd "$ROOT" && cargo test --release --locked --workspace --no-fail-fast)

log "end-to-end tests against $NODE_BIN"
ensure_stac_python
(cd "$ROOT/e2e" && npm ci --no-audit --no-fund --loglevel=error &&
	CITYCHAIN_NODE="$NODE_BIN" CITYCHAIN_GATEWAY="$GATEWAY_BIN" CITYCHAIN_CLI="$CLI_BIN" npm test)

log "zombienet network tests"
"$ROOT/scripts/zombienet.sh" test

log "all test suites passed in $((SECONDS - started)) s"
