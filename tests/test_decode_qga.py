"""CLI tests for `virtwire decode --protocol qga` (historic-qemud-openhook-qga.md §3.3,
real-servers.md §2), and a live qemu-ga 7.2 session (tests/fixtures/qga.py).

Streams are written here byte by byte from the facts, independently of the C code.
`/usr/bin/python3 tests/test_decode_qga.py` records corpus/samples/qga/ again from a live
agent."""
import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from fixtures.qga import Qga, exchange  # noqa: E402

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples" / "qga"

PING = b'{"execute":"guest-ping"}'


def run(data, *args):
    return subprocess.run([VIRTWIRE, "decode", "--protocol", "qga", *args, "-"], input=data,
                          capture_output=True, timeout=30)


def test_valid_client_stream():
    data = (b'\xff{"execute":"guest-sync-delimited","arguments":{"id":5678}}' + PING
            + b'\n{"execute":"guest-ping","id":"abc"}')
    r = run(data, "--from", "client")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines() == [
        "sync marker @0",
        '#0 @1 len=58: request guest-sync-delimited {"id":5678}',
        "#1 @59 len=24: request guest-ping",
        '#2 @84 len=35: request guest-ping id="abc"',
        "3 messages, 0 invalid",
    ]
    assert r.stderr == b""


def test_real_agent_reply_bytes():
    # real-servers.md §2 "Exact bytes"
    data = (b'{"return": {}}\n{"return": 1234}\n\xff{"return": 5678}\n'
            b'{"return": {}, "id": "abc"}\n'
            b'{"error": {"class": "CommandNotFound", "desc": "Command guest-exec has been '
            b'disabled"}}\n')
    r = run(data, "--from", "server", "-v")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "#0 @0 len=14: reply return {}\n" in out
    assert "sync marker @32\n" in out
    assert "#2 @33 len=16: reply return 5678\n" in out
    assert '#3 @50 len=27: reply id="abc" return {}\n' in out
    assert ('reply error CommandNotFound "Command guest-exec has been disabled"' in out)
    assert "schema = envelope only (pair replies with --requests FILE)" in out
    assert out.endswith("5 messages, 0 invalid\n")


def test_resync_goes_on_after_0xff():
    data = b'{"execute": "gue\xff{"execute":"guest-sync","arguments":{"id":4321}}'
    r = run(data, "--from", "client")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "framing error VW_E_RESYNC at stream offset 0" in err
    assert "bytes 0..16 discarded, decoding resumes after the 0xFF" in err
    assert '#0 @17 len=48: request guest-sync {"id":4321}' in r.stdout.decode()
    assert r.stdout.decode().endswith("1 messages, 1 invalid\n")


def test_syntax_error_offset_and_recovery():
    # real-servers.md §2: a partial request then a new one without 0xFF: stray '-p', then
    # "expecting value" for the '}' where the lexer recovers; the next command works
    data = b'{"execute":"guest-pi' + PING + b"\n" + PING
    r = run(data, "--from", "client")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "framing error VW_E_SYNTAX at stream offset 38" in err
    assert "message 0 (stream offset 43): invalid message: VW_E_SYNTAX" in err
    assert "#1 @45 len=24: request guest-ping" in r.stdout.decode()


def test_invalid_envelopes_code_and_offset():
    data = (b'{"return": {}}\n{"return": {}, "error": {"class": "GenericError", "desc": "x"}}\n'
            b'{"error": {"class": "GenericError", "desc": "x", "data": 1}}\n[1]\n'
            b'{"return": 1, "return": 2}\n')
    r = run(data, "--from", "server")
    assert r.returncode == 1
    err = r.stderr.decode().splitlines()
    assert err[0].startswith("virtwire: message 1 (stream offset 15): invalid message: "
                             "VW_E_MEMBER at message byte 0 (stream offset 15), field error")
    assert "error.data: not a member of an error" in err[1]
    assert "VW_E_TYPE" in err[2] and "QMP input must be a JSON object" in err[2]
    assert "VW_E_SYNTAX" in err[3] and "duplicate object key" in err[3]
    assert r.stdout.decode().endswith("5 messages, 4 invalid\n")


def test_schema_checked_arguments():
    r = run(b'{"execute":"guest-sync","arguments":{"id":"x"}}', "--from", "client")
    assert r.returncode == 1
    assert b"VW_E_TYPE at message byte 0 (stream offset 0), field arguments" in r.stderr
    assert b"arguments.id" in r.stderr


def test_single_quotes_strict_and_lenient():
    data = b"{'execute':'guest-ping'}"
    r = run(data, "--from", "client")
    assert r.returncode == 1
    assert b"VW_E_SYNTAX at message byte 1 (stream offset 1), field string" in r.stderr
    r = run(data, "--from", "client", "--lenient")
    assert r.returncode == 0, r.stderr
    assert b"accepted non-canonical VW_E_SYNTAX at message byte 1" in r.stderr
    assert b"#0 @0 len=24: request guest-ping" in r.stdout


