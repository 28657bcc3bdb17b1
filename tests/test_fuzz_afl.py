"""Tests of the AFL++ engine of `virtwire fuzz` (issue 7 point 4; harness/fuzz_afl.c).

They need two builds, named by the environment, and skip without them:
  VW_AFL_BUILD         CC=afl-clang-fast -Dfuzzing=afl [-Db_sanitize=address,undefined]
                       (the canary test needs the sanitizer: only then is the canary built);
  VW_FUZZ_BUILD        the clang libFuzzer build that reproduces every crash;
  VW_AFL_CMPLOG_BUILD  optional: an AFL_LLVM_CMPLOG=1 build, given as --cmplog-build.
The virtwire under test is $VIRTWIRE (meson passes it), else VW_FUZZ_BUILD's.  Every campaign
is 5 s with two afl-fuzz instances on a temp copy of the corpus; virtwire runs in its own
session and dies with the test (its afl-fuzz instances follow by PR_SET_PDEATHSIG).
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "corpus", "fuzz")
AFL_BUILD = os.environ.get("VW_AFL_BUILD", "")
FUZZ_BUILD = os.environ.get("VW_FUZZ_BUILD", "")
CMPLOG_BUILD = os.environ.get("VW_AFL_CMPLOG_BUILD", "")
SECONDS = "5"
RUN_LIMIT = 300          # seconds one virtwire run may take before the test kills it
TARGET = "xdr_primitives"

pytestmark = pytest.mark.skipif(
    not AFL_BUILD or not FUZZ_BUILD,
    reason="runs as the meson test 'fuzz-afl' with VW_AFL_BUILD (an AFL++ build) and "
           "VW_FUZZ_BUILD (a libFuzzer build) set")


def virtwire_path():
    """The virtwire under test: $VIRTWIRE, else the libFuzzer build's."""
    return os.environ.get("VIRTWIRE") or os.path.join(FUZZ_BUILD, "harness", "virtwire")


def run(args):
    """Runs virtwire |args| in its own session; returns (status, stdout, stderr).  The session
    is killed when the run exceeds RUN_LIMIT or the test fails on the way."""
    proc = subprocess.Popen([virtwire_path()] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=RUN_LIMIT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc.returncode, out, err


def afl_fuzz(tmp, corpus, targets, extra=()):
    """`virtwire fuzz --engine afl` of |targets| on |corpus|, crashes in tmp/crashes.  Checks
    that the run leaves nothing behind: no afl-fuzz, no process of the AFL builds' binaries
    (killed if there is one), no shm segment created by an afl-fuzz instance."""
    before = fuzz_processes()
    args = ["fuzz", "--engine", "afl", "--time", SECONDS, "--jobs", "2",
            "--afl-build", AFL_BUILD, "--build", FUZZ_BUILD, "--corpus", corpus,
            "--crashes", os.path.join(tmp, "crashes")]
    if CMPLOG_BUILD:
        args += ["--cmplog-build", CMPLOG_BUILD]
    for t in targets:
        args += ["--target", t]
    rc, out, err = run(args + list(extra))
    left = fuzz_processes() - before
    for pid in left:
        os.kill(pid, signal.SIGKILL)        # ours, and stray: do not let them outlive us
    assert not left, f"processes of the fuzz binaries left behind: {sorted(left)}\n{err}"
    pids = afl_pids(err)
    assert len(pids) >= 1, err
    assert running_afl(pids) == [], "afl-fuzz still running"
    assert not shm_creators() & set(pids), "shm segment left by afl-fuzz"
    return rc, out, err


def fuzz_processes():
    """The pids of the processes running a binary of VW_AFL_BUILD or VW_AFL_CMPLOG_BUILD."""
    dirs = tuple(os.path.realpath(d) + "/" for d in (AFL_BUILD, CMPLOG_BUILD) if d)
    pids = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.readlink(f"/proc/{name}/exe").startswith(dirs):
                    pids.add(int(name))
            except OSError:
                pass
    return pids


def table(out):
    """The summary table's rows: {target: [exec/s, features, corpus, new, crashes, (new)]}."""
    lines = out.splitlines()
    assert lines and lines[0].split()[0] == "target", out
    rows = {}
    for line in lines[1:]:
        if " target(s), " in line:
            break
        rows[line.split()[0]] = line.split()[1:]
    return rows


def digest(path):
    """SHA-256 of the file at |path|."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def contents(directory):
    """{name: sha256} of the files of |directory|."""
    return {n: digest(os.path.join(directory, n)) for n in os.listdir(directory)
            if os.path.isfile(os.path.join(directory, n))}


def corpus_copy(tmp, target):
    """A corpus root under |tmp| with a copy of |target|'s seeds and dictionary."""
    root = os.path.join(tmp, "corpus")
    shutil.copytree(os.path.join(CORPUS, target), os.path.join(root, target))
    if os.path.exists(os.path.join(CORPUS, target + ".dict")):
        shutil.copy(os.path.join(CORPUS, target + ".dict"), root)
    return root


def afl_pids(err):
    """The pids of the afl-fuzz instances, from the progress lines."""
    return [int(p) for p in re.findall(r"afl-fuzz -[MS] \S+ pid (\d+)", err)]


def shm_creators():
    """The creator pids of the SysV shm segments (`ipcs -m -p`)."""
    out = subprocess.run(["ipcs", "-m", "-p"], capture_output=True, text=True,
                         timeout=10, check=True).stdout
    pids = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].isdigit() and parts[2].isdigit():
            pids.add(int(parts[2]))
    return pids


