"""The `chardev:` transport of `virtwire replay` (issue 6 points 3 and 5, runner side) against
tests/fixtures/fake_chardev.py, a fake guest agent behind a virtio-serial port whose parser and
reply queue survive host disconnects (virtio-serial.md §"Step 4" B-F).

  - every connect to a chardev: target is followed by an implicit 0xFF + guest-sync-delimited
    that drops stale bytes (and `connect: raw` / `reconnect raw` opt out and see them);
  - the sync is resent every 500 ms until its deadline and only the latest id counts;
  - `observe MS` records raw bytes; `tier: informational` turns a passing hazard case into
    INFORMATIONAL (exit 0, counted in the summary and the reports);
  - every sync's latency and dropped bytes are in the JSON report;
  - stream cases run on chardev:, other protocols SKIP there.
Every replay runs with the runner's fd check (VW_REPLAY_FD_CHECK=1).

meson registers this file as its own test `chardev-transport` (suites virtio-serial and
conformance, with VW_CHARDEV=1); the directory-wide `cli-decode` pytest run skips it.
"""
import json
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import pytest

from fixtures.fake_chardev import FakeChardev

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_CHARDEV"):
    pytest.skip("runs as its own meson test 'chardev-transport' (set VW_CHARDEV=1 to run it "
                "here)", allow_module_level=True)

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
SCALE = os.environ.get("VW_TIMEOUT_SCALE", "1")
STALE = b'QUFBQUFB", "eof": false}}\n{"return": 4242}\n{"execute":'
PING = 'send json {"execute":"guest-ping","id":"p1"}\nexpect\n  return = {}\n  id = "p1"\n'


def case(d, name, body, header="", protocol="qga", transport="stream"):
    """Writes the transcript |name| into the directory |d|; returns its path."""
    p = os.path.join(d, name + ".txn")
    with open(p, "w") as f:
        f.write("protocol: %s\ntransport: %s\ncase: %s\ntimeout: 3000\n%s\n%s"
                % (protocol, transport, name, header, body))
    return p


def replay(target, *paths, extra=()):
    """`virtwire replay` with the fd check and a JSON report: (process, report dict)."""
    with tempfile.TemporaryDirectory(prefix="vw-cdt-") as d:
        rep = os.path.join(d, "r.json")
        env = dict(os.environ, VW_REPLAY_FD_CHECK="1")
        p = subprocess.run([VIRTWIRE, "replay", "--target", target, "--timeout-scale", SCALE,
                            "--report", "json:" + rep, *extra, *paths],
                           capture_output=True, text=True, timeout=120, env=env)
        try:
            with open(rep) as f:
                report = json.load(f)
        except (OSError, ValueError):
            report = None
    assert "fd leak" not in p.stdout, p.stdout
    return p, report


def one(report):
    """The only case of a report."""
    assert report is not None and len(report["cases"]) == 1, report
    return report["cases"][0]


@pytest.fixture
def tmp():
    with tempfile.TemporaryDirectory(prefix="vw-cd-") as d:
        yield d


def test_implicit_sync_drops_stale_bytes(tmp):
    """A stale reply tail waits in the port (§C, §D): the implicit sync drops it, the case
    PASSes; with `connect: raw` the same bytes reach the expect and the case FAILs."""
    with FakeChardev(greet={0: STALE}) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-stale-001", PING))
    assert p.returncode == 0, p.stdout
    c = one(rep)
    assert c["verdict"] == "PASS", c
    assert [s["implicit"] for s in c["resyncs"]] == [True]
    assert c["resyncs"][0]["dropped"] >= len(STALE), c["resyncs"]
    assert fc.received[0].startswith(b'\xff{"execute":"guest-sync-delimited"'), fc.received
    with FakeChardev(greet={0: STALE}) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-stale-001", PING, header="connect: raw\n"))
    assert p.returncode == 1 and one(rep)["verdict"] == "FAIL", p.stdout
    assert one(rep)["resyncs"] == []


