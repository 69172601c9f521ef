#!/usr/bin/env bash
# The data path's benchmark (issue #40): on a dev node of its own, for each
# file size and data store, a gateway of its own (over a directory, or a
# bucket on moto) carries a file of random bytes through the exchange as
# docs/exchange.md tells a user, with the CLI, and each path is set against
# this machine's own baseline, measured in the same run:
#
#   path                                         baseline (same run)
#   register --store (hash, copy, outboard)       cat FILE | b3sum (b2sum)
#   owner fetch + verify, blake3 verified stream  cat FILE | b3sum
#   owner fetch + verify, blake2b whole file      cat FILE | b2sum
#   resumed fetch, cut at 50 %                     bytes the gateway sent / file
#   encryption alone: sealing, opening in memory  openssl speed -evp chacha20-poly1305 (64 KiB)
#     (citychain-crypt-bench: the CLI's code, 4 MiB batches on every core)
#   approve --store, the approval that encrypts   cat|hash and the AEAD, one after the other
#     (it hashes what it encrypts, to check it against the chain)
#   store with N contracts                        its encryption's bytes / file
#   consumer fetch + decrypt + verify             cat|hash and the AEAD, one after the other
#
# with the CLI's peak RSS (/usr/bin/time -v) and the gateway's (VmHWM,
# reset before each path), and a verdict against the aims: each path at
# least 0.8 of its baseline, CLI and gateway at most 64 MiB, the store with
# N contracts at most 1.01 times the file (one encryption for all), a
# download cut at half and resumed at most 1.05 times the file from the
# gateway (its metrics, bytes by route). The baselines are measured by the
# clock and per CPU second; each row also gives the CLI's and the gateway's
# CPU time against the baseline's. Prints the baselines and one table
# (Markdown) on stdout; progress goes to stderr. Not part of scripts/test.sh.
# Results and what bounds them: docs/performance.md#data-path.
#
#   ./scripts/bench-data.sh [--sizes 1,10] [--store local|s3|both] [--contracts 10]
#                           [--max-disk GiB] [--fit] [--cold] [--bin-dir DIR] [--keep]
#
#   --sizes      file sizes in GiB (or with M: MiB), comma-separated [1,10]
#   --store      the gateway's data store: a directory, an S3 bucket on moto, or both [both]
#   --contracts  consumer departments approved for each dataset [10]
#   --max-disk   the most disk the run may use, in GiB [the free space less 2 GiB]
#   --fit        run the sizes and stores that fit on the disk, and name the others,
#                instead of stopping
#   --cold       drop the page cache (root) before each baseline and each timed path,
#                so that both read from the disk: the fair comparison once the run's
#                files do not fit in memory together (10 GiB on 23 GiB)
#   --bin-dir    take citychain-node, citychain-gateway and citychain from DIR
#                instead of building them
#   --keep       keep the temporary directory (logs) at the end
#
# BENCH_PROFILE=DIR records each timed CLI run, and the gateway meanwhile,
# with perf into DIR (DIR/index names them; perf report -i DIR/N-cli.data);
# the CLI's RSS is then perf's and its own.
#
# Everything lives in one temporary directory (TMPDIR) that the script
# removes on exit, with every process it started. The free disk is checked
# first: each size and store needs 2 (S3: 3) times the file at its peak, 3
# (S3: 5) with the blake2b dataset too; the blake2b dataset is left out where
# only the blake3 one fits, and the run stops, naming what it needs, if that
# does not fit either (with --fit, it leaves that size and store out and
# says so). The check is made again before each size and store. To stay within 2 times the file, the provider keeps
# only the encryption once the owner's paths are measured (docs/exchange.md
# allows it), and the encryption is removed from the store once the consumer
# has the file (its fetch decrypts as it downloads: no second copy).
#
# Timing: `fetch` runs with --no-confirm (its receipt is a transaction that
# waits for a finalized block, seconds whatever the size); the approval that
# encrypts is timed until its encryption is complete in the store, before
# its own transaction; `register` includes its transaction (shown, no aim).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=1,10 STORES=both CONTRACTS=10 MAX_DISK="" BIN_DIR="" KEEP="" FIT="" COLD=""
usage() { sed -n '/^#   \.\/scripts\/bench-data.sh/,/^#   --keep/p' "$0" | sed 's/^# \{0,1\}//'; }
while (($# > 0)); do
	case $1 in
	--sizes) SIZES=$2 && shift 2 ;;
	--store) STORES=$2 && shift 2 ;;
	--contracts) CONTRACTS=$2 && shift 2 ;;
	--max-disk) MAX_DISK=$2 && shift 2 ;;
	--bin-dir) BIN_DIR=$2 && shift 2 ;;
	--keep) KEEP=1 && shift ;;
	--fit) FIT=1 && shift ;;
	--cold) COLD=1 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
