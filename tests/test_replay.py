"""CLI tests for `virtwire replay` (conformance/transcript.h, conformance/replay.h) against
scripted fake servers written here (unix and tcp sockets), through the "raw" adapter: every
line the server sends is one message with one field `line` (conformance/adapter_raw.c).

A script is a list of connections, each a list of actions run in order on that connection:
  ("recv", n)        read until n bytes or a newline arrived
  ("recv1",)         one recv() of whatever is there
  ("send", bytes)    write bytes
  ("fds", bytes, n)  write bytes with n SCM_RIGHTS fds of /dev/null
  ("sleep", s)       wait s seconds
  ("flood", n)       write n bytes with no newline (or until the runner goes away)
  ("close",)         close the connection
"""
import array
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

import pytest

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")


class FakeServer:
    def __init__(self, script, family="unix"):
        self.script = script
        self.dir = tempfile.mkdtemp(prefix="vw-replay-")
        self.received = []
        if family == "unix":
            self.path = os.path.join(self.dir, "s.sock")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(self.path)
            self.uri = "unix:" + self.path
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.uri = "tcp:127.0.0.1:%d" % self.sock.getsockname()[1]
        self.sock.listen(8)
        self.sock.settimeout(20)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        for actions in self.script:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            got = b""
            try:
                conn.settimeout(20)
                for act in actions:
                    if act[0] == "recv":
                        buf = b""
                        while len(buf) < act[1] and not buf.endswith(b"\n"):
                            chunk = conn.recv(act[1] - len(buf))
                            if not chunk:
                                break
                            buf += chunk
                        got += buf
                    elif act[0] == "recv1":
                        got += conn.recv(4096)
                    elif act[0] == "send":
                        conn.sendall(act[1])
                    elif act[0] == "fds":
                        fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(act[2])]
                        conn.sendmsg([act[1]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                                 array.array("i", fds))])
                        for fd in fds:
                            os.close(fd)
                    elif act[0] == "sleep":
                        time.sleep(act[1])
                    elif act[0] == "flood":
                        block = b"x" * 65536
                        sent = 0
                        while sent < act[1]:
                            conn.sendall(block)
                            sent += len(block)
                    elif act[0] == "close":
                        break
            except OSError:
                pass
            self.received.append(got)
            conn.close()

    def stop(self):
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


def txn(tmp, case, body, header=""):
    text = "protocol: raw\ntransport: stream\ncase: %s\n%s\n%s" % (case, header, body)
    p = tmp / (case + ".txn")
    p.write_text(text)
    return p


def replay(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    t0 = time.monotonic()
    r = subprocess.run([VIRTWIRE, "replay", *map(str, args)], capture_output=True, text=True,
                       timeout=120, env=e)
    r.elapsed = time.monotonic() - t0
    return r


def run_case(tmp, script, body, header="", family="unix", extra=(), env=None):
    srv = FakeServer(script, family)
    try:
        p = txn(tmp, "c-001", body, header)
        r = replay("--target", srv.uri, *extra, p, env=env)
    finally:
        srv.stop()
    return r, srv


def verdict_line(r):
    return [ln for ln in r.stdout.splitlines() if "raw/c-001" in ln][0]


HELLO = 'send text "hello\\n"\nexpect\n  line = "world"\n'


def test_pass_unix(tmp):
    r, srv = run_case(tmp, [[("recv", 64), ("send", b"world\n")]], HELLO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.match(r"^PASS  raw/c-001  \(\d+ ms\)$", verdict_line(r))
    assert r.stdout.splitlines()[-1] == "1 cases: 1 pass, 0 non-strict, 0 fail, 0 error, 0 skip"
    assert srv.received == [b"hello\n"]


def test_pass_tcp(tmp):
    r, srv = run_case(tmp, [[("recv", 64), ("send", b"world\n")]], HELLO, family="tcp")
    assert r.returncode == 0, r.stdout + r.stderr
    assert verdict_line(r).startswith("PASS  raw/c-001")


def test_fail_with_diff(tmp):
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"wor\tld\n")]], HELLO)
    assert r.returncode == 1
    line = verdict_line(r)
    assert line.startswith("FAIL  raw/c-001") and "line 6: the message does not match" in line
    assert '    line: expected "world", got "wor\\tld"' in r.stdout
    assert '    received: line "wor\\tld"' in r.stdout


