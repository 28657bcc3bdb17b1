"""CLI tests for `virtwire record` (harness/cmd_record.c, conformance/record.h): a relay that
writes a transcript of one client's conversation with a server.

(a) virsh through the relay against the libvirtd fixture (tests/fixtures/libvirtd.py, test
    driver, keepalive_interval=-1), then `virtwire replay` of the recorded transcript against
    the same libvirtd: PASS;
(b) a python qemu-ga client (0xFF + guest-sync-delimited, guest-ping, guest-info, errors)
    through the relay against the real qemu-ga fixture (tests/fixtures/qga.py), replayed: PASS;
(c) hostile upstreams (closing mid-message, flooding, silent) and a client that does not
    come: the relay ends with an error message, a partial transcript marked as such, exit 1,
    within a bounded time.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures.libvirtd import Libvirtd  # noqa: E402
from fixtures.qga import Qga  # noqa: E402

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
RUN_TIMEOUT = 60


class Relay:
    """`virtwire record` on a unix socket in a temp dir, started and waited for."""

    def __init__(self, upstream, name, *args, listen=None):
        self.dir = tempfile.mkdtemp(prefix="vw-rec.", dir="/tmp")
        self.path = os.path.join(self.dir, "relay.sock")
        self.out = os.path.join(self.dir, name + ".txn")
        listen = listen or "unix:" + self.path
        self.proc = subprocess.Popen(
            [VIRTWIRE, "record", "--listen", listen, "--upstream", upstream, "-o", self.out]
            + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("virtwire record: listening on "), line
        self.uri = line.split("listening on ", 1)[1].strip()

    def wait(self, timeout=RUN_TIMEOUT):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()

    def text(self):
        with open(self.out) as f:
            return f.read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def replay(target, path):
    r = subprocess.run([VIRTWIRE, "replay", "--target", target, "-v", path],
                       capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return r.returncode, r.stdout + r.stderr


def steps(text, kind):
    return [line for line in text.splitlines() if line.split(" ")[0] == kind]


# ---- (a) libvirtd ----

@pytest.fixture(scope="module")
def libvirtd():
    reason = Libvirtd.missing()
    if reason is not None or shutil.which("virsh") is None:
        pytest.skip(reason or "virsh not installed")
    with Libvirtd(keepalive_interval=-1) as lv:
        yield lv


@pytest.mark.parametrize("name,cmd,want", [
    ("virsh-list-all", ["list", "--all"], "test"),
    ("virsh-dominfo", ["dominfo", "test"], "State:"),
])
def test_record_virsh_replays_green(libvirtd, name, cmd, want):
    relay = Relay("unix:" + libvirtd.socket_path, name, "--protocol", "virnet")
    try:
        uri = "test+unix:///default?socket=" + relay.path
        v = subprocess.run(["virsh", "-c", uri] + cmd, capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        assert v.returncode == 0, v.stderr
        assert want in v.stdout
        rc, out, err = relay.wait()
        assert rc == 0, err
        assert "(partial)" not in out
        text = relay.text()
        assert "protocol: virnet\n" in text and "case: " + name + "\n" in text
        assert "spec: recorded with virtwire record from unix:" in text
        # structured sends (fields, not hex) for every call virsh made, an expect per reply
        assert len(steps(text, "send")) >= 5 and "send hex" not in text, text
        assert "  proc = CONNECT_OPEN\n" in text and "  proc = CONNECT_CLOSE\n" in text
        assert len(steps(text, "expect")) == len(steps(text, "send"))
        if name == "virsh-dominfo":
            # the test driver's cpuTime is the clock (virnet-oncrpc.md §2): never a literal
            assert "  cpuTime = *\n" in text, text
        rc, log = replay("unix:" + libvirtd.socket_path, relay.out)
        assert rc == 0 and log.startswith("PASS"), log
    finally:
        relay.close()


def test_record_virsh_event_callback_ids_are_captures(libvirtd):
    """REGISTER_ANY returns callbackIDs the server picks (virnet-oncrpc.md §2): recorded as
    captures, sent back by DEREGISTER_ANY as the same captures; the replay binds them."""
    relay = Relay("unix:" + libvirtd.socket_path, "virsh-event", "--protocol", "virnet")
    try:
        uri = "test+unix:///default?socket=" + relay.path
        subprocess.run(["virsh", "-c", uri, "event", "--all", "--timeout", "1"],
                       capture_output=True, timeout=RUN_TIMEOUT)
        rc, out, err = relay.wait()
        assert rc == 0, err
        text = relay.text()
        assert "  callbackID = $callbackID1\n" in text, text
        dereg = text.split("proc = CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY\n  type = CALL")
        assert len(dereg) > 1 and "  callbackID = $callbackID" in dereg[1].split("expect")[0]
        assert not re.search(r"^  callbackID = \d", text, re.M), text
        rc, log = replay("unix:" + libvirtd.socket_path, relay.out)
        assert rc == 0 and log.startswith("PASS"), log
    finally:
        relay.close()


def test_record_virsh_auto_protocol(libvirtd):
    """Without --protocol the client's first bytes choose virnet."""
    relay = Relay("unix:" + libvirtd.socket_path, "virsh-version")
    try:
        uri = "test+unix:///default?socket=" + relay.path
        v = subprocess.run(["virsh", "-c", uri, "version"], capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        assert v.returncode == 0, v.stderr
        rc, out, err = relay.wait()
        assert rc == 0, err
        assert "(virnet)" in out and "protocol: virnet\n" in relay.text()
    finally:
        relay.close()


def test_record_replay_detects_changed_server(libvirtd):
    """A recorded expect holds real constraints: a changed literal fails the replay."""
    relay = Relay("unix:" + libvirtd.socket_path, "virsh-list", "--protocol", "virnet")
    try:
        uri = "test+unix:///default?socket=" + relay.path
        subprocess.run(["virsh", "-c", uri, "list", "--all"], capture_output=True,
                       timeout=RUN_TIMEOUT, check=True)
        assert relay.wait()[0] == 0
        text = relay.text()
        assert '  domains[0].name = "test"\n' in text, text
        with open(relay.out, "w") as f:
            f.write(text.replace('  domains[0].name = "test"\n',
                                 '  domains[0].name = "other"\n'))
        rc, log = replay("unix:" + libvirtd.socket_path, relay.out)
        assert rc == 1 and log.startswith("FAIL") and "domains[0].name" in log, log
    finally:
        relay.close()


# ---- (b) qemu-ga ----

@pytest.fixture(scope="module")
def qga():
    reason = Qga.missing()
    if reason is not None:
        pytest.skip(reason)
    with Qga() as q:
        yield q


def qga_session(path):
    """A client session: 0xFF + guest-sync-delimited, guest-ping, guest-info, two errors."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    buf = b""

    def until(pred):
        nonlocal buf
        deadline = time.monotonic() + 10
        while not pred(buf):
            assert time.monotonic() < deadline, buf[-300:]
            chunk = s.recv(65536)
            assert chunk, buf[-300:]
            buf += chunk

    s.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited",
                                    "arguments": {"id": 4711}}).encode())
    until(lambda b: b'{"return": 4711}' in b)
    for req in ({"execute": "guest-ping"}, {"execute": "guest-info", "id": "guest-info"},
                {"execute": "guest-no-such-command"}, {"execute": "guest-file-open",
                                                        "arguments": {"path": "/etc/hostname"}},
                {"execute": "guest-get-host-name"}):
        n = buf.count(b"\n")
        s.sendall(json.dumps(req).encode() + b"\n")
        until(lambda b: b.count(b"\n") > n)
    s.close()
    return buf


def test_record_qga_replays_green(qga):
    relay = Relay("unix:" + qga.socket_path, "qga-session", "--protocol", "qga",
                  "--title", "sync, ping, info and errors")
    try:
        buf = qga_session(relay.path)
        assert b"CommandNotFound" in buf
        rc, out, err = relay.wait()
        assert rc == 0, err
        text = relay.text()
        assert "title: sync, ping, info and errors\n" in text
        assert text.count("send hex ff\n") == 1 and "expect sync\n" in text, text
        assert 'send json {"execute": "guest-sync-delimited", "arguments": {"id": 4711}}' in text
        assert "  return = 4711\n" in text       # the client's id, echoed: a literal
        assert '  error.class = "CommandNotFound"\n' in text
        # the agent answers the 0xFF itself with a GenericError (README, qga) before its sync
        assert '  error.class = "GenericError"\n' in text
        assert len(steps(text, "send")) == 7 and len(steps(text, "expect")) == 8, text
        rc, log = replay("unix:" + qga.socket_path, relay.out)
        assert rc == 0 and log.startswith("PASS"), log
    finally:
        relay.close()


def test_record_qga_time_is_wildcard(qga):
    """guest-get-time returns the clock (historic-qemud-openhook-qga.md §3.4): `*`."""
    relay = Relay("unix:" + qga.socket_path, "qga-time", "--protocol", "qga")
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(relay.path)
        s.sendall(b'{"execute":"guest-get-time"}')
        assert b"return" in s.recv(4096)
        s.close()
        assert relay.wait()[0] == 0
        text = relay.text()
        assert "  return = *\n" in text, text
        rc, log = replay("unix:" + qga.socket_path, relay.out)
        assert rc == 0, log
    finally:
        relay.close()


# ---- (c) hostile upstreams ----

class Hostile:
    """A unix server that accepts one connection and runs |act(conn)|."""

    def __init__(self, act):
        self.dir = tempfile.mkdtemp(prefix="vw-hostile.", dir="/tmp")
        self.path = os.path.join(self.dir, "s.sock")
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.act = act
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            c, _ = self.sock.accept()
        except OSError:
            return
        try:
            self.act(c)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.sock.close()
        self.thread.join(10)
        shutil.rmtree(self.dir, ignore_errors=True)


# a virnet CALL: CONNECT_GET_VERSION (proc 4, no args; virnet-oncrpc.md §2), serial 7
CALL = bytes.fromhex("0000001c 20008086 00000001 00000004 00000000 00000007 00000000")
# its REPLY, hv_ver 0x0000000454657374 (36 bytes; the mid-message case cuts it at 30)
REPLY = bytes.fromhex("00000024 20008086 00000001 00000004 00000001 00000007 00000000"
                      "00000004 54657374")


def drain(c):
    """Reads what the relay forwards, as a client does, until it closes."""
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass


def run_hostile(act, *args):
    h = Hostile(act)
    relay = Relay("unix:" + h.path, "hostile", "--protocol", "virnet", *args)
    c = socket.socket(socket.AF_UNIX)
    try:
        c.settimeout(20)
        c.connect(relay.path)
        c.sendall(CALL)
        threading.Thread(target=drain, args=(c,), daemon=True).start()
        t0 = time.monotonic()
        rc, out, err = relay.wait(timeout=30)
        return rc, out, err, relay.text(), time.monotonic() - t0
    finally:
        c.close()
        relay.close()
        h.close()


def test_record_upstream_closes_mid_message():
    def act(c):
        c.recv(28)
        c.sendall(REPLY[:30])
    rc, out, err, text, took = run_hostile(act)
    assert rc == 1 and "partial" in err and "inside a message" in err, err
    assert text.startswith("# PARTIAL: ") and "(partial)" in text
    assert "  proc = CONNECT_GET_VERSION\n" in text   # what came before is kept
    assert took < 10


def test_record_upstream_floods():
    def act(c):
        c.recv(28)
        # a length word of 32 MiB, then bytes without end
        c.sendall(bytes.fromhex("02000000 20008086 00000001 00000004 00000001 00000007 00000000"))
        chunk = b"\0" * 65536
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            c.sendall(chunk)
    rc, out, err, text, took = run_hostile(act)
    assert rc == 1 and "without completing a message" in err, err
    assert text.startswith("# PARTIAL: ")
    assert took < 15


def test_record_upstream_garbage():
    def act(c):
        c.recv(28)
        c.sendall(b"\xff\xff\xff\xff garbage that is no length word")
        time.sleep(5)
    rc, out, err, text, took = run_hostile(act)
    assert rc == 1 and "cannot be framed" in err, err
    assert text.startswith("# PARTIAL: ")
    assert took < 4


def test_record_upstream_silent_idle_timeout():
    def act(c):
        time.sleep(8)
    rc, out, err, text, took = run_hostile(act, "--timeout", "500")
    assert rc == 1 and "nothing either way for 500 ms" in err, err
    assert text.startswith("# PARTIAL: ") and "send\n" in text
    assert took < 5


def test_record_good_exchange_then_server_close():
    """A complete exchange, then the server closes first: expect-close, exit 0."""
    def act(c):
        c.recv(28)
        c.sendall(REPLY)
    rc, out, err, text, took = run_hostile(act)
    assert rc == 0, err
    assert steps(text, "expect") == ["expect"] and text.rstrip().endswith("expect-close")
    assert "  hv_ver = 18595804020\n" in text, text


def test_record_no_client_times_out():
    relay = Relay("unix:/nonexistent/x", "nobody", "--accept-timeout", "300")
    try:
        rc, out, err = relay.wait(timeout=10)
        assert rc == 1 and "no client within 300 ms" in err
        assert not os.path.exists(relay.out)
    finally:
        relay.close()


def test_record_upstream_refused():
    relay = Relay("unix:/nonexistent/x", "refused")
    c = socket.socket(socket.AF_UNIX)
    try:
        c.connect(relay.path)
        rc, out, err = relay.wait(timeout=15)
        assert rc == 1 and "upstream unix:/nonexistent/x" in err, err
    finally:
        c.close()
        relay.close()


@pytest.mark.parametrize("args", [
    [],
    ["--listen", "unix:/tmp/x.sock", "--upstream", "unix:/tmp/y"],
    ["--listen", "ftp:x", "--upstream", "unix:/tmp/y", "-o", "/tmp/z.txn"],
    ["--listen", "unix:/tmp/x.sock", "--upstream", "unix:/tmp/y", "-o", "/tmp/z.txn",
     "--protocol", "nope"],
    ["--listen", "unix:/tmp/x.sock", "--upstream", "unix:/tmp/y", "-o", "/tmp/z.txn",
     "--case", "other"],
    ["--listen", "unix:/tmp/x.sock", "--upstream", "unix:/tmp/y", "-o", "/tmp/z.txn",
     "--timeout", "0"],
])
def test_record_usage_errors(args):
    r = subprocess.run([VIRTWIRE, "record"] + args, capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    assert r.stderr != ""