done
case $STORES in local | s3) ;; both) STORES="local s3" ;; *) die "--store is local, s3 or both, not $STORES" ;; esac
[[ $CONTRACTS =~ ^[1-9][0-9]*$ ]] || die "--contracts is a positive number"
[ -z "$COLD" ] || [ -w /proc/sys/vm/drop_caches ] || die "--cold drops the page cache: run it as root"

GIB=$((1 << 30)) MIB=$((1 << 20))
# Bytes of a size given as N (GiB) or NM (MiB).
size_bytes() {
	case $1 in
	*[Mm]) [[ ${1%?} =~ ^[1-9][0-9]*$ ]] && echo $((${1%?} * MIB)) ;;
	*) [[ $1 =~ ^[1-9][0-9]*$ ]] && echo $(($1 * GIB)) ;;
	esac || die "a size is a number of GiB or of MiB (256M), not '$1'"
}
size_name() { (($1 % GIB == 0)) && echo "$(($1 / GIB)) GiB" || echo "$(($1 / MIB)) MiB"; }
gib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 2^30 }'; }
SIZE_LIST=()
for s in ${SIZES//,/ }; do SIZE_LIST+=("$(size_bytes "$s")"); done

# --- what the run needs -------------------------------------------------------

if [ -n "$BIN_DIR" ]; then
	NODE_BIN="$BIN_DIR/citychain-node" GATEWAY_BIN="$BIN_DIR/citychain-gateway" CLI_BIN="$BIN_DIR/citychain"
	for bin in "$NODE_BIN" "$GATEWAY_BIN" "$CLI_BIN"; do [ -x "$bin" ] || die "$bin is not an executable"; done
else
	ensure_prerequisites
	build_node
fi
CRYPT_BIN="$(dirname "$CLI_BIN")/citychain-crypt-bench"
[ -x "$CRYPT_BIN" ] || die "$CRYPT_BIN is not an executable (cargo build --workspace --bins makes it)"
missing=()
for tool in b3sum:b3sum /usr/bin/time:time openssl:openssl curl:curl; do
	command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
((${#missing[@]} == 0)) || apt_install "${missing[@]}"
command -v node >/dev/null || die "Node.js is required (the consumer departments' set-up): sudo apt-get install nodejs npm"
[ -d "$ROOT/e2e/node_modules/@polkadot/api" ] || npm_ci "$ROOT/e2e"
[[ " $STORES " != *" s3 "* ]] || ensure_s3_python

WORK="$(mktemp -d "${TMPDIR:-/tmp}/citychain-bench-data.XXXXXX")"
PIDS=()
cleanup() {
	local rc=$? pid
	for pid in "${PIDS[@]}"; do kill_tree "$pid"; done
	wait 2>/dev/null || true
	if [ -n "$KEEP" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
	return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The disk each size and store needs at its peak, in bytes: the file, the
# store's copy of each dataset and what the paths write beside them (the
# encryption, the fetched file); moto keeps an object's parts while it
# completes it. Beside them, 256 MiB for the outboards (1/256 of the file)
# and the node's database.
need_bytes() { # store size with_blake2b
	local k
	case $1:$3 in local:1) k=3 ;; local:0) k=2 ;; s3:1) k=5 ;; s3:0) k=3 ;; esac
	echo $((k * $2 + 256 * MIB))
}
avail=$(($(df -B1 --output=avail "$WORK" | tail -1)))
limit=$((avail - 2 * GIB))
[ -z "$MAX_DISK" ] || limit=$((MAX_DISK * GIB < limit ? MAX_DISK * GIB : limit))
# moto holds an upload in memory while it completes it: a 10 GiB upload
# reached 23 GiB resident before the OOM killer stopped it (2026-12-07, on
# a 23 GiB machine). An S3 run needs about 2.5 times the file in memory.
memory=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) * 1024))
declare -A WITH_B2 SKIP
short=()
for size in "${SIZE_LIST[@]}"; do
	for store in $STORES; do
		if [ "$store" = s3 ] && ((size * 5 / 2 > memory)); then
			short+=("$(size_name "$size") on the s3 store needs $(gib $((size * 5 / 2))) GiB of memory for moto")
			SKIP[$store:$size]="moto holds an upload in memory: needs $(gib $((size * 5 / 2))) GiB, $(gib "$memory") GiB available"
		elif (($(need_bytes "$store" "$size" 1) <= limit)); then
			WITH_B2[$store:$size]=1
		elif (($(need_bytes "$store" "$size" 0) <= limit)); then
			WITH_B2[$store:$size]=0
			log "$(size_name "$size") on $store: only the blake3 dataset fits (the blake2b one would need $(gib "$(need_bytes "$store" "$size" 1)") GiB)"
		else
			short+=("$(size_name "$size") on the $store store needs $(gib "$(need_bytes "$store" "$size" 0)") GiB")
			SKIP[$store:$size]="needs $(gib "$(need_bytes "$store" "$size" 0)") GiB of disk; the run may use $(gib "$limit") GiB"
		fi
	done
