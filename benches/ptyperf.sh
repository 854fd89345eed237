#!/usr/bin/env bash
# End-to-end measurement of the real release binary through a pseudo-terminal
# (issue 6), with htop and ncdu measured by the same driver in the same run as
# the reference. Writes benches/results/<date>/*.json and summary.txt.
#
#   benches/ptyperf.sh            # builds the release binary if needed, 5 runs each
#   RUNS=10 benches/ptyperf.sh    # more runs
#   NO_BUILD=1 benches/ptyperf.sh # use target/release/licencias as it is
#
# Needs: python3 with pyte (`pip install pyte`), htop, ncdu (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
BIN="${BIN:-target/release/licencias}"
OUT="benches/results/$(date -u +%Y-%m-%dT%H%MZ)"
mkdir -p "$OUT"

if [[ -z "${NO_BUILD:-}" ]]; then
  cargo build --release --bin licencias
fi
python3 -c 'import pyte' 2>/dev/null || { echo "pip install pyte" >&2; exit 1; }
command -v htop >/dev/null && command -v ncdu >/dev/null || { echo "apt-get install htop ncdu" >&2; exit 1; }

# A clean HOME/XDG so no config, log or audit of the user is touched.
SANDBOX="$(mktemp -d)"
trap 'rm -rf "$SANDBOX"' EXIT
export HOME="$SANDBOX" XDG_CONFIG_HOME="$SANDBOX/c" XDG_STATE_HOME="$SANDBOX/s" XDG_DATA_HOME="$SANDBOX/d"
export LANG=en_US.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=

DRIVER=(python3 benches/ptyperf.py --cols 120 --rows 40 --runs "$RUNS" --settle-ms 150)
# The key script: navigation (j/k, PageDown), filter typing and Backspace,
# then a 1-second burst of 30 `j` at 30 Hz.
LIC_KEYS='j*10 k*5 PGDN PGDN / :premium BS*3 ESC j*30@30'
HTOP_KEYS='DOWN*10 UP*5 PGDN PGDN \ :bash BS*3 ESC DOWN*30@30'
NCDU_KEYS='j*10 k*5 PGDN PGDN j*30@30'

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -m | awk '/Mem:/{print $2}') MB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "binary: $BIN ($(stat -c %s "$BIN") bytes), commit $(git rev-parse --short HEAD)"
  echo "htop: $(htop --version | head -1); ncdu: $(ncdu -v)"
  echo
  for n in 100 10000; do
    # The demo tenant has 8 subscriptions of its own; the count is grouped ("10,008").
    total=$(python3 -c "print(f'{$n + 8:,}')")
    "${DRIVER[@]}" --label "licencias N=$n" --marker "$total subscriptions" --keys "$LIC_KEYS" --quit q \
      --json "$OUT/licencias-$n.json" -- "$BIN" demo --scale "$n" --signed-in --secret-store memory
    echo
  done
  "${DRIVER[@]}" --label htop --marker "Load average" --keys "$HTOP_KEYS" --quit q \
    --json "$OUT/htop.json" -- htop -d 100
  echo
  "${DRIVER[@]}" --label ncdu --marker "Total disk usage" --keys "$NCDU_KEYS" --quit q \
    --json "$OUT/ncdu.json" -- ncdu -x /usr/share/doc
} 2>&1 | tee "$OUT/summary.txt"

python3 benches/ptyperf_table.py "$OUT" | tee "$OUT/table.md"

# The client alone (no in-process portal): `licencias serve --scale 10000` in
# its own process, a fresh one per run (so a TOTP code is never "reused"), the
# demo user enrolled with a known secret, and the client signing in by keys.
# Its first frame is the login form; the sign-in + listing shows up as the
# latency of the ENTER after the code. Peak RSS is the client's only.
client_only() {
  local n=$1 secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
  local tenants="$SANDBOX/tenants.json"
  python3 - "$tenants" "$secret" <<'PY'
import json, sys
d = json.load(open("assets/demo-tenant.json"))
d["tenants"][0]["users"][0]["totp_secret"] = sys.argv[2]
json.dump(d, open(sys.argv[1], "w"))
PY
  for run in $(seq 1 "$RUNS"); do
    local log="$SANDBOX/serve.log"
    "$BIN" serve --listen 127.0.0.1:0 --tenants "$tenants" --scale "$n" > "$log" 2>/dev/null &
    local serve_pid=$!
    until grep -q "listening on" "$log" 2>/dev/null; do sleep 0.05; done
    local url; url=$(head -1 "$log" | sed 's/^listening on //')
    local code; code=$(python3 - "$secret" <<'PY'
import base64, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1]); counter = int(time.time()) // 30
h = hmac.new(key, struct.pack(">Q", counter), "sha1").digest(); o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
)
    python3 benches/ptyperf.py --cols 120 --rows 40 --runs 1 --settle-ms 300 --label "client only N=$n run $run" \
      --marker "demo" --keys ":licencias-demo ENTER :$code ENTER j*10 k*5 PGDN PGDN / :premium BS*3 ESC j*30@30" --quit q \
      --json "$OUT/client-only-$n-$run.json" -- "$BIN" --portal "$url" --user demo --secret-store memory
    kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
  done
}
if [[ -n "${CLIENT_ONLY:-}" ]]; then
  client_only 10000 2>&1 | tee "$OUT/client-only.txt"
  python3 benches/ptyperf_table.py --client-only "$OUT" | tee -a "$OUT/table.md"
fi