def test_absent_and_star(tmp):
    body = 'send text "x\\n"\nexpect\n  line = *\n  other = absent\n'
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"anything\n")]], body)
    assert r.returncode == 0, r.stdout
    body = 'send text "x\\n"\nexpect\n  line = absent\n'
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"anything\n")]], body)
    assert r.returncode == 1 and 'line: expected absent, got "anything"' in r.stdout
    body = 'send text "x\\n"\nexpect\n  nothing = *\n'
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"anything\n")]], body)
    assert r.returncode == 1 and "nothing: expected a value (*), got absent" in r.stdout


def test_timeout_is_bounded(tmp):
    body = 'send text "x\\n"\nexpect timeout=300\n  line = "y"\n'
    r, _ = run_case(tmp, [[("recv", 64), ("sleep", 3)]], body)
    took = r.elapsed
    assert r.returncode == 1
    assert "line 6: nothing within 300 ms" in verdict_line(r)
    assert 0.3 <= took < 2.5, took


def test_timeout_scale(tmp):
    body = 'send text "x\\n"\nexpect timeout=200\n  line = "y"\n'
    r, _ = run_case(tmp, [[("recv", 64), ("sleep", 2)]], body, extra=["--timeout-scale", "2"])
    assert "nothing within 400 ms" in verdict_line(r)


def test_unfinished_message_timeout(tmp):
    body = 'send text "x\\n"\nexpect timeout=300\n  line = "y"\n'
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"abc"), ("sleep", 2)]], body)
    assert "nothing complete within 300 ms (3 bytes of an unfinished message)" in verdict_line(r)


def test_close_mid_message(tmp):
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"wor"), ("close",)]], HELLO)
    assert r.returncode == 1
    assert "server closed the connection mid-message (after 3 bytes)" in verdict_line(r)


def test_close_before_reply(tmp):
    r, _ = run_case(tmp, [[("recv", 64), ("close",)]], HELLO)
    assert r.returncode == 1
    assert verdict_line(r).endswith("line 6: server closed the connection")


def test_flood_is_bounded(tmp):
    body = 'send text "x\\n"\nexpect timeout=20000\n  line = "y"\n'
    t0 = time.monotonic()
    r, _ = run_case(tmp, [[("recv", 64), ("flood", 80 << 20)]], body)
    assert r.returncode == 1
    assert "ERROR  raw/c-001" in verdict_line(r)
    assert "server sent too much (67" in verdict_line(r)
    assert time.monotonic() - t0 < 30


def test_unexpected_fds_are_closed_and_fail(tmp):
    env = {"VW_REPLAY_FD_CHECK": "1"}
    body = 'send text "x\\n"\nexpect\n  line = "y"\nexpect\n  line = "z"\n'
    r, _ = run_case(tmp, [[("recv", 64), ("fds", b"y\n", 3), ("send", b"z\n")]], body, env=env)
    assert r.returncode == 1
    assert ("line 8: unexpected fd: the message matched at line 6 came with 3 fds"
            in verdict_line(r))
    # the same with expect-fd passes, and the runner's fd table is unchanged (fd check on)
    body = 'send text "x\\n"\nexpect\n  line = "y"\nexpect-fd 3\nexpect\n  line = "z"\n'
    r, _ = run_case(tmp, [[("recv", 64), ("fds", b"y\n", 3), ("send", b"z\n")]], body, env=env)
    assert r.returncode == 0, r.stdout
    body = 'send text "x\\n"\nexpect\n  line = "y"\nexpect-fd 2\n'
    r, _ = run_case(tmp, [[("recv", 64), ("fds", b"y\n", 3)]], body, env=env)
    assert "line 8: expected 2 fds, got 3" in verdict_line(r)


