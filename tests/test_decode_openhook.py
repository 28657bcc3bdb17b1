"""CLI tests for `virtwire decode --protocol openhook|openhook-xdr`
(historic-qemud-openhook-qga.md §2.1, §2.2).

Messages are built here from the facts, independently of the C encoder: host byte order
(little-endian on this machine) u32 message_size (the whole message), u32 command = 1, then for
QEMU_OPEN u32 flags, u32 mode, u16 filename_len, filename; a reply carries s32 result.  The XDR
variant has the same fields as big-endian 4-byte ints and the filename as string<4096> (u32
length, bytes, zero padding to 4)."""
import errno
import os
import struct
import subprocess
import sys

import pytest

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
QEMU_OPEN = 1
O_RDWR, O_CLOEXEC = os.O_RDWR, os.O_CLOEXEC

assert sys.byteorder == "little"  # the host-order vectors below are written for it


def host_req(path, flags=0, mode=0, size=None, command=QEMU_OPEN, name_len=None):
    p = path.encode() if isinstance(path, str) else path
    n = len(p) if name_len is None else name_len
    total = 18 + len(p) if size is None else size
    return struct.pack("<IIIIH", total, command, flags, mode, n) + p


def host_reply(result, size=12, command=QEMU_OPEN):
    return struct.pack("<IIi", size, command, result)


def xdr_req(path, flags=0, mode=0, size=None, pad=None):
    p = path.encode() if isinstance(path, str) else path
    padding = b"\0" * ((4 - len(p) % 4) % 4) if pad is None else pad
    body = struct.pack(">III", flags, mode, len(p)) + p + padding
    total = 8 + len(body) if size is None else size
    return struct.pack(">II", total, QEMU_OPEN) + body


def xdr_reply(result, size=12):
    return struct.pack(">IIi", size, QEMU_OPEN, result)


def run(data, protocol, *args):
    return subprocess.run([VIRTWIRE, "decode", "--protocol", protocol, *args, "-"], input=data,
                          capture_output=True)


def test_host_requests():
    data = (host_req("/etc/hosts", O_RDWR | O_CLOEXEC, 0o644)
            + host_req('/a "b"\\c\x01', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    r = run(data, "openhook", "--from", "client")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0] == ('#0 @0 size=28: QEMU_OPEN flags=0x80002 (O_RDWR|O_CLOEXEC) mode=0644 '
                        '"/etc/hosts"')
    assert lines[1] == ('#1 @28 size=27: QEMU_OPEN flags=0x241 (O_WRONLY|O_CREAT|O_TRUNC) '
                        'mode=0600 "/a \\"b\\"\\\\c\\x01"')
    assert lines[-1] == "2 messages, 0 invalid"
    assert r.stderr == b""


def test_host_replies():
    data = host_reply(0) + host_reply(-errno.EACCES) + host_reply(-errno.ENOENT)
    r = run(data, "openhook", "--from", "server")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0] == "#0 @0 size=12: reply result=0 (fd expected)"
    assert lines[1] == "#1 @12 size=12: reply result=-13 (EACCES)"
    assert lines[2] == "#2 @24 size=12: reply result=-2 (ENOENT)"
    assert lines[-1] == "3 messages, 0 invalid"


def test_xdr_request_and_reply():
    r = run(xdr_req("/srv/iso/debian-12.iso", os.O_RDONLY | O_CLOEXEC), "openhook-xdr",
            "--from", "client")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[0] == (
        '#0 @0 size=44: QEMU_OPEN flags=0x80000 (O_RDONLY|O_CLOEXEC) mode=0000 '
        '"/srv/iso/debian-12.iso"')
    r = run(xdr_reply(0) + xdr_reply(-errno.EPERM), "openhook-xdr", "--from", "server")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[:2] == ["#0 @0 size=12: reply result=0 (fd expected)",
                                                  "#1 @12 size=12: reply result=-1 (EPERM)"]


def test_verbose_says_the_fd_rule_is_not_checked():
    r = run(host_reply(0), "openhook", "--from", "server", "-v")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "    message_size: 12\n" in out
    assert "    result: 0 (success)\n" in out
    assert "fds: 1 expected by SCM_RIGHTS (not checked: a byte stream carries no" in out
    r = run(host_req("/x", O_RDWR, 0o644), "openhook", "--from", "client", "-v")
    out = r.stdout.decode()
    assert "    flags: 0x00000002 (O_RDWR)\n" in out and "    mode: 0644\n" in out
    assert "    filename_len: 2\n" in out and '    filename: "/x"\n' in out


