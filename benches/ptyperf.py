#!/usr/bin/env python3
"""ptyperf: measure a TUI from outside through a pseudo-terminal (as a user over SSH sees it).
Usage: ptyperf.py [--cols 120 --rows 40 --settle-ms 150 --marker TEXT --runs 5 --keys "j*20 /:item ESC" --quit q
                   --trace t.log --json out.json] -- CMD ARGS...
Key tokens: x (one char), x*N (repeat), :text (each char one key), ESC ENTER BS UP DOWN TAB PGDN PGUP,
            x*N@HZ (a burst: N keys sent at HZ per second without waiting for the screen; measured as one step).

Copied from ../shared/tools/ptyperf.py for licencias (issue 6) and extended with:
- PGDN / PGUP key names;
- bursts (`j*30@30`): the keys go out on a fixed clock; `burst_settle_ms` is the time from the LAST key
  of the burst to the last byte of the settled screen ("screen current after the burst"), and
  `burst_current` says whether the settled screen equals the screen after a further quiet period;
- `--env K=V` for the child, `--label` for the summary, `--json` with per-key records (unchanged)."""
import argparse, fcntl, json, os, pty, re, select, signal, statistics as st, struct, sys, termios, time
import pyte

NAMED = {"ESC": b"\x1b", "ENTER": b"\r", "BS": b"\x7f", "TAB": b"\t", "UP": b"\x1b[A", "DOWN": b"\x1b[B",
         "PGDN": b"\x1b[6~", "PGUP": b"\x1b[5~"}
QUERY = re.compile(rb"\x1b\[(\??)(\d*)n|\x1b\[([>=]?)0?c|\x1b\[\?(\d+)\$p|\x1b\](1[01]);\?(?:\x07|\x1b\\)"
                   rb"|\x1b\[>0?q|\x1b\[(1[48])t")

class Burst:
    def __init__(s, key, n, hz): s.key, s.n, s.hz = key, n, hz
    def decode(s, *_): return f"{s.key.decode('latin1')}*{s.n}@{s.hz:g}"

def keys_of(spec):
    out = []
    for tok in spec.split():
        if "@" in tok[1:] and "*" in tok[1:]:
            kn, hz = tok.rsplit("@", 1); k, n = kn.rsplit("*", 1)
            out.append(Burst(NAMED.get(k, k.encode()), int(n), float(hz)))
        elif tok in NAMED: out.append(NAMED[tok])
        elif tok.startswith(":"): out += [c.encode() for c in tok[1:]]
        elif "*" in tok[1:]: k, n = tok.rsplit("*", 1); out += [NAMED.get(k, k.encode())] * int(n)
        else: out.append(tok.encode())
    return out