def test_fds_go_to_the_message_they_came_with(tmp):
    # "a" without an fd, then "b" with one, read together (the wait): Linux glues the segment
    # without fds to the one carrying them and ends the read there (unix(7)), so the fd is
    # the second message's, not the first's (conformance/replay.c take_chunk_fds)
    env = {"VW_REPLAY_FD_CHECK": "1"}
    body = ('send text "x\\n"\nwait 300\nexpect\n  line = "a"\nexpect-fd 0\n'
            'expect\n  line = "b"\nexpect-fd 1\n')
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"a\n"), ("fds", b"b\n", 1)]], body, env=env)
    assert r.returncode == 0, r.stdout
    # an fd sent with the first message stays with it, the next read starts after it
    body = ('send text "x\\n"\nwait 300\nexpect\n  line = "a"\nexpect-fd 2\n'
            'expect\n  line = "b"\nexpect-fd 0\n')
    r, _ = run_case(tmp, [[("recv", 64), ("fds", b"a\n", 2), ("send", b"b\n")]], body, env=env)
    assert r.returncode == 0, r.stdout
    # two messages in one sendmsg with its fd: counted with the read's last message
    body = ('send text "x\\n"\nwait 300\nexpect\n  line = "a"\nexpect-fd 0\n'
            'expect\n  line = "b"\nexpect-fd 1\n')
    r, _ = run_case(tmp, [[("recv", 64), ("fds", b"a\nb\n", 1)]], body, env=env)
    assert r.returncode == 0, r.stdout
    # the wrong count is still a FAIL naming the step
    body = ('send text "x\\n"\nwait 300\nexpect\n  line = "a"\nexpect-fd 0\n'
            'expect\n  line = "b"\nexpect-fd 0\n')
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"a\n"), ("fds", b"b\n", 1)]], body, env=env)
    assert "line 12: expected 0 fds, got 1" in verdict_line(r), r.stdout


def test_unexpected_fd_at_the_end_names_a_line(tmp):
    body = 'send text "x\\n"\nexpect\n  line = "y"\n'
    r, _ = run_case(tmp, [[("recv", 64), ("fds", b"y\n", 1)]], body,
                    env={"VW_REPLAY_FD_CHECK": "1"})
    assert r.returncode == 1
    assert verdict_line(r).endswith(
        "line 6: unexpected fd: the message matched at line 6 came with 1 fds"), r.stdout


def test_fd_check_reports_pass_when_clean(tmp):
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"world\n")]], HELLO,
                    env={"VW_REPLAY_FD_CHECK": "1"})
    assert r.returncode == 0 and "fd leak" not in r.stdout


def test_send_fd(tmp):
    body = 'send-fd /dev/null\nsend text "x\\n"\nexpect\n  line = "ok"\n'
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"ok\n")]], body,
                    env={"VW_REPLAY_FD_CHECK": "1"})
    assert r.returncode == 0, r.stdout
    body = 'send-fd /nonexistent/file\nsend text "x\\n"\n'
    r, _ = run_case(tmp, [[("recv", 64)]], body)
    assert "ERROR  raw/c-001" in verdict_line(r) and "send-fd /nonexistent/file" in r.stdout


def test_connect_refused(tmp):
    p = txn(tmp, "c-001", HELLO)
    r = replay("--target", "unix:" + str(tmp / "nobody.sock"), p)
    assert r.returncode == 1
    assert "ERROR  raw/c-001" in verdict_line(r) and "cannot connect" in verdict_line(r)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = replay("--target", "tcp:127.0.0.1:%d" % port, p)
    assert "ERROR  raw/c-001" in verdict_line(r) and "Connection refused" in verdict_line(r)


def test_skip_requires(tmp):
    p = txn(tmp, "c-001", HELLO, header="requires: alpha beta\n")
    srv = FakeServer([[("recv", 64), ("send", b"world\n")]])
    try:
        r = replay("--target", srv.uri, "--provides", "alpha", p)
        assert r.returncode == 0
        assert verdict_line(r).startswith("SKIP  raw/c-001") and "target lacks: beta" in r.stdout
        assert "0 fail, 0 error, 1 skip" in r.stdout
        feats = tmp / "features"
        feats.write_text("# what the server has\nalpha\nbeta, gamma\n")
        r = replay("--target", srv.uri, "--features", feats, p)
        assert r.returncode == 0 and verdict_line(r).startswith("PASS"), r.stdout
    finally:
        srv.stop()


