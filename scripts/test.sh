#!/usr/bin/env bash
# Sets up what is missing, builds the node once, and runs every test suite:
# the set-up's own test, the workspace's Rust tests, the end-to-end tests
# against that node, then the zombienet network tests with the same binary.
# Prints the time of each stage at the end, also when a stage fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap print_stage_times EXIT

cargo_test() { (cd "$ROOT" && cargo test --release --locked --workspace --no-fail-fast); }
e2e_setup() {
	ensure_stac_python
	npm_ci "$ROOT/e2e"
}
e2e_test() {
	(cd "$ROOT/e2e" &&
		CITYCHAIN_NODE="$NODE_BIN" CITYCHAIN_GATEWAY="$GATEWAY_BIN" CITYCHAIN_CLI="$CLI_BIN" npm test)
}

stage "set-up test" "$ROOT/scripts/tests/setup.sh"
stage "prerequisites" ensure_prerequisites
stage "build (workspace binaries)" build_node
stage "cargo test" cargo_test
stage "e2e set-up" e2e_setup
stage "e2e tests" e2e_test
stage "zombienet" "$ROOT/scripts/zombienet.sh" test
log "all test suites passed"
