"""virtio-serial and isa-serial (issue 6 points 4-6): the real qemu-ga 7.2 in a QEMU guest
(tests/fixtures/vm.py, TCG), replayed by `virtwire replay --target chardev:SOCKET`.

  test_catalogue[MODE]     every case of corpus/transcripts/qga/ (the conformance catalogue,
                           written for the host agent) on a guest with the host fixture's block
                           list: no FAIL, no ERROR, at least MIN_CATALOGUE run (not SKIPped)
  test_guest_cases[MODE]   corpus/transcripts/qga-guest/ (file, exec, osinfo: unsafe on the
                           host, safe in the guest) on a guest with nothing blocked: all PASS
  test_hazard[MODE-N]      one hazard of corpus/transcripts/qga-hazards/, on a guest of its own
                           (a hazard can leave the agent busy): the case's tier (INFORMATIONAL or
                           NON-STRICT) or SKIP when the transport lacks what it needs, never
                           PASS, FAIL or ERROR; the bytes observed are printed, and the resync
                           after it must have measured a latency
  test_shutdown[virtio]    guest-shutdown: no reply, the chardev closes, QEMU exits by itself

Every test boots its own VM (about 2-3 s under TCG) and tears it down on every path.  meson
registers each as its own test in suite `virtio-serial` (tests/meson.build), selected with -k;
run alone (no VW_VIRTIO_SERIAL) this file skips, so the directory-wide pytest run does not boot
VMs twice.  Without QEMU, the kernel, busybox or qemu-ga every test skips with the reason.
VW_TIMEOUT_SCALE (default 1) is passed as --timeout-scale.
"""
import os

import pytest

from conftest import ROOT
from fixtures import targets
from fixtures.replaying import header, replay_json

if not os.environ.get("VW_VIRTIO_SERIAL"):
    pytest.skip("runs as meson tests in suite 'virtio-serial' (set VW_VIRTIO_SERIAL=1 to run "
                "it here)", allow_module_level=True)

from fixtures import vm as vmfix                                   # noqa: E402
from fixtures.qga import BLOCK                                     # noqa: E402

CATALOGUE = ROOT / "corpus" / "transcripts" / "qga"
GUEST = ROOT / "corpus" / "transcripts" / "qga-guest"
HAZARDS = ROOT / "corpus" / "transcripts" / "qga-hazards"
MIN_CATALOGUE = 40             # of the catalogue's 50 cases; the rest need a unix socket
REPLAY_TIMEOUT = 900
TIMEOUT_SCALE = os.environ.get("VW_TIMEOUT_SCALE", "1")
VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
MODES = ("virtio", "isa")
TIER_VERDICT = {"informational": "INFORMATIONAL", "non-strict": "NON-STRICT"}


def features(v, mode, extra_ports=()):
    """What a guest target provides: the agent's commands (targets.qga_features), without the
    host socket's words, plus the chardev words."""
    feats = set(targets.qga_features(v.guest_info())) - {"qga-unix", "unix"}
    feats |= {"qga-chardev", "virtio-serial" if mode == "virtio" else "isa-serial"}
    feats |= {"port:" + p for p in extra_ports}
    return feats


def replay(v, feats, paths):
    """`virtwire replay` of |paths| against the VM |v|; returns (process, report dict)."""
    return replay_json(VIRTWIRE, "chardev:" + v.socket_path, feats, paths, REPLAY_TIMEOUT,
                       TIMEOUT_SCALE, "vw-vio-", extra_args=("-v",))


def describe(rep):
    return "\n".join("%s %s: %s%s" % (c["verdict"], c["id"], c.get("reason", ""),
                                      "\n    " + c["diff"].replace("\n", "\n    ")
                                      if c.get("diff") else "")
                     for c in rep["cases"])


@pytest.fixture
def boot():
    """Boots Vm(mode, ...) on demand; every VM is stopped afterwards, whatever happened."""
    why = vmfix.missing()
    if why:
        pytest.skip(f"the VM cannot run here: {why}")
    started = []

    def start(mode, **kw):
        v = vmfix.Vm(mode=mode, **kw)
        started.append(v)
        return v.start()
    yield start
    for v in started:
        v.stop()


@pytest.mark.parametrize("mode", MODES)
def test_catalogue(boot, mode):
    v = boot(mode, block=tuple(BLOCK.split(",")))
    files = sorted(CATALOGUE.glob("*.txn"))
    p, rep = replay(v, features(v, mode), files)
    assert rep is not None, p.stderr[-4000:]
    bad = [c for c in rep["cases"] if c["verdict"] in ("FAIL", "ERROR")]
    assert not bad, describe({"cases": bad}) + "\n" + p.stdout[-4000:]
    ran = [c for c in rep["cases"] if c["verdict"] != "SKIP"]
    assert len(rep["cases"]) == len(files)
    assert len(ran) >= MIN_CATALOGUE, describe(rep)
    assert p.returncode == 0, p.stderr[-2000:]


@pytest.mark.parametrize("mode", MODES)
def test_guest_cases(boot, mode):
    v = boot(mode)
    files = [f for f in sorted(GUEST.glob("*.txn")) if "guest-shutdown" not in f.name]
    assert len(files) >= 7
    p, rep = replay(v, features(v, mode), files)
    assert rep is not None, p.stderr[-4000:]
    assert [c["verdict"] for c in rep["cases"]] == ["PASS"] * len(files), describe(rep)
    assert p.returncode == 0


def hazard_files():
    return sorted(HAZARDS.glob("qga-hazard-*.txn"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", hazard_files(), ids=lambda f: f.stem.split("-")[2])
def test_hazard(boot, mode, path):
    tier = header(path)["tier"]
    v = boot(mode, extra_ports=("test.0",) if mode == "virtio" else ())
    p, rep = replay(v, features(v, mode, ("test.0",) if mode == "virtio" else ()), [path])
    assert rep is not None, p.stderr[-4000:]
    (case,) = rep["cases"]
    print(f"{mode} {case['id']}: {case['verdict']}: {case.get('reason', '')}")
    for o in case.get("observations", []):
        print(f"  observed at line {o['line']}: {o['bytes']} bytes: {o['text'][:600]}")
    for s in case.get("resyncs", []):
        print(f"  resync at line {s['line']}: {s['us']} us, {s['dropped']} bytes dropped"
              f"{' (on connect)' if s.get('implicit') else ''}")
    if case["verdict"] == "SKIP":
        # only a guest without what the case needs (isa-serial has no second port)
        assert mode == "isa" and "port:test.0" in header(path)["requires"], case["reason"]
        return
    assert case["verdict"] == TIER_VERDICT[tier], describe(rep) + "\n" + p.stdout[-4000:]
    assert case.get("observations"), "a hazard case reports what it observed"
    explicit = [s for s in case.get("resyncs", []) if not s.get("implicit")]
    assert explicit and all(s["us"] > 0 for s in explicit), case.get("resyncs")
    assert p.returncode == 0


def test_shutdown(boot):
    v = boot("virtio")
    p, rep = replay(v, features(v, "virtio"), [GUEST / "qga-guest-shutdown-001.txn"])
    assert rep is not None, p.stderr[-4000:]
    assert [c["verdict"] for c in rep["cases"]] == ["PASS"], describe(rep)
    assert v.wait_exit(30) == 0, "QEMU exits by itself after guest-shutdown (-no-reboot)"