def test_transport_mismatch_skips(tmp):
    p = txn(tmp, "c-001", HELLO)
    r = replay("--target", "chardev:" + str(tmp / "x.sock"), p)
    assert verdict_line(r).startswith("SKIP") and "transport stream" in r.stdout


def test_captures_across_steps(tmp):
    body = ('send text "a\\n"\nexpect\n  line = $tok\n'
            'send json {"echo":$tok}\nexpect\n  line = $tok\n')
    r, srv = run_case(tmp, [[("recv", 64), ("send", b"t42\n"), ("recv1",),
                             ("send", b"t42\n")]], body)
    assert r.returncode == 0, r.stdout
    assert srv.received == [b'a\n{"echo":"t42"}']
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"t42\n"), ("recv1",),
                           ("send", b"t43\n")]], body)
    assert r.returncode == 1 and 'line: expected $tok = "t42", got "t43"' in r.stdout


def test_capture_unbound_in_send_is_error(tmp):
    r, _ = run_case(tmp, [[("recv", 64)]], 'send json {"a":$nope}\n')
    assert "ERROR  raw/c-001" in verdict_line(r)
    assert "capture $nope used before it was bound" in verdict_line(r)


def test_reconnect_and_disconnect(tmp):
    body = ('send text "one\\n"\nexpect\n  line = "1"\ndisconnect\nreconnect\n'
            'send text "two\\n"\nexpect\n  line = "2"\n')
    r, srv = run_case(tmp, [[("recv", 64), ("send", b"1\n"), ("recv", 64)],
                            [("recv", 64), ("send", b"2\n")]], body)
    assert r.returncode == 0, r.stdout
    assert srv.received == [b"one\n", b"two\n"]
    body = 'disconnect\nsend text "x\\n"\n'
    r, _ = run_case(tmp, [[("recv", 64)]], body)
    assert "ERROR" in verdict_line(r) and "not connected" in verdict_line(r)


def test_expect_close(tmp):
    body = 'send text "bye\\n"\nexpect-close timeout=2000\n'
    r, _ = run_case(tmp, [[("recv", 64), ("close",)]], body)
    assert r.returncode == 0, r.stdout
    r, _ = run_case(tmp, [[("recv", 64), ("sleep", 2)]], body.replace("2000", "300"))
    assert "line 6: connection still open after 300 ms" in verdict_line(r)
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"no\n")]], body)
    assert 'line 6: expected close, got: line "no"' in verdict_line(r)


def test_expect_silence(tmp):
    body = 'send text "x\\n"\nexpect-silence 300\n'
    t0 = time.monotonic()
    r, _ = run_case(tmp, [[("recv", 64), ("sleep", 1)]], body)
    assert r.returncode == 0, r.stdout
    assert time.monotonic() - t0 >= 0.3
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"chatter\n")]], body)
    assert 'expected silence for 300 ms, got: line "chatter"' in verdict_line(r)
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"part"), ("sleep", 1)]], body)
    assert "expected silence for 300 ms, got 4 bytes" in verdict_line(r)


def test_wait_and_hex_and_garbage(tmp):
    body = 'garbage hex 00ff\nwait 50\nsend hex 41 42\n  43 0a\nexpect\n  line = "ok"\n'
    r, srv = run_case(tmp, [[("recv", 6), ("send", b"ok\n")]], body)
    assert r.returncode == 0, r.stdout
    assert srv.received == [b"\x00\xffABC\n"]


def test_structured_send_with_raw_is_error(tmp):
    r, _ = run_case(tmp, [[("recv", 64)]], "send\n  a = 1\n")
    assert "ERROR" in verdict_line(r) and "no structured send" in verdict_line(r)


