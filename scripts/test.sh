#!/usr/bin/env bash
# Sets up what is missing, checks the Rust code's format, builds the
# workspace's programs once, and runs every test suite: the set-up's own
# test, the workspace's Rust tests, the end-to-end tests against those
# programs, and the zombienet network tests with the same node binary.
# Clippy lints every crate of the workspace as it compiles (see
# RUSTC_WORKSPACE_WRAPPER in lib.sh); a warning of rustc or clippy fails.
# Prints the time of each stage at the end, also when a stage fails.
#
# The suites spend most of their time waiting for blocks, not computing, so
# they run side by side once the programs are built: the Rust tests compile
# and run in the background (at low priority); the end-to-end test files run
# several at a time, and the zombienet network beside them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap print_stage_times EXIT

cargo_fmt_check() {
	(cd "$ROOT" && cargo fmt --all --check) || die "the Rust code is not formatted as .rustfmt.toml says: run 'cargo fmt --all'"
}
# The Rust tests: compiling them lints the test code too.
cargo_test() { (cd "$ROOT" && nice -n 10 cargo test --release --locked --workspace --no-fail-fast); }
e2e_setup() {
	ensure_stac_python
	ensure_chromium
	npm_ci "$ROOT/e2e"
	build_portal
}
e2e_test() {
	(cd "$ROOT/e2e" &&
		CITYCHAIN_NODE="$NODE_BIN" CITYCHAIN_GATEWAY="$GATEWAY_BIN" CITYCHAIN_CLI="$CLI_BIN" npm test)
}

stage "set-up test" "$ROOT/scripts/tests/setup.sh"
stage "prerequisites" ensure_prerequisites
stage "lint gate test" "$ROOT/scripts/tests/lints.sh"
stage "format (cargo fmt --check)" cargo_fmt_check
stage "e2e set-up" e2e_setup
stage "build (workspace binaries)" deny_warnings build_node
background_stage "Rust tests" deny_warnings cargo_test
background_stage "zombienet" "$ROOT/scripts/zombienet.sh" test
stage "e2e tests" e2e_test
wait_stage "zombienet"
wait_stage "Rust tests"
log "all test suites passed"
