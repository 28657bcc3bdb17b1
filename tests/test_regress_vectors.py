"""Checks every regression vector, corpus/regress/<target>/<sha8>.expect (issue 7 point 2).

usage: test_regress_vectors.py ROOT FUZZ_BINDIR   (VIRTWIRE names the built virtwire)

`virtwire reproduce --regress` files a fuzz input twice: the input itself as
corpus/fuzz/<target>/regress-<sha8>[-name] (replayed by the corpus-<target> test of every
build) and a vector saying what it must do now.  For each vector this checks:
  - the vector names only known keys and every required one;
  - the input is in the corpus and its sha256 is the vector's (an edited input fails);
  - FUZZ_BINDIR/fuzz_<target> runs it without a crash or a sanitizer report (a re-introduced
    bug fails here, loudly, with the report);
  - `virtwire reproduce --no-run` still gives the recorded decode result: protocol,
    direction, exit status, error code and stream offset;
and for the tree: every regress-* corpus input has its vector, and at least one vector
exists (so this check can fail when the vectors vanish).

Run by meson as the test `regress-vectors`; tests/test_reproduce.py imports check_tree.
Not a pytest module: it defines no test functions, so the directory-wide run collects none.
"""
import hashlib
import os
import pathlib
import re
import subprocess
import sys

REQUIRED = ("target", "input", "sha256", "crash", "decode")
DECODED = ("from", "exit", "code", "offset")
SANITIZER = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|"
                       r"runtime error:|deadly signal|==ERROR")
RUN_TIMEOUT = 120


def parse_expect(path):
    """Reads a .expect file into a dict; raises ValueError on an unknown or repeated key."""
    keys = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in REQUIRED + DECODED:
            raise ValueError(f"{path}:{n}: unknown line {line!r}")
        if key in keys:
            raise ValueError(f"{path}:{n}: {key} given twice")
        keys[key] = value.strip()
    missing = [k for k in REQUIRED if k not in keys]
    if keys.get("decode") not in (None, "none", "short"):
        missing += [k for k in DECODED if k not in keys]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return keys


def decode_result(virtwire, target, input_path):
    """The decode-result line of `virtwire reproduce --no-run`, as a dict (or a 'kind')."""
    p = subprocess.run([virtwire, "reproduce", "--no-run", "--target", target, str(input_path)],
                       capture_output=True, text=True, errors="replace", timeout=RUN_TIMEOUT)
    if p.returncode != 0:
        return {"error": f"reproduce --no-run exited {p.returncode}: {p.stderr.strip()}"}
    m = re.search(r"^decode-result: (.*)$", p.stdout, re.M)
    if not m:
        return {"error": "no decode-result line"}
    text = m.group(1)
    if text.startswith("none"):
        return {"decode": "none"}
    if text.startswith("short"):
        return {"decode": "short"}
    got = dict(kv.split("=", 1) for kv in text.split())
    got["decode"] = got.pop("protocol")
    return got


def run_fuzzer(bindir, target, input_path):
    """Runs the target's fuzz binary once on the input; returns a problem text or None."""
    exe = pathlib.Path(bindir) / f"fuzz_{target}"
    if not os.access(exe, os.X_OK):
        if not list(pathlib.Path(bindir).glob("fuzz_*")):
            return f"no fuzz binaries in {bindir}"
        # a build without this target (the oracle targets need libtirpc and rpcgen)
        print(f"note: {exe} not built here; {input_path} checked by its decode result only")
        return None
    try:
        p = subprocess.run([str(exe), str(input_path)], capture_output=True, text=True,
                           errors="replace", timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"REGRESSION: fuzz_{target} hangs on {input_path} (over {RUN_TIMEOUT} s)"
    out = p.stdout + p.stderr
    if p.returncode != 0 or SANITIZER.search(out):
        return (f"REGRESSION: {input_path} crashes fuzz_{target} again (exit {p.returncode});"
                f" a fixed bug is back:\n{out[-3000:]}")
    return None


def check_vector(root, vec, virtwire, bindir):
    """Checks one vector; returns a list of problem texts (empty when it holds)."""
    try:
        want = parse_expect(vec)
    except ValueError as e:
        return [str(e)]
    problems = []
    target = want["target"]
    if vec.parent.name != target or not vec.name.startswith(want["sha256"][:8]):
        problems.append(f"{vec}: filed under the wrong target or name")
    input_path = root / want["input"]
    if not input_path.is_file():
        return problems + [f"{vec}: input {want['input']} is not in the corpus"]
    digest = hashlib.sha256(input_path.read_bytes()).hexdigest()
    if digest != want["sha256"]:
        problems.append(f"{vec}: {want['input']} has sha256 {digest}, the vector says "
                        f"{want['sha256']}")
    if want["crash"] != "no":
        problems.append(f"{vec}: crash: must be 'no' (a regression input must pass)")
    else:
        bad = run_fuzzer(bindir, target, input_path)
        if bad:
            problems.append(bad)
    got = decode_result(virtwire, target, input_path)
    if "error" in got:
        return problems + [f"{vec}: {got['error']}"]
    for key in ("decode",) + (DECODED if want["decode"] not in ("none", "short") else ()):
        if got.get(key) != want[key]:
            problems.append(f"{vec}: decode result {key}={got.get(key)}, the vector says "
                            f"{want[key]} (full result: {got})")
    return problems


def check_tree(root, virtwire, bindir):
    """Checks every vector under ROOT; returns (number of vectors, problem texts)."""
    root = pathlib.Path(root)
    vectors = sorted((root / "corpus" / "regress").glob("*/*.expect"))
    problems = []
    for vec in vectors:
        problems += check_vector(root, vec, virtwire, bindir)
    for inp in sorted((root / "corpus" / "fuzz").glob("*/regress-*")):
        sha8 = inp.name[len("regress-"):][:8]
        if not (root / "corpus" / "regress" / inp.parent.name / f"{sha8}.expect").is_file():
            problems.append(f"{inp}: a regression input without its vector "
                            f"corpus/regress/{inp.parent.name}/{sha8}.expect")
    if not vectors:
        problems.append(f"no vectors under {root}/corpus/regress")
    return len(vectors), problems


def main(argv):
    """Checks the tree ARGV[1] with the fuzz binaries of ARGV[2]; exit 0 when all hold."""
    if len(argv) != 3 or not os.environ.get("VIRTWIRE"):
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    count, problems = check_tree(argv[1], os.environ["VIRTWIRE"], argv[2])
    for p in problems:
        print(f"FAIL: {p}")
    print(f"{count} vectors checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
