"""`virtwire reproduce` (issue 7 point 2) against a libFuzzer ASan+UBSan build.

The build is VW_FUZZ_BUILD (meson sets it in a libFuzzer build; elsewhere the test skips
unless the caller names one).  Checks: the negative canary crashes (exit 1, CRASH, the stack
in fuzz_canary_negative.c); a committed oncrpc_decode seed does not (exit 0, its xid in the
dump); the target is inferred from corpus/fuzz/T/, T-<hash>.input and WORK/T/crashes/ paths
and an unplaceable file is exit 2; --minimize shrinks the canary keeping its signature and
refuses a non-crashing input; --regress into a temporary tree writes the input and its vector,
which tests/test_regress_vectors.py accepts, and rejects once tampered; a crashing input is
refused unless --force; no build is exit 2 naming how to make one.

meson registers this file as its own test `reproduce` (VW_REPRODUCE=1); the directory-wide
`cli-decode` pytest run skips it.
"""
import json
import os
import pathlib
import re
import shutil
import struct
import subprocess
import tempfile

import pytest

from conftest import ROOT
import test_regress_vectors as RV

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_REPRODUCE"):
    pytest.skip("runs as its own meson test 'reproduce' (set VW_REPRODUCE=1 to run it here)",
                allow_module_level=True)

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
BUILD = os.environ.get("VW_FUZZ_BUILD", "")
TIMEOUT = 240


def is_libfuzzer_build(build):
    """True when BUILD is a meson build configured with -Dfuzzing=libfuzzer."""
    opts = pathlib.Path(build) / "meson-info" / "intro-buildoptions.json"
    if not build or not opts.is_file():
        return False
    return any(o["name"] == "fuzzing" and o["value"] == "libfuzzer"
               for o in json.loads(opts.read_text()))


@pytest.fixture(autouse=True)
def need_build():
    """Skips every test (collected, so pytest does not exit 5) without a libFuzzer build."""
    if not is_libfuzzer_build(BUILD):
        pytest.skip(f"VW_FUZZ_BUILD={BUILD!r} is no libFuzzer build (CC=clang meson setup B "
                    "-Dfuzzing=libfuzzer -Db_sanitize=address,undefined -Db_lundef=false)")


def reproduce(*args, env=None):
    """Runs `virtwire reproduce --build BUILD ARGS`; returns the CompletedProcess."""
    return subprocess.run([VIRTWIRE, "reproduce", "--build", BUILD, *map(str, args)],
                          capture_output=True, text=True, errors="replace", timeout=TIMEOUT,
                          env=env)


@pytest.fixture
def tmp():
    """A short-named temporary directory, removed afterwards."""
    d = tempfile.mkdtemp(prefix="vwrp")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def canary(dirpath, junk=200):
    """Writes a canary input ("CANARY" and |junk| more bytes) named as a crash file."""
    path = dirpath / "canary_negative-0123abcd.input"
    path.write_bytes(b"CANARY" + bytes((i * 7) & 0xff for i in range(junk)))
    return path


def signature(stdout):
    """The signature line of a reproduce run."""
    m = re.search(r"^signature: (.*)$", stdout, re.M)
    assert m, stdout
    return m.group(1)


def test_canary_crashes(tmp):
    p = reproduce(canary(tmp))
    assert p.returncode == 1, p.stdout + p.stderr
    assert "target: canary_negative" in p.stdout
    assert re.search(r"^verdict: CRASH \(heap-buffer-overflow", p.stdout, re.M), p.stdout
    assert "AddressSanitizer: heap-buffer-overflow" in p.stdout
    assert re.search(r"#\d+ .*LLVMFuzzerTestOneInput .*fuzz_canary_negative\.c", p.stdout)
    assert "LLVMFuzzerTestOneInput" in signature(p.stdout)


def test_corpus_file_does_not_crash():
    seed = ROOT / "corpus" / "fuzz" / "oncrpc_decode" / "seed-call-pmap2-getport-auth-sys"
    xid = struct.unpack(">I", seed.read_bytes()[:4])[0]
    p = reproduce(seed)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "target: oncrpc_decode" in p.stdout
    assert f"xid: 0x{xid:08x}" in p.stdout
    assert "decode-result: protocol=onc-rpc from=any exit=0 code=- offset=-1" in p.stdout
    assert re.search(r"^verdict: NO CRASH$", p.stdout, re.M), p.stdout


@pytest.mark.parametrize("rel", ["corpus/fuzz/oncrpc_decode/some-input",
                                 "oncrpc_decode-5f3a9c01.input",
                                 "work/oncrpc_decode/crashes/crash-00ff"])
