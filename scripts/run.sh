#!/usr/bin/env bash
# Sets up what is missing, builds the node and starts a development chain
# (one validator, sample departments) with a persistent base path; on the
# first start, clients/js/seed.mjs fills it with sample datasets and
# contracts, stores their files at the gateway's data store and writes the
# development departments' encryption key files to $BASE_PATH/dev-keys.
#
#   ./scripts/run.sh              start (or resume) the dev chain
#   ./scripts/run.sh --purge      wipe the dev chain's data first
#
# Beside it runs citychain-gateway (the STAC API, the data gateway and the
# portal, built from web/ when its sources changed) over the data store
# $BASE_PATH/gateway-data. The portal is served once the sample data is in
# place, so that no one reads a half-seeded catalogue: the seeding stores its
# files through a gateway on a private port first.
#
# Environment: RPC_PORT (default 9944), GATEWAY_PORT (default 8080),
# BASE_PATH (default ~/.local/share/citychain/dev), CARGO_TARGET_DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RPC_PORT="${RPC_PORT:-9944}"
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
BASE_PATH="${BASE_PATH:-$HOME/.local/share/citychain/dev}"

ensure_prerequisites
npm_ci "$ROOT/clients/js"
build_node
build_portal

if [ "${1:-}" = "--purge" ]; then
	log "purging $BASE_PATH"
	"$NODE_BIN" purge-chain --chain dev --base-path "$BASE_PATH" -y
fi

ws="ws://127.0.0.1:$RPC_PORT"
KEYS_DIR="$BASE_PATH/dev-keys"
"$NODE_BIN" --dev --base-path "$BASE_PATH" --rpc-port "$RPC_PORT" --rpc-cors all &
node_pid=$!
gateway_pid=""
trap '[ -z "$gateway_pid" ] || kill -TERM "$gateway_pid" 2>/dev/null; kill -INT "$node_pid" 2>/dev/null; wait "$node_pid"' INT TERM
mkdir -p "$BASE_PATH/gateway-data"
# start_gateway PORT [ARGS...]: the gateway over the data store, in the background ($gateway_pid).
start_gateway() {
	"$GATEWAY_BIN" --node "$ws" --listen "127.0.0.1:$1" --data-dir "$BASE_PATH/gateway-data" "${@:2}" &
	gateway_pid=$!
}

# Sample data, on the first start only (the seeding script checks the chain).
for _ in $(seq 1 120); do
	rpc_ready "$RPC_PORT" && break
	kill -0 "$node_pid" 2>/dev/null || die "the node exited; see its log above"
	sleep 0.5
done
seed_port="$(free_port)"
start_gateway "$seed_port"
for _ in $(seq 1 60); do
	gateway_ready "$seed_port" && break
	sleep 0.5
done
log "seeding sample data (first start only); the portal opens once it is done"
(cd "$ROOT/clients/js" && node seed.mjs "$ws" --gateway "http://127.0.0.1:$seed_port" --keys "$KEYS_DIR" 2>&1 |
	grep -v 'RPC-CORE\|API/INIT') || log "seeding failed; the chain runs on without sample data"
kill -TERM "$gateway_pid" && wait "$gateway_pid" || true

cat >&2 <<MSG

  CityChain dev chain
  portal:            http://127.0.0.1:$GATEWAY_PORT/explorer/  (open it in a browser)
  RPC endpoint:      $ws
  polkadot.js apps:  https://polkadot.js.org/apps/?rpc=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$ws")#/explorer
  gateway, STAC API: http://127.0.0.1:$GATEWAY_PORT/  (data store $BASE_PATH/gateway-data)
  command line:      $CLI_BIN --help
  base path:         $BASE_PATH
  dev accounts:      see README.md ("Development accounts")
  dev key files:     $KEYS_DIR/{nrp,transport,environment}.key  (the departments' encryption keys:
                     the portal asks for one to open an encrypted delivery)

MSG
# The sample departments' admins report the deliveries the gateway meters
# (development keys: a real gateway holds its own department's account).
REPORTERS="$BASE_PATH/gateway-reporters"
(umask 077 && printf '//Alice\n//Bob\n//Charlie\n//Dave\n' >"$REPORTERS")
start_gateway "$GATEWAY_PORT" --explorer-dir "$ROOT/web/dist" --reporter-keys "$REPORTERS"
wait "$node_pid"
