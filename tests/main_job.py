#!/usr/bin/python3
"""main_job.py -- the main job (issue 5 point 7): the whole transcript catalogue against the
embedded default servers and whatever real servers are installed, with a summary.

For every target of tests/fixtures/targets.py, in registry order:
  * a target that cannot run here (server not installed, not root, no transcripts for its
    protocol) is listed with the reason and is not a failure;
  * otherwise it is started in a temp dir, `virtwire replay --target URI --provides FEATURES
    --report json:R/T.json --report junit:R/T.xml corpus/transcripts/<protocol>/` runs on it
    (plus corpus/transcripts/<target>/ when that folder exists, e.g. openhook-xdr), and it is
    stopped.
One line per target, the FAIL and ERROR cases under it, then a table (target, cases, pass,
non-strict, fail, error, skip), the targets not run with their reasons, and where the reports
went (R/T.json, R/T.xml per target, R/main-job.json for the whole run).

Exit status: 0 when no case FAILed or ERRORed, every runnable target started and replayed, and
at least one target ran; 1 otherwise; 2 on a usage error (bad option, no virtwire).

    tests/main_job.py [--virtwire PATH] [--oncrpc-server PATH] [--reports DIR]
                      [--transcripts DIR] [--targets NAME,...] [--timeout-scale F] [-v]

`--virtwire` defaults to $VIRTWIRE (else `virtwire` on PATH), `--oncrpc-server` to
$VW_ONCRPC_SERVER (the meson-built tests/fixtures/oncrpc/vw_oncrpc_server; without it the
onc-rpc-tcp/-unix targets are listed as not run), `--reports` to $VW_MAIN_REPORTS, else a new
directory under /tmp.  Importable: run(argv) returns the exit status, run_target() one
target's Outcome.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPLAY_TIMEOUT = 1800           # seconds for one target's whole replay (a hang is an ERROR)
COLUMNS = ("cases", "pass", "non_strict", "fail", "error", "skip")


class Outcome:
    """One target's result: |status| is "ran", "not-run" (with |reason|, not a failure) or
    "error" (installed but could not start or replay: a failure, with |reason|)."""

    def __init__(self, name, protocol, status, reason=None, totals=None, uri=None,
                 seconds=0.0, problems=(), reports=()):
        self.name = name
        self.protocol = protocol
        self.status = status
        self.reason = reason
        self.totals = totals or {k: 0 for k in COLUMNS}
        self.uri = uri
        self.seconds = seconds
        self.problems = list(problems)      # FAIL / ERROR lines of the replay output
        self.reports = list(reports)

    @property
    def failed(self):
        return (self.status == "error" or self.totals["fail"] > 0
                or self.totals["error"] > 0)


def _targets_module(virtwire, oncrpc_server):
    """Imports tests/fixtures/targets.py with VIRTWIRE / VW_ONCRPC_SERVER set (the fixtures read
    them from the environment)."""
    os.environ["VIRTWIRE"] = virtwire
    if oncrpc_server:
        os.environ["VW_ONCRPC_SERVER"] = oncrpc_server
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    from fixtures import targets
    targets.VIRTWIRE = virtwire
    return targets


def transcript_dirs(transcripts, name, protocol):
    """The folders replayed on target |name|: <protocol>/, and <name>/ when it exists (cases
    of one variant of a protocol, e.g. openhook-xdr).  Folders without a .txn are left out."""
    dirs = [os.path.join(transcripts, protocol)]
    if name != protocol:
        dirs.append(os.path.join(transcripts, name))
    out = []
    for d in dirs:
        if os.path.isdir(d) and any(f.endswith(".txn") for _, _, fs in os.walk(d) for f in fs):
            out.append(d)
    return out


def _problem_lines(stdout):
    """The FAIL / ERROR case lines of a replay's output and the lines indented under them."""
    out, keep = [], False
    for line in stdout.splitlines():
        if line and not line[0].isspace():
            keep = line.startswith("FAIL") or line.startswith("ERROR")
        if keep:
            out.append(line)
    return out