class Session:
    def __init__(s, cmd, cols, rows, trace, replies=True):
        s.screen = pyte.Screen(cols, rows); s.stream = pyte.ByteStream(s.screen)
        s.pending, s.trace, s.queries, s.sync_open, s.replies = b"", trace, [], False, replies
        s.t0 = time.perf_counter()
        s.pid, s.fd = pty.fork()
        if s.pid == 0:  # child: size the tty before exec so the app's first TIOCGWINSZ is right
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(cmd[0], cmd, dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", **EXTRA_ENV))

    def log(s, d, b):
        if s.trace: s.trace.write(f"{(time.perf_counter()-s.t0)*1e3:10.3f} {d} {b!r}\n")

    def send(s, b):
        s.log(">", b); os.write(s.fd, b)

    def flush_screen(s):
        if s.pending: s.stream.feed(s.pending); s.pending = b""

    def answer(s, chunk):  # reply to terminal queries like a real xterm-ish terminal would
        for m in QUERY.finditer(chunk if s.replies else b""):
            q = m.group(0); s.queries.append(q.decode("latin1"))
            if m.group(2) == b"6":
                s.flush_screen(); y, x = s.screen.cursor.y + 1, s.screen.cursor.x + 1
                s.send(f"\x1b[{y};{x}R".encode())
            elif m.group(2) == b"5": s.send(b"\x1b[0n")
            elif q.endswith(b"c"): s.send(b"\x1b[>1;10;0c" if m.group(3) == b">" else b"\x1b[?62;22c")
            elif m.group(4): s.send(b"\x1b[?%s;%d$y" % (m.group(4), 2 if m.group(4) == b"2026" else 0))
            elif m.group(5): s.send(b"\x1b]%s;rgb:0000/0000/0000\x1b\\" % m.group(5))
            elif q.endswith(b"q"): s.send(b"\x1bP>|ptyperf\x1b\\")
            elif m.group(6) == b"18": s.send(b"\x1b[8;%d;%dt" % (s.screen.lines, s.screen.columns))
            elif m.group(6) == b"14": s.send(b"\x1b[4;%d;%dt" % (s.screen.lines * 20, s.screen.columns * 10))

    def collect(s, settle, timeout, marker=None):
        """Read until output has been quiet for `settle` s (and any ?2026 sync block is closed, and
        marker is on screen). Returns (first_byte_t, last_byte_t, nbytes); times are perf_counter."""
        first = last = None; n = 0; start = time.perf_counter()
        while True:
            now = time.perf_counter()
            quiet_for = now - (last if last else start)
            if last and quiet_for >= settle and not s.sync_open:
                s.flush_screen()
                if not marker or marker in "\n".join(s.screen.display): return first, last, n
            if now - start > timeout: s.flush_screen(); return first, last, n
            r, _, _ = select.select([s.fd], [], [], max(0.001, settle - quiet_for) if last else 0.05)
            if not r: continue
            try: chunk = os.read(s.fd, 1 << 16)
            except OSError: chunk = b""
            if not chunk: s.flush_screen(); return first, last, n  # child exited
            t = time.perf_counter(); first = first or t; last = t; n += len(chunk)
            s.log("<", chunk); s.pending += chunk; s.answer(chunk)
            i, j = chunk.rfind(b"\x1b[?2026h"), chunk.rfind(b"\x1b[?2026l")
            if i > j: s.sync_open = True
            elif j > i: s.sync_open = False

EXTRA_ENV = {}

def burst(s, a, b):
    """Send b.n keys at b.hz without waiting, reading (and answering) output meanwhile; then wait for the
    screen to settle. Returns the key record."""
    period = 1.0 / b.hz; t_first = time.perf_counter(); nbytes = 0; first = None
    for i in range(b.n):
        due = t_first + i * period
        while True:  # read output until the next key is due
            now = time.perf_counter()
            if now >= due: break
            r, _, _ = select.select([s.fd], [], [], due - now)
            if r:
                try: chunk = os.read(s.fd, 1 << 16)
                except OSError: chunk = b""
                if chunk:
                    first = first or time.perf_counter(); nbytes += len(chunk)
                    s.log("<", chunk); s.pending += chunk; s.answer(chunk)
        s.send(b.key)
    t_last = time.perf_counter()
    f, l, n = s.collect(a.settle_ms / 1e3, a.key_timeout)
    nbytes += n
    settled = "\n".join(s.screen.display)
    f2, l2, n2 = s.collect(a.settle_ms / 1e3 * 3, a.settle_ms / 1e3 * 3)  # anything still coming?
    current = n2 == 0 and "\n".join(s.screen.display) == settled
    return {"key": b.decode(), "lat_ms": (l - t_last) * 1e3 if l else 0.0, "burst_settle_ms": (l - t_last) * 1e3 if l else 0.0,
            "first_ms": (first - t_first) * 1e3 if first else None, "bytes": nbytes, "burst_current": current,
            "burst_span_ms": (t_last - t_first) * 1e3}

def run_once(a, keys):
    s = Session(a.cmd, a.cols, a.rows, a.trace_f, not a.no_replies)
    f, l, n = s.collect(a.settle_ms / 1e3, a.timeout, a.marker)
    if l is None: raise SystemExit("no output from app")
    res = {"first_byte_ms": (f - s.t0) * 1e3, "first_frame_ms": (l - s.t0) * 1e3, "first_frame_bytes": n, "keys": []}
    for k in keys:
        if isinstance(k, Burst):
            res["keys"].append(burst(s, a, k)); continue
        t = time.perf_counter(); s.send(k)
        f, l, n = s.collect(a.settle_ms / 1e3, a.key_timeout)
        res["keys"].append({"key": k.decode("latin1"), "lat_ms": (l - t) * 1e3 if l else None,
                            "first_ms": (f - t) * 1e3 if f else None, "bytes": n})
    res["peak_rss_kb"] = vmhwm(s.pid)  # NOT ru_maxrss: that keeps the forked Python's pre-exec RSS
    s.send(a.quit.encode()); deadline = time.time() + 3
    while time.time() < deadline:
        p, status, ru = os.wait4(s.pid, os.WNOHANG)
        if p: break
        try: os.read(s.fd, 1 << 16) if select.select([s.fd], [], [], 0.05)[0] else None
        except OSError: pass
    else:
        os.kill(s.pid, signal.SIGKILL); _, status, ru = os.wait4(s.pid, 0)
    res["queries"] = sorted(set(s.queries)); os.close(s.fd)
    return res

def vmhwm(pid):
    try: return int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1))
    except (OSError, AttributeError): return None