@pytest.mark.parametrize("protocol,data,code,offset,field", [
    ("openhook", host_req("/etc/hosts", command=2), "VW_E_DISCRIMINANT", 4, "command"),
    ("openhook", host_req("/etc/hosts", name_len=9), "VW_E_LENGTH", 0, "message_size"),
    ("openhook", host_req("/etc\0hosts"), "VW_E_STRING_NUL", 22, "filename"),
    ("openhook-xdr", xdr_req("/etc/hosts", pad=b"\0\x07"), "VW_E_PADDING", 31, "filename"),
    ("openhook-xdr", xdr_req("/etc/hosts", size=36) + b"\0" * 4, "VW_E_LENGTH", 0,
     "message_size"),
    ("openhook-xdr", xdr_req("a" * 4097, size=4116)[:20] + b"\0" * 4096, "VW_E_TOO_LONG", 16,
     "filename"),
])
def test_invalid_request_then_next_is_decoded(protocol, data, code, offset, field):
    good = host_req("/ok") if protocol == "openhook" else xdr_req("/ok")
    r = run(good + data + good, protocol, "--from", "client")
    assert r.returncode == 1
    err = r.stderr.decode()
    start = len(good)
    assert (f"virtwire: message 1 (stream offset {start}): invalid message: {code} at message "
            f"byte {offset} (stream offset {start + offset}), field {field}:") in err
    out = r.stdout.decode().splitlines()
    assert out[0].startswith("#0 @0 ") and out[1].startswith(f"#2 @{start + len(data)} ")
    assert out[-1] == "3 messages, 1 invalid"


def test_reply_result_range():
    r = run(host_reply(0) + host_reply(1) + host_reply(-4096), "openhook", "--from", "server")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "message 1 (stream offset 12): invalid message: VW_E_RANGE at message byte 8" in err
    assert "message 2 (stream offset 24): invalid message: VW_E_RANGE at message byte 8" in err
    assert r.stdout.decode().endswith("3 messages, 2 invalid\n")


def test_lenient_padding_is_accepted_with_a_note():
    data = xdr_req("/etc/hosts", pad=b"\x01\0")
    r = run(data, "openhook-xdr", "--from", "client")
    assert r.returncode == 1 and b"VW_E_PADDING at message byte 30" in r.stderr
    r = run(data, "openhook-xdr", "--from", "client", "--lenient")
    assert r.returncode == 0
    assert b"accepted non-canonical VW_E_PADDING at message byte 30" in r.stderr
    assert r.stdout.decode().startswith('#0 @0 size=32: QEMU_OPEN ')


def test_framing_error_ends_the_stream():
    data = host_reply(0) + host_reply(0, size=16) + b"\0" * 4 + host_reply(0)
    r = run(data, "openhook", "--from", "server")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert ("message 1 (stream offset 12): framing error VW_E_LENGTH at stream offset 12, "
            "field message_size: 16") in err
    assert "the rest of the stream cannot be framed" in err
    assert r.stdout.decode().splitlines() == ["#0 @0 size=12: reply result=0 (fd expected)",
                                              "1 messages, 1 invalid"]


def test_stream_ends_inside_a_message():
    r = run(host_req("/etc/hosts")[:20], "openhook", "--from", "client")
    assert r.returncode == 1
    assert b"VW_E_SHORT at stream offset 20: the stream ends inside a message" in r.stderr


def test_host_bytes_are_not_xdr():
    r = run(host_req("/etc/hosts"), "openhook-xdr", "--from", "client")
    assert r.returncode == 1
    assert b"framing error VW_E_LENGTH at stream offset 0" in r.stderr


@pytest.mark.parametrize("protocol", ["openhook", "openhook-xdr"])
def test_from_is_required(protocol):
    r = run(host_reply(0), protocol)
    assert r.returncode == 2
    assert f"--protocol {protocol} needs --from client|server".encode() in r.stderr


def test_empty_input():
    r = run(b"", "openhook", "--from", "client")
    assert r.returncode == 0 and r.stdout == b"0 messages, 0 invalid\n"
