#!/usr/bin/env bash
# Local multi-node networks with zombienet (native provider) and their tests.
#
#   ./scripts/zombienet.sh test [NAME]    run zombienet/NAME.zndsl (default: every .zndsl)
#   ./scripts/zombienet.sh spawn [NAME]   start zombienet/NAME.toml (default: consortium) and keep it up
#
# Installs the pinned zombienet CLI from zombienet/package-lock.json, builds
# the node unless NODE_BIN points at one, and writes the raw `consortium`
# chain spec the networks use, with sessions of SESSION_BLOCKS blocks. Each run gets a fresh directory under
# ${ZOMBIENET_DIR:-$TMPDIR}; the nodes' logs stay there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command_=${1:-test}
name=${2:-}
ZN="$ROOT/zombienet"

if [ ! -x "$NODE_BIN" ]; then
	ensure_prerequisites
	build_node
fi

log "installing the zombienet CLI (zombienet/package-lock.json)"
npm_ci "$ZN"

run_dir="$(mktemp -d "${ZOMBIENET_DIR:-${TMPDIR:-/tmp}}/citychain-zombienet.XXXXXX")"
export CITYCHAIN_NODE="$NODE_BIN"
export CHAIN_SPEC="$run_dir/consortium-raw.json"
"$NODE_BIN" build-spec --chain consortium --raw --disable-default-bootnode >"$CHAIN_SPEC" 2>/dev/null
# Sessions of SESSION_BLOCKS blocks (default 3, 9 s) instead of a minute, so
# that validator changes take effect within 20 s: the runtime reads its
# session period from this key (configs::SESSION_PERIOD_KEY, checked by the
# runtime's tests).
python3 - "$CHAIN_SPEC" "${SESSION_BLOCKS:-3}" <<'PY'
import json, sys
path, blocks = sys.argv[1], int(sys.argv[2])
spec = json.load(open(path))
spec["genesis"]["raw"]["top"]["0xbcaa06fe04f08327486358af0fd636b8"] = "0x" + blocks.to_bytes(4, "little").hex()
json.dump(spec, open(path, "w"))
PY
log "network files and node logs: $run_dir"

zombienet() { (cd "$ZN" && npx --no-install zombienet --provider native --dir "$1" "${@:2}"); }

case "$command_" in
test)
	if [ -n "$name" ]; then tests=("$ZN/$name.zndsl"); else tests=("$ZN"/*.zndsl); fi
	for t in "${tests[@]}"; do
		[ -f "$t" ] || die "no such test: $t"
		log "zombienet test $(basename "$t")"
		start=$SECONDS
		zombienet "$run_dir/$(basename "$t" .zndsl)" test "$t"
		log "$(basename "$t") passed in $((SECONDS - start)) s"
	done
	;;
spawn)
	zombienet "$run_dir/network" spawn "$ZN/${name:-consortium}.toml"
	;;
*)
	die "usage: $0 test [NAME] | spawn [NAME]"
	;;
esac
