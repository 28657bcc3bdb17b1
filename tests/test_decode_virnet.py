"""`virtwire decode --protocol virnet`: output format, exit codes, error offsets, robustness.

Facts: /work/shared/protocols/virnet-oncrpc.md §1 (envelope), §2 (programs), §4 (streams),
§8 (the wire packets used below)."""
import random
import re
import struct

import pytest

REMOTE, KEEPALIVE = 0x20008086, 0x6B656570
CALL, REPLY, MESSAGE, STREAM, CALL_WITH_FDS, REPLY_WITH_FDS, STREAM_HOLE = range(7)
OK, ERROR, CONTINUE = range(3)

LINE = re.compile(r"^msg (\d+) \(stream offset (\d+)\): len=(\d+) prog=0x([0-9a-f]{8}) (\S+) "
                  r"vers=(\d+) proc=(-?\d+) (\S+) type=(\S+)\((-?\d+)\) serial=(\d+) "
                  r"status=(\S+)\((-?\d+)\)(.*)$")


def u32(*v):
    return b"".join(struct.pack(">I", x & 0xFFFFFFFF) for x in v)


def xstr(s):
    b = s.encode()
    return u32(len(b)) + b + b"\0" * (-len(b) % 4)


def msg(payload=b"", prog=REMOTE, vers=1, proc=66, type=CALL, serial=0, status=OK, fds=None):
    body = (u32(fds) if fds is not None else b"") + payload
    return u32(28 + len(body), prog, vers, proc, type, serial, status) + body


def error_payload(code, domain, text):
    return (u32(code, domain, 1) + xstr(text) + u32(2, 0, 1) + xstr("%s") + u32(1) + xstr(text)
            + u32(0, 0xFFFFFFFF, 0xFFFFFFFF, 0))


# §8, byte for byte
AUTH_LIST_CALL = bytes.fromhex("0000001c200080860000000100000042000000000000000000000000")
AUTH_LIST_REPLY = bytes.fromhex("00000024200080860000000100000042000000010000000000000000"
                                "0000000100000000")
CONNECT_OPEN = bytes.fromhex("00000038200080860000000100000001000000000000000200000000"
                             "000000010000000f71656d753a2f2f2f73657373696f6e0000000006")
PING = bytes.fromhex("0000001c6b6565700000000100000001000000020000000000000000")
ERROR_9999 = msg(error_payload(39, 7, "unknown procedure: 9999"), proc=9999, type=REPLY,
                 serial=3, status=ERROR)


def decode(run, data, *opts):
    return run("decode", "--protocol", "virnet", *opts, "-", stdin=data)


def lines(p):
    return p.stdout.decode().splitlines()


def test_wire_session_lines_have_the_exact_format(run):
    p = decode(run, AUTH_LIST_CALL + AUTH_LIST_REPLY + CONNECT_OPEN + PING + ERROR_9999)
    assert p.returncode == 0, p.stderr
    out = lines(p)
    assert out[0] == ("msg 0 (stream offset 0): len=28 prog=0x20008086 REMOTE vers=1 proc=66 "
                      "AUTH_LIST type=CALL(0) serial=0 status=OK(0)")
    assert out[1] == ("msg 1 (stream offset 28): len=36 prog=0x20008086 REMOTE vers=1 proc=66 "
                      "AUTH_LIST type=REPLY(1) serial=0 status=OK(0) types[0]=0")
    assert out[2].endswith('CONNECT_OPEN type=CALL(0) serial=2 status=OK(0) '
                           'name="qemu:///session" flags=6')
    assert out[3] == ("msg 3 (stream offset 120): len=28 prog=0x6b656570 KEEPALIVE vers=1 "
                      "proc=1 PING type=MESSAGE(2) serial=0 status=OK(0)")
    assert out[4].endswith('proc=9999 ? type=REPLY(1) serial=3 status=ERROR(1) '
                           'error code=39 "unknown procedure: 9999"')
    assert out[-1] == "5 messages, 0 invalid"
    for line in out[:-1]:
        assert LINE.match(line), line


def test_every_line_parses_and_offsets_add_up(run):
    stream = b"".join(msg(u32(0, 9000000), proc=157, type=REPLY, serial=i) for i in range(5))
    p = decode(run, stream)
    assert p.returncode == 0, p.stderr
    offsets = [int(LINE.match(l).group(2)) for l in lines(p)[:-1]]
    assert offsets == [0, 36, 72, 108, 144]


def test_verbose_walks_every_payload_item(run):
    p = decode(run, CONNECT_OPEN + ERROR_9999, "-v")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    for want in ("    proc: 1 (CONNECT_OPEN)", "    serial: 2", "args.flags (unsigned int): 6",
                 'args.name* (remote_nonnull_string): "qemu:///session"',
                 "error.code (int): 39", "error.int1 (int): -1", "error.net (",
                 "error.str3 (remote_string): NULL"):
        assert want in out, want


