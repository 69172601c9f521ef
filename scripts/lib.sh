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

# Runs "$2..." as the stage named $1 and records how long it took; the
# stage that was running when the script stopped is recorded as failed.
STAGES=() STAGE="" STAGE_START=0
stage() {
	STAGE=$1 STAGE_START=$SECONDS
	log "$STAGE"
	"${@:2}"
	STAGES+=("$(printf '%-28s %5d s' "$STAGE" $((SECONDS - STAGE_START)))")
	STAGE=""
}

# Starts "$2..." in the background as the stage named $1, its output going
# to a log under $STAGE_LOGS; `wait_stage $1` collects it.
declare -A BG_PID BG_START BG_LOG
STAGE_LOGS="${STAGE_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/citychain-stages.XXXXXX")}"
background_stage() {
	local name=$1 log
	log="$STAGE_LOGS/$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '-').log"
	log "$name (in the background; output in $log)"
	BG_START[$name]=$SECONDS BG_LOG[$name]=$log
	(
		# A set-up step's failure stops the script at once (background_setup);
		# this trap also runs when `set -e` ends the subshell.
		[ -z "${SETUP_STAGE:-}" ] || trap 'report_failed_setup "$name"' EXIT
		"${@:2}"
		rc=$?
		echo $((SECONDS - BG_START[$name])) >"$log.seconds"
		exit "$rc"
	) >"$log" 2>&1 &
	BG_PID[$name]=$!
}

# Like background_stage, for a set-up step: if it fails, the script stops at
# once with its output, not when it is waited for. The foreground stages
# meanwhile must run under `interruptible`.
background_setup() {
	trap background_setup_failed USR1
	SETUP_STAGE=1 background_stage "$@"
}
report_failed_setup() {
	local rc=$?
	((rc == 0)) || { echo "$rc $1" >"$STAGE_LOGS/failed" && kill -USR1 $$; }
}
background_setup_failed() {
	local rc name
	read -r rc name <"$STAGE_LOGS/failed"
	[ -z "${FOREGROUND_PID:-}" ] || kill_tree "$FOREGROUND_PID"
	stage_ended "$name" "$rc"
}

# Runs "$@" (which must not set variables the script needs) as a child and
# waits for it, so that a failed background_setup stops the script at once.
interruptible() {
	local rc=0
	"$@" &
	FOREGROUND_PID=$!
	wait "$FOREGROUND_PID" || rc=$?
	# Its id may be another process's from now on.
	FOREGROUND_PID=""
	return "$rc"
}

# Stops process $1 and every process it started.
kill_tree() {
	local child
	kill -STOP "$1" 2>/dev/null || return 0
	for child in $(pgrep -P "$1"); do kill_tree "$child"; done
	kill -TERM "$1" 2>/dev/null || true
	kill -CONT "$1" 2>/dev/null || true
}

# Waits for the background stage $1, prints its output, records its time;
# stops the script if it failed.
wait_stage() {
	local rc=0
	wait "${BG_PID[$1]}" || rc=$?
	stage_ended "$1" "$rc"
}
# Prints the output of the background stage $1, which ended with status $2,
# records its time; stops the script if it failed.
stage_ended() {
	local name=$1 rc=$2
	log "$name: its output"
	cat "${BG_LOG[$name]}" >&2
	unset "BG_PID[$name]"
	if ((rc != 0)); then
		STAGES+=("$(printf '%-28s %5d s  failed' "$name" $((SECONDS - BG_START[$name])))")
		die "$name failed (exit $rc)"
	fi
	STAGES+=("$(printf '%-28s %5d s  (background)' "$name" "$(cat "${BG_LOG[$name]}.seconds")")")
}

