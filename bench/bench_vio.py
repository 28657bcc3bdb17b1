#!/usr/bin/python3
"""bench_vio.py -- qemu-ga 7.2 over virtio-serial, isa-serial and a unix socket, side by side
(issue 6 point 7).  A benchmark, not a test.

    bench/bench_vio.py [--transports virtio,isa,unix] [--launches 3] [--pings 200] [--reads 3]

Per transport:
 * launch to ready: from starting the process (QEMU: tests/fixtures/vm.py Vm, TCG; unix: the
   host qemu-ga of tests/fixtures/qga.py) to the first reply to 0xFF + guest-sync-delimited;
   median of LAUNCHES launches, one at a time;
 * guest-ping latency: PINGS request/reply round trips on one connection after a sync,
   median, p10 and p90;
 * guest-file-read of 1 MiB: a 1 MiB random file is created (guest: guest-exec of head -c
   1048576 /dev/urandom, its sha256 from sha256sum in the guest; host: written by this script
   into the agent's temp dir), opened with guest-file-open, read with ONE guest-file-read of
   count 1048576 (timed: request sent to reply parsed), the base64 decoded and its sha256
   checked; median of READS.
The VMs block nothing; the host agent blocks the fixture's list minus guest-file-open (it runs
as uid 65534 when root).  Prints a markdown table.  Exit 0, or 1 when a transport failed.
"""
import argparse
import base64
import hashlib
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from fixtures import qga as qgafix       # noqa: E402
from fixtures import vm as vmfix         # noqa: E402

FILE_SIZE = 1 << 20
GUEST_FILE = "/tmp/vw-bench.bin"
READ_TIMEOUT = 120.0
EXEC_TIMEOUT = 60.0
NAMES = {"virtio": "virtio-serial", "isa": "isa-serial", "unix": "unix socket (host qemu-ga)"}


class BenchError(RuntimeError):
    pass


# ---- one agent, whatever carries it ----

def ping_latencies(ch, n):
    """|n| guest-ping round trips on the synced QgaChannel |ch|; seconds each."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        reply = ch.command("guest-ping")
        out.append(time.perf_counter() - t0)
        if reply != {"return": {}}:
            raise BenchError(f"guest-ping: {reply}")
    return out


def read_once(ch, path, want_sha):
    """Opens |path| in the agent, reads it with one guest-file-read of FILE_SIZE (timed),
    closes it, checks the sha256.  Returns the read's seconds."""
    handle = ch.call("guest-file-open", {"path": path, "mode": "r"})
    try:
        t0 = time.perf_counter()
        r = ch.call("guest-file-read", {"handle": handle, "count": FILE_SIZE},
                    timeout=READ_TIMEOUT)
        dt = time.perf_counter() - t0
    finally:
        ch.call("guest-file-close", {"handle": handle})
    data = base64.b64decode(r["buf-b64"])
    if len(data) != FILE_SIZE or hashlib.sha256(data).hexdigest() != want_sha:
        raise BenchError(f"guest-file-read gave {len(data)} bytes with another sha256")
    return dt


def make_guest_file(ch):
    """Creates GUEST_FILE (FILE_SIZE random bytes) in the guest; returns its sha256 as the
    guest's sha256sum printed it."""
    script = f"head -c {FILE_SIZE} /dev/urandom > {GUEST_FILE} && sha256sum {GUEST_FILE}"
    pid = ch.call("guest-exec", {"path": "/bin/sh", "arg": ["-c", script],
                                 "capture-output": True})["pid"]
    deadline = time.monotonic() + EXEC_TIMEOUT
    while True:
        st = ch.call("guest-exec-status", {"pid": pid})
        if st["exited"]:
            break
        if time.monotonic() > deadline:
            raise BenchError("guest-exec did not finish")
        time.sleep(0.05)
    if st.get("exitcode") != 0:
        raise BenchError(f"guest-exec: {st}")
    return base64.b64decode(st["out-data"]).split()[0].decode()


def measure_agent(ch, make_file, pings, reads):
    """Ping latencies and read times over |ch|; |make_file|(ch) -> (path, sha256)."""
    lat = ping_latencies(ch, pings)
    path, sha = make_file(ch)
    return lat, [read_once(ch, path, sha) for _ in range(reads)]


# ---- the transports ----

