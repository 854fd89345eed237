#!/usr/bin/env bash
# Idle connections (issue 10): with a soft open-file limit of 1,024 and 1,100
# idle TCP connections open, does `licencias serve` still answer a GET at once?
#
# Starts the release `licencias serve` under `prlimit --nofile=1024:<hard>`
# (the server raises its soft limit to the hard one at start), opens CONNS idle
# TCP connections that send nothing, then times a GET /api/v1/policy on a new
# connection, and checks the idle ones are still open (they are closed only
# after the 60 s header timeout). Prints the server's soft limit before and
# after start, and the GET's time.
#
#   benches/idle_connections.sh            # builds the release binary if needed
#   NO_BUILD=1 benches/idle_connections.sh # use target/release/licencias as it is
#   CONNS=2000 benches/idle_connections.sh # more connections (the hard limit must allow them)
#
# Needs: python3 (standard library only), prlimit (util-linux).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS="${CONNS:-1100}"
SOFT="${SOFT:-1024}"
BIN="${BIN:-target/release/licencias}"
HARD="$(ulimit -Hn)"

if [[ -z "${NO_BUILD:-}" ]]; then
  cargo build --release --locked --bin licencias
fi
if [[ "$HARD" != unlimited && "$HARD" -le "$CONNS" ]]; then
  echo "the hard open-file limit ($HARD) is below $CONNS connections: nothing to show" >&2
  exit 1
fi

WORK="$(mktemp -d)"
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

prlimit --nofile="$SOFT:$HARD" "$BIN" serve --listen 127.0.0.1:0 > "$WORK/out" 2> "$WORK/err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$WORK/out" 2>/dev/null && break
  sleep 0.1
done
BASE="$(sed -n 's/^listening on //p' "$WORK/out" | head -n1)"
[[ -n "$BASE" ]] || { echo "the server did not start:" >&2; cat "$WORK/err" >&2; exit 1; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $BIN, commit $(git rev-parse --short HEAD), server $BASE"
echo "started with: prlimit --nofile=$SOFT:$HARD"
echo "server's open-file limit now: $(grep 'Max open files' "/proc/$SERVER_PID/limits" | awk '{print "soft " $4 ", hard " $5}')"
python3 - "$BASE" "$CONNS" "$SERVER_PID" <<'EOF'
import os, resource, socket, sys, time, urllib.parse
base, conns, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
url = urllib.parse.urlparse(base)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this client needs them too
idle = []
for _ in range(conns):
    s = socket.create_connection((url.hostname, url.port))
    idle.append(s)
time.sleep(1.0)  # let the server accept them all
server_fds = len(os.listdir(f"/proc/{pid}/fd"))
print(f"idle connections open: {len(idle)}; server file descriptors: {server_fds}")

def get():
    start = time.perf_counter()
    s = socket.create_connection((url.hostname, url.port), timeout=10)
    s.sendall(b"GET /api/v1/policy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return (time.perf_counter() - start) * 1000.0, data.split(b"\r\n", 1)[0].decode()

times = []
for _ in range(5):
    ms, status = get()
    times.append(ms)
    if " 200 " not in status:
        sys.exit(f"GET /api/v1/policy answered {status!r}")
times.sort()
print(f"GET /api/v1/policy with {len(idle)} idle connections: 200 OK, median {times[2]:.2f} ms (of 5; max {times[-1]:.2f} ms)")
still_open = 0
for s in idle:
    s.setblocking(False)
    try:
        still_open += s.recv(1) != b""
    except BlockingIOError:
        still_open += 1
    except OSError:
        pass
print(f"idle connections still open afterwards: {still_open} of {len(idle)}")
for s in idle:
    s.close()
EOF
