"""The runner tells a broken server from a good one (issue 5 point 6).

For every protocol with a catalogue (corpus/transcripts/<protocol>/) and a target that runs
here (tests/fixtures/targets.py; skipped with the reason otherwise), the target is started
fresh, the breaker relay (tests/fixtures/breaker.py) is put in front of it, and a few cases
chosen by their content (an expect that would see the broken field) are replayed twice with
`virtwire replay --report json:F` under VW_REPLAY_FD_CHECK=1:
  - through the breaker with no fault: every chosen case PASSes (control);
  - with the fault: every chosen case is FAIL or ERROR with a reason naming the fault (the
    diff names the changed field; "nothing within N ms"; "closed"; "unexpected fd"; the
    strict code of the garbage), the exit status is 1, the runner did not crash (returncode
    not negative, no sanitizer report), finished within the timeout, reported no fd leak of
    its own, and the fault really fired (the breaker counts the messages it changed).
The breaker itself must not leak fds (this process's fd table before and after).

meson registers this file as its own test `conformance-breaker` (with VW_BREAKER=1); the
directory-wide `cli-decode` pytest run skips it so it does not run twice.
VW_BREAKER_TIMEOUT_SCALE (meson: 4 in sanitizer builds) scales the control runs' timeouts.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile

import pytest

from conftest import ROOT
from fixtures import breaker as B
from fixtures import targets

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_BREAKER"):
    pytest.skip("runs as its own meson test 'conformance-breaker' (set VW_BREAKER=1 to run "
                "it here)", allow_module_level=True)

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
TRANSCRIPTS = ROOT / "corpus" / "transcripts"
SCALE = float(os.environ.get("VW_BREAKER_TIMEOUT_SCALE", "1"))
DELAY_SCALE = 0.25          # the delay runs shorten every timeout; the delay outlasts them
CASES = 3                   # cases replayed per fault
REPLAY_TIMEOUT = 300
SANITIZER = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|"
                       r"runtime error:|Segmentation fault")

# protocol -> (targets in order of preference, breaker framing)
PROTOCOLS = {
    "virnet": (["libvirtd-unix", "libvirtd-tcp"], "virnet"),
    "onc-rpc": (["onc-rpc-unix", "onc-rpc-tcp"], "onc-rpc"),
    "qemud": (["qemud"], "qemud"),
    "qga": (["qga"], "qga"),
    "openhook": (["openhook"], "openhook"),
}

# Garbage before a reply that the protocol's framing cannot take, and the strict code the
# adapter must name: a length word over the maximum (virnet-oncrpc.md §1.1, 32 MiB + 4;
# historic-qemud-openhook-qga.md §1.6, 262144; §2.1 message_size), an empty non-last
# fragment (RFC 5531 §11, conformance/adapter_oncrpc.c), a line that is no JSON (§3.3).
GARBAGE = {
    "virnet": (b"\xff\xff\xff\xff", "VW_E_LENGTH"),
    "qemud": (b"\xff\xff\xff\xff", "VW_E_LENGTH"),
    "openhook": (b"\xff\xff\xff\xff", "VW_E_LENGTH"),
    "onc-rpc": (b"\x00\x00\x00\x00", None),
    "qga": (b"garbage\n", None),
}


# ---- transcripts, read just enough to choose cases (conformance/transcript.h) ----

class Case:
    def __init__(self, path):
        self.path = path
        self.header = {}
        self.steps = []           # [keyword, rest of the line, [(path, value)]]
        in_header = True
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("#") or line.strip().startswith("#"):
                continue
            if in_header:
                if not line.strip():
                    in_header = False
                elif ":" in line:
                    k, v = line.split(":", 1)
                    self.header[k.strip()] = v.strip()
                continue
            if not line.strip():
                continue
            if line[0] in " \t":
                if self.steps and "=" in line:
                    k, v = line.split("=", 1)
                    self.steps[-1][2].append((k.strip(), v.strip()))
                continue
            kw, _, rest = line.partition(" ")
            self.steps.append([kw, rest, []])
        self.id = self.header.get("case", path.stem)
        self.requires = set(self.header.get("requires", "").split())

    def timeouts(self):
        """Every timeout the case uses, ms."""
        out = [int(self.header.get("timeout", "5000"))]
        for _, rest, _ in self.steps:
            out += [int(x) for x in re.findall(r"timeout=(\d+)", rest)]
        return out

    def expects(self):
        return [c for kw, _, c in self.steps if kw == "expect"]

    def first_wait(self):
        """The first step that waits for the server: expect, resync, expect-close ..."""
        for kw, rest, _ in self.steps:
            if kw in ("expect", "resync", "expect-close", "expect-silence", "expect-fd"):
                return kw + (" sync" if rest.startswith("sync") else "")
        return None

    def has_step(self, kw, rest=None):
        return any(k == kw and (rest is None or r.strip() == rest) for k, r, _ in self.steps)


def _literal(v):
    return v not in ("*", "absent") and not v.startswith("$")


def constrains(field, literal=_literal):
    """A predicate: some expect gives |field| (or a member of it, field.x / field[i]) a
    literal value (not *, absent or a capture)."""
    def pred(c):
        return any((k == field or k.startswith(field + ".") or k.startswith(field + "["))
                   and literal(v) for e in c.expects() for k, v in e)
    return pred


def waits_for_a_reply(c):
    """The case's first wait is for a message (so a late, cut or fd-carrying reply shows)."""
    return c.first_wait() in ("expect", "expect sync", "resync")