def running_afl(pids):
    """The pids among |pids| that are still an afl-fuzz process."""
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm", encoding="ascii") as f:
                if f.read().strip() == "afl-fuzz":
                    alive.append(pid)
        except OSError:
            pass
    return alive


@pytest.fixture
def tmp():
    """A short temp dir, removed afterwards."""
    d = tempfile.mkdtemp(prefix="vwafl-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_two_instance_campaign(tmp):
    """A 5 s -M/-S campaign of one target: a row with exec/s and edges above 0; both
    instances ran (and, as after every run, left no process or shm segment: afl_fuzz);
    --no-merge leaves the corpus as it was."""
    corpus = corpus_copy(tmp, TARGET)
    before = contents(os.path.join(corpus, TARGET))
    rc, out, err = afl_fuzz(tmp, corpus, [TARGET], ["--no-merge"])
    assert rc == 0, out + err
    row = table(out)[TARGET]
    assert float(row[0]) > 0, out           # exec/s summed over the instances
    assert int(row[1]) > 0, out             # edges found
    assert " -M main pid " in err and " -S s1 pid " in err, err
    assert len(afl_pids(err)) == 2, err
    assert contents(os.path.join(corpus, TARGET)) == before


def test_merge_adds_only_new_content(tmp):
    """The afl-cmin set is merged into a corpus copy: the old files stay as they were, every
    added file has content not already there and not added twice, and the table counts them."""
    corpus = corpus_copy(tmp, TARGET)
    tdir = os.path.join(corpus, TARGET)
    before = contents(tdir)
    rc, out, err = afl_fuzz(tmp, corpus, [TARGET])
    assert rc == 0, out + err
    assert "afl-cmin failed" not in err, err
    after = contents(tdir)
    assert {n: after[n] for n in before} == before, "an existing corpus file changed"
    added = {n: h for n, h in after.items() if n not in before}
    assert added, "a 5 s campaign merged nothing: " + err
    assert all(n.startswith("afl-") for n in added), added
    assert not set(added.values()) & set(before.values()), "old content added again"
    assert len(set(added.values())) == len(added), "the same content added twice"
    assert all(os.path.getsize(os.path.join(tdir, n)) > 0 for n in added)
    row = table(out)[TARGET]
    assert int(row[2]) == len(after), out   # corpus size after the merge
    assert int(row[3]) == len(added), out   # new inputs


def crash_files(crashes):
    """The .input files filed in |crashes|."""
    return sorted(n for n in os.listdir(crashes) if n.endswith(".input"))


def test_canary_crash_found_deduplicated_and_reproduced(tmp):
    """The canary with a seed starting "CANARY" (and one that does not): every crash of both
    instances reproduces under the libFuzzer build with one signature, so one crash is filed,
    the exit status is 1 and the table prints a command that reproduces it; a second run
    knows it (exit 0, nothing new filed)."""
    if not os.access(os.path.join(AFL_BUILD, "fuzzers", "fuzz_canary_negative"), os.X_OK):
        pytest.skip("VW_AFL_BUILD has no canary: build it with -Db_sanitize=address,undefined")
    corpus = os.path.join(tmp, "corpus")
    os.makedirs(os.path.join(corpus, "canary_negative"))
    for name, data in (("seed-canary", b"CANARY-seed"), ("seed-near", b"CANARZ")):
        with open(os.path.join(corpus, "canary_negative", name), "wb") as f:
            f.write(data)
    crashes = os.path.join(tmp, "crashes")
    rc, out, err = afl_fuzz(tmp, corpus, ["canary_negative"], ["--keep-work"])
    work = re.search(r"work directory kept: (\S+)", out)
    try:
        assert work, out
        found = [f for d in ("main", "s1")
                 for f in os.listdir(os.path.join(work.group(1), "canary_negative", "sync", d,
                                                  "crashes")) if f.startswith("id:")]
    finally:
        if work:
            shutil.rmtree(work.group(1), ignore_errors=True)
    assert rc == 1, out + err
    assert found, "no crash file: " + err   # with the crashing seed: >= 2 crash inputs
    assert "afl-cmin failed" not in err, err
    for name in os.listdir(os.path.join(corpus, "canary_negative")):
        with open(os.path.join(corpus, "canary_negative", name), "rb") as f:
            assert name == "seed-canary" or not f.read().startswith(b"CANARY"), name
    assert table(out)["canary_negative"][4:] == ["1", "(1)"], out
    filed = crash_files(crashes)
    assert len(filed) == 1, filed
    with open(os.path.join(crashes, filed[0][:-len(".input")] + ".sig"), encoding="utf-8") as f:
        assert "heap-buffer-overflow" in f.read()
    cmd = re.search(r"virtwire reproduce (\S+) --target canary_negative", out)
    raw = re.search(r"\(raw: (\S+) (\S+)\)", out)
    assert cmd and raw and cmd.group(1) == os.path.join(crashes, filed[0]), out
    rep = subprocess.run([raw.group(1), "-runs=1", raw.group(2)], capture_output=True,
                         text=True, timeout=60)
    assert rep.returncode != 0 and "AddressSanitizer" in rep.stderr, rep.stderr

    rc, out, err = afl_fuzz(tmp, corpus, ["canary_negative"])
    assert rc == 0, out + err
    assert table(out)["canary_negative"][4:] == ["1", "(0)"], out
    assert crash_files(crashes) == filed
