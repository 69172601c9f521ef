#!/usr/bin/env bash
# Refreshes client/metadata/citychain.scale, the runtime metadata (v16) that
# the Rust clients' subxt interface is generated from, from the runtime in
# this tree. Run it after changing a pallet's calls, events, errors or
# storage, and commit the file with the change; the runtime test
# `clients_are_generated_from_this_runtimes_metadata` (run by
# scripts/test.sh) fails until then.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_prerequisites
cd "$ROOT"
# Only the runtime's metadata test is built: the clients, generated from the
# file, may not compile until it is refreshed.
CITYCHAIN_WRITE_METADATA=1 cargo test --release --offline --workspace --test metadata
log "wrote client/metadata/citychain.scale ($(stat -c %s client/metadata/citychain.scale) bytes)"
