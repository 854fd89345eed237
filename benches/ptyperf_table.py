#!/usr/bin/env python3
"""Summarise a benches/ptyperf.sh run (its JSON files) as the Markdown table of benches/README.md,
with the issue 6 targets checked for licencias. Usage: ptyperf_table.py benches/results/<run>"""
import json, os, statistics as st, sys

NAV = {"j", "k", "\x1b[A", "\x1b[B"}  # one-row moves
PAGE = {"\x1b[6~", "\x1b[5~"}


def med(xs):
    xs = [x for x in xs if x is not None]
    return st.median(xs) if xs else float("nan")


def load(path):
    d = json.load(open(path))
    runs = d["runs"]
    keys = [k for r in runs for k in r["keys"] if "burst_settle_ms" not in k]
    bursts = [k for r in runs for k in r["keys"] if "burst_settle_ms" in k]
    nav = [k for k in keys if k["key"] in NAV]
    page = [k for k in keys if k["key"] in PAGE]
    typing = [k for k in keys if k["key"] not in NAV | PAGE]
    return {
        "label": d["label"],
        "first_frame_ms": med([r["first_frame_ms"] for r in runs]),
        "first_frame_bytes": med([r["first_frame_bytes"] for r in runs]),
        "lat_all_ms": med([k["lat_ms"] for k in keys]),
        "lat_nav_ms": med([k["lat_ms"] for k in nav]),
        "lat_page_ms": med([k["lat_ms"] for k in page]),
        "lat_typing_ms": med([k["lat_ms"] for k in typing]),
        "bytes_nav_med": med([k["bytes"] for k in nav]),
        "bytes_nav_max": max([k["bytes"] for k in nav], default=float("nan")),
        "bytes_page_med": med([k["bytes"] for k in page]),
        "burst_ms": med([k["burst_settle_ms"] for k in bursts]),
        "burst_max_ms": max([k["burst_settle_ms"] for k in bursts], default=float("nan")),
        "burst_current": all(k["burst_current"] for k in bursts) if bursts else None,
        "rss_mb": med([r["peak_rss_kb"] for r in runs]) / 1024,
        "runs": len(runs),
    }


def client_only(run):
    """Runs of the client alone against `licencias serve` in its own process (ptyperf.sh, CLIENT_ONLY=1)."""
    import glob
    runs = [json.load(open(f))["runs"][0] for f in sorted(glob.glob(os.path.join(run, "client-only-*.json")))]
    if not runs:
        return
    def keys(pred): return [k for r in runs for k in r["keys"] if "burst_settle_ms" not in k and pred(k)]
    signin = [r["keys"][len("licencias-demo") + 1 + 6] for r in runs]  # the ENTER after the code
    print()
    print(f"Client alone, N=10,000 (`licencias serve` in its own process; median of {len(runs)} runs)")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| login form drawn (ms) | {med([r['first_frame_ms'] for r in runs]):.1f} |")
    print(f"| ENTER after the code -> services on screen (sign-in + listing of 10,008) (ms) | {med([k['lat_ms'] for k in signin]):.1f} |")
    print(f"| key->settled, j/k (ms) | {med([k['lat_ms'] for k in keys(lambda k: k['key'] in NAV)]):.2f} |")
    print(f"| peak RSS of the client (MB) | {med([r['peak_rss_kb'] for r in runs]) / 1024:.1f} |")


def main():
    if sys.argv[1] == "--client-only":
        return client_only(sys.argv[2])
    run = sys.argv[1]
    order = ["licencias-100.json", "licencias-10000.json", "htop.json", "ncdu.json"]
    rows = [load(os.path.join(run, f)) for f in order if os.path.exists(os.path.join(run, f))]
    cols = [
        ("first frame (ms)", "first_frame_ms", "{:.1f}"),
        ("first frame (bytes)", "first_frame_bytes", "{:.0f}"),
        ("key->settled, all keys (ms)", "lat_all_ms", "{:.2f}"),
        ("key->settled, j/k (ms)", "lat_nav_ms", "{:.2f}"),
        ("key->settled, PageDown (ms)", "lat_page_ms", "{:.2f}"),
        ("key->settled, filter typing (ms)", "lat_typing_ms", "{:.2f}"),
        ("bytes per j/k (median / max)", None, None),
        ("bytes per PageDown", "bytes_page_med", "{:.0f}"),
        ("burst 30 j @30 Hz: last key->settled (ms, median / max)", None, None),
        ("screen current after burst", "burst_current", "{}"),
        ("peak RSS (MB)", "rss_mb", "{:.1f}"),
    ]
    print("| measure (median of %s runs) | %s |" % (rows[0]["runs"] if rows else "?", " | ".join(r["label"] for r in rows)))
    print("|---|" + "---|" * len(rows))
    for name, key, fmt in cols:
        if name.startswith("bytes per j/k"):
            cells = ["{:.0f} / {:.0f}".format(r["bytes_nav_med"], r["bytes_nav_max"]) for r in rows]
        elif name.startswith("burst"):
            cells = ["{:.1f} / {:.1f}".format(r["burst_ms"], r["burst_max_ms"]) for r in rows]
        else:
            cells = [fmt.format(r[key]) for r in rows]
        print(f"| {name} | " + " | ".join(cells) + " |")
    lic = {r["label"]: r for r in rows if r["label"].startswith("licencias")}
    small, big = lic.get("licencias N=100"), lic.get("licencias N=10000")
    if not (small and big):
        return
    ratio = big["lat_all_ms"] / small["lat_all_ms"]
    checks = [
        ("first frame < 30 ms (N=10,000)", big["first_frame_ms"] < 30, f"{big['first_frame_ms']:.1f} ms"),
        ("first frame < 30 ms (N=100)", small["first_frame_ms"] < 30, f"{small['first_frame_ms']:.1f} ms"),
        ("key->settled median < 0.5 ms at N=10,000", big["lat_all_ms"] < 0.5, f"{big['lat_all_ms']:.2f} ms"),
        ("N=10,000 latency <= 1.5x N=100", ratio <= 1.5, f"{ratio:.2f}x"),
        ("screen current within 50 ms after the burst", big["burst_max_ms"] <= 50 and bool(big["burst_current"]),
         f"max {big['burst_max_ms']:.1f} ms, current={big['burst_current']}"),
        ("<= 400 bytes per navigation key", big["bytes_nav_max"] <= 400, f"max {big['bytes_nav_max']:.0f} B"),
        ("<= 8 KiB first frame", big["first_frame_bytes"] <= 8192, f"{big['first_frame_bytes']:.0f} B"),
        ("peak RSS < 20 MB at N=10,000", big["rss_mb"] < 20, f"{big['rss_mb']:.1f} MB"),
    ]
    print()
    print("| target (issue 6) | measured | met |")
    print("|---|---|---|")
    for name, ok, got in checks:
        print(f"| {name} | {got} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