# Prints the stages that ran, with their times and the total (an EXIT trap).
print_stage_times() {
	local rc=$? name
	[ -z "$STAGE" ] || STAGES+=("$(printf '%-28s %5d s  failed' "$STAGE" $((SECONDS - STAGE_START)))")
	for name in "${!BG_PID[@]}"; do
		kill_tree "${BG_PID[$name]}"
		STAGES+=("$(printf '%-28s %5d s  stopped (log: %s)' "$name" $((SECONDS - BG_START[$name])) "${BG_LOG[$name]}")")
	done
	((${#STAGES[@]} > 0)) || return "$rc"
	printf '\nstage times:\n' >&2
	printf '  %s\n' "${STAGES[@]}" >&2
	printf '  %-28s %5d s\n' "total" "$SECONDS" >&2
	return "$rc"
}

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Installs Debian packages (as root, or through sudo) and stops, naming
# them, unless every one of them is installed afterwards.
apt_install() {
	log "installing Debian packages: $*"
	local sudo="" pkg missing=()
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq || log "apt-get update failed; trying the install with the cached lists"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null ||
		log "apt-get install failed"
	for pkg in "$@"; do deb_installed "$pkg" || missing+=("$pkg"); done
	((${#missing[@]} == 0)) ||
		die "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}"
}

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# The value of key $1 in rust-toolchain.toml: a string, or a list's items one
# per line.
toolchain_field() {
	sed -n "s/^$1 *= *//p" "$ROOT/rust-toolchain.toml" | tr -d '[]"' | tr ',' '\n' | sed 's/^ *//;s/ *$//;/^$/d'
}

# Adds the pinned toolchain and exactly the targets and components that
# rust-toolchain.toml names, for that toolchain by name, then checks that
# they are there. Stops before any build, naming what is missing and the
# command that installs it; install errors are shown, never discarded.
ensure_rust_toolchain() {
	command -v rustup >/dev/null || die "rustup is required: see https://rustup.rs"
	local tc="$RUSTUP_TOOLCHAIN" missing=() kind item
	if ! rustup toolchain list | grep "^$tc" >/dev/null; then
		log "installing the Rust toolchain $tc"
		rustup toolchain install "$tc" --profile minimal || log "rustup toolchain install $tc failed"
	fi
	for kind in target component; do
		for item in $(toolchain_field "${kind}s"); do
			rust_has "$kind" "$tc" "$item" && continue
			log "adding the Rust $kind $item to $tc"
			rustup "$kind" add "$item" --toolchain "$tc" || log "rustup $kind add $item failed"
			rust_has "$kind" "$tc" "$item" || missing+=("$kind $item (rustup $kind add $item --toolchain $tc)")
		done
	done
	if ((${#missing[@]} > 0)); then
		printf '\033[1;31merror:\033[0m the Rust toolchain %s lacks what rust-toolchain.toml pins:\n' "$tc" >&2
		printf '  %s\n' "${missing[@]}" >&2
		exit 1
	fi
}

# Whether toolchain $2 has the target or component ($1) $3: listed bare
# (wasm32v1-none, rust-src) or with the host triple
# (clippy-x86_64-unknown-linux-gnu). rustup's own errors are shown.
rust_has() {
	rustup "$1" list --installed --toolchain "$2" | grep "^$3\(-[a-z0-9_]*-[a-z0-9_]*-[a-z0-9_-]*\)\?$" >/dev/null
}

# Installs the Rust toolchain parts and the Debian packages the build needs,
# only when they are missing, and checks node and npm.
ensure_prerequisites() {
	ensure_rust_toolchain
	local missing=() pkg
	for pkg in protobuf-compiler clang libclang-dev libssl-dev pkg-config; do
		deb_installed "$pkg" || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) || apt_install "${missing[@]}"
	command -v node >/dev/null && command -v npm >/dev/null ||
		die "Node.js and npm are required (Node.js 18 or later): sudo apt-get install nodejs npm"
}

# Builds the workspace's programs in release, once: the node (and with it the
# runtime's wasm), the gateway and the `citychain` CLI. They are built
# together so that shared dependencies get one feature set, the one
# `cargo test --workspace` uses too.
build_node() {
	log "building citychain-node, citychain-gateway and citychain (release) into $CARGO_TARGET_DIR"
	(cd "$ROOT" && cargo build --release --locked --workspace --bins)
}

# A Python virtual environment at ~/.cache/citychain/$1 with the packages of
# requirements file $2, made or refreshed when the requirements change.
# Stops, naming the failed step, if it cannot be made.
ensure_venv() {
	local venv="$HOME/.cache/citychain/$1" req="$2"
	python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
	if ! cmp -s "$req" "$venv/requirements.txt"; then
		log "installing $req into $venv"
		rm -rf "$venv"
		python3 -m venv "$venv" || die "python3 -m venv $venv failed"
		"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" || {
			rm -rf "$venv"
			die "pip could not install $req into $venv (see its output above)"
		}
		cp "$req" "$venv/requirements.txt"
	fi
}

# The STAC libraries the end-to-end tests validate against
# (e2e/stac/requirements.txt), for the interpreter CITYCHAIN_PYTHON names.
export CITYCHAIN_PYTHON="$HOME/.cache/citychain/venv-stac/bin/python"
ensure_stac_python() {
	ensure_venv venv-stac "$ROOT/e2e/stac/requirements.txt"
}

# The S3 server the exchange tests run the gateway's store on (moto[server],
# e2e/s3/requirements.txt): a Python package that starts in a second, where
# an S3 server built from source (s3s-fs) would add minutes to the build.
export CITYCHAIN_S3_PYTHON="$HOME/.cache/citychain/venv-s3/bin/python"
ensure_s3_python() {
	ensure_venv venv-s3 "$ROOT/e2e/s3/requirements.txt"
}

# The harvesting clients (pyshacl, owslib, pyarrow, geopandas; pinned in
# e2e/harvest/requirements.txt) that read the DCAT-AP catalogue, the OGC API
# Records and the stac-geoparquet export.
export CITYCHAIN_HARVEST_PYTHON="$HOME/.cache/citychain/venv-harvest/bin/python"
ensure_harvest_python() {
	ensure_venv venv-harvest "$ROOT/e2e/harvest/requirements.txt"
}

# GDAL's command-line tools (Debian's gdal-bin) and the GIS readers of
# e2e/gis/requirements.txt (rasterio and pyogrio, whose wheels carry their
# own GDAL), which read datasets through presigned links in the e2e tests.
export CITYCHAIN_GIS_PYTHON="$HOME/.cache/citychain/venv-gis/bin/python"
ensure_gis() {
	deb_installed gdal-bin || apt_install gdal-bin
	ensure_venv venv-gis "$ROOT/e2e/gis/requirements.txt"
}

# Installs the npm packages of directory $1 exactly as its package-lock.json
# says, or stops naming the directory.
npm_ci() {
	(cd "$1" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
		die "npm ci failed in $1 (see its output above)"
}

# Debian's chromium, for the portal's browser tests (driven by playwright-core
# through its path; nothing is downloaded at run time).
ensure_chromium() {
	command -v chromium >/dev/null || apt_install chromium
}

# The portal (web/), built into web/dist when its sources changed since the
# last build (the hash of the sources is kept in web/dist/.sources).
build_portal() {
	local web="$ROOT/web" sum
	sum="$(cd "$web" && cat package-lock.json index.html vite.config.ts tsconfig.json $(find src -type f | sort) |
		sha256sum | cut -d' ' -f1)"
	if [ "$(cat "$web/dist/.sources" 2>/dev/null)" != "$sum" ]; then
		npm_ci "$web"
		log "building the portal (web/dist)"
		local out
		out="$(cd "$web" && npm run --silent build 2>&1)" ||
			{ printf '%s\n' "$out" >&2; die "the portal did not build (above): cd web && npm run build"; }
		echo "$sum" >"$web/dist/.sources"
	fi
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

# Whether a gateway answers on the loopback port $1.
gateway_ready() {
	python3 -c 'import sys, urllib.request; urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/conformance", timeout=2)' "$1" 2>/dev/null
}

# Prints a free TCP port on the loopback interface.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
