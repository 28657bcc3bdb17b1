"""CLI tests for `virtwire decode --protocol qemud` (historic-qemud-openhook-qga.md §1).

Messages are built here from the facts (header {length incl. the 8 header bytes, prog
0x20001A64}, then serial [, inReplyTo], the discriminant and a fixed-size body in which every
char is a 4-byte XDR int), independently of the C encoder."""
import os
import struct
import subprocess

import pytest

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
PROG = 0x20001A64


def chars(s, n, unsigned=False):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) <= n
    vals = [(c if unsigned or c < 128 else c - 256) for c in b] + [0] * (n - len(b))
    return b"".join(struct.pack(">i", v) for v in vals)


def message(typ, body=b"", serial=1, server=False, in_reply_to=0, length=None, prog=PROG):
    env = struct.pack(">I", serial) + (struct.pack(">I", in_reply_to) if server else b"")
    rest = env + struct.pack(">i", typ) + body
    total = 8 + len(rest) if length is None else length
    return struct.pack(">II", total, prog) + rest


UUID = bytes.fromhex("8c3c1fd258a14a529f9b3d0e7c6b1a01")


def run(data, *args):
    return subprocess.run([VIRTWIRE, "decode", "--protocol", "qemud", *args, "-"], input=data,
                          capture_output=True)


def client_session():
    return (message(0, serial=1)                                          # GET_VERSION
            + message(7, chars("vm1", 50), serial=2)                      # LOOKUP_BY_NAME
            + message(6, chars(UUID, 16, unsigned=True), serial=3)        # LOOKUP_BY_UUID
            + message(12, struct.pack(">i", 3) + chars("/tmp/vm1.save", 4096), serial=4))


def test_valid_client_stream():
    r = run(client_session(), "--from", "client")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0] == "#0 @0 len=16: client serial=1 GET_VERSION"
    assert lines[1] == '#1 @16 len=216: client serial=2 DOMAIN_LOOKUP_BY_NAME {name="vm1"}'
    assert lines[2] == ("#2 @232 len=80: client serial=3 DOMAIN_LOOKUP_BY_UUID "
                        "{uuid=8c3c1fd2-58a1-4a52-9f9b-3d0e7c6b1a01}")
    assert lines[3].startswith("#3 @312 len=16404: client serial=4 DOMAIN_SAVE {id=3 file=")
    assert lines[-1] == "4 messages, 0 invalid"
    assert r.stderr == b""


def test_valid_server_stream_and_verbose():
    data = (message(1, struct.pack(">I", 3000), serial=1, server=True, in_reply_to=1)
            + message(0, struct.pack(">I", 29) + chars("operation denied", 1024), serial=2,
                      server=True, in_reply_to=38)
            + message(16, struct.pack(">I", 2) + chars(b"vm2" + b"\0" * 47 + b"vm3", 5000),
                      serial=3, server=True, in_reply_to=16))
    r = run(data, "--from", "server", "-v")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "#0 @0 len=24: server serial=1 inReplyTo=1 GET_VERSION {versionNum=3000}" in out
    assert ('server serial=2 inReplyTo=38 FAILURE {code=29 message="operation denied"}'
            in out)
    assert 'LIST_DEFINED_DOMAINS {numDomains=2 domains=["vm2", "vm3"]}' in out
    assert "    prog = 0x20001a64\n" in out
    assert "numDomains: unsigned int @20 = 2" in out
    assert out.endswith("3 messages, 0 invalid\n")


def test_invalid_message_code_offset_and_continue():
    bad = bytearray(message(7, chars("vm1", 50), serial=2))
    bad[16 + 4 * 1:16 + 4 * 2] = struct.pack(">i", 200)    # name[1] = 200: not a char
    data = message(0, serial=1) + bytes(bad) + message(3, serial=3)
    r = run(data, "--from", "client")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert ("virtwire: message 1 (stream offset 16): invalid message: VW_E_RANGE at message "
            "byte 20 (stream offset 36), field name:") in err
    out = r.stdout.decode()
    assert "#2 @232 len=16: client serial=3 NUM_DOMAINS" in out   # decoding went on
    assert out.endswith("3 messages, 1 invalid\n")


@pytest.mark.parametrize("data,code,offset,field", [
    (message(0, prog=0x20008086), "VW_E_PROGRAM", 4, "prog"),
    (message(38), "VW_E_DISCRIMINANT", 12, "type"),
    (message(5, struct.pack(">i", 3), length=16) + b"\0" * 4, "VW_E_LENGTH", 0, "length"),
    (message(0, b"\xde\xad\xbe\xef"), "VW_E_TRAILING", 16, "trailing"),
    (message(6, struct.pack(">I", 256) + b"\0" * 60), "VW_E_RANGE", 16, "uuid"),
])
def test_strict_errors(data, code, offset, field):
    r = run(data, "--from", "client")
    assert r.returncode == 1
    assert f"{code} at message byte {offset}" in r.stderr.decode()
    assert f"field {field}:" in r.stderr.decode()


def test_framing_error_ends_stream():
    data = message(0) + struct.pack(">II", 262145, PROG) + message(0)
    r = run(data, "--from", "client")
    assert r.returncode == 1
    assert "framing error VW_E_LENGTH at stream offset 16" in r.stderr.decode()
    assert r.stdout.decode().endswith("1 messages, 1 invalid\n")


def test_truncated_stream():
    r = run(message(0) + message(7, chars("vm1", 50))[:100], "--from", "client")
    assert r.returncode == 1
    assert "VW_E_SHORT at stream offset 116" in r.stderr.decode()


def test_missing_from_is_usage_error():
    r = run(message(0))
    assert r.returncode == 2
    assert b"--from" in r.stderr
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qemud", "--from", "both", "-"],
                       input=b"", capture_output=True)
    assert r.returncode == 2


def test_lenient_mode():
    data = message(7, chars(b"v\x80", 50, unsigned=True))   # 0x80 sent zero-extended
    strict = run(data, "--from", "client")
    assert strict.returncode == 1
    assert "VW_E_RANGE at message byte 20" in strict.stderr.decode()
    lenient = run(data, "--from", "client", "--lenient")
    assert lenient.returncode == 0
    assert "accepted non-canonical VW_E_RANGE at message byte 20" in lenient.stderr.decode()
    assert "DOMAIN_LOOKUP_BY_NAME" in lenient.stdout.decode()
    trailing = run(message(0, b"\0" * 8), "--from", "client", "--lenient")
    assert trailing.returncode == 0
    assert "accepted non-canonical VW_E_TRAILING at message byte 16" in trailing.stderr.decode()


def test_chunked_equals_concatenated(tmp_path):
    data = client_session()
    whole = run(data, "--from", "client")
    # a pipe delivers the stream in small writes; the framer must not care
    p = subprocess.Popen([VIRTWIRE, "decode", "--protocol", "qemud", "--from", "client", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for i in range(0, len(data), 7):
        p.stdin.write(data[i:i + 7])
        p.stdin.flush()
    p.stdin.close()
    out = p.stdout.read()
    p.wait()
    assert p.returncode == whole.returncode == 0
    assert out == whole.stdout
    f = tmp_path / "session.bin"
    f.write_bytes(data)
    r = subprocess.run([VIRTWIRE, "decode", "--protocol", "qemud", "--from", "client", str(f)],
                       capture_output=True)
    assert r.stdout == whole.stdout
