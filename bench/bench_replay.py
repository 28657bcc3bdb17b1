#!/usr/bin/python3
"""bench_replay.py -- replay throughput (issue 5 point 8): `virtwire replay` against a local
server vs a raw socket ping-pong of the same messages (bench/bench_pingpong.c) against the same
server.  Target: replay at least 80 % of raw.  A benchmark, not a test; see bench/README.md.

    bench/bench_replay.py --virtwire BUILD/harness/virtwire --pingpong BUILD/bench/bench_pingpong
                          [--pairs 1000] [--reps 10] [--runs 5] [--targets qemud,openhook,...]

Per target (tests/fixtures/targets.py starts it in a temp dir: qemud and openhook/openhook-xdr
are `virtwire serve`, qga is the real qemu-ga 7.2 when installed; one that cannot run is listed
with the reason):
 1. a transcript with PAIRS send/expect pairs is written to a temp file: qemud GET_VERSION with
    serials 1..PAIRS (expect serial, inReplyTo, type, versionNum = *), openhook QEMU_OPEN of
    "file" read-only (expect result = 0 and expect-fd 1), qga guest-ping (expect return = {});
 2. capture: the same transcript (without expect-fd: the relay drops SCM_RIGHTS) is replayed
    once through tests/fixtures/relay.py; the bytes replay sent, message by message, and the
    size of each reply become the ping-pong script ("REQUEST_HEX REPLY_LEN" per line), so both
    clients send exactly the same bytes and read the same reply sizes;
 3. RUNS times, alternating: `virtwire replay --target URI --provides F --report json:...
    TXN x REPS` (REPS cases, each its own connection; every case must PASS) and
    `bench_pingpong URI SCRIPT REPS` (REPS connections), each timed as a whole process;
 4. messages per second = PAIRS x REPS / wall time; best and median of RUNS; the ratio is
    replay / raw.  Also: replay's in-case rate (the sum of the cases' duration_ms, without
    process start and transcript parsing) and each client's own CPU time (user + sys, from
    getrusage of the child; the least of RUNS) per message, which other load on the machine
    disturbs much less than the wall clock.  Prints a markdown table.
Exit status 0, or 1 when a run failed (a case not PASS, ping-pong error), 2 on a usage error.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

DEFAULT_TARGETS = "qemud,openhook,openhook-xdr,qga"


class BenchError(RuntimeError):
    pass


def _header(protocol, case, requires):
    return (f"protocol: {protocol}\ntransport: stream\ncase: {case}\n"
            f"title: replay benchmark, many send/expect pairs\n"
            f"spec: bench/bench_replay.py (issue 5 point 8)\nrequires: {requires}\n"
            f"timeout: 10000\n\n")


def transcript(target, pairs, with_fd=True):
    """The benchmark transcript of |target| (text) and its case id."""
    case = "bench-" + target
    if target == "qemud":
        # historic-qemud-openhook-qga.md §1.6: serials increase per connection
        steps = "".join(f"send\n  serial = {i}\n  type = GET_VERSION\n"
                        f"expect\n  serial = {i}\n  inReplyTo = {i}\n  type = GET_VERSION\n"
                        f"  versionNum = *\n" for i in range(1, pairs + 1))
        return case, _header("qemud", case, "qemud") + steps
    if target in ("openhook", "openhook-xdr"):
        # historic-qemud-openhook-qga.md §2: QEMU_OPEN, result 0 and the fd by SCM_RIGHTS
        one = ("send\n  filename = \"file\"\n  flags = O_RDONLY\nexpect\n  result = 0\n"
               + ("expect-fd 1\n" if with_fd else ""))
        feat = "openhook-xdr" if target == "openhook-xdr" else "openhook-host"
        return case, _header(target, case, "openhook " + feat) + one * pairs
    if target == "qga":
        # real-servers.md §2 "Exact bytes": guest-ping returns {}
        one = 'send json {"execute":"guest-ping"}\nexpect\n  return = {}\n  error = absent\n'
        return case, _header("qga", case, "qga guest-ping") + one * pairs
    raise BenchError(f"no benchmark transcript for target {target}")


def _replay_cmd(virtwire, running, files, report, uri=None):
    return [virtwire, "replay", "--target", uri or running.uri,
            "--provides", ",".join(sorted(running.features)),
            "--report", "json:" + report] + files


def _check_report(report, cases):
    with open(report) as f:
        doc = json.load(f)
    t = doc["totals"]
    if t["pass"] != cases or t["cases"] != cases:
        bad = [c for c in doc["cases"] if c["verdict"] != "PASS"][:1]
        raise BenchError(f"replay: {t} (want {cases} PASS): {bad}")
    return sum(c["duration_ms"] for c in doc["cases"])


def capture(virtwire, running, pairs, tmp):
    """Replays the transcript once through a relay; returns [(request bytes, reply length)]."""
    from fixtures.relay import Relay
    case, text = transcript(running.name, pairs, with_fd=False)
    path = os.path.join(tmp, "capture", case + ".txn")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    relay_path = os.path.join(tmp, "relay.sock")
    upstream = running.uri.split(":", 1)[1]
    report = os.path.join(tmp, "capture.json")
    with Relay(relay_path, upstream) as relay:
        r = subprocess.run(_replay_cmd(virtwire, running, [path], report, "unix:" + relay_path),
                           capture_output=True, timeout=300)
        if r.returncode != 0:
            raise BenchError("capture replay failed: " + r.stdout.decode(errors="replace")[-800:])
        deadline = time.monotonic() + 5
        while not relay.connections or not all(c.eof["s2c"] or c.eof["c2s"]
                                               for c in relay.connections):
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        conns = list(relay.connections)
    _check_report(report, 1)
    if len(conns) != 1:
        raise BenchError(f"capture: {len(conns)} connections, want 1")
    conn = conns[0]
    # Consecutive chunks of one direction are one message: replay waits for each reply.
    exchanges, req, reply_len, last = [], bytearray(), 0, None
    for _, direction, off, n in conn.chunks:
        if direction == "c2s":
            if last == "s2c":
                exchanges.append((bytes(req), reply_len))
                req, reply_len = bytearray(), 0
            req += conn.c2s[off:off + n]
        else:
            reply_len += n
        last = direction
    if req:
        exchanges.append((bytes(req), reply_len))
    if len(exchanges) != pairs or any(n == 0 for _, n in exchanges):
        raise BenchError(f"capture: {len(exchanges)} exchanges, want {pairs} with replies")
    return exchanges


def _timed(cmd):
    """Runs |cmd|; returns (CompletedProcess, wall seconds, the child's user+sys CPU seconds)."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, timeout=600)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r, wall, (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)


def measure(args, running, tmp):
    case, text = transcript(running.name, args.pairs)
    txn = os.path.join(tmp, case + ".txn")
    with open(txn, "w") as f:
        f.write(text)
    exchanges = capture(args.virtwire, running, args.pairs, tmp)
    script = os.path.join(tmp, "script")
    with open(script, "w") as f:
        for req, n in exchanges:
            f.write(f"{req.hex()} {n}\n")
    msgs = args.pairs * args.reps
    report = os.path.join(tmp, "bench.json")
    replay_rates, raw_rates, in_case, replay_cpu, raw_cpu = [], [], [], [], []
    for _ in range(args.runs):
        r, wall, cpu = _timed(_replay_cmd(args.virtwire, running, [txn] * args.reps, report))
        replay_cpu.append(cpu * 1e6 / msgs)
        if r.returncode != 0:
            raise BenchError("replay failed: " + r.stdout.decode(errors="replace")[-800:])
        ms = _check_report(report, args.reps)
        replay_rates.append(msgs / wall)
        in_case.append(msgs / (ms / 1000.0) if ms > 0 else float("nan"))
        r, wall, cpu = _timed([args.pingpong, running.uri, script, str(args.reps)])
        raw_cpu.append(cpu * 1e6 / msgs)
        if r.returncode != 0:
            raise BenchError("bench_pingpong failed: " + r.stderr.decode(errors="replace"))
        out = dict(kv.split("=", 1) for kv in r.stdout.decode().split())
        want_fds = msgs if running.name.startswith("openhook") else 0
        if int(out.get("msgs", -1)) != msgs or int(out.get("fds", -1)) != want_fds:
            raise BenchError(f"bench_pingpong: {out}, want msgs={msgs} fds={want_fds}")
        raw_rates.append(msgs / wall)
    req_bytes = sum(len(q) for q, _ in exchanges) / len(exchanges)
    rep_bytes = sum(n for _, n in exchanges) / len(exchanges)
    return {"target": running.name, "msgs": msgs, "req": req_bytes, "rep": rep_bytes,
            "replay_best": max(replay_rates), "replay_med": statistics.median(replay_rates),
            "raw_best": max(raw_rates), "raw_med": statistics.median(raw_rates),
            "in_case_best": max(in_case),
            "replay_cpu": min(replay_cpu), "raw_cpu": min(raw_cpu)}


def _parse(argv):
    p = argparse.ArgumentParser(prog="bench_replay.py", description=__doc__.split("\n")[0])
    p.add_argument("--virtwire", default=os.environ.get("VIRTWIRE", "virtwire"))
    p.add_argument("--pingpong", default=os.environ.get("VW_BENCH_PINGPONG", "bench_pingpong"))
    p.add_argument("--pairs", type=int, default=1000, help="send/expect pairs per case")
    p.add_argument("--reps", type=int, default=10, help="cases (connections) per run")
    p.add_argument("--runs", type=int, default=5, help="timed runs of each client")
    p.add_argument("--targets", default=DEFAULT_TARGETS)
    a = p.parse_args(argv)
    for exe in ("virtwire", "pingpong"):
        path = getattr(a, exe)
        if shutil.which(path) is None:
            p.error(f"--{exe}: not found or not executable: {path}")
        setattr(a, exe, os.path.abspath(path) if os.sep in path else shutil.which(path))
    if a.pairs < 1 or a.reps < 1 or a.runs < 1:
        p.error("--pairs, --reps and --runs must be at least 1")
    return a


def run(argv=None):
    args = _parse(argv)
    os.environ["VIRTWIRE"] = args.virtwire
    from fixtures import targets
    targets.VIRTWIRE = args.virtwire
    rows, failed = [], False
    for name in [n for n in args.targets.split(",") if n]:
        if name not in targets.names():
            print(f"{name}: unknown target", file=sys.stderr)
            return 2
        why = targets.missing(name)
        if why:
            print(f"{name}: not run: {why}", flush=True)
            continue
        tmp = tempfile.mkdtemp(prefix="vw-bench-replay-", dir="/tmp")
        try:
            with targets.start(name) as running:
                row = measure(args, running, tmp)
        except (BenchError, subprocess.TimeoutExpired, OSError) as e:
            print(f"{name}: FAILED: {e}", flush=True)
            failed = True
            continue
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        rows.append(row)
        print(f"{name}: replay {row['replay_best']:.0f} msgs/s, raw {row['raw_best']:.0f} "
              f"msgs/s, ratio {row['replay_best'] / row['raw_best']:.1%}", flush=True)
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print()
    print(f"Replay throughput, {time.strftime('%Y-%m-%d', time.gmtime())} UTC, {cpu}, "
          f"{os.cpu_count()} CPUs; {args.pairs} pairs x {args.reps} connections per run, "
          f"best and median of {args.runs} runs (whole process, wall clock).")
    print()
    print("| target | msgs/run | req B | reply B | replay msgs/s (best) | (median) "
          "| raw msgs/s (best) | (median) | replay / raw (best) | (median) "
          "| replay in-case msgs/s | client CPU us/msg: replay | raw |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['target']} | {r['msgs']} | {r['req']:.0f} | {r['rep']:.0f} "
              f"| {r['replay_best']:.0f} | {r['replay_med']:.0f} | {r['raw_best']:.0f} "
              f"| {r['raw_med']:.0f} | {r['replay_best'] / r['raw_best']:.1%} "
              f"| {r['replay_med'] / r['raw_med']:.1%} | {r['in_case_best']:.0f} "
              f"| {r['replay_cpu']:.2f} | {r['raw_cpu']:.2f} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run())
