"""`virtwire decode --protocol onc-rpc`: output, exit codes, error offsets, robustness."""
import random

import pytest

from conftest import ROOT
from xdrbuild import (auth, authsys, call, opaque, record, reply_accepted, reply_denied,
                      reply_success, u32)

PMAP = 100000


def decode(run, data, *opts, timeout=30):
    return run("decode", "--protocol", "onc-rpc", *opts, "-", stdin=data, timeout=timeout)


def test_getport_call_and_reply_are_decoded_with_body(run):
    stream = (record(call(7, PMAP, 2, 3, args=u32(100003) + u32(3) + u32(6) + u32(0)))
              + record(reply_success(7, u32(2049))))
    p = decode(run, stream)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    assert lines[0].startswith("#0 @0 len=56: CALL xid=0x00000007 prog=100000 vers=2 proc=3 (GETPORT)")
    assert lines[0].endswith("-> mapping {prog=100003 vers=3 prot=6 port=0}")
    assert "REPLY xid=0x00000007 MSG_ACCEPTED SUCCESS results=4B -> uint 2049" in lines[1]
    assert lines[-1] == "2 records, 0 invalid"


def test_verbose_dumps_every_authsys_field(run):
    cred = auth(1, authsys(stamp=9, host=b"node-a", uid=1000, gid=100, gids=(1, 2, 3)))
    p = decode(run, record(call(1, 100003, 3, 0, cred=cred)), "-v")
    assert p.returncode == 0
    out = p.stdout.decode()
    for line in ("cred.sys.stamp: 9", 'cred.sys.machinename: "node-a"', "cred.sys.uid: 1000",
                 "cred.sys.gid: 100", "cred.sys.gids: [1, 2, 3]", "rpcvers: 2"):
        assert line in out


@pytest.mark.parametrize("msg,text", [
    (reply_accepted(1, 1), "MSG_ACCEPTED PROG_UNAVAIL"),
    (reply_accepted(1, 2, u32(2) + u32(4)), "MSG_ACCEPTED PROG_MISMATCH low=2 high=4"),
    (reply_accepted(1, 3), "MSG_ACCEPTED PROC_UNAVAIL"),
    (reply_accepted(1, 4), "MSG_ACCEPTED GARBAGE_ARGS"),
    (reply_accepted(1, 5), "MSG_ACCEPTED SYSTEM_ERR"),
    (reply_denied(1, 0, u32(2) + u32(2)), "MSG_DENIED RPC_MISMATCH low=2 high=2"),
    (reply_denied(1, 1, u32(5)), "MSG_DENIED AUTH_ERROR AUTH_TOOWEAK"),
], ids=["prog-unavail", "prog-mismatch", "proc-unavail", "garbage-args", "system-err",
        "rpc-mismatch", "auth-error"])
def test_every_reply_kind_is_named(run, msg, text):
    p = decode(run, record(msg))
    assert p.returncode == 0, p.stderr
    assert text in p.stdout.decode()


def test_nonzero_padding_is_an_error_with_its_offset(run):
    # machinename "abc" is padded by one byte; make it 0x01.  Offsets: xid 0, mtype 4,
    # rpcvers 8, prog 12, vers 16, proc 20, cred flavor 24, body len 28, stamp 32,
    # name len 36, "abc" 40..42, pad 43 (then uid 44, gid 48, gid count 52).
    cred = auth(1, authsys(host=b"abc", pad=b"\x01"))
    p = decode(run, record(call(1, 100003, 3, 0, cred=cred)))
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "VW_E_PADDING at record byte 43 (stream offset 47)" in err, err
    assert "field cred" in err


def test_lenient_accepts_what_libtirpc_accepts_and_says_so(run):
    cred = auth(1, authsys(host=b"abc", pad=b"\x01"))
    p = decode(run, record(call(1, 100003, 3, 0, cred=cred)), "--lenient")
    assert p.returncode == 0
    assert "accepted non-canonical VW_E_PADDING at record byte 43" in p.stderr.decode()


@pytest.mark.parametrize("msg,code,offset", [
    (call(1, 1, 1, 1, rpcvers=3), "VW_E_RPC_VERSION", 8),
    (u32(1) + u32(2), "VW_E_DISCRIMINANT", 4),
    (call(1, 1, 1, 1, cred=u32(0) + u32(401) + b"\0" * 404), "VW_E_TOO_LONG", 28),
    (call(1, 1, 1, 1, cred=auth(0, b"abcd")), "VW_E_AUTH_NONE_BODY", 28),
    (call(1, 1, 1, 1, cred=auth(1, authsys(gids=range(17)))), "VW_E_TOO_LONG", 52),
    (call(1, 1, 1, 1, cred=auth(1, authsys() + b"\0\0\0\0")), "VW_E_AUTH_SYS_FILL", 56),
    (reply_accepted(1, 6), "VW_E_ENUM", 20),
    (reply_accepted(1, 1, b"\0\0\0\0"), "VW_E_TRAILING", 24),
    (reply_denied(1, 1, u32(15)), "VW_E_ENUM", 16),
    (reply_denied(1, 2, b""), "VW_E_DISCRIMINANT", 12),
], ids=["rpcvers-3", "msg-type-2", "auth-body-401", "auth-none-with-body", "auth-sys-17-gids",
        "auth-sys-trailing", "accept-stat-6", "trailing-after-prog-unavail", "auth-stat-15",
        "reject-stat-2"])
