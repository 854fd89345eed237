#!/usr/bin/env bash
# The scripting commands against curl making the same HTTP calls, with the
# same stored session, against `licencias serve --scale 10000` (release
# build, loopback). Not a test: it prints medians and writes
# benches/results/<date>-cli/summary.txt.
#
#   benches/cli_vs_curl.sh               # release build + 15 runs of each
#   RUNS=31 NO_BUILD=1 benches/cli_vs_curl.sh
#
# What each side does per run (sign-in excluded: one `licencias login` before):
#   licencias list --json    start the process, open the file secret store, take the session
#                            lock, POST /auth/refresh with the stored refresh token, store the
#                            rotated one, GET /services (3 pages of 50 services), print one JSON array
#   licencias show ID --json the same refresh, then GET /subscriptions/ID, print it
#   curl (same calls)        read the stored refresh token, POST /auth/refresh, store the rotated
#                            token, then the same GETs with the new access token (the pages
#                            followed with grep on the body); writes the bodies to a file
#   curl (GET only)          the GETs alone with an access token obtained beforehand (what a
#                            script that keeps its own access token would pay)
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
SCALE=${SCALE:-10000}
BIN=target/release/licencias
if [[ -z "${NO_BUILD:-}" ]]; then
    cargo build --release --locked
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/config XDG_STATE_HOME=$WORK/home/state
export XDG_DATA_HOME=$WORK/home/data LANG=C NO_COLOR=1
unset LICENCIAS_PORTAL LICENCIAS_USER LICENCIAS_SECRET_STORE

# The demo data with the demo user enrolled (a known TOTP secret).
SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
python3 - "$WORK/tenants.json" "$SECRET" <<'PY'
import json, sys
d = json.load(open("assets/demo-tenant.json"))
d["tenants"][0]["users"][0]["totp_secret"] = sys.argv[2]
json.dump(d, open(sys.argv[1], "w"))
PY
totp() {
    python3 - "$SECRET" <<'PY'
import base64, hashlib, hmac, struct, sys, time
k = base64.b32decode(sys.argv[1])
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}

"$BIN" serve --listen 127.0.0.1:0 --tenants "$WORK/tenants.json" --scale "$SCALE" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break
    sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$WORK/serve.out")
API=$URL/api/v1
export LICENCIAS_PORTAL=$URL LICENCIAS_SECRET_STORE=file
echo licencias-demo | "$BIN" login --user demo --password-stdin --code "$(totp)" >/dev/null
TOKFILE=$(ls "$XDG_STATE_HOME"/licencias/tokens/*)
ID=sub-bs

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# curl, the same calls as the command: refresh (rotating the stored token), then the GETs.
curl_refresh() {
    local tok resp
    tok=$(<"$TOKFILE")
    resp=$(curl -sS -X POST -H 'content-type: application/json' \
        -d "{\"refresh_token\":\"$tok\"}" "$API/auth/refresh")
    ACCESS=${resp#*\"access_token\":\"}; ACCESS=${ACCESS%%\"*}
    tok=${resp#*\"refresh_token\":\"}; tok=${tok%%\"*}
    printf '%s' "$tok" >"$TOKFILE"
}
curl_services() {
    local next="" page=0
    : >"$WORK/curl.out"
    while :; do
        page=$((page + 1))
        curl -sS -H "authorization: Bearer $ACCESS" \
            "$API/services?page_size=50${next:+&page_token=$next}" -o "$WORK/page"
        cat "$WORK/page" >>"$WORK/curl.out"
        next=$(grep -o '"next_page_token":"[^"]*"' "$WORK/page" | cut -d'"' -f4 || true)
        [[ -n "$next" && $page -lt 1000 ]] || break
    done
}
curl_show() {
    curl -sS -H "authorization: Bearer $ACCESS" "$API/subscriptions/$ID" -o "$WORK/curl.out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A TIMES
MED=()
measure() { # name, command...
    local name=$1; shift
    local t0 t1
    "$@" >/dev/null # warm-up
    for _ in $(seq "$RUNS"); do
        t0=$(now_ms); "$@" >/dev/null; t1=$(now_ms)
        TIMES[$name]+="$((t1 - t0)) "
    done
}
cli_list() { "$BIN" list --json >"$WORK/cli.out"; }
cli_show() { "$BIN" show "$ID" --json >"$WORK/cli.out"; }
curl_list_same() { curl_refresh; curl_services; }
curl_show_same() { curl_refresh; curl_show; }

# Interleaved per run would be fairer still; each block is short and the
# server is idle between them.
measure "licencias list --json" cli_list
measure "curl list (refresh + GETs)" curl_list_same
curl_refresh
measure "curl list (GETs only)" curl_services
measure "licencias show ID --json" cli_show
measure "curl show (refresh + GET)" curl_show_same
curl_refresh
measure "curl show (GET only)" curl_show

# The command still works after curl rotated the stored token.
"$BIN" list --json >"$WORK/cli.out"
ROWS=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$WORK/cli.out")

RSS=$(/usr/bin/time -v "$BIN" list --json 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p')

OUT=benches/results/$(date -u +%Y-%m-%dT%H%MZ)-cli
mkdir -p "$OUT"
{
    echo "licencias scripting commands vs curl, $RUNS runs each, --scale $SCALE ($ROWS rows), $(nproc) cores"
    echo "release build, loopback, file secret store; medians in ms"
    echo
    printf '%-30s %8s   %s\n' "what" "median" "all runs (ms)"
    for name in "licencias list --json" "curl list (refresh + GETs)" "curl list (GETs only)" \
        "licencias show ID --json" "curl show (refresh + GET)" "curl show (GET only)"; do
        m=$(tr ' ' '\n' <<<"${TIMES[$name]}" | grep . | median)
        printf '%-30s %8s   %s\n' "$name" "$m" "${TIMES[$name]}"
        MED[${#MED[@]}]=$m
    done
    echo
    awk -v a="${MED[0]}" -v b="${MED[1]}" -v c="${MED[2]}" -v d="${MED[3]}" -v e="${MED[4]}" -v f="${MED[5]}" 'BEGIN {
        printf "list: %.2fx curl with the same calls, %.2fx curl GETs only\n", a / b, a / c
        printf "show: %.2fx curl with the same calls, %.2fx curl GET only\n", d / e, d / f
    }'
    echo "peak RSS of licencias list --json: ${RSS} kB"
} | tee "$OUT/summary.txt"
