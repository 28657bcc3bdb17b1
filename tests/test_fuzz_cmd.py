"""Tests of `virtwire fuzz` (issue 7 point 1; harness/cmd_fuzz.c, fuzz_libfuzzer.c,
fuzz_crash.c, fuzz_report.c).

The campaigns need a libFuzzer build (-Dfuzzing=libfuzzer, ASan+UBSan) named by VW_FUZZ_BUILD;
without it those tests skip.  The signature tests only need a virtwire binary (VIRTWIRE, else
VW_FUZZ_BUILD/harness/virtwire): they read canned reports from tests/data/fuzz_sig_*.txt.
Every campaign runs a few seconds; every child is killed on a failed test.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
CORPUS = os.path.join(ROOT, "corpus", "fuzz")
FUZZ_BUILD = os.environ.get("VW_FUZZ_BUILD", "")
RUN_LIMIT = 240          # seconds any one virtwire run may take before the test kills it


def virtwire_path():
    """The virtwire under test: $VIRTWIRE, else the one of the libFuzzer build."""
    if os.environ.get("VIRTWIRE"):
        return os.environ["VIRTWIRE"]
    if FUZZ_BUILD:
        return os.path.join(FUZZ_BUILD, "harness", "virtwire")
    return None


def is_libfuzzer_build(build):
    """True when BUILD/fuzzers holds a libFuzzer binary (its flag table is in it)."""
    exe = os.path.join(build, "fuzzers", "fuzz_xdr_primitives")
    try:
        with open(exe, "rb") as f:
            return b"print_final_stats" in f.read()
    except OSError:
        return False


needs_virtwire = pytest.mark.skipif(virtwire_path() is None,
                                    reason="neither VIRTWIRE nor VW_FUZZ_BUILD is set")
needs_build = pytest.mark.skipif(
    not FUZZ_BUILD or not is_libfuzzer_build(FUZZ_BUILD),
    reason="VW_FUZZ_BUILD does not name a libFuzzer build (-Dfuzzing=libfuzzer)")


def run(args, timeout=RUN_LIMIT):
    """Runs virtwire with |args| in its own session; kills the session on a timeout."""
    proc = subprocess.Popen([virtwire_path()] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, out, err


def fuzz(args, tmp):
    """`virtwire fuzz` on the libFuzzer build with crash dir tmp/crashes unless given."""
    base = ["fuzz", "--build", FUZZ_BUILD]
    if "--crashes" not in args:
        base += ["--crashes", os.path.join(tmp, "crashes")]
    return run(base + args)


def table(out):
    """The rows of the summary table: {target: [exec/s, features, corpus, new, crashes]}."""
    rows = {}
    lines = out.splitlines()
    assert lines and lines[0].split()[0] == "target", out
    for line in lines[1:]:
        if " target(s), " in line:
            break
        parts = line.split()
        rows[parts[0]] = parts[1:]
    return rows


def corpus_copy(tmp, target, seeds=None):
    """A corpus root under |tmp| with |target|'s seeds (the first |seeds| of them) and its
    .dict / .options, so that a run never writes the committed corpus."""
    root = os.path.join(tmp, "corpus")
    dst = os.path.join(root, target)
    os.makedirs(dst)
    names = sorted(os.listdir(os.path.join(CORPUS, target)))
    for name in names[:seeds] if seeds else names:
        shutil.copy(os.path.join(CORPUS, target, name), dst)
    for ext in (".dict", ".options"):
        if os.path.exists(os.path.join(CORPUS, target + ext)):
            shutil.copy(os.path.join(CORPUS, target + ext), root)
    return root


def snapshot(path):
    """Names, sizes and mtimes of every file under |path|."""
    snap = {}
    for d, _, files in os.walk(path):
        for f in files:
            st = os.stat(os.path.join(d, f))
            snap[os.path.join(d, f)] = (st.st_size, st.st_mtime_ns)
    return snap


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="vwfz-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


# ---- signatures of canned reports ----

SIGNATURES = {
    "fuzz_sig_asan_canary.txt": "heap-buffer-overflow READ in LLVMFuzzerTestOneInput",
    "fuzz_sig_asan_write.txt": "stack-buffer-overflow WRITE in vw_xdr_put_u32 < "
                               "vw_virnet_encode_header < vw_virnet_encode",
    "fuzz_sig_ubsan.txt": "ubsan: signed integer overflow in vw_demo_add < vw_demo_parse < "
                          "LLVMFuzzerTestOneInput",
    "fuzz_sig_timeout.txt": "timeout in vw_demo_parse < LLVMFuzzerTestOneInput",
    "fuzz_sig_leak.txt": "leak in vw_qga_framer_grow < vw_qga_framer_feed < "
                         "LLVMFuzzerTestOneInput",
    "fuzz_sig_segv.txt": "SEGV READ in vw_openhook_decode < LLVMFuzzerTestOneInput",
    "fuzz_sig_deadly.txt": "deadly signal in vw_qemud_check_invariant < LLVMFuzzerTestOneInput",
}


@needs_virtwire
@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature(name):
    """Kind plus the top 3 project frames; runtime, libc and libFuzzer frames skipped; the
    second stack (allocated by / frame description) never used."""
    rc, out, _ = run(["fuzz", "--signature", os.path.join(DATA, name)], timeout=30)
    assert rc == 0
    assert out.strip() == SIGNATURES[name]


@needs_virtwire
def test_signature_garbage():
    """Random bytes and broken frame lines are no report, and do not crash the parser."""
    rc, out, err = run(["fuzz", "--signature", os.path.join(DATA, "fuzz_sig_garbage.txt")],
                       timeout=30)
    assert rc == 1, err
    assert out.strip() == "(no report)"


@needs_virtwire
def test_signature_same_bug_same_key(tmp):
    """Addresses, pids and line numbers differ between two runs of one bug: same key."""
    with open(os.path.join(DATA, "fuzz_sig_asan_write.txt")) as f:
        text = f.read()
    other = (text.replace("0x7ffd5a3c1a48", "0x7ffe00001111").replace("==4242==", "==99==")
             .replace("xdr.c:88:5", "xdr.c:91:7"))
    path = os.path.join(tmp, "r.txt")
    with open(path, "w") as f:
        f.write(other)
    rc, out, _ = run(["fuzz", "--signature", path], timeout=30)
    assert rc == 0
    assert out.strip() == SIGNATURES["fuzz_sig_asan_write.txt"]


# ---- usage ----

@needs_virtwire
def test_bogus_target_is_usage_error(tmp):
    build = FUZZ_BUILD or os.path.dirname(os.path.dirname(virtwire_path()))
    rc, _, err = run(["fuzz", "--build", build, "--corpus", CORPUS, "--target", "bogus",
                      "--crashes", os.path.join(tmp, "c")], timeout=30)
    assert rc == 2
    assert "bogus" in err


@needs_virtwire
@pytest.mark.parametrize("args", [["--time", "0"], ["--jobs", "x"], ["--engine", "honggfuzz"],
                                  ["--frobnicate"], ["--all", "--target", "qga_decode"],
                                  ["--target", "../x"]])
def test_bad_options(args):
    rc, _, err = run(["fuzz"] + args, timeout=30)
    assert rc == 2
    assert "usage" in err


# ---- campaigns ----

@needs_build
def test_two_targets_table(tmp):
    """A 3-second campaign of two targets, 2 at once: both rows, with numbers."""
    for t in ("xdr_primitives", "qemud_decode"):
        root = corpus_copy(tmp, t)
    rc, out, err = fuzz(["--target", "xdr_primitives", "--target", "qemud_decode",
                         "--time", "3", "--jobs", "2", "--corpus", root], tmp)
    assert rc == 0, out + err
    rows = table(out)
    assert set(rows) == {"xdr_primitives", "qemud_decode"}, out
    for t, cols in rows.items():
        eps, features, corpus = float(cols[0]), int(cols[1]), int(cols[2])
        assert eps > 0 and features > 0 and corpus > 0, (t, out)
        assert cols[4:6] == ["0", "(0)"], out
    assert "started" in err and "exec/s:" in err       # progress lines
    assert "2 target(s), 0 new crash(es), 0 could not run" in out


@needs_build
def test_merge_adds_to_copy_only(tmp):
    """The merge adds inputs to the --corpus copy; the committed corpus is not touched."""
    committed = snapshot(os.path.join(CORPUS, "xdr_primitives"))
    root = corpus_copy(tmp, "xdr_primitives", seeds=1)
    before = len(os.listdir(os.path.join(root, "xdr_primitives")))
    rc, out, err = fuzz(["--target", "xdr_primitives", "--time", "3", "--corpus", root, "-q"],
                        tmp)
    assert rc == 0, out + err
    after = len(os.listdir(os.path.join(root, "xdr_primitives")))
    cols = table(out)["xdr_primitives"]
    assert after > before, out
    assert int(cols[3]) == after - before        # "new inputs" = files the merge added
    assert int(cols[2]) == after                 # "corpus" = its size after the merge
    assert snapshot(os.path.join(CORPUS, "xdr_primitives")) == committed
    assert err == ""                             # -q: no progress lines


@needs_build
def test_canary_crash_then_known(tmp):
    """The negative canary (only when named) crashes: exit 1, a filed crash and its
    reproduce commands; a second run with the same --crashes finds it known: exit 0."""
    root = os.path.join(tmp, "corpus")
    os.makedirs(os.path.join(root, "canary_negative"))
    with open(os.path.join(root, "canary_negative", "seed-canary"), "wb") as f:
        f.write(b"CANARY-seed")
    crashes = os.path.join(tmp, "crashes")
    args = ["--target", "canary_negative", "--time", "3", "--corpus", root, "--no-merge"]
    rc, out, err = fuzz(args, tmp)
    assert rc == 1, out + err
    assert table(out)["canary_negative"][4:6] == ["1", "(1)"], out
    sigs = [f for f in os.listdir(crashes) if f.endswith(".sig")]
    assert len(sigs) == 1, os.listdir(crashes)
    stem = os.path.join(crashes, sigs[0][:-4])
    with open(stem + ".sig") as f:
        assert f.read().startswith("heap-buffer-overflow READ in LLVMFuzzerTestOneInput")
    with open(stem + ".input", "rb") as f:
        assert f.read().startswith(b"CANARY")
    with open(stem + ".txt") as f:
        assert "ERROR: AddressSanitizer: heap-buffer-overflow" in f.read()
    assert "virtwire reproduce %s.input --target canary_negative" % stem in out
    assert "%s/fuzzers/fuzz_canary_negative %s.input" % (FUZZ_BUILD, stem) in out

    rc, out, err = fuzz(args, tmp)
    assert rc == 0, out + err
    assert table(out)["canary_negative"][4:6] == ["1", "(0)"], out
    assert "0 new crash(es)" in out
    assert len([f for f in os.listdir(crashes) if f.endswith(".sig")]) == 1


@needs_build
def test_all_skips_canary(tmp):
    """--all (the default) never runs the negative canary: a committed-corpus copy with only
    two targets and a build that has the canary gives exactly those two rows."""
    root = os.path.join(tmp, "corpus")
    os.makedirs(root)
    build = os.path.join(tmp, "b")
    os.makedirs(os.path.join(build, "fuzzers"))
    for t in ("xdr_primitives", "canary_negative"):
        os.symlink(os.path.join(FUZZ_BUILD, "fuzzers", "fuzz_" + t),
                   os.path.join(build, "fuzzers", "fuzz_" + t))
    os.makedirs(os.path.join(root, "xdr_primitives"))
    for ext in (".options", ".dict"):
        shutil.copy(os.path.join(CORPUS, "xdr_primitives" + ext), root)
    rc, out, err = run(["fuzz", "--all", "--build", build, "--corpus", root, "--time", "1",
                        "--crashes", os.path.join(tmp, "c"), "--no-merge", "-q"])
    assert rc == 0, out + err
    assert set(table(out)) == {"xdr_primitives"}, out


@needs_build
def test_missing_binary_is_a_row(tmp):
    """A target with a corpus but no binary: a row with the reason, exit 1."""
    root = os.path.join(tmp, "corpus")
    os.makedirs(os.path.join(root, "ghost_target"))
    rc, out, err = fuzz(["--target", "ghost_target", "--time", "1", "--corpus", root], tmp)
    assert rc == 1, out + err
    assert " ".join(table(out)["ghost_target"]).startswith("binary missing:"), out
    assert "1 could not run" in out


def fuzz_pids(marker):
    """Pids of processes whose command line contains |marker|."""
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(p))
        except OSError:
            pass
    return pids


@needs_build
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_no_stray_fuzzer_after_kill(tmp, sig):
    """virtwire fuzz killed mid-campaign (SIGTERM or SIGKILL) leaves no fuzzer running."""
    root = corpus_copy(tmp, "xdr_primitives", seeds=1)
    proc = subprocess.Popen([virtwire_path(), "fuzz", "--build", FUZZ_BUILD, "--corpus", root,
                             "--target", "xdr_primitives", "--time", "60",
                             "--crashes", os.path.join(tmp, "c")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=dict(os.environ, TMPDIR=tmp))
    try:
        line = proc.stderr.readline()
        while line and "started" not in line:
            line = proc.stderr.readline()
        assert "started" in line
        deadline = time.monotonic() + 30
        while not fuzz_pids(root) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert fuzz_pids(root), "the fuzzer never started"
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while fuzz_pids(root) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert fuzz_pids(root) == []
        work = [d for d in os.listdir(tmp) if d.startswith("vwfz.")]
        if sig == signal.SIGTERM:
            assert proc.returncode == 1
            assert work == []           # the scratch dir is removed on SIGTERM
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in fuzz_pids(root):
            os.kill(pid, signal.SIGKILL)