def test_pairing_with_requests(tmp_path):
    req = tmp_path / "c2s.bin"
    req.write_bytes(b'\xff{"execute":"guest-sync-delimited","arguments":{"id":9}}'
                    b'{"execute":"guest-sync","arguments":{"id":7},"id":1}'
                    b'{"execute":"guest-nosuch"}{"execute":"guest-get-host-name"}')
    good = (b'{"error": {"class": "GenericError", "desc": "JSON parse error, stray '
            b'\'\\uFFFD\'"}}\n\xff{"return": 9}\n{"return": 7, "id": 1}\n'
            b'{"error": {"class": "CommandNotFound", "desc": "The command guest-nosuch has '
            b'not been found"}}\n{"return": {"host-name": "vm"}}\n')
    r = run(good, "--from", "server", "--requests", str(req), "-v")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "#1 @82 len=13: reply to guest-sync-delimited return 9" in out
    assert "#2 @96 len=22: reply to guest-sync id=1 return 7" in out
    assert 'reply to guest-get-host-name return {"host-name":"vm"}' in out
    assert "schema = return value checked against its command" in out
    # a wrong return type, a return for a request that can only fail, a wrong id
    bad = (b'{"error": {"class": "GenericError", "desc": "x"}}\n{"return": "9"}\n'
           b'{"return": 7, "id": 2}\n{"return": {}}\n{"return": {"host": "vm"}}\n')
    r = run(bad, "--from", "server", "--requests", str(req))
    assert r.returncode == 1
    err = r.stderr.decode().splitlines()
    assert "VW_E_TYPE" in err[0] and "field return" in err[0]
    assert "VW_E_MEMBER" in err[1] and "field id" in err[1]
    assert "VW_E_MSG_TYPE" in err[2] and "can only fail" in err[2]
    assert "VW_E_MEMBER" in err[3] and "return.host" in err[3]


def test_usage_errors():
    assert run(PING).returncode == 2                           # --from is required
    assert run(PING, "--from", "client", "--requests", "/nonexistent").returncode == 2
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qga", "--from", "server",
                        "--requests", "/nonexistent/x", "-"], input=b"", capture_output=True)
    assert r.returncode == 2 and b"/nonexistent/x" in r.stderr


def test_stream_ends_inside_a_message():
    r = run(PING + b'{"execute"', "--from", "client")
    assert r.returncode == 1
    assert b"VW_E_SHORT at stream offset 34: the stream ends inside a message" in r.stderr


def test_committed_sample_session():
    c2s, s2c = SAMPLES / "session.c2s.bin", SAMPLES / "session.s2c.bin"
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qga", "--from", "client", str(c2s)],
                       capture_output=True)
    assert r.returncode == 0, r.stderr
    assert b"request guest-info" in r.stdout and b"sync marker @0" in r.stdout
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qga", "--from", "server",
                        "--requests", str(c2s), "-v", str(s2c)], capture_output=True)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "reply to guest-info return" in out
    assert "schema = return value checked against its command" in out
    assert 'reply to guest-exec error CommandNotFound "Command guest-exec has been disabled"' in out
    assert 'reply error GenericError "JSON parse error, stray \'\\uFFFD\'"' in out


SYNC_ID = 424242


def record_session(qga):
    """One client session against a live agent: (client bytes, server bytes).  Each step
    waits for its replies, so the recording does not depend on timing."""
    steps = [
        # 0xFF + guest-sync-delimited: the agent answers the 0xFF with an error line, then
        # 0xFF + the reply (real-servers.md §2)
        (b'\xff{"execute":"guest-sync-delimited","arguments":{"id":%d}}' % SYNC_ID, 2),
        (PING, 1),
        (b'{"execute":"guest-info"}\n', 1),
        (b'{"execute":"guest-sync","arguments":{"id":1234},"id":"s1"}', 1),
        (b'{"execute":"guest-get-host-name"}', 1),
        (b'{"execute":"guest-exec","arguments":{"path":"/bin/true"}}', 1),   # blocked
        (b'{"execute":"guest-file-read","arguments":{"handle":4242}}', 1),   # no such handle
    ]
    client, server = b"", b""
    with qga.connect() as s:
        for data, n in steps:
            client += data
            server += exchange(s, data, n)
    return client, server


@pytest.mark.skipif(Qga.missing() is not None, reason=str(Qga.missing()))
def test_live_qemu_ga(tmp_path):
    with Qga() as qga:
        client, server = record_session(qga)
    assert server.count(b"\xff") == 1 and b'\xff{"return": %d}\n' % SYNC_ID in server
    assert b'"class": "CommandNotFound"' in server
    c2s, s2c = tmp_path / "c2s.bin", tmp_path / "s2c.bin"
    c2s.write_bytes(client)
    s2c.write_bytes(server)
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qga", "--from", "client", str(c2s)],
                       capture_output=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().endswith("7 messages, 0 invalid\n")
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qga", "--from", "server", str(s2c)],
                       capture_output=True)
    assert r.returncode == 0, r.stderr + server
    assert r.stdout.decode().endswith("8 messages, 0 invalid\n")
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qga", "--from", "server",
                        "--requests", str(c2s), "-v", str(s2c)], capture_output=True)
    assert r.returncode == 0, r.stderr + server
    assert r.stdout.decode().count("schema = return value checked against its command") == 5


if __name__ == "__main__":
    if Qga.missing():
        sys.exit(Qga.missing())
    with Qga() as q:
        c, s = record_session(q)
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "session.c2s.bin").write_bytes(c)
    (SAMPLES / "session.s2c.bin").write_bytes(s)
    print(f"wrote {len(c)} + {len(s)} bytes to {SAMPLES}")