def test_resync(tmp):
    def script():
        return [[("recv1",), ("send", b"stale\n\xffjunk\n"), ("sleep", 1)]]
    # the raw adapter gives no `return` field, so resync never completes: FAIL within timeout
    body = "resync timeout=300\n"
    r, srv = run_case(tmp, script(), body)
    assert "no guest-sync-delimited reply" in verdict_line(r)
    assert re.match(rb'^\xff\{"execute":"guest-sync-delimited","arguments":\{"id":\d+\}\}$',
                    srv.received[0])
    # no 0xFF at all: FAIL within the timeout
    r, srv = run_case(tmp, [[("recv1",), ("send", b"stale\n"), ("sleep", 1)]], body)
    assert "resync: no 0xFF within the timeout" in verdict_line(r)


def read_sync_request(conn):
    """Reads a guest-sync-delimited request (up to its closing "}}") from |conn|; None when
    the client closes first."""
    data = b""
    conn.settimeout(10)
    while b"}}" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


class QgaResyncServer(FakeServer):
    """Answers guest-sync-delimited the way qemu-ga does: 0xFF, then {"return": id}, after
    a stale reply and garbage (historic-qemud-openhook-qga.md §3.4)."""

    def serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            data = read_sync_request(conn)
            if data is None:
                return
            m = re.search(rb'"id":(\d+)', data)
            self.received.append(data)
            conn.sendall(b'{"return": 1}\n\x01garbage' + b'\xff{"return": 7}\n'
                         + b'{"return": %s}\n' % m.group(1))
            time.sleep(0.5)


def test_resync_qga(tmp):
    srv = QgaResyncServer([])
    try:
        p = tmp / "q-001.txn"
        p.write_text("protocol: qga\ntransport: stream\ncase: q-001\n\nresync timeout=2000\n")
        r = replay("--target", srv.uri, p)
    finally:
        srv.stop()
    if "no adapter for protocol 'qga'" in r.stdout:
        pytest.skip("no qga adapter in this build")
    assert r.returncode == 0, r.stdout


class QgaFdResyncServer(FakeServer):
    """Answers guest-sync-delimited with 0xFF and {"return": id}, with an fd of /dev/null on
    a stale reply before the 0xFF (|where| "before") or on the reply itself ("reply")."""

    def __init__(self, where):
        self.where = where
        super().__init__([])

    def sendfd(self, conn, data):
        fd = os.open("/dev/null", os.O_RDONLY)
        try:
            conn.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
        finally:
            os.close(fd)

    def serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            data = read_sync_request(conn)
            if data is None:
                return
            reply = b'{"return": %s}\n' % re.search(rb'"id":(\d+)', data).group(1)
            if self.where == "before":
                self.sendfd(conn, b'{"return": 1}\n')
                conn.sendall(b"\xff" + reply)
            else:
                conn.sendall(b"\xff")
                self.sendfd(conn, reply)
            time.sleep(0.5)


@pytest.mark.parametrize("where,reason", [
    ("before", "line 5: unexpected fd: resync dropped 1 fds that came before the 0xFF"),
    ("reply", "line 5: unexpected fd: the guest-sync-delimited reply came with 1 fds"),
])
def test_resync_fds_fail(tmp, where, reason):
    srv = QgaFdResyncServer(where)
    try:
        p = tmp / "q-001.txn"
        p.write_text("protocol: qga\ntransport: stream\ncase: q-001\n\nresync timeout=2000\n")
        r = replay("--target", srv.uri, p, env={"VW_REPLAY_FD_CHECK": "1"})
    finally:
        srv.stop()
    if "no adapter for protocol 'qga'" in r.stdout:
        pytest.skip("no qga adapter in this build")
    assert r.returncode == 1, r.stdout
    assert "FAIL  qga/q-001" in r.stdout and reason in r.stdout, r.stdout


def test_bad_transcript_is_error_and_others_run(tmp):
    good = txn(tmp, "c-001", HELLO)
    bad = tmp / "bad-002.txn"
    bad.write_text("protocol: raw\ntransport: stream\ncase: bad-002\n\nfrobnicate\n")
    srv = FakeServer([[("recv", 64), ("send", b"world\n")]])
    try:
        r = replay("--target", srv.uri, tmp)
    finally:
        srv.stop()
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0].startswith("ERROR  bad-002") and "bad-002.txn:5: unknown step 'frobnicate'" \
        in lines[0]
    assert lines[1].startswith("PASS  raw/c-001")
    assert lines[-1] == "2 cases: 1 pass, 0 non-strict, 0 fail, 1 error, 0 skip"


