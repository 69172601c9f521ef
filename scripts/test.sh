#!/usr/bin/env bash
# Sets up what is missing, checks the Rust code's format, builds the
# workspace's programs once, and runs every test suite: the set-up's own
# test, the workspace's Rust tests and lints (clippy, warnings are errors),
# the end-to-end tests against those programs, the zombienet network
# tests with the same node binary, and a short fuzzing pass over every parser
# an anonymous client reaches (scripts/fuzz.sh, 10 s a target).
# Prints the time of each stage at the end, also when a stage fails.
#
# The end-to-end tests' set-up runs beside the build (a failure stops the
# build at once). The suites spend most of their time waiting for blocks,
# not computing, so they run side by side once the programs are built:
# clippy checks the workspace and then the Rust tests compile and run, in
# the background (at low priority); the end-to-end test files run several at
# a time, and the zombienet network beside them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap print_stage_times EXIT

cargo_fmt_check() {
	(cd "$ROOT" && cargo fmt --all --check) || die "the Rust code is not formatted as .rustfmt.toml says: run 'cargo fmt --all'"
}
cargo_test() { (cd "$ROOT" && nice -n 10 cargo test --release --locked --workspace --no-fail-fast); }
cargo_clippy() {
	(cd "$ROOT" && nice -n 10 cargo clippy --release --locked --workspace --all-targets -- -D warnings)
}
# Clippy, then the tests (the lints fail first), each timed in the stage's
# output.
rust_suites() {
	local start=$SECONDS
	cargo_clippy || return
	log "clippy (warnings are errors) took $((SECONDS - start)) s; the Rust tests"
	start=$SECONDS
	cargo_test || return
	log "Rust tests took $((SECONDS - start)) s"
}
e2e_setup() {
	ensure_stac_python
	ensure_s3_python
	ensure_harvest_python
	ensure_gis
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
stage "format (cargo fmt --check)" cargo_fmt_check
# The end-to-end tests' set-up (Python, chromium, npm, the portal) waits on
# the network and the disk, so it runs beside the build, which waits on the
# CPU; if it fails, the build stops at once.
background_setup "e2e set-up" e2e_setup
stage "build (workspace binaries)" interruptible build_node
wait_stage "e2e set-up"
background_stage "Rust tests, clippy" rust_suites
background_stage "zombienet" "$ROOT/scripts/zombienet.sh" test
# The fuzz targets build with nightly in a target dir of their own, at the
# lowest priority, while the end-to-end tests mostly wait for blocks.
background_stage "fuzzing (10 s a target)" nice -n 19 "$ROOT/scripts/fuzz.sh" 10
stage "e2e tests" e2e_test
wait_stage "fuzzing (10 s a target)"
wait_stage "zombienet"
wait_stage "Rust tests, clippy"
log "all test suites passed"