done
if ((${#short[@]} > 0)) && [ -n "$FIT" ]; then
	log "left out (--fit): ${short[*]}; the run may use $(gib "$limit") GiB"
elif ((${#short[@]} > 0)); then
	printf '\033[1;31merror:\033[0m not enough disk or memory: %s GiB of disk in %s may be used (free %s GiB, less 2 GiB%s), %s GiB of memory is available, but\n' \
		"$(gib "$limit")" "$WORK" "$(gib "$avail")" "${MAX_DISK:+, at most --max-disk $MAX_DISK}" "$(gib "$memory")" >&2
	printf '  %s\n' "${short[@]}" >&2
	printf 'Free space there (or point TMPDIR elsewhere), run fewer --sizes or one --store, or --fit.\n' >&2
	exit 1
fi

# The run's peak disk use, sampled.
(
	peak=0
	while sleep 1; do
		used=$(du -sb "$WORK" 2>/dev/null | cut -f1) || continue
		((used <= peak)) || { peak=$used && echo "$peak" >"$WORK/disk-peak"; }
	done
) &
PIDS+=($!)

# --- the node, the gateways, moto ----------------------------------------------

wait_until() { # what seconds command...
	local what=$1 deadline=$((SECONDS + $2))
	until "${@:3}"; do
		((SECONDS < deadline)) || die "$what did not come up (logs in $WORK)"
		sleep 0.5
	done
}

log "starting a dev node (logs in $WORK)"
RPC_PORT=$(free_port)
"$NODE_BIN" --dev --base-path "$WORK/node" --rpc-port "$RPC_PORT" --port "$(free_port)" \
	--prometheus-port "$(free_port)" --no-telemetry --no-mdns >"$WORK/node.log" 2>&1 &
PIDS+=($!)
WS="ws://127.0.0.1:$RPC_PORT"
wait_until "the node" 60 rpc_ready "$RPC_PORT"

S3_ENV=()
if [[ " $STORES " == *" s3 "* ]]; then
	log "starting moto (its temporary files in $WORK/moto-tmp)"
	S3_PORT=$(free_port)
	mkdir -p "$WORK/moto-tmp"
	TMPDIR="$WORK/moto-tmp" "$CITYCHAIN_S3_PYTHON" -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$WORK/moto.log" 2>&1 &
	PIDS+=($!)
	S3_ENV=(AWS_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1)
	wait_until "moto" 30 curl -sf -o /dev/null "http://127.0.0.1:$S3_PORT/moto-api/"
fi

# The store's objects, for either kind: `objects ls PREFIX` (key and size a
# line), `objects rm KEY...`, `objects wait KEY` (until it exists).
cat >"$WORK/objects.py" <<'PY'
import os, sys, time
op, args = sys.argv[1], sys.argv[2:]
root = os.environ["STORE_ROOT"]
if root.startswith("s3://"):
    import boto3
    bucket, _, prefix = root[5:].partition("/")
    s3 = boto3.client("s3")
    if op == "mb":
        s3.create_bucket(Bucket=bucket)
    elif op == "ls":
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/{args[0]}"):
            for o in page.get("Contents", []):
                print(o["Key"][len(prefix) + 1:], o["Size"])
    elif op == "rm":
        for key in args:
            s3.delete_object(Bucket=bucket, Key=f"{prefix}/{key}")
    elif op == "wait":
        while s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/{args[0]}").get("KeyCount", 0) == 0:
            time.sleep(0.1)
else:
    if op == "ls":
        base = os.path.join(root, args[0])
        for d, _, files in os.walk(base):
            for f in files:
                p = os.path.join(d, f)
                print(os.path.relpath(p, root), os.path.getsize(p))
    elif op == "rm":
        for key in args:
            os.remove(os.path.join(root, key))
    elif op == "wait":
        while not os.path.exists(os.path.join(root, args[0])):
            time.sleep(0.05)
PY
objects() {
	local python=python3
	[ "$STORE" = local ] || python=$CITYCHAIN_S3_PYTHON
	env "${S3_ENV[@]}" STORE_ROOT="$STORE_ARG" "$python" "$WORK/objects.py" "$@"
}

# start_gateway: the gateway over $STORE_ARG, its metrics on a port of their own.
start_gateway() {
	GW_PORT=$(free_port) METRICS_PORT=$(free_port)
	mkdir -p "$WORK/gateway-$STORE"
	env "${S3_ENV[@]}" "$GATEWAY_BIN" --node "$WS" --listen "127.0.0.1:$GW_PORT" --data-dir "$WORK/gateway-$STORE" \
		--store "$STORE_ARG" --metrics-listen "127.0.0.1:$METRICS_PORT" --log-format json \
		>"$WORK/gateway-$STORE.log" 2>&1 &
	GW_PID=$!
	PIDS+=("$GW_PID")
	GATEWAY="http://127.0.0.1:$GW_PORT"
	wait_until "the gateway" 30 gateway_ready "$GW_PORT"
}
# Bytes the gateway sent on route $1 so far.
gateway_bytes() {
	curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
		awk -v r="route=\"$1\"" '/^citychain_gateway_response_bytes_total/ && index($0, r) { s += $NF } END { printf "%.0f\n", s }'
}

# cli SURI ARGS...: the CLI as that account, against the run's node and store.
cli() { env "${S3_ENV[@]}" CITYCHAIN_SURI="$1" "$CLI_BIN" --node "$WS" "${@:2}"; }

# --- measuring ----------------------------------------------------------------

now() { date +%s.%N; }
# With --cold, writes out and drops the page cache: what runs next reads
# from the disk.
cold() {
	[ -n "$COLD" ] || return 0
	sync
	echo 3 >/proc/sys/vm/drop_caches
}
# timed SURI ARGS...: runs the CLI under /usr/bin/time with the gateway's peak
# RSS reset; sets T_START, T_END, CLI_KIB (the CLI's peak RSS) and GW_KIB.
timed() {
	local profile=() gateway_perf=""
	echo 5 >"/proc/$GW_PID/clear_refs"
	GW_TICKS=$(gateway_ticks)
	if [ -n "${BENCH_PROFILE:-}" ]; then
		PROFILE_N=$((${PROFILE_N:-0} + 1))
		echo "$PROFILE_N: $STORE $(size_name "$SIZE"): citychain ${*:2}" >>"$BENCH_PROFILE/index"
		profile=(perf record -q -F 499 -o "$BENCH_PROFILE/$PROFILE_N-cli.data" --)
		perf record -q -F 499 -p "$GW_PID" -o "$BENCH_PROFILE/$PROFILE_N-gateway.data" 2>/dev/null &
		gateway_perf=$!
	fi
	cold
	T_START=$(now)
	env "${S3_ENV[@]}" CITYCHAIN_SURI="$1" /usr/bin/time -v -o "$WORK/time.txt" "${profile[@]}" "$CLI_BIN" --node "$WS" "${@:2}" \
		>"$WORK/cli.out" 2>"$WORK/cli.err" || { cat "$WORK/cli.err" >&2; die "citychain ${*:2} failed"; }
	T_END=$(now)
	[ -z "$gateway_perf" ] || { kill -INT "$gateway_perf" && wait "$gateway_perf" || true; }
	timed_rss
}
timed_rss() {
	CLI_KIB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
	GW_KIB=$(awk '/^VmHWM/ { print $2 }' "/proc/$GW_PID/status")
	CPU_S=$(awk -F': ' -v g="$(($(gateway_ticks) - GW_TICKS))" -v hz="$(getconf CLK_TCK)" \
		'/(User|System) time/ { s += $2 } END { printf "%.2f", s + g / hz }' "$WORK/time.txt")
}
# The gateway's CPU time so far, in clock ticks (user and system).
gateway_ticks() { awk '{ print $14 + $15 }' "/proc/$GW_PID/stat"; }

ROWS=()
# Keeps a result row for the tables at the end, and shows it now: a run
# stopped by a failure still says what it measured.
add_row() {
	ROWS+=("$1")
	log "measured: $1"
}
verdict() { # ok... (each "label:0|1")
	local bad=() item
	for item in "$@"; do [ "${item##*:}" = 1 ] || bad+=("${item%:*}"); done
	((${#bad[@]} == 0)) && echo "met" || echo "**missed**: ${bad[*]}"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
rss_ok() { awk -v c="$1" -v g="$2" 'BEGIN { print ((c <= 65536 && g <= 65536) ? 1 : 0) }'; }
# row PATH SECONDS BASELINE_NAME BASELINE_MBPS BASELINE_CPU_MBPS [AIMED]: a
# throughput row (the file's bytes in SECONDS, and in CPU_S seconds of the
# CLI's and the gateway's CPU time against the baseline's CPU time for as
# many bytes); AIMED=0 for a row shown without an aim.
row() {
	local mbps ratio cpu_ratio v="—"
	mbps=$(awk -v b="$SIZE" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / s }')
	ratio=$(awk -v m="$mbps" -v b="$4" 'BEGIN { printf "%.2f", m / b }')
	cpu_ratio=$(awk -v b="$SIZE" -v c="$5" -v s="$CPU_S" 'BEGIN { printf "%.2f", b / 1e6 / c / s }')
	[ "${6:-1}" = 0 ] || v=$(verdict "ratio:$(awk -v r="$ratio" 'BEGIN { print (r >= 0.8) }')" "RSS:$(rss_ok "$CLI_KIB" "$GW_KIB")")
	add_row "| $STORE | $(size_name "$SIZE") | $1 | $(printf '%.1f' "$2") | $mbps | ${3//|/\\|}: $4 | $ratio | $CPU_S | $cpu_ratio | $(mib "$CLI_KIB") | $(mib "$GW_KIB") | $v |"
}
# row_bytes PATH SECONDS BYTES AIM [NOTE]: a row whose ratio is BYTES over the file's size.
row_bytes() {
	local ratio
	ratio=$(awk -v b="$3" -v s="$SIZE" 'BEGIN { printf "%.4f", b / s }')
	add_row "| $STORE | $(size_name "$SIZE") | $1 | $2 | ${6:-—} | ${5:-—} | $ratio (≤ $4) | ${CLI_KIB:+$CPU_S} | | ${CLI_KIB:+$(mib "$CLI_KIB")} | ${GW_KIB:+$(mib "$GW_KIB")} | $(verdict "bytes:$(awk -v r="$ratio" -v a="$4" 'BEGIN { print (r <= a) }')" ${CLI_KIB:+"RSS:$(rss_ok "$CLI_KIB" "$GW_KIB")"}) |"
}
# row_memory PATH MBPS: a throughput row of the encryption in memory, against the AEAD alone.
row_memory() {
	local ratio
	ratio=$(awk -v m="$2" -v b="$AEAD" 'BEGIN { printf "%.2f", m / b }')
	add_row "| $STORE | $(size_name "$SIZE") | $1 | — | $2 | AEAD: $AEAD | $ratio | — | — | — | — | $(verdict "ratio:$(awk -v r="$ratio" 'BEGIN { print (r >= 0.8) }')") |"
}
row_na() { add_row "| $STORE | $(size_name "$SIZE") | $1 | — | — | — | — | — | — | — | — | n/a: $2 |"; }

# The baselines, on the file itself: MB/s of `cat FILE | TOOL`, by the clock
# and by the CPU time of both.
pipe_mbps() {
	cold
	/usr/bin/time -f '%e %U %S' -o "$WORK/base.txt" sh -c 'cat "$1" | "$2" >/dev/null' sh "$FILE" "$1"
	awk -v b="$SIZE" '{ printf "%.0f %.0f\n", b / 1e6 / $1, b / 1e6 / ($2 + $3) }' "$WORK/base.txt"
}
# MB/s of ChaCha20-Poly1305 over 64 KiB buffers (the STREAM format's chunk) in
# OpenSSL, by the clock (-elapsed) and by its CPU time.
aead_mbps() {
	local mode
	for mode in -elapsed ""; do
		openssl speed $mode -evp chacha20-poly1305 -bytes 65536 -seconds 3 -mr 2>/dev/null |
			awk -F: '/^\+F:/ { printf "%.0f ", $NF / 1e6 }'
	done
	echo
}
serial() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 1 / (1 / a + 1 / b) }'; }

# The length of the encryption of $1 bytes (client/src/crypt.rs).
encrypted_len() { echo $((27 + $1 + (($1 + 65535) / 65536 > 0 ? ($1 + 65535) / 65536 : 1) * 16)); }

# --- the departments ------------------------------------------------------------

KEYS="$WORK/keys"
mkdir -p "$KEYS"
log "setting up: the provider's key, $CONTRACTS consumer departments and their keys"
cli //Alice key encryption --out "$KEYS/provider.x25519" >/dev/null
cli //Alice set-encryption-key --encryption-key "$KEYS/provider.x25519" >/dev/null
(cd "$ROOT/e2e" && node bench/departments.mjs "$WS" "$CONTRACTS") >"$WORK/departments.log" 2>&1 ||
	{ cat "$WORK/departments.log" >&2 && die "the consumer departments could not be set up"; }
# each_consumer COMMAND: COMMAND I for every consumer, at once (each signs as its own account).
each_consumer() {
	local i pids=()
	for i in $(seq 1 "$CONTRACTS"); do
		"$1" "$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || die "$1 failed for a consumer"; done
}
consumer_key() {
	cli "//BenchConsumer$1" key encryption --out "$KEYS/consumer$1.x25519" >/dev/null
	cli "//BenchConsumer$1" set-encryption-key --encryption-key "$KEYS/consumer$1.x25519" >/dev/null
}
each_consumer consumer_key

# --- one size on one store ----------------------------------------------------------

# register HASH: registers $FILE with hash HASH into the store as the
# provider (Alice); a row; sets DATASET.
register() {
	timed //Alice register "$FILE" --title "Benchmark $(size_name "$SIZE") $1 {name}" --topic transportation \
		--license CC-BY-4.0 --bbox 116.3,39.8,116.5,40.0 --start 2024-01-01 --end 2024-12-31 \
		--uri "$GATEWAY/data" --hash "$1" --store "$STORE_ARG"
	DATASET=$(tail -1 "$WORK/cli.out")
	if [ "$1" = blake3 ]; then
		row "register --store, $1 (incl. its transaction)" "$(seconds)" "cat|b3sum" "$B3" "$B3C" 0
	else
		row "register --store, $1 (incl. its transaction)" "$(seconds)" "cat|b2sum" "$B2" "$B2C" 0
	fi
}

seconds() { awk -v a="$T_START" -v z="$T_END" 'BEGIN { print z - a }'; }

# owner_fetch HASH BASE_NAME BASE_MBPS BASE_CPU_MBPS: the provider's officer fetches and verifies.
owner_fetch() {
	timed //Alice fetch "$DATASET" --gateway "$GATEWAY" --out "$WORK/owner.out"
	[ "$(stat -c %s "$WORK/owner.out")" = "$SIZE" ] || die "the owner's fetch is not the file"
	rm -f "$WORK/owner.out"
	row "owner fetch + verify, $1" "$(seconds)" "$2" "$3" "$4"
}

# A blake3 download as the provider's officer, cut when half of it is in
# `.part`, then run again: the gateway's bytes on the verified route, in all.
resumed_fetch() {
	local route='/data/{dataset}/verified' before out="$WORK/resumed.out" t0 cut pid kib1 gw1 cpu1
	before=$(gateway_bytes "$route")
	echo 5 >"/proc/$GW_PID/clear_refs"
	GW_TICKS=$(gateway_ticks)
	cold
	t0=$(now)
	env CITYCHAIN_SURI=//Alice /usr/bin/time -v -o "$WORK/time.txt" "$CLI_BIN" --node "$WS" \
		fetch "$DATASET" --gateway "$GATEWAY" --out "$out" >/dev/null 2>"$WORK/cli.err" &
	pid=$!
	while (($(stat -c %s "$out.part" 2>/dev/null || echo 0) < SIZE / 2)); do
		kill -0 "$pid" 2>/dev/null || die "the download to cut ended before half of it was in"
		sleep 0.01
	done
	cut=$(stat -c %s "$out.part")
	kill -TERM "$(pgrep -P "$pid")" 2>/dev/null && ! wait "$pid" && [ ! -e "$out" ] ||
		die "the download to cut ended before it could be cut: the file is too small to cut it at half"
	timed_rss
	kib1=$CLI_KIB gw1=$GW_KIB cpu1=$CPU_S
	timed //Alice fetch "$DATASET" --gateway "$GATEWAY" --out "$out"
	T_START=$t0
	[ "$(stat -c %s "$out")" = "$SIZE" ] || die "the resumed fetch is not the file"
	rm -f "$out"
	CLI_KIB=$((kib1 > CLI_KIB ? kib1 : CLI_KIB)) GW_KIB=$((gw1 > GW_KIB ? gw1 : GW_KIB))
	CPU_S=$(awk -v a="$cpu1" -v b="$CPU_S" 'BEGIN { printf "%.2f", a + b }')
	local secs pct
	secs=$(seconds) pct=$(awk -v c="$cut" -v s="$SIZE" 'BEGIN { printf "%.1f", 100 * c / s }')
	log "cut at $cut bytes ($pct %)"
	row_bytes "fetch cut at $pct % and resumed: gateway bytes" "$(printf '%.1f' "$secs")" \
		"$(($(gateway_bytes "$route") - before))" 1.05 "" \
		"$(awk -v b="$SIZE" -v s="$secs" 'BEGIN { printf "%.0f", b / 1e6 / s }')"
}

# approve_all HASH BASE_NAME HASH_MBPS HASH_CPU_MBPS: the consumers request;
# the first approval encrypts (a row: it hashes what it encrypts, so its
# baseline is the hash and the AEAD one after the other), the others seal
# the same key; then the store's bytes (a row).
approve_all() {
	local i contracts=() first
	request() { cli "//BenchConsumer$1" request "$DATASET" --purpose "benchmark" --term 100000 >"$WORK/contract$1"; }
	each_consumer request
	for i in $(seq 1 "$CONTRACTS"); do contracts+=("$(tail -1 "$WORK/contract$i")"); done
	(objects wait "$DATASET/data.enc" && now >"$WORK/enc-done") &
	first=$!
	timed //Alice approve "${contracts[0]}" --store "$STORE_ARG" --encryption-key "$KEYS/provider.x25519"
	wait "$first" || die "the encryption did not appear in the store"
	T_END=$(cat "$WORK/enc-done")
	row "approve --store: encrypts once, $1 (until stored)" "$(seconds)" "$2+AEAD" "$(serial "$3" "$AEAD")" "$(serial "$4" "$AEADC")"
	local t0
	t0=$(now)
	for i in "${contracts[@]:1}"; do
		cli //Alice approve "$i" --store "$STORE_ARG" --encryption-key "$KEYS/provider.x25519" >/dev/null
	done
	log "$((CONTRACTS - 1)) later approvals (no encryption): $(awk -v a="$t0" -v z="$(now)" 'BEGIN { printf "%.1f", z - a }') s"
	local enc=0 all=0 key size
	while read -r key size; do
		all=$((all + size))
		case ${key#*/} in data.enc | data.key | contract-*) enc=$((enc + size)) ;; esac
	done < <(objects ls "$DATASET/")
	CLI_KIB="" GW_KIB=""
	row_bytes "store, $CONTRACTS contracts: the encryption's bytes" — "$enc" 1.01 \
		"all objects: $(awk -v a="$all" -v s="$SIZE" 'BEGIN { printf "%.3f", a / s }')×"
}

# consumer_fetch HASH BASE_NAME HASH_MBPS HASH_CPU_MBPS: the first consumer fetches,
# decrypts and verifies, in one pass. The provider keeps only the encryption
# from now on, and it leaves the store once the consumer has the file (disk).
consumer_fetch() {
	local out="$WORK/consumer.out"
	objects rm "$DATASET/data" $([ "$1" = blake3 ] && echo "$DATASET/data.obao")
	timed //BenchConsumer1 fetch "$DATASET" --gateway "$GATEWAY" --out "$out" \
		--encryption-key "$KEYS/consumer1.x25519" --no-confirm
	objects rm "$DATASET/data.enc"
	[ "$(stat -c %s "$out")" = "$SIZE" ] || die "the consumer's fetch is not the file"
	rm -f "$out"
	row "consumer fetch + decrypt + verify, $1" "$(seconds)" "$2+AEAD" "$(serial "$3" "$AEAD")" "$(serial "$4" "$AEADC")"
}

# The paths of one dataset.
dataset_paths() { # HASH DATASET
	local hash=$1 base_name base base_cpu
	DATASET=$2
	if [ "$hash" = blake3 ]; then
		base_name="cat|b3sum" base=$B3 base_cpu=$B3C
	else
		base_name="cat|b2sum" base=$B2 base_cpu=$B2C
	fi
	if [ "$hash" = blake2b-256 ]; then
		owner_fetch "$hash, whole file" "$base_name" "$base" "$base_cpu"
	elif [ "$STORE" = local ]; then
		owner_fetch "$hash, verified stream" "$base_name" "$base" "$base_cpu"
		resumed_fetch
	else
		row_na "owner fetch + verify, $hash, verified stream" "a bucket store answers /verified with 501 (docs/exchange.md)"
		row_na "fetch cut at 50 % and resumed" "resuming is the verified stream's, a directory store's"
	fi
	approve_all "$hash" "$base_name" "$base" "$base_cpu"
	consumer_fetch "$hash" "$base_name" "$base" "$base_cpu"
	objects rm "$DATASET/data.key"
}

run_one() {
	local d2="" d3 need free
	# Again now: the machine's other work may have taken disk since the start.
	need=$(need_bytes "$STORE" "$SIZE" "${WITH_B2[$STORE:$SIZE]}")
	free=$(($(df -B1 --output=avail "$WORK" | tail -1) - 2 * GIB))
	if ((need > free)); then
		[ -n "$FIT" ] || die "$(size_name "$SIZE") on the $STORE store needs $(gib "$need") GiB of disk; $(gib "$free") GiB are free now (less 2 GiB)"
		log "left out: $(size_name "$SIZE") on the $STORE store needs $(gib "$need") GiB, $(gib "$free") GiB are free now"
		row_na "every path" "needs $(gib "$need") GiB of disk; $(gib "$free") GiB were free (less 2 GiB)"
		return
	fi
	case $STORE in
	local) STORE_ARG="$WORK/store" && mkdir -p "$STORE_ARG" ;;
	s3) STORE_ARG="s3://citychain/gateway" && objects mb ;;
	esac
	start_gateway
	FILE="$WORK/file.bin"
	log "$(size_name "$SIZE") on the $STORE store: writing $FILE (random bytes)"
	head -c "$SIZE" /dev/zero | openssl enc -chacha20 -K "$(openssl rand -hex 32)" -iv "$(openssl rand -hex 16)" >"$FILE"
	log "baselines: cat|b3sum, cat|b2sum, OpenSSL's ChaCha20-Poly1305"
	cat "$FILE" >/dev/null # the same page cache state for all (unless --cold)
	read -r B3 B3C < <(pipe_mbps b3sum)
	read -r B2 B2C < <(pipe_mbps b2sum)
	read -r AEAD AEADC < <(aead_mbps)
	log "  cat|b3sum $B3 MB/s ($B3C per CPU second), cat|b2sum $B2 ($B2C), AEAD $AEAD ($AEADC)"
	BASELINES+=("| $STORE | $(size_name "$SIZE") | $B3 ($B3C) | $B2 ($B2C) | $AEAD ($AEADC) | $(cut -d' ' -f1-3 /proc/loadavg) |")
	log "the encryption alone, in memory (at most 1 GiB)"
	local sealing opening
	read -r sealing opening < <("$CRYPT_BIN" --mib $((SIZE >> 20 < 1024 ? (SIZE >> 20) + 1 : 1024)) | awk '{ printf "%s ", $2 } END { print "" }')
	row_memory "encryption alone: seal, in memory, every core (citychain-crypt-bench)" "$sealing"
	row_memory "decryption alone: open, in memory, every core (citychain-crypt-bench)" "$opening"
	if [ "${WITH_B2[$STORE:$SIZE]}" = 1 ]; then
		log "registering the blake2b dataset"
		register blake2b-256
		d2=$DATASET
	fi
	log "registering the blake3 dataset"
	register blake3
	d3=$DATASET
	rm -f "$FILE"
	if [ -n "$d2" ]; then
		log "blake2b dataset $d2"
		dataset_paths blake2b-256 "$d2"
	fi
	log "blake3 dataset $d3"
	dataset_paths blake3 "$d3"
	kill_tree "$GW_PID"
	wait "$GW_PID" 2>/dev/null || true
	[ "$STORE" = s3 ] || rm -rf "$STORE_ARG"
}

BASELINES=()
for SIZE in "${SIZE_LIST[@]}"; do
	for STORE in $STORES; do
		if [ -n "${SKIP[$STORE:$SIZE]:-}" ]; then row_na "every path" "${SKIP[$STORE:$SIZE]}"; else run_one; fi
	done
done

cat <<EOF

Data path benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'): $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, Linux $(uname -r); $("$CLI_BIN" --version).
Peak disk used by the run: $(gib "$(cat "$WORK/disk-peak" 2>/dev/null || echo 0)") GiB.

Baselines, MB/s by the clock (and per CPU second), this run: cat FILE | b3sum and | b2sum
(one thread each: b3sum reads a pipe); AEAD: openssl speed [-elapsed] -evp chacha20-poly1305
-bytes 65536. Load average when measured (the machine's other work shares its cores).
Page cache: $([ -n "$COLD" ] && echo "dropped before each baseline and each timed path (--cold)" || echo "as each step leaves it (the file is read once before its baselines)").

| store | size | cat\|b3sum | cat\|b2sum | AEAD | load average |
|---|---|---|---|---|---|
$(printf '%s\n' "${BASELINES[@]}")

ratio: MB/s over the baseline's, by the clock (the aim: at least 0.8). CPU s: the CLI's and the
gateway's CPU time; CPU ratio: the baseline's CPU time for as many bytes over that.

| store | size | path | s | MB/s | baseline: MB/s | ratio | CPU s | CPU ratio | CLI RSS MiB | gateway RSS MiB | verdict |
|---|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")
EOF