def test_unknown_protocol_is_error(tmp):
    p = tmp / "u-001.txn"
    p.write_text("protocol: nosuch\ntransport: any\ncase: u-001\n\nsend hex 00\n")
    srv = FakeServer([[("recv", 1)]])
    try:
        r = replay("--target", srv.uri, p)
    finally:
        srv.stop()
    assert "no adapter for protocol 'nosuch'" in r.stdout and r.returncode == 1


def test_reports(tmp):
    cases = tmp / "cases"
    cases.mkdir()
    (cases / "sub").mkdir()
    for name, body in [("a-001", HELLO), ("b-002", 'send text "x\\n"\nexpect\n  line = "<&>"\n')]:
        (cases / ("sub" if name[0] == "b" else ".") / (name + ".txn")).write_text(
            "protocol: raw\ntransport: any\ncase: %s\n\n%s" % (name, body))
    (cases / "s-003.txn").write_text(
        "protocol: raw\ntransport: any\ncase: s-003\nrequires: nothing-here\n\n" + HELLO)
    srv = FakeServer([[("recv", 64), ("send", b"world\n")], [("recv", 64), ("send", b"\"\n")]])
    js, ju = tmp / "r.json", tmp / "r.xml"
    try:
        r = replay("--target", srv.uri, "--provides", "x", "--report", "json:%s" % js,
                   "--report", "junit:%s" % ju, cases)
    finally:
        srv.stop()
    assert r.returncode == 1
    rep = json.loads(js.read_text())
    assert rep["totals"] == {"cases": 3, "pass": 1, "non_strict": 0, "fail": 1, "error": 0,
                             "skip": 1}
    by_id = {c["id"]: c for c in rep["cases"]}
    assert [c["id"] for c in rep["cases"]] == ["a-001", "s-003", "b-002"]  # sorted by path
    assert by_id["b-002"]["verdict"] == "FAIL"
    assert 'line: expected "<&>", got "\\""' in by_id["b-002"]["diff"]
    assert by_id["a-001"]["verdict"] == "PASS" and by_id["a-001"]["diff"] is None
    assert by_id["s-003"]["reason"] == "target lacks: nothing-here"
    assert isinstance(by_id["a-001"]["duration_ms"], int)
    root = ET.parse(ju).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["raw"]
    assert suites[0].get("failures") == "1" and suites[0].get("skipped") == "1"
    tcs = {tc.get("name"): tc for tc in suites[0].findall("testcase")}
    assert tcs["b-002"].find("failure") is not None
    assert "<&>" in tcs["b-002"].find("failure").text
    assert tcs["s-003"].find("skipped") is not None
    assert list(tcs["a-001"]) == []


def test_usage_errors(tmp):
    p = txn(tmp, "c-001", HELLO)
    assert replay(p).returncode == 2                                  # no --target
    assert replay("--target", "ftp:x", p).returncode == 2
    assert replay("--target", "unix:/x", "--report", "xml:f", p).returncode == 2
    assert replay("--target", "unix:/x", "--timeout-scale", "0", p).returncode == 2
    assert replay("--target", "unix:/x", tmp / "missing.txn").returncode == 2
    assert replay("--target", "unix:/x", "--bogus", p).returncode == 2
    empty = tmp / "empty"
    empty.mkdir()
    assert replay("--target", "unix:/x", empty).returncode == 2
    r = replay("--help")
    assert r.returncode == 0 and "usage: virtwire replay" in r.stdout


def test_verbose_trace(tmp):
    r, _ = run_case(tmp, [[("recv", 64), ("send", b"world\n")]], HELLO, extra=["-v"])
    assert r.returncode == 0
    assert "    line 5: sent 6 bytes" in r.stdout
    assert '    line 6: received line "world"' in r.stdout