def bench_vm(mode, launches, pings, reads):
    """Launch-to-ready times, ping latencies and read times of a VM in |mode|."""
    ready = []
    for i in range(launches):
        v = vmfix.Vm(mode)
        try:
            v.start()
            ready.append(v.launch_to_ready_s)
            if i == launches - 1:
                with v.channel() as ch:
                    lat, rd = measure_agent(ch, lambda c: (GUEST_FILE, make_guest_file(c)),
                                            pings, reads)
        finally:
            v.stop()
    return ready, lat, rd


def _host_file(directory):
    """A FILE_SIZE random file in |directory|, readable by the agent; (path, sha256)."""
    data = os.urandom(FILE_SIZE)
    path = os.path.join(directory, "bench.bin")
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)
    return path, hashlib.sha256(data).hexdigest()


def bench_unix(launches, pings, reads):
    """The same for the host qemu-ga on a unix socket (tests/fixtures/qga.py) with
    guest-file-open allowed."""
    saved = qgafix.BLOCK
    qgafix.BLOCK = ",".join(b for b in qgafix.BLOCKED if b != "guest-file-open")
    ready = []
    try:
        for i in range(launches):
            q = qgafix.Qga()
            try:
                t0 = time.monotonic()
                q.start()
                with vmfix.QgaChannel(q.socket_path, time.monotonic() + 10) as ch:
                    ch.sync(10.0)
                    ready.append(time.monotonic() - t0)
                    if i == launches - 1:
                        lat, rd = measure_agent(ch, lambda c: _host_file(q.dir), pings, reads)
            finally:
                q.stop()
    finally:
        qgafix.BLOCK = saved
    return ready, lat, rd


# ---- report ----

def pct(values, p):
    """The |p|-th percentile (0-100) of |values|, linear between the nearest ranks."""
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def secs(x):
    """|x| seconds for the table: ms below one second."""
    return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"


def row_cells(res):
    """Three table cells for one transport's result (or its error)."""
    if isinstance(res, Exception):
        msg = f"failed: {str(res).splitlines()[0][:60]}"
        return [msg] * 3
    ready, lat, rd = res
    med_rd = statistics.median(rd)
    return [f"{secs(statistics.median(ready))} ({' / '.join(secs(r) for r in ready)})",
            f"{pct(lat, 50) * 1e3:.2f} / {pct(lat, 10) * 1e3:.2f} / {pct(lat, 90) * 1e3:.2f} ms",
            f"{med_rd * 1e3:.0f} ms ≈ {FILE_SIZE / med_rd / 1e6:.2f} MB/s "
            f"({'/'.join(f'{r * 1e3:.0f}' for r in rd)} ms)"]


def table(results, args):
    names = list(results)
    cells = {n: row_cells(results[n]) for n in names}
    labels = [f"launch to ready, median of {args.launches}",
              f"guest-ping x{args.pings}: median / p10 / p90",
              f"guest-file-read 1 MiB, one call, median of {args.reads}"]
    out = ["| metric | " + " | ".join(NAMES[n] for n in names) + " |",
           "|---|" + "---|" * len(names)]
    for i, label in enumerate(labels):
        out.append(f"| {label} | " + " | ".join(cells[n][i] for n in names) + " |")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--transports", default="virtio,isa,unix")
    ap.add_argument("--launches", type=int, default=3)
    ap.add_argument("--pings", type=int, default=200)
    ap.add_argument("--reads", type=int, default=3)
    args = ap.parse_args(argv)
    wanted = [t for t in args.transports.split(",") if t]
    if any(t not in NAMES for t in wanted) or min(args.launches, args.pings, args.reads) < 1:
        ap.error("transports are virtio, isa, unix; counts are >= 1")
    results = {}
    for t in wanted:
        why = qgafix.Qga.missing() if t == "unix" else vmfix.missing()
        if why:
            results[t] = BenchError(why)
            continue
        print(f"bench_vio: {NAMES[t]} ...", file=sys.stderr, flush=True)
        try:
            if t == "unix":
                results[t] = bench_unix(args.launches, args.pings, args.reads)
            else:
                results[t] = bench_vm(t, args.launches, args.pings, args.reads)
        except (BenchError, vmfix.VmError, qgafix.QgaError, OSError, ValueError) as e:
            results[t] = e
    print(table(results, args))
    print(f"\nMethod: QEMU 7.2 under TCG (-smp 1 -m 256, PVH vmlinux) or the host qemu-ga; ready ="
          f" first 0xFF + guest-sync-delimited reply after launch; pings on one synced\n"
          f"connection; one guest-file-read of {FILE_SIZE} bytes timed from request to parsed "
          f"reply, base64-decoded and sha256-checked against the file written.")
    return 1 if any(isinstance(r, Exception) for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
