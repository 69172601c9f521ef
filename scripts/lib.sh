# Shared set-up for scripts/run.sh, scripts/test.sh and the helper scripts.
# Source it; it defines paths and the functions below and changes nothing by
# itself.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/citychain/target}"
# The wasm builder needs to find the workspace when the target dir is outside it.
export WASM_BUILD_WORKSPACE_HINT="$ROOT"
# Link litep2p against the system OpenSSL instead of building one from source.
export OPENSSL_NO_VENDOR=1
# The pinned toolchain, also for the runtime's wasm build, which runs cargo
# outside the workspace where rust-toolchain.toml is not seen.
RUSTUP_TOOLCHAIN="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")"
export RUSTUP_TOOLCHAIN WASM_BUILD_TOOLCHAIN="$RUSTUP_TOOLCHAIN"
NODE_BIN="$CARGO_TARGET_DIR/release/citychain-node"
GATEWAY_BIN="$CARGO_TARGET_DIR/release/citychain-gateway"
CLI_BIN="$CARGO_TARGET_DIR/release/citychain"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Installs Debian packages (as root, or through sudo).
apt_install() {
	log "installing Debian packages: $*"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Installs the Debian packages and rustup components the build needs, only
# when they are missing.
ensure_prerequisites() {
	local missing=() pkg
	for pkg in protobuf-compiler clang libclang-dev libssl-dev pkg-config; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) || apt_install "${missing[@]}"
	command -v rustup >/dev/null || die "rustup is required (https://rustup.rs)"
	# rust-toolchain.toml names the toolchain, its wasm target and rust-src;
	# this installs whatever of it is missing (older rustup: `rustup show`).
	(cd "$ROOT" && { rustup toolchain install 2>/dev/null || rustup show; } >/dev/null)
}

# Builds the workspace's programs in release, once: the node (and with it the
# runtime's wasm), the gateway and the `citychain` CLI. They are built
# together so that shared dependencies get one feature set, the one
# `cargo test --workspace` uses too.
build_node() {
	log "building citychain-node, citychain-gateway and citychain (release) into $CARGO_TARGET_DIR"
	(cd "$ROOT" && cargo build --release --locked --workspace --bins)
}

# A Python virtual environment with the STAC libraries the end-to-end tests
# validate against (e2e/stac/requirements.txt), made or refreshed when the
# requirements change; sets CITYCHAIN_PYTHON to its interpreter.
ensure_stac_python() {
	local venv="$HOME/.cache/citychain/venv-stac" req="$ROOT/e2e/stac/requirements.txt"
	python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
	if ! cmp -s "$req" "$venv/requirements.txt"; then
		log "installing the STAC validators into $venv"
		rm -rf "$venv"
		python3 -m venv "$venv"
		"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
		cp "$req" "$venv/requirements.txt"
	fi
	export CITYCHAIN_PYTHON="$venv/bin/python"
}

# Whether a node answers JSON-RPC on the loopback port $1.
rpc_ready() {
	python3 - "$1" <<'PY' 2>/dev/null
import json, sys, urllib.request
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "system_health", "params": []}).encode()
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}", body, {"content-type": "application/json"})
urllib.request.urlopen(req, timeout=2)
PY
}

# Prints a free TCP port on the loopback interface.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