def resync_then_expect(c):
    """qga: a resync, then an expect (garbage after the resync is not dropped by it)."""
    kws = [k for k, _, _ in c.steps]
    return "resync" in kws and "expect" in kws[kws.index("resync"):]


def choose(protocol, features, pred, n=CASES):
    """The first |n| cases (by path) of the protocol's folder that the target can run and
    that |pred| accepts."""
    out = []
    for p in sorted((TRANSCRIPTS / protocol).glob("*.txn")):
        try:
            c = Case(p)
        except (OSError, ValueError):
            continue
        if c.header.get("protocol") == protocol and c.requires <= features and pred(c):
            out.append(c)
        if len(out) == n:
            break
    return out


# ---- running ----

def fd_count():
    return len(os.listdir("/proc/self/fd"))


def replay(t, framing, fault, cases, scale):
    """Replays |cases| through a breaker with |fault| in front of target |t|; returns
    (completed process, {case id: report entry}, breaker)."""
    d = tempfile.mkdtemp(prefix="vw-breaker-")
    try:
        return _replay(t, framing, fault, cases, scale, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _replay(t, framing, fault, cases, scale, d):
    report = os.path.join(d, "report.json")
    before = fd_count()
    b = B.Breaker(os.path.join(d, "b.sock"), t.uri, framing, fault)
    b.start()
    try:
        cmd = [VIRTWIRE, "replay", "--target", b.uri, "--provides", ",".join(sorted(t.features)),
               "--timeout-scale", str(scale), "--report", "json:" + report]
        cmd += [str(c.path) for c in cases]
        env = dict(os.environ, VW_REPLAY_FD_CHECK="1")
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=REPLAY_TIMEOUT,
                               env=env)
        except subprocess.TimeoutExpired:
            pytest.fail(f"virtwire replay hung: no exit within {REPLAY_TIMEOUT} s "
                        f"(fault {b.fault.name})")
    finally:
        b.stop()
    assert fd_count() == before, f"the breaker leaked {fd_count() - before} fds"
    assert r.returncode >= 0, f"virtwire replay killed by signal {-r.returncode}: {r.stderr}"
    assert not SANITIZER.search(r.stderr), r.stderr
    with open(report) as f:
        rep = json.load(f)
    by_id = {e["id"]: e for e in rep["cases"]}
    for e in rep["cases"]:
        assert "fd leak" not in (e["reason"] or ""), e
    return r, by_id, b


def start(protocol, names=None):
    names = names or PROTOCOLS[protocol][0]
    why = []
    for n in names:
        reason = targets.missing(n)
        if reason is None:
            return targets.start(n)
        why.append(f"{n}: {reason}")
    pytest.skip("; ".join(why))