def summ(xs):
    xs = [x for x in xs if x is not None]
    if not xs: return "n/a"
    return f"med {st.median(xs):8.2f}  min {min(xs):8.2f}  max {max(xs):8.2f}  n={len(xs)}"

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cols", type=int, default=120); p.add_argument("--rows", type=int, default=40)
    p.add_argument("--settle-ms", type=float, default=150); p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--key-timeout", type=float, default=2); p.add_argument("--marker")
    p.add_argument("--keys", default=""); p.add_argument("--quit", default="q"); p.add_argument("--runs", type=int, default=5)
    p.add_argument("--no-replies", action="store_true"); p.add_argument("--label", default="")
    p.add_argument("--env", action="append", default=[]); p.add_argument("--trace"); p.add_argument("--json"); p.add_argument("cmd", nargs="+")
    a = p.parse_args(); a.trace_f = open(a.trace, "w") if a.trace else None
    EXTRA_ENV.update(kv.split("=", 1) for kv in a.env)
    keys = keys_of(a.keys); runs = [run_once(a, keys) for _ in range(a.runs)]
    print(f"cmd: {' '.join(a.cmd)}  ({a.cols}x{a.rows}, settle {a.settle_ms} ms, {a.runs} runs)")
    for m in ("first_byte_ms", "first_frame_ms", "first_frame_bytes", "peak_rss_kb"):
        print(f"  {m:18} {summ([r[m] for r in runs])}")
    print(f"label: {a.label}" if a.label else "", end="\n" if a.label else "")
    bs = [k for r in runs for k in r["keys"] if "burst_settle_ms" in k]
    ks = [k for r in runs for k in r["keys"] if "burst_settle_ms" not in k]
    if bs:
        print(f"  {'burst_settle_ms':18} {summ([k['burst_settle_ms'] for k in bs])}  (last key -> settled screen)")
        print(f"  {'burst_bytes':18} {summ([k['bytes'] for k in bs])}")
        print(f"  {'burst_current':18} {[k['burst_current'] for k in bs]}")
    if ks:
        print(f"  {'key_latency_ms':18} {summ([k['lat_ms'] for k in ks])}")
        print(f"  {'key_first_byte_ms':18} {summ([k['first_ms'] for k in ks])}")
        print(f"  {'key_bytes':18} {summ([k['bytes'] for k in ks])}")
        for key in sorted({k["key"] for k in ks}):
            kk = [k for k in ks if k["key"] == key]
            print(f"  key {key!r:8} lat   {summ([k['lat_ms'] for k in kk])}\n  key {key!r:8} bytes {summ([k['bytes'] for k in kk])}")
        print(f"  per-run median latency: {[round(st.median([k['lat_ms'] for k in r['keys'] if k['lat_ms'] is not None] or [0]), 2) for r in runs]}")
    print(f"  queries answered: {runs[0]['queries']}")
    if a.json: json.dump({"label": a.label, "cmd": a.cmd, "cols": a.cols, "rows": a.rows, "runs": runs}, open(a.json, "w"), indent=1)

if __name__ == "__main__":
    main()