@pytest.mark.parametrize("m,summary", [
    (msg(b"hello", proc=209, type=STREAM, status=CONTINUE), " data=5B"),
    (msg(proc=209, type=STREAM, status=CONTINUE), " data=0B (EOF)"),
    (msg(proc=209, type=STREAM, status=ERROR), " (abort)"),
    (msg(u32(0, 4096, 0), proc=209, type=STREAM_HOLE, status=CONTINUE), " length=4096 flags=0"),
    (msg(u32(0, 9000000), proc=157, type=REPLY_WITH_FDS, fds=2), " fds=2 lib_ver=9000000"),
    (msg(u32(1, 2), proc=9999), " payload=8B opaque (unknown procedure)"),
    (msg(u32(1, 2), prog=0x12345678), " payload=8B opaque (unknown program)"),
], ids=["stream-data", "stream-eof", "stream-abort", "hole", "reply-with-fds", "unknown-proc",
        "unknown-program"])
def test_payload_summaries(run, m, summary):
    p = decode(run, m)
    assert p.returncode == 0, p.stderr
    assert lines(p)[0].endswith(summary), lines(p)[0]


def test_unknown_program_has_question_marks(run):
    p = decode(run, msg(prog=0x12345678, proc=5))
    assert p.returncode == 0
    assert " prog=0x12345678 ? vers=1 proc=5 ? type=CALL(0)" in lines(p)[0]


def test_unassigned_type_and_status_are_named_with_question_marks(run):
    p = decode(run, msg(proc=157, type=7, status=3))
    assert p.returncode == 1
    assert "type=?(7) serial=0 status=?(3) invalid (VW_E_MSG_TYPE)" in lines(p)[0]
    assert ("virtwire: msg 0 (stream offset 0): invalid message: VW_E_MSG_TYPE at message byte 16 "
            "(stream offset 16), field type:") in p.stderr.decode()


def test_payload_error_is_reported_and_the_next_message_decoded(run):
    bad = msg(u32(1, 3) + b"abc\x01" + u32(6), proc=1)   # padding byte at message byte 39
    p = decode(run, PING + bad + PING)
    assert p.returncode == 1
    err = p.stderr.decode()
    assert ("virtwire: msg 1 (stream offset 28): invalid message: VW_E_PADDING at message "
            "byte 39 (stream offset 67), field ") in err
    out = lines(p)
    assert out[1].endswith(" invalid (VW_E_PADDING)")
    assert out[2].startswith("msg 2 (stream offset 72): ") and out[-1] == "3 messages, 1 invalid"


def test_trailing_bytes_strict_error_lenient_note(run):
    m = msg(u32(0, 0), proc=157)   # GET_LIB_VERSION + 8 bytes: libvirt answers it (§1.5)
    p = decode(run, m)
    assert p.returncode == 1
    assert "VW_E_TRAILING at message byte 28 (stream offset 28)" in p.stderr.decode()
    p = decode(run, m, "--lenient")
    assert p.returncode == 0
    assert "accepted non-canonical VW_E_TRAILING at message byte 28" in p.stderr.decode()


@pytest.mark.parametrize("word", [0, 4, 27, 0x02000005, 0xFFFFFFFF])
def test_length_word_out_of_range_ends_the_stream(run, word):
    p = decode(run, PING + u32(word) + PING + PING)
    assert p.returncode == 1
    assert ("virtwire: msg 1 (stream offset 28): framing error VW_E_LENGTH at stream offset 28"
            in p.stderr.decode())
    assert lines(p)[-1] == "1 messages, 1 invalid"


def test_largest_length_word_waits_for_its_body(run):
    p = decode(run, PING + u32(0x02000004) + PING[4:])
    assert p.returncode == 1
    assert "VW_E_SHORT at stream offset 56: the stream ends inside a message" in p.stderr.decode()
    assert "VW_E_LENGTH" not in p.stderr.decode()


def test_fd_count_over_32_is_an_error(run):
    p = decode(run, msg(proc=157, type=CALL_WITH_FDS, fds=33) +
               msg(proc=157, type=CALL_WITH_FDS, fds=32))
    assert p.returncode == 1
    assert "VW_E_FDS at message byte 28 (stream offset 28), field num_fds" in p.stderr.decode()
    assert lines(p)[1].endswith(" fds=32")


def test_wrong_version_of_a_known_program(run):
    p = decode(run, msg(vers=2))
    assert p.returncode == 1
    assert "VW_E_PROGRAM at message byte 8 (stream offset 8), field vers" in p.stderr.decode()
    # the server's "Cannot find program" answer echoes the bad version (§2): valid
    p = decode(run, msg(error_payload(39, 7, "Cannot find program 536903814 version 2"),
                        vers=2, type=REPLY, status=ERROR))
    assert p.returncode == 0, p.stderr


def test_usage_and_unreadable_input_exit_2(run, tmp_path):
    assert run("decode", "--protocol", "virnet").returncode == 2
    assert run("decode", "--protocol", "virnet", str(tmp_path / "missing")).returncode == 2


def test_empty_input_is_valid(run):
    p = decode(run, b"")
    assert p.returncode == 0 and lines(p) == ["0 messages, 0 invalid"]


def test_random_and_mutated_input_never_crash(run):
    rng = random.Random(20240607)
    base = AUTH_LIST_CALL + AUTH_LIST_REPLY + CONNECT_OPEN + PING + ERROR_9999
    for _ in range(40):
        data = bytearray(base)
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        p = decode(run, bytes(data))
        assert p.returncode in (0, 1), p.stderr
        assert re.match(r"^\d+ messages, \d+ invalid$", lines(p)[-1])
