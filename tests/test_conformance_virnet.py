"""The virnet conformance catalogue (corpus/transcripts/virnet/, issue 5 point 5) replayed
against libvirtd 9.0 with the test driver (tests/fixtures/targets.py: libvirtd-unix and
libvirtd-tcp, keepalive_interval = -1): every case must PASS and at least 40 must run.

meson registers this file as its own test `conformance-virnet` (with VW_CONFORMANCE_VIRNET=1);
the directory-wide `cli-decode` pytest run skips it so it does not run twice.  VW_TIMEOUT_SCALE
(default 1; 4 under sanitizers) is passed as --timeout-scale.
"""
import json
import os
import subprocess

import pytest

from conftest import ROOT
from fixtures import targets

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_CONFORMANCE_VIRNET"):
    pytest.skip("runs as its own meson test 'conformance-virnet' (set VW_CONFORMANCE_VIRNET=1 "
                "to run it here)", allow_module_level=True)

CATALOGUE = ROOT / "corpus" / "transcripts" / "virnet"
MIN_CASES = 40          # issue 5 point 5
REPLAY_TIMEOUT = 280    # the whole folder (about 8 s unscaled); under the meson timeout
TIMEOUT_SCALE = os.environ.get("VW_TIMEOUT_SCALE", "1")


def _replay(virtwire, target, tmp_path):
    report = tmp_path / f"{target.name}.json"
    r = subprocess.run([virtwire, "replay", "--target", target.uri,
                        "--provides", ",".join(sorted(target.features)),
                        "--timeout-scale", TIMEOUT_SCALE,
                        "--report", f"json:{report}", str(CATALOGUE)],
                       capture_output=True, timeout=REPLAY_TIMEOUT)
    out = (r.stdout + r.stderr).decode(errors="replace")
    assert report.exists(), f"no JSON report (exit {r.returncode}):\n{out}"
    with open(report) as f:
        return r.returncode, json.load(f), out


@pytest.mark.parametrize("name", ["libvirtd-unix", "libvirtd-tcp"])
def test_catalogue_passes(virtwire, tmp_path, name):
    reason = targets.missing(name)
    if reason:
        pytest.skip(f"{name}: {reason}")
    with targets.start(name) as t:
        rc, rep, out = _replay(virtwire, t, tmp_path)
    cases = rep["cases"]
    bad = [f"{c['verdict']} {c['id']}: {c['reason']}" + (f"\n{c['diff']}" if c["diff"] else "")
           for c in cases if c["verdict"] != "PASS"]
    assert not bad, f"{len(bad)} of {len(cases)} cases did not PASS on {t.uri}:\n" + \
        "\n".join(bad)
    assert len(cases) >= MIN_CASES, f"only {len(cases)} cases ran (want >= {MIN_CASES})"
    assert rep["totals"]["pass"] == len(cases), rep["totals"]
    assert rc == 0, f"virtwire replay exited {rc}:\n{out}"


def test_catalogue_ids_match_files():
    """Every case id equals its file name (transcript.h) and cites a spec or an observation."""
    files = sorted(CATALOGUE.glob("*.txn"))
    assert len(files) >= MIN_CASES
    for p in files:
        head = p.read_text().split("\n\n", 1)[0]
        assert f"case: {p.stem}\n" in head + "\n", p.name
        spec = [line for line in head.splitlines() if line.startswith("spec: ")]
        assert spec and ("§" in spec[0] or "observed" in spec[0]), p.name
