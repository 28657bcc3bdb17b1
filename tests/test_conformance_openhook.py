"""The open-hook-fd conformance catalogue (issue 5 point 5): corpus/transcripts/openhook/
replayed by `virtwire replay` against `virtwire serve --protocol openhook` and against
`--protocol openhook-xdr` (tests/fixtures/targets.py targets "openhook" and "openhook-xdr",
each over the populated --root of populate_openhook_root).

One folder holds both encodings: host-order cases say `protocol: openhook` and require
`openhook-host`, XDR cases `protocol: openhook-xdr` and require `openhook-xdr` (the target
features), so on each server the cases of its encoding must PASS and exactly the others are
SKIPped.  At least MIN_CASES in all.

meson registers this file as its own test `conformance-openhook` (suite conformance, live;
with VW_CONFORMANCE_OPENHOOK=1); the directory-wide `cli-decode` pytest run skips it.
VW_TIMEOUT_SCALE (default 1) is passed as --timeout-scale.
"""
import os

import pytest

from conftest import ROOT
from fixtures import targets
from fixtures.replaying import header, replay_json

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_CONFORMANCE_OPENHOOK"):
    pytest.skip("runs as its own meson test 'conformance-openhook' (set "
                "VW_CONFORMANCE_OPENHOOK=1 to run it here)", allow_module_level=True)

CASES = ROOT / "corpus" / "transcripts" / "openhook"
MIN_CASES = 10                      # issue 5 point 5
MIN_PER_ENCODING = 10
REPLAY_TIMEOUT = 300
TIMEOUT_SCALE = os.environ.get("VW_TIMEOUT_SCALE", "1")
ENCODING_FEATURE = {"openhook": "openhook-host", "openhook-xdr": "openhook-xdr"}


def cases():
    """{case id: header} of every transcript in the folder."""
    return {f.stem: header(f) for f in sorted(CASES.glob("*.txn"))}


def cases_for(target):
    feat = ENCODING_FEATURE[target]
    return {k for k, h in cases().items() if feat in h.get("requires", "").split()}


def replay(virtwire, t, paths):
    """`virtwire replay` of |paths| against the Running |t|; returns (process, report dict)."""
    return replay_json(virtwire, t.uri, t.features, paths, REPLAY_TIMEOUT, TIMEOUT_SCALE,
                       "vw-conf-oh-")


@pytest.fixture(params=["openhook", "openhook-xdr"])
def target(request):
    why = targets.missing(request.param)
    if why:
        pytest.skip(f"target {request.param} cannot run here: {why}")
    with targets.start(request.param) as t:
        yield request.param, t


# ---- the catalogue as data ----

def test_at_least_min_cases():
    c = cases()
    assert len(c) >= MIN_CASES, f"{len(c)} openhook cases, issue 5 asks for {MIN_CASES}"
    for enc in ENCODING_FEATURE:
        n = len(cases_for(enc))
        assert n >= MIN_PER_ENCODING, f"{n} cases for {enc}"


def test_every_case_has_one_encoding_matching_its_protocol():
    bad = []
    for cid, h in cases().items():
        req = h.get("requires", "").split()
        encs = [e for e, feat in ENCODING_FEATURE.items() if feat in req]
        if h.get("case") != cid or encs != [h.get("protocol")]:
            bad.append(f"{cid}: case {h.get('case')!r}, protocol {h.get('protocol')!r}, "
                       f"requires {req}")
        if "§" not in h.get("spec", ""):
            bad.append(f"{cid}: spec {h.get('spec')!r} cites no section")
    assert not bad, "\n".join(bad)


# ---- against the reference servers ----

def test_catalogue_passes(virtwire, target):
    name, t = target
    p, rep = replay(virtwire, t, [CASES])
    assert rep is not None, f"no report (rc {p.returncode}): {p.stdout}{p.stderr}"
    mine = cases_for(name)
    bad = [f"{c['verdict']} {c['id']}: {c['reason']}" + (f"\n    {c['diff']}" if c["diff"] else "")
           for c in rep["cases"]
           if c["verdict"] != ("PASS" if c["id"] in mine else "SKIP")]
    assert not bad, "cases with the wrong verdict:\n" + "\n".join(bad) + "\n" + p.stdout[-3000:]
    assert p.returncode == 0, p.stdout + p.stderr
    total = rep["totals"]
    assert total["pass"] == len(mine) >= MIN_PER_ENCODING, total
    assert total["cases"] == len(cases()), total
    # every successful open came with exactly one fd, and the runner saw them
    assert sum(c["fds_received"] for c in rep["cases"]) > 0, rep["cases"]


def test_a_wrong_result_fails(virtwire, target, tmp_path):
    """The catalogue can fail: the ENOENT case expecting -13 instead of -2 is a FAIL."""
    name, t = target
    cid = ("openhook-xdr" if name == "openhook-xdr" else "openhook") + "-enoent-001"
    src = (CASES / (cid + ".txn")).read_text()
    assert "result = -2\n" in src
    (tmp_path / (cid + ".txn")).write_text(src.replace("result = -2\n", "result = -13\n", 1))
    p, rep = replay(virtwire, t, [tmp_path / (cid + ".txn")])
    [c] = rep["cases"]
    assert p.returncode == 1 and c["verdict"] == "FAIL" and "result" in (c["diff"] or ""), c