def _replay(virtwire, running, dirs, reports, timeout_scale, verbose):
    """Runs `virtwire replay` on |running|; returns (totals or None, problems, reason)."""
    json_path = os.path.join(reports, running.name + ".json")
    junit_path = os.path.join(reports, running.name + ".xml")
    for p in (json_path, junit_path):
        if os.path.exists(p):
            os.unlink(p)
    cmd = [virtwire, "replay", "--target", running.uri,
           "--provides", ",".join(sorted(running.features)),
           "--report", "json:" + json_path, "--report", "junit:" + junit_path]
    if timeout_scale is not None:
        cmd += ["--timeout-scale", str(timeout_scale)]
    cmd += dirs
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=REPLAY_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, [], f"virtwire replay did not finish within {REPLAY_TIMEOUT} s"
    stdout = r.stdout.decode(errors="replace")
    stderr = r.stderr.decode(errors="replace").strip()
    if verbose:
        sys.stdout.write("".join("    " + ln + "\n" for ln in stdout.splitlines()))
    if r.returncode < 0:
        return None, [], f"virtwire replay killed by signal {-r.returncode}: {stderr[-500:]}"
    if r.returncode not in (0, 1):
        return None, [], f"virtwire replay exited with {r.returncode}: {stderr[-500:]}"
    try:
        with open(json_path) as f:
            totals = json.load(f)["totals"]
        totals = {k: int(totals[k]) for k in COLUMNS}
    except (OSError, ValueError, KeyError, TypeError) as e:
        return None, [], f"no usable JSON report ({type(e).__name__}: {e}): {stderr[-500:]}"
    problems = _problem_lines(stdout)
    if r.returncode == 1 and totals["fail"] + totals["error"] == 0:
        return None, problems, "virtwire replay exited with 1 but reports no FAIL or ERROR"
    if r.returncode == 0 and totals["fail"] + totals["error"] > 0:
        return None, problems, "virtwire replay exited with 0 but reports FAIL or ERROR"
    return totals, problems, None


def run_target(targets, name, virtwire, transcripts, reports, timeout_scale=None,
               verbose=False):
    """Starts target |name|, replays its folders, stops it; returns an Outcome."""
    protocol = targets.protocol_of(name)
    dirs = transcript_dirs(transcripts, name, protocol)
    if not dirs:
        return Outcome(name, protocol, "not-run",
                       f"no transcripts in {os.path.join(transcripts, protocol)}/")
    why = targets.missing(name)
    if why:
        return Outcome(name, protocol, "not-run", why)
    t0 = time.monotonic()
    try:
        with targets.start(name) as running:
            totals, problems, reason = _replay(virtwire, running, dirs, reports,
                                               timeout_scale, verbose)
            uri = running.uri
    except Exception as e:      # an installed server that does not come up is a failure
        return Outcome(name, protocol, "error", f"could not start: {type(e).__name__}: {e}",
                       seconds=time.monotonic() - t0)
    seconds = time.monotonic() - t0
    reps = [os.path.join(reports, name + ext) for ext in (".json", ".xml")]
    if totals is None:
        return Outcome(name, protocol, "error", reason, uri=uri, seconds=seconds,
                       problems=problems, reports=[p for p in reps if os.path.exists(p)])
    return Outcome(name, protocol, "ran", totals=totals, uri=uri, seconds=seconds,
                   problems=problems, reports=reps)


def _row(cells, widths):
    """Target and protocol left-aligned, the numbers right-aligned."""
    return "  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w)
                     for i, (c, w) in enumerate(zip(cells, widths))).rstrip()


def summary(outcomes):
    """The summary table and the not-run list, as text."""
    head = ("target", "protocol", "cases", "pass", "non-strict", "fail", "error", "skip",
            "time")
    rows, total = [], {k: 0 for k in COLUMNS}
    for o in outcomes:
        if o.status == "not-run":
            continue
        for k in COLUMNS:
            total[k] += o.totals[k]
        cells = [o.name, o.protocol] + [o.totals[k] for k in COLUMNS] + [f"{o.seconds:.1f}s"]
        if o.status == "error":
            cells[2:8] = ["-"] * 5 + ["ERROR"]
        rows.append(cells)
    ran = sum(1 for o in outcomes if o.status != "not-run")
    secs = sum(o.seconds for o in outcomes)
    rows.append([f"total ({ran} targets)", ""] + [total[k] for k in COLUMNS] + [f"{secs:.1f}s"])
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    lines = [_row(head, widths), _row(["-" * w for w in widths], widths)]
    lines += [_row(r, widths) for r in rows[:-1]]
    lines += [_row(["-" * w for w in widths], widths), _row(rows[-1], widths)]
    not_run = [o for o in outcomes if o.status != "ran"]
    if not_run:
        lines.append("")
        lines.append("not run:" if all(o.status == "not-run" for o in not_run)
                     else "not run or broken:")
        for o in not_run:
            tag = "ERROR " if o.status == "error" else ""
            lines.append(f"  {o.name:14} {tag}{o.reason}")
    return "\n".join(lines), total