def test_target_from_path(tmp, rel):
    seed = ROOT / "corpus" / "fuzz" / "oncrpc_decode" / "seed-call-null-auth-none"
    path = tmp / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(seed, path)
    p = reproduce(path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "target: oncrpc_decode" in p.stdout


def test_target_unknown(tmp):
    path = tmp / "input.bin"
    path.write_bytes(b"\0" * 8)
    p = reproduce(path)
    assert p.returncode == 2
    assert "--target" in p.stderr and "corpus/fuzz/T" in p.stderr
    p = reproduce(path, "--target", "no_such_target")
    assert p.returncode == 2 and "unknown target" in p.stderr


def test_no_build(tmp):
    env = dict(os.environ)
    env.pop("VW_FUZZ_BUILD", None)
    p = subprocess.run([VIRTWIRE, "reproduce", "--build", str(tmp), str(canary(tmp))],
                       capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert p.returncode == 2
    assert "ci/fuzz" in p.stderr and "-Dfuzzing=libfuzzer" in p.stderr


def test_minimize_canary(tmp):
    path = canary(tmp)
    before = reproduce(path)
    p = reproduce(path, "--minimize")
    assert p.returncode == 1, p.stdout + p.stderr
    out = pathlib.Path(str(path) + ".min")
    assert out.is_file(), p.stdout
    assert out.stat().st_size < path.stat().st_size
    assert out.read_bytes().startswith(b"CANARY")
    assert re.search(r"^minimized: \d+ -> \d+ bytes, same signature", p.stdout, re.M)
    again = reproduce(out)
    assert again.returncode == 1
    assert signature(again.stdout) == signature(before.stdout)


def test_minimize_needs_a_crash(tmp):
    seed = ROOT / "corpus" / "fuzz" / "oncrpc_decode" / "seed-call-null-auth-none"
    path = tmp / "oncrpc_decode-00000000.input"
    shutil.copy(seed, path)
    p = reproduce(path, "--minimize", "-o", tmp / "out.min")
    assert p.returncode == 0
    assert "cannot minimise: the input does not crash" in p.stdout
    assert not (tmp / "out.min").exists()


def padding_input():
    """An oncrpc_decode input with a non-zero XDR padding byte in the AUTH_SYS machine name
    (RFC 4506 §3): the seed's name is 20 bytes, so the break is a longer, padded name."""
    seed = (ROOT / "corpus" / "fuzz" / "oncrpc_decode" / "seed-call-null-auth-none").read_bytes()
    name = b"host1"                                   # 5 bytes + 3 of padding
    sys_body = struct.pack(">II", 1, len(name)) + name + b"\0\x01\0" + struct.pack(">III",
                                                                                0, 0, 0)
    head = seed[:24]                                  # xid .. proc
    return head + struct.pack(">II", 1, len(sys_body)) + sys_body + struct.pack(">II", 0, 0)


def test_regress_files_input_and_vector(tmp):
    tree = tmp / "tree"
    (tree / "corpus" / "fuzz" / "oncrpc_decode").mkdir(parents=True)
    path = tmp / "oncrpc_decode-feedface.input"
    path.write_bytes(padding_input())
    p = reproduce(path, "--regress", "--root", tree, "--name", "pad")
    assert p.returncode == 0, p.stdout + p.stderr
    inputs = list((tree / "corpus" / "fuzz" / "oncrpc_decode").glob("regress-*-pad"))
    vectors = list((tree / "corpus" / "regress" / "oncrpc_decode").glob("*.expect"))
    assert len(inputs) == 1 and len(vectors) == 1, p.stdout
    assert inputs[0].read_bytes() == path.read_bytes()
    want = RV.parse_expect(vectors[0])
    assert want["code"] == "VW_E_PADDING" and want["exit"] == "1", want
    bindir = pathlib.Path(BUILD) / "fuzzers"
    count, problems = RV.check_tree(tree, VIRTWIRE, bindir)
    assert count == 1 and problems == [], problems
    # tampered: another code must fail, naming the field
    text = vectors[0].read_text()
    vectors[0].write_text(text.replace("VW_E_PADDING", "VW_E_SHORT"))
    count, problems = RV.check_tree(tree, VIRTWIRE, bindir)
    assert any("code=VW_E_PADDING" in x and "VW_E_SHORT" in x for x in problems), problems
    # the script form fails too
    env = dict(os.environ, VIRTWIRE=VIRTWIRE)
    s = subprocess.run(["/usr/bin/python3", RV.__file__, str(tree), str(bindir)],
                       capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert s.returncode == 1 and "FAIL:" in s.stdout, s.stdout + s.stderr
    # an edited input and a lost vector fail as well
    vectors[0].write_text(text)
    inputs[0].write_bytes(inputs[0].read_bytes() + b"\0")
    assert any("sha256" in x for x in RV.check_tree(tree, VIRTWIRE, bindir)[1])
    vectors[0].unlink()
    assert any("without its vector" in x for x in RV.check_tree(tree, VIRTWIRE, bindir)[1])


def test_regress_refuses_a_crash(tmp):
    tree = tmp / "tree"
    tree.mkdir()
    p = reproduce(canary(tmp), "--regress", "--root", tree)
    assert p.returncode == 1
    assert "refused: the input still crashes" in p.stdout
    assert not (tree / "corpus").exists()


def test_regress_vector_catches_a_crash(tmp):
    """A vector whose input crashes its target (a re-introduced bug) fails loudly."""
    tree = tmp / "tree"
    p = reproduce(canary(tmp, junk=2), "--regress", "--root", tree, "--force")
    assert p.returncode == 1 and "filed with --force" in p.stdout, p.stdout + p.stderr
    count, problems = RV.check_tree(tree, VIRTWIRE, pathlib.Path(BUILD) / "fuzzers")
    assert count == 1
    assert any(x.startswith("REGRESSION:") and "heap-buffer-overflow" in x for x in problems)
