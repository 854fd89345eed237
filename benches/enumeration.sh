#!/usr/bin/env bash
# User enumeration by timing (issue 10): does a login for an unknown username
# cost the same as a wrong password for a real one?
#
# Starts the release `licencias serve` on a tenants file made from the demo data
# with 30 extra users (all with the demo's cheap argon2 parameters,
# m=1024,t=1,p=1), then times, over one keep-alive connection and alternating,
# 30 wrong-password logins (one per real user, so no account reaches the
# 5-failure lock) and 30 logins for fresh unknown names. Prints both medians and
# their ratio; the target is a ratio within 1.5x.
#
#   benches/enumeration.sh            # builds the release binary if needed
#   NO_BUILD=1 benches/enumeration.sh # use target/release/licencias as it is
#   TRIES=45 benches/enumeration.sh   # more tries (at most 49: 100 wrong logins per address a minute)
#   STATE=1 benches/enumeration.sh    # with --state (every failure writes the state file)
#
# Needs: python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
TRIES="${TRIES:-30}"
BIN="${BIN:-target/release/licencias}"

if [[ -z "${NO_BUILD:-}" ]]; then
  cargo build --release --locked --bin licencias
fi

WORK="$(mktemp -d)"
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 - "$TRIES" > "$WORK/tenants.json" <<'EOF'
import json, sys
tries = int(sys.argv[1])
data = json.load(open("assets/demo-tenant.json"))
tenant = data["tenants"][0]
template = tenant["users"][0]
for i in range(tries):
    user = dict(template)
    user["username"] = f"bench-user-{i:03}"
    user["display_name"] = f"Bench user {i}"
    user["totp_secret"] = None
    tenant["users"].append(user)
json.dump(data, sys.stdout)
EOF

STATE_ARGS=()
if [[ -n "${STATE:-}" ]]; then STATE_ARGS=(--state "$WORK/state.json"); fi
"$BIN" serve --listen 127.0.0.1:0 --tenants "$WORK/tenants.json" "${STATE_ARGS[@]}" > "$WORK/out" 2> "$WORK/err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$WORK/out" 2>/dev/null && break
  sleep 0.1
done
BASE="$(sed -n 's/^listening on //p' "$WORK/out" | head -n1)"
[[ -n "$BASE" ]] || { echo "the server did not start:" >&2; cat "$WORK/err" >&2; exit 1; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $BIN, commit $(git rev-parse --short HEAD), server $BASE${STATE:+, with --state}"
python3 - "$BASE" "$TRIES" <<'EOF'
import http.client, json, statistics, sys, time, uuid, urllib.parse
base, tries = sys.argv[1], int(sys.argv[2])
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port)

def login(username):
    body = json.dumps({"username": username, "password": "definitely-wrong"})
    start = time.perf_counter()
    conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    elapsed = time.perf_counter() - start
    if resp.status != 401:
        sys.exit(f"{username}: expected 401, got {resp.status}")
    return elapsed * 1000.0

login("warm-up-" + uuid.uuid4().hex)
real, unknown = [], []
for i in range(tries):
    real.append(login(f"bench-user-{i:03}"))
    unknown.append(login("nobody-" + uuid.uuid4().hex[:12]))
mr, mu = statistics.median(real), statistics.median(unknown)
print(f"wrong password, real user ({tries} tries): median {mr:.2f} ms (min {min(real):.2f}, max {max(real):.2f})")
print(f"unknown username ({tries} tries):          median {mu:.2f} ms (min {min(unknown):.2f}, max {max(unknown):.2f})")
ratio = max(mr, mu) / min(mr, mu)
print(f"ratio (slower / faster): {ratio:.2f}x; target within 1.5x: {'met' if ratio <= 1.5 else 'NOT met'}")
EOF