def check_fault(protocol, fault, pred, reason, diff=None, fault_scale=None, names=None):
    """Control, then |fault|, on the chosen cases of |protocol| (on the first target of
    |names| that runs here); every case must FAIL or ERROR with a reason matching |reason|
    (and a diff matching |diff| when given)."""
    if not (TRANSCRIPTS / protocol).is_dir():
        pytest.skip(f"no catalogue corpus/transcripts/{protocol}/")
    with start(protocol, names) as t:
        cases = choose(protocol, t.features, pred)
        if not cases:
            pytest.skip(f"no {protocol} case would see the fault {fault.name}")
        framing = PROTOCOLS[protocol][1]
        ids = [c.id for c in cases]

        r, got, b = replay(t, framing, B.none(), cases, SCALE)
        assert b.applied == 0
        bad = {i: (got[i]["verdict"], got[i]["reason"]) for i in ids
               if got.get(i, {}).get("verdict") != "PASS"}
        assert not bad and r.returncode == 0, f"control run through the breaker: {bad}\n" \
            + r.stdout

        scale = SCALE if fault_scale is None else fault_scale
        r, got, b = replay(t, framing, fault, cases, scale)
        print(f"--- {protocol} through {t.name}, fault '{fault.name}' changed {b.applied} "
              f"messages:\n{r.stdout}")
        assert b.applied > 0, f"the fault {fault.name} never fired: {r.stdout}"
        assert r.returncode == 1, r.stdout + r.stderr
        for i in ids:
            e = got.get(i)
            assert e is not None, f"{i} missing from the report: {r.stdout}"
            what = f"{i} under fault '{fault.name}': {e['verdict']} {e['reason']}\n" \
                f"{e['diff']}\n{r.stdout}"
            assert e["verdict"] in ("FAIL", "ERROR"), what
            assert re.search(reason, e["reason"] or ""), what
            if diff is not None:
                assert re.search(diff, e["diff"] or ""), what


# ---- the faults ----

def delay_for(protocol):
    """A delay longer than every timeout of the protocol's cases in a delay run."""
    longest = 5000
    for p in (TRANSCRIPTS / protocol).glob("*.txn"):
        try:
            longest = max([longest] + Case(p).timeouts())
        except (OSError, ValueError):
            continue
    return int(longest * SCALE * DELAY_SCALE) + 1000


PROTOS = list(PROTOCOLS)


@pytest.mark.parametrize("protocol", PROTOS)
def test_delay(protocol):
    check_fault(protocol, B.delay(delay_for(protocol)), waits_for_a_reply,
                r"nothing within \d+ ms|nothing complete within|within the timeout",
                fault_scale=SCALE * DELAY_SCALE)


@pytest.mark.parametrize("protocol", PROTOS)
def test_close_mid_reply(protocol):
    check_fault(protocol, B.close_mid_reply(), waits_for_a_reply, r"closed")


@pytest.mark.parametrize("protocol", PROTOS)
def test_garbage(protocol):
    data, code = GARBAGE[protocol]
    pred = resync_then_expect if protocol == "qga" else waits_for_a_reply
    fault = B.garbage(data, after_sync=protocol == "qga")
    check_fault(protocol, fault, pred, r"invalid message: " + (code or r"VW_E_[A-Z_]+"))


@pytest.mark.parametrize("protocol", PROTOS)
def test_attach_fd(protocol):
    # openhook success replies carry an fd already: the extra one makes the count wrong
    check_fault(protocol, B.attach_fd(), waits_for_a_reply,
                r"unexpected fd|expected \d+ fds, got \d+")


# Over TCP upstreams (the relay connects to tcp:127.0.0.1:PORT).

def test_tcp_oncrpc_xid():
    check_fault("onc-rpc", B.oncrpc_xid(), constrains("xid"), r"does not match",
                diff=r"(?m)^\s*xid: expected", names=["onc-rpc-tcp"])


def test_tcp_virnet_serial_shift():
    check_fault("virnet", B.virnet_serial(+1), constrains("serial"), r"does not match",
                diff=r"(?m)^\s*serial: expected", names=["libvirtd-tcp"])


def test_virnet_header_field():
    check_fault("virnet", B.virnet_header("proc", 1000), constrains("proc"),
                r"does not match", diff=r"(?m)^\s*proc: expected")


def test_virnet_serial_shift():
    check_fault("virnet", B.virnet_serial(+1), constrains("serial"), r"does not match",
                diff=r"(?m)^\s*serial: expected")


def test_virnet_payload_byte():
    # the last payload byte of AUTH_LIST's reply is the low byte of types[0] (§3)
    check_fault("virnet", B.virnet_payload_byte(-1, 0x01), constrains("types[0]"),
                r"does not match|invalid message: VW_E_", diff=None)


def test_oncrpc_xid():
    check_fault("onc-rpc", B.oncrpc_xid(), constrains("xid"), r"does not match",
                diff=r"(?m)^\s*xid: expected")