def test_reconnect_raw_observes_stale_bytes(tmp):
    """`reconnect raw` + observe records the stale tail the second connection gets; the
    informational tier makes the case INFORMATIONAL (exit 0) naming the bytes.  A plain
    `reconnect` syncs, so the same observe sees nothing."""
    body = PING + "reconnect %s\nobserve 400\nresync\n" + PING.replace("p1", "p2")
    hdr = "tier: informational\n"
    with FakeChardev(greet={1: STALE}) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-raw-001", body % "raw", header=hdr))
    assert p.returncode == 0, p.stdout
    c = one(rep)
    assert c["verdict"] == "INFORMATIONAL", c
    assert c["observations"] == [{"line": 12, "bytes": len(STALE),
                                  "text": 'QUFBQUFB\\", \\"eof\\": false}}\\n{\\"return\\": '
                                          '4242}\\n{\\"execute\\":'}], c
    assert c["reason"].startswith("observed at line 12: %d bytes: QUFBQUFB" % len(STALE)), c
    assert "INFORMATIONAL  qga/cd-raw-001" in p.stdout
    assert "    observed at line 12: %d bytes: QUFBQUFB" % len(STALE) in p.stdout
    assert [s["implicit"] for s in c["resyncs"]] == [True, False]
    with FakeChardev(greet={1: STALE}) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-raw-001", body % "", header=hdr))
    c = one(rep)
    assert c["verdict"] == "INFORMATIONAL" and c["observations"][0]["bytes"] == 0, c
    assert [s["implicit"] for s in c["resyncs"]] == [True, True, False]


def test_half_request_survives_reconnect(tmp):
    """The agent holds half a request (§B): without a sync the ping is swallowed into it and
    answered with errors (observed, non-strict tier); with the implicit sync it PASSes."""
    half = b'{"execute":"guest-info","arguments":{'
    body = 'send json {"execute":"guest-ping"}\nobserve 400\nresync\n' + PING
    with FakeChardev(half=half) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-half-001", body,
                                     header="connect: raw\ntier: non-strict\n"))
    c = one(rep)
    assert p.returncode == 0 and c["verdict"] == "NON-STRICT", p.stdout
    assert c["observations"][0]["bytes"] == 0, c      # swallowed: the braces never balance
    with FakeChardev(half=half) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-half-001", PING))
    assert p.returncode == 0 and one(rep)["verdict"] == "PASS", p.stdout


def test_stream_case_runs_on_chardev(tmp):
    """transport: stream cases run on chardev: (issue 6 point 3); transport: chardev cases
    still need a chardev: target."""
    s = case(tmp, "cd-stream-001", PING)
    c = case(tmp, "cd-chardev-002", PING, transport="chardev")
    with FakeChardev() as fc:
        p, rep = replay(fc.uri, s, c)
    assert p.returncode == 0, p.stdout
    assert [x["verdict"] for x in rep["cases"]] == ["PASS", "PASS"], rep
    p, rep = replay("unix:" + os.path.join(tmp, "none.sock"), c)
    assert one(rep)["verdict"] == "SKIP", rep
    assert "transport chardev needs a chardev: target" in one(rep)["reason"]


def test_resend_until_ready(tmp):
    """The agent ignores the first sync, or loses the first bytes like an isa-serial tty
    (§F): the runner resends every 500 ms and PASSes; a deadline below the resend period
    FAILs with one sync sent."""
    with FakeChardev(ignore_syncs=1) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-resend-001", PING))
    c = one(rep)
    assert p.returncode == 0 and c["verdict"] == "PASS", p.stdout
    assert c["resyncs"][0]["sends"] == 2 and c["resyncs"][0]["us"] >= 500000, c
    assert fc.received[0].count(b"\xff") == 2
    with FakeChardev(mangle=40) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-resend-001", PING))
    c = one(rep)
    assert p.returncode == 0 and c["verdict"] == "PASS", p.stdout
    assert c["resyncs"][0]["sends"] >= 2, c
    with FakeChardev(ignore_syncs=1) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-resend-001", PING),
                        extra=["--timeout-scale", "0.1"])
    c = one(rep)
    assert c["verdict"] == "FAIL", c
    assert "first connect: implicit sync: no 0xFF within the timeout (300 ms, 1 sent)" \
        in c["reason"], c