def _write_summary(path, outcomes, total, failed):
    doc = {"targets": [{"target": o.name, "protocol": o.protocol, "status": o.status,
                        "reason": o.reason, "uri": o.uri, "seconds": round(o.seconds, 3),
                        "totals": o.totals if o.status == "ran" else None,
                        "reports": o.reports} for o in outcomes],
           "totals": total, "failed": failed}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def _parse(argv):
    p = argparse.ArgumentParser(prog="main_job.py", description=__doc__.split("\n")[0])
    p.add_argument("--virtwire", default=os.environ.get("VIRTWIRE", "virtwire"))
    p.add_argument("--oncrpc-server", default=os.environ.get("VW_ONCRPC_SERVER"))
    p.add_argument("--reports", default=os.environ.get("VW_MAIN_REPORTS"))
    p.add_argument("--transcripts", default=os.path.join(ROOT, "corpus", "transcripts"))
    p.add_argument("--targets", help="comma-separated subset of the registry, in its order")
    p.add_argument("--timeout-scale", type=float)
    p.add_argument("-v", "--verbose", action="store_true", help="every case line")
    return p.parse_args(argv)


def run(argv=None):
    args = _parse(argv)
    virtwire = os.path.abspath(args.virtwire) if os.sep in args.virtwire else args.virtwire
    oncrpc = os.path.abspath(args.oncrpc_server) if args.oncrpc_server else None
    if shutil.which(virtwire) is None:
        print(f"main_job.py: virtwire not found or not executable: {virtwire} (--virtwire, "
              "$VIRTWIRE)", file=sys.stderr)
        return 2
    targets = _targets_module(virtwire, oncrpc)
    names = targets.names()
    if args.targets:
        wanted = [n for n in args.targets.split(",") if n]
        bad = [n for n in wanted if n not in names]
        if bad:
            print(f"main_job.py: unknown target(s) {', '.join(bad)}; known: {', '.join(names)}",
                  file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]
    reports = args.reports or tempfile.mkdtemp(prefix="vw-main-job-", dir="/tmp")
    os.makedirs(reports, exist_ok=True)
    reports = os.path.abspath(reports)

    t0 = time.monotonic()
    outcomes = []
    for name in names:
        o = run_target(targets, name, virtwire, args.transcripts, reports,
                       args.timeout_scale, args.verbose)
        outcomes.append(o)
        if o.status == "not-run":
            print(f"{name:14} not run: {o.reason}", flush=True)
            continue
        if o.status == "error":
            print(f"{name:14} ERROR: {o.reason}", flush=True)
        else:
            t = o.totals
            print(f"{name:14} {o.uri}: {t['cases']} cases: {t['pass']} pass, "
                  f"{t['non_strict']} non-strict, {t['fail']} fail, {t['error']} error, "
                  f"{t['skip']} skip ({o.seconds:.1f} s)", flush=True)
        for line in o.problems:
            print("    " + line)
    text, total = summary(outcomes)
    ran = [o for o in outcomes if o.status == "ran"]
    # The embedded defaults always run, so a run in which no target ran is broken, not green.
    failed = any(o.failed for o in outcomes) or not ran
    summary_path = os.path.join(reports, "main-job.json")
    _write_summary(summary_path, outcomes, total, failed)
    print()
    print(text)
    print()
    print(f"reports: {reports}/<target>.json and <target>.xml (JUnit); summary {summary_path}")
    if not ran:
        print("main job: no target ran")
    print(f"main job: {'FAILED' if failed else 'passed'} in {time.monotonic() - t0:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run())
