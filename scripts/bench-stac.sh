#!/usr/bin/env bash
# STAC API benchmark: the service a city would otherwise deploy —
# stac-fastapi-pgstac on PostgreSQL with PostGIS and pgstac — against
# citychain-gateway in front of a node, on the same catalogue. For each size,
# a node on a chain whose genesis holds the search benchmark's seeded Beijing
# catalogue (citychain-search-bench --serve), the gateway on it, every
# collection and item the gateway serves loaded into a fresh pgstac database,
# then the same bbox + datetime searches through both /search endpoints
# (bench/stac/compare.py). PostgreSQL and PostGIS come from Debian,
# pypgstac and stac-fastapi-pgstac from PyPI (bench/stac/requirements.txt).
# Not part of scripts/test.sh.
#
#   ./scripts/bench-stac.sh [sizes, default 10000,100000] [queries, default 200]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=${1:-10000,100000}
QUERIES=${2:-200}
PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin

ensure_prerequisites
deb_installed "postgresql-$PG_VERSION-postgis-3" || apt_install "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3"
ensure_venv venv-pgstac "$ROOT/bench/stac/requirements.txt"
PYTHON="$HOME/.cache/citychain/venv-pgstac/bin"
build_node

WORK=$(mktemp -d /tmp/citychain-bench-stac.XXXXXX)
chmod 755 "$WORK"
PIDS=()
NODE_PID=
# The serving benchmark stops its node when its standard input (fd 9 here)
# closes; killed instead, it would leave the node running.
stop_node() {
	exec 9>&-
	[ -z "$NODE_PID" ] || wait "$NODE_PID" 2>/dev/null || true
	NODE_PID=
}
# Stops what runs in front of the node, then the node.
stop_servers() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	PIDS=()
	stop_node
}
cleanup() {
	stop_servers
	[ -d "$WORK/pg" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" stop -m fast >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# Whether $1 answers an HTTP GET within 60 s.
http_ready() {
	local i
	for i in $(seq 600); do
		python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

log "starting PostgreSQL $PG_VERSION in $WORK/pg"
mkdir "$WORK/pg" && chown postgres "$WORK/pg"
runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
export PGHOST=127.0.0.1 PGPORT=$(free_port) PGUSER=postgres PGPASSWORD=postgres
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
	-o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null ||
	die "PostgreSQL did not start: $(tail -5 "$WORK/pg/server.log")"

for size in ${SIZES//,/ }; do
	log "$size datasets"
	export PGDATABASE="citychain_$size"
	"$PG_BIN/createdb" "$PGDATABASE"
	"$PYTHON/pypgstac" migrate >/dev/null

	mkfifo "$WORK/node-$size.in"
	CITYCHAIN_NODE="$NODE_BIN" "$CARGO_TARGET_DIR/release/citychain-search-bench" --serve "$size" \
		<"$WORK/node-$size.in" >"$WORK/node-$size.url" &
	NODE_PID=$!
	exec 9>"$WORK/node-$size.in"
	for _ in $(seq 3600); do [ -s "$WORK/node-$size.url" ] && break; sleep 1; done
	node_url=$(cat "$WORK/node-$size.url")
	[ -n "$node_url" ] || die "the node of $size datasets did not start"

	gateway_port=$(free_port)
	"$GATEWAY_BIN" --node="$node_url" --listen="127.0.0.1:$gateway_port" --data-dir="$WORK/gateway-$size" \
		>"$WORK/gateway-$size.log" 2>&1 9>&- &
	PIDS+=($!)
	gateway="http://127.0.0.1:$gateway_port"
	http_ready "$gateway/conformance" || die "the gateway did not start: $(tail -5 "$WORK/gateway-$size.log")"

	(cd "$WORK" && "$PYTHON/python" "$ROOT/bench/stac/compare.py" load "$gateway")

	pgstac_port=$(free_port)
	"$PYTHON/uvicorn" stac_fastapi.pgstac.app:create_app --factory --host 127.0.0.1 --port "$pgstac_port" --log-level warning \
		>"$WORK/pgstac-$size.log" 2>&1 9>&- &
	PIDS+=($!)
	pgstac="http://127.0.0.1:$pgstac_port"
	http_ready "$pgstac/conformance" || die "stac-fastapi-pgstac did not start: $(tail -5 "$WORK/pgstac-$size.log")"

	(cd "$WORK" && "$PYTHON/python" "$ROOT/bench/stac/compare.py" measure "$gateway" "$pgstac" "$QUERIES")

	stop_servers
done