def test_only_the_latest_sync_id_counts(tmp):
    """The first sync is answered late, after the resend: its reply is skipped, the latest
    one ends the sync, and nothing of it is left for the next expect."""
    body = ('send json {"execute":"guest-sync","arguments":{"id":77}}\n'
            'expect\n  return = 77\n')
    with FakeChardev(delay_first_sync=0.8) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-late-001", body))
    c = one(rep)
    assert p.returncode == 0 and c["verdict"] == "PASS", p.stdout
    assert c["resyncs"][0]["sends"] == 2, c


def test_late_line_end_is_not_data(tmp):
    """A tty sends a reply's line end late, as "\\r\\n" (isa-serial, §F): expect-silence after
    it holds for qga (JSON whitespace between messages); a late byte that is not whitespace
    still breaks the silence."""
    body = ('send json {"execute":"guest-sync","arguments":{"id":5}}\nexpect\n  return = 5\n'
            'expect-silence 300\n' + PING)
    with FakeChardev(late_eol=0.1) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-eol-001", body))
    assert p.returncode == 0 and one(rep)["verdict"] == "PASS", p.stdout
    with FakeChardev(late_eol=0.1) as fc:
        p, rep = replay(fc.uri, case(tmp, "cd-eol-001", body.replace(
            "expect-silence", 'send text "x"\nexpect-silence')))
    assert one(rep)["verdict"] == "FAIL", p.stdout
    assert "expected silence for" in one(rep)["reason"], one(rep)


def test_non_qga_case_on_chardev_skips(tmp):
    p, rep = replay("chardev:" + os.path.join(tmp, "x.sock"),
                    case(tmp, "cd-raw-009", 'send text "x\\n"\n', protocol="raw"))
    c = one(rep)
    assert p.returncode == 0 and c["verdict"] == "SKIP", p.stdout
    assert "a chardev: target carries only protocol qga" in c["reason"], c


def test_reports_and_summary(tmp):
    """JSON: observations and resyncs (positive us), informational in the totals; the summary
    line counts it; JUnit: a pass with the observation in system-out; -v shows the syncs."""
    info = case(tmp, "cd-info-001", "reconnect raw\nobserve 300\nresync\n" + PING,
                header="tier: informational\n")
    plain = case(tmp, "cd-plain-002", PING)
    with tempfile.TemporaryDirectory(prefix="vw-cdr-") as d, \
            FakeChardev(greet={1: b'{"return": {}}\n'}) as fc:
        xml = os.path.join(d, "r.xml")
        p, rep = replay(fc.uri, info, plain, extra=["-v", "--report", "junit:" + xml])
        root = ET.parse(xml).getroot()
    assert p.returncode == 0, p.stdout
    assert p.stdout.splitlines()[-1] == ("2 cases: 1 pass, 0 non-strict, 0 fail, 0 error, "
                                         "0 skip, 1 informational"), p.stdout
    assert rep["totals"]["informational"] == 1 and rep["totals"]["pass"] == 1, rep["totals"]
    c = rep["cases"][0]
    assert c["observations"] == [{"line": 8, "bytes": 15, "text": '{\\"return\\": {}}\\n'}], c
    assert len(c["resyncs"]) == 2 and all(s["us"] > 0 for s in c["resyncs"]), c
    assert [(s["line"], s["implicit"]) for s in c["resyncs"]] == [(0, True), (9, False)]
    assert rep["cases"][1]["observations"] == []
    assert "implicit sync at the first connect: " in p.stdout
    assert "explicit sync at line 9: " in p.stdout
    tc = root.find("testsuite/testcase[@name='cd-info-001']")
    assert tc.find("failure") is None and tc.find("error") is None
    out = tc.find("system-out").text
    assert out.startswith("INFORMATIONAL: observed at line 8: 15 bytes: ") and \
        'observed at line 8: 15 bytes: {\\"return\\": {}}\\n' in out, out