def test_oncrpc_accept_stat():
    check_fault("onc-rpc", B.oncrpc_accept_stat(), constrains("accept_stat"), r"does not match",
                diff=r"(?m)^\s*accept_stat: expected")


def test_qemud_in_reply_to():
    check_fault("qemud", B.qemud_in_reply_to(+1), constrains("inReplyTo"), r"does not match",
                diff=r"(?m)^\s*inReplyTo: expected")


def test_qga_drop_sync():
    check_fault("qga", B.qga_drop_sync(),
                lambda c: c.has_step("resync") or c.has_step("expect", "sync"),
                r"no 0xFF|expected a sync marker", fault_scale=SCALE * DELAY_SCALE)


def test_qga_fd_on_sync_reply():
    check_fault("qga", B.attach_fd(sync_reply_only=True), lambda c: c.has_step("resync"),
                r"unexpected fd|expected \d+ fds, got \d+")


def test_qga_change_return():
    check_fault("qga", B.qga_change_return(), constrains("return"), r"does not match",
                diff=r"(?m)^\s*return(\.[^:]*)?(\[\d+\])?: expected")


def test_openhook_result():
    check_fault("openhook", B.openhook_result(), constrains("result"), r"does not match",
                diff=r"(?m)^\s*result: expected")


def _negative_result(c):
    return constrains("result", lambda v: v.startswith("-"))(c)


def test_openhook_fd_on_error():
    check_fault("openhook", B.openhook_error_fd(), _negative_result,
                r"unexpected fd|expected 0 fds, got 1")


def test_openhook_drop_fd():
    check_fault("openhook", B.openhook_drop_fd(), lambda c: c.has_step("expect-fd", "1"),
                r"expected 1 fds, got 0")


# ---- the breaker's own framing and field surgery, without a server ----

def test_framers():
    vn = struct.pack(">7I", 28, 0x20008086, 1, 66, 1, 7, 0)
    assert B.frame_virnet(vn + b"x") == 28 and B.frame_virnet(vn[:27]) == 0
    with pytest.raises(B.FrameError):
        B.frame_virnet(b"\xff\xff\xff\xff")
    rec = struct.pack(">I", 4) + b"abcd" + struct.pack(">I", 0x80000002) + b"ef"
    assert B.frame_oncrpc(rec + b"\0") == len(rec) and B.frame_oncrpc(rec[:-1]) == 0
    assert B.frame_qga(b"\xff{}") == 1 and B.frame_qga(b'{"a": 1}\n{') == 9
    assert B.frame_qga(b'{"a": 1}') == 0
    assert B.frame_qemud(struct.pack(">5I", 20, 0x20001A64, 1, 1, 0)) == 20


def test_oncrpc_patch_keeps_fragments():
    rec = struct.pack(">I", 2) + b"\0\1" + struct.pack(">I", 0x80000006) + bytes(6)
    out = B._oncrpc_patch(rec, 0, b"\xaa\xbb\xcc\xdd")
    assert B.oncrpc_fragments(out) == [(False, b"\xaa\xbb"), (True, b"\xcc\xdd" + bytes(4))]


def test_faults_change_one_field():
    reply = struct.pack(">7I", 36, 0x20008086, 1, 66, 1, 7, 0) + struct.pack(">2I", 1, 0)
    out = B.virnet_serial(+1).transform({}, B.Msg(reply, []))
    assert [o.data for o in out] == [reply[:20] + struct.pack(">I", 8) + reply[24:]]
    call = struct.pack(">7I", 28, 0x20008086, 1, 66, 0, 7, 0)
    f = B.virnet_serial(+1)
    assert [o.data for o in f.transform({}, B.Msg(call, []))] == [call] and f.applied == 0
    line = json.dumps({"return": {"a": 1, "b": "x", "c": []}}).encode() + b"\n"
    out = B.qga_change_return().transform({}, B.Msg(line, []))
    assert json.loads(out[0].data) == {"return": {"a": 2, "b": "x~", "c": [0]}}
    f = B.qga_change_return()
    ctx = {}
    f.transform(ctx, B.Msg(b"\xff", [], sync=True))
    assert [o.data for o in f.transform(ctx, B.Msg(b'{"return": 5}\n', []))] \
        == [b'{"return": 5}\n']      # the guest-sync-delimited reply is left alone
