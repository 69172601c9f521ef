#!/usr/bin/env bash
# Sets up what is missing, builds the node and starts a development chain
# (one validator, sample departments) with a persistent base path.
#
#   ./scripts/run.sh              start (or resume) the dev chain
#   ./scripts/run.sh --purge      wipe the dev chain's data first
#
# Environment: RPC_PORT (default 9944), BASE_PATH (default
# ~/.local/share/citychain/dev), CARGO_TARGET_DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RPC_PORT="${RPC_PORT:-9944}"
BASE_PATH="${BASE_PATH:-$HOME/.local/share/citychain/dev}"

ensure_prerequisites
build_node

if [ "${1:-}" = "--purge" ]; then
	log "purging $BASE_PATH"
	"$NODE_BIN" purge-chain --chain dev --base-path "$BASE_PATH" -y
fi

ws="ws://127.0.0.1:$RPC_PORT"
cat >&2 <<MSG

  CityChain dev chain
  RPC endpoint:      $ws
  polkadot.js apps:  https://polkadot.js.org/apps/?rpc=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$ws")#/explorer
  base path:         $BASE_PATH
  dev accounts:      see README.md ("Development accounts")

MSG
exec "$NODE_BIN" --dev --base-path "$BASE_PATH" --rpc-port "$RPC_PORT" --rpc-cors all