def test_strict_errors_name_code_and_offset(run, msg, code, offset):
    p = decode(run, record(msg))
    assert p.returncode == 1
    assert f"{code} at record byte {offset} " in p.stderr.decode(), p.stderr


def test_decoding_goes_on_after_an_invalid_record(run):
    stream = record(reply_accepted(1, 9)) + record(reply_accepted(2, 1))
    p = decode(run, stream)
    assert p.returncode == 1
    assert "record 0" in p.stderr.decode()
    assert "#1 @" in p.stdout.decode() and "PROG_UNAVAIL" in p.stdout.decode()


def test_error_offset_in_a_later_fragment_maps_to_the_stream(run):
    msg = reply_accepted(1, 6)  # accept_stat at record byte 20
    p = decode(run, record(msg, frag=8))
    assert p.returncode == 1
    # fragments of 8: headers at 0, 12, 24; record byte 20 is in the third fragment,
    # whose data start at stream offset 28, at its byte 4: stream offset 32
    assert "VW_E_ENUM at record byte 20 (stream offset 32)" in p.stderr.decode()


def test_truncated_stream_is_short(run):
    p = decode(run, record(reply_accepted(1, 1))[:-3])
    assert p.returncode == 1
    assert "VW_E_SHORT" in p.stderr.decode() and "ends inside a record" in p.stderr.decode()


def test_truncated_message_in_complete_record_is_short(run):
    p = decode(run, record(reply_accepted(1, 2, u32(2))))
    assert p.returncode == 1
    assert "VW_E_SHORT at record byte 28" in p.stderr.decode()


def test_empty_nonlast_fragment_is_a_framing_error(run):
    p = decode(run, u32(0) + record(reply_accepted(1, 1)))
    assert p.returncode == 1
    assert "framing error VW_E_FRAGMENT at stream offset 0" in p.stderr.decode()


def test_record_over_the_limit_is_refused_without_buffering(run):
    p = decode(run, u32(0x7FFFFFFF) + b"\0" * 64)
    assert p.returncode == 1
    assert "VW_E_RECORD_TOO_LONG" in p.stderr.decode()


def test_one_mib_argument_decodes(run):
    big = opaque(b"\x5a" * (1 << 20))
    p = decode(run, record(call(3, 100003, 3, 7, args=big), frag=4096))
    assert p.returncode == 0
    assert f"args={len(big)}B" in p.stdout.decode()


def test_file_argument_and_stdin_agree(run, tmp_path):
    data = record(call(5, PMAP, 3, 4)) + record(reply_accepted(5, 3))
    f = tmp_path / "stream.bin"
    f.write_bytes(data)
    a = run("decode", "--protocol", "onc-rpc", str(f))
    b = decode(run, data)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout


@pytest.mark.parametrize("args", [
    [],
    ["decode"],
    ["decode", "--protocol", "onc-rpc"],
    ["decode", "--protocol", "nope", "-"],
    ["decode", "--protocol", "onc-rpc", "--bogus", "-"],
    ["decode", "--protocol", "onc-rpc", "/nonexistent/file"],
    ["decode", "--protocol", "onc-rpc", "--from", "sideways", "-"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(run, args):
    p = run(*args, stdin=b"")
    assert p.returncode == 2
    assert p.stderr


def test_every_seed_decodes_as_a_stream(run):
    seeds = sorted((ROOT / "corpus/fuzz/oncrpc_decode").glob("seed-*"))
    assert len(seeds) >= 20
    stream = b"".join(record(s.read_bytes()) for s in seeds)
    p = decode(run, stream)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().splitlines()[-1] == f"{len(seeds)} records, 0 invalid"


def test_random_streams_never_crash_or_hang(run):
    rng = random.Random(20261121)
    seeds = [s.read_bytes() for s in (ROOT / "corpus/fuzz/oncrpc_decode").glob("seed-*")]
    for _ in range(150):
        msg = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            if msg:
                msg[rng.randrange(len(msg))] = rng.randrange(256)
        data = record(bytes(msg), frag=rng.choice([0, 3, 8, 64]))
        cut = rng.randint(len(data) // 2, len(data))
        p = decode(run, data[:cut], *rng.choice([[], ["--lenient"], ["-v"]]), timeout=10)
        assert p.returncode in (0, 1), (p.returncode, bytes(data[:cut]).hex())
        if p.returncode == 1:
            assert b"VW_E_" in p.stderr
