"""The ONC RPC conformance fixtures (tests/fixtures/oncrpc.py): the project's rpcgen server
vw_oncrpc_server over tcp and unix, and rpcbind in namespaces (recipe R1, root only).

An independent python client (tests/xdrbuild.py, written from RFC 5531 / RFC 4506, and the
reply parser in fixtures/oncrpc.py) talks to them; `virtwire decode --protocol onc-rpc` must
accept both directions of what was exchanged (exit 0).  Expected answers: real-servers.md §3
("Raw results", "rpcbind answers to raw input").

meson registers this file as its own test `oncrpc-fixture` (with VW_ONCRPC_SERVER); the
directory-wide `cli-decode` pytest run skips it so it does not run twice.
"""
import os
import struct
import subprocess

import pytest

from conftest import ROOT
from fixtures.oncrpc import (PMAP_PROG, VWTEST_PROG, OncRpcServer, Rpcbind, exchange,
                             read_record)
from xdrbuild import auth, authsys, call, opaque, record, u32

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_ONCRPC_SERVER"):
    pytest.skip("runs as its own meson test 'oncrpc-fixture' (needs VW_ONCRPC_SERVER)",
                allow_module_level=True)

TRANSPORTS = ["tcp", "unix"]


def xdr_string(s):
    return opaque(s.encode())


@pytest.fixture(params=TRANSPORTS)
def server(request):
    reason = OncRpcServer.missing()
    if reason:
        pytest.fail(reason)      # meson only runs this file when the server was built
    with OncRpcServer(request.param) as srv:
        yield srv


def decode_ok(run, stream):
    p = run("decode", "--protocol", "onc-rpc", "-", stdin=stream)
    assert p.returncode == 0, (p.stdout.decode(), p.stderr.decode())
    return p.stdout.decode()


def session(target, calls):
    """Sends each call on one connection; returns (wire bytes both ways, parsed replies)."""
    wire = b""
    replies = []
    with target.connect() as s:
        for c in calls:
            raw, rep = exchange(s, record(c))
            assert raw is not None, f"EOF after {c.hex()}"
            wire += record(c) + record(raw)
            replies.append(rep)
    return wire, replies


def test_server_ready_line_and_uri(server):
    if server.transport == "tcp":
        assert server.uri == f"tcp:127.0.0.1:{server.port}" and server.port > 0
    else:
        assert server.uri == f"unix:{server.socket_path}"
        assert os.path.exists(server.socket_path)
    assert server.features == ("onc-rpc", "vwtest")


def test_null_echo_add_rec_answer_and_decode(server, run):
    rec_args = (u32(1) + u32(1) + u32(41) + xdr_string("vw") + opaque(b"\x01\x02\x03")
                + struct.pack(">Q", 2**64 - 1))
    wire, replies = session(server, [
        call(1, VWTEST_PROG, 1, 0),
        call(2, VWTEST_PROG, 1, 1, args=xdr_string("hello")),
        call(3, VWTEST_PROG, 1, 2, args=u32(2) + u32(40)),
        call(4, VWTEST_PROG, 1, 2, args=u32(0x7FFFFFFF) + u32(1)),
        call(5, VWTEST_PROG, 1, 3, args=rec_args),
        call(6, VWTEST_PROG, 1, 1, cred=auth(1, authsys(host=b"vw")), args=xdr_string("")),
    ])
    assert [r["xid"] for r in replies] == [1, 2, 3, 4, 5, 6]
    assert all(r["accept_stat"] == "SUCCESS" for r in replies)
    assert replies[0]["results"] == b""
    assert replies[1]["results"] == xdr_string("hello")
    assert replies[2]["results"] == u32(42)
    assert replies[3]["results"] == u32(0x80000000)        # vwtest.x: wraps modulo 2^32
    # REC: flag negated, opt + 1, the rest echoed (vwtest.x)
    assert replies[4]["results"] == (u32(0) + u32(1) + u32(42) + xdr_string("vw")
                                     + opaque(b"\x01\x02\x03") + struct.pack(">Q", 2**64 - 1))
    assert replies[5]["results"] == xdr_string("")
    out = decode_ok(run, wire)
    assert out.splitlines()[-1] == "12 records, 0 invalid"


@pytest.mark.parametrize("msg,expect", [
    (call(7, VWTEST_PROG + 1, 1, 0), {"accept_stat": "PROG_UNAVAIL"}),
    (call(7, VWTEST_PROG, 7, 0), {"accept_stat": "PROG_MISMATCH", "mismatch": (1, 1)}),
    (call(7, VWTEST_PROG, 1, 9), {"accept_stat": "PROC_UNAVAIL"}),
    (call(7, VWTEST_PROG, 1, 2, args=u32(2)), {"accept_stat": "GARBAGE_ARGS"}),
    (call(7, VWTEST_PROG, 1, 1, args=xdr_string("x" * 1025)), {"accept_stat": "GARBAGE_ARGS"}),
    (call(7, VWTEST_PROG, 1, 0, cred=auth(99)),
     {"reply_stat": "MSG_DENIED", "reject_stat": "AUTH_ERROR", "auth_stat": 2}),
], ids=["prog-unavail", "prog-mismatch", "proc-unavail", "short-args", "string-over-max",
        "auth-flavor-99"])
def test_error_replies(server, run, msg, expect):
    wire, (rep,) = session(server, [msg])
    assert rep["xid"] == 7
    for k, v in expect.items():
        assert rep[k] == v, rep
    decode_ok(run, wire)


def test_rpcvers_3_gets_eof_not_rpc_mismatch(server):
    """virnet-oncrpc.md §5.5, real-servers.md §3: libtirpc never sends RPC_MISMATCH; the
    connection is closed.  The server keeps serving new connections."""
    with server.connect() as s:
        raw, _ = exchange(s, record(call(8, VWTEST_PROG, 1, 0, rpcvers=3)))
        assert raw is None
    _, (rep,) = session(server, [call(9, VWTEST_PROG, 1, 0)])
    assert rep["accept_stat"] == "SUCCESS"


def test_call_in_three_fragments_is_reassembled(server, run):
    c = call(10, VWTEST_PROG, 1, 1, args=xdr_string("fragmented"))
    with server.connect() as s:
        raw, rep = exchange(s, record(c, frag=20))
    assert rep["accept_stat"] == "SUCCESS" and rep["results"] == xdr_string("fragmented")
    out = decode_ok(run, record(c, frag=20) + record(raw))
    assert "fragments=3" in out


def test_bad_fragment_header_closes(server):
    with server.connect() as s:
        s.sendall(u32(0xFFFFFFFF) + b"\0" * 12)
        try:
            assert read_record(s) is None
        except ConnectionResetError:
            pass                      # real-servers.md §3: ECONNRESET is also seen


def test_stop_removes_temp_dir_and_process():
    if OncRpcServer.missing():
        pytest.fail(OncRpcServer.missing())
    srv = OncRpcServer("unix").start()
    d, proc = srv.dir, srv.proc
    srv.stop()
    assert proc.returncode == 0            # SIGTERM: exit 0 (server_main.c)
    assert not os.path.exists(d)


@pytest.fixture
def rpcbind():
    reason = Rpcbind.missing()
    if reason:
        pytest.skip(reason)
    with Rpcbind() as rb:
        yield rb


def test_rpcbind_getport_dump_null(rpcbind, run):
    mapping = u32(PMAP_PROG) + u32(2) + u32(6) + u32(0)
    wire, replies = session(rpcbind, [
        call(1, PMAP_PROG, 2, 0),
        call(2, PMAP_PROG, 2, 3, args=mapping),
        call(3, PMAP_PROG, 2, 4),
        call(4, PMAP_PROG, 4, 0),
    ])
    assert all(r["accept_stat"] == "SUCCESS" for r in replies)
    assert replies[1]["results"] == u32(111)          # GETPORT(100000, 2, tcp) -> 111
    dump = replies[2]["results"]
    assert dump.startswith(u32(1)) and dump.endswith(u32(0))   # pmaplist chain, §6
    assert u32(PMAP_PROG) + u32(2) + u32(6) + u32(111) in dump
    out = decode_ok(run, wire)
    assert "uint 111" in out


@pytest.mark.parametrize("msg,expect", [
    (call(5, 100099, 2, 0), {"accept_stat": "PROG_UNAVAIL"}),
    (call(5, PMAP_PROG, 9, 0), {"accept_stat": "PROG_MISMATCH", "mismatch": (2, 4)}),
    (call(5, PMAP_PROG, 2, 99), {"accept_stat": "PROC_UNAVAIL"}),
    (call(5, PMAP_PROG, 2, 3, args=u32(PMAP_PROG)), {"accept_stat": "GARBAGE_ARGS"}),
    (call(5, PMAP_PROG, 2, 0, cred=auth(99)), {"reject_stat": "AUTH_ERROR", "auth_stat": 2}),
], ids=["prog-unavail", "prog-mismatch", "proc-unavail", "short-args", "auth-flavor-99"])
def test_rpcbind_errors(rpcbind, run, msg, expect):
    wire, (rep,) = session(rpcbind, [msg])
    for k, v in expect.items():
        assert rep[k] == v, rep
    if rep.get("accept_stat") == "GARBAGE_ARGS":
        # the call itself is invalid (mapping cut short): decode says so, at byte 44
        p = run("decode", "--protocol", "onc-rpc", "-", stdin=wire)
        assert p.returncode == 1 and b"VW_E_SHORT at record byte 44" in p.stderr, p.stderr
        decode_ok(run, wire[len(record(msg)):])
    else:
        decode_ok(run, wire)


def test_rpcbind_stop_cleans_up():
    if Rpcbind.missing():
        pytest.skip(Rpcbind.missing())
    rb = Rpcbind().start()
    d, proc = rb.dir, rb.proc
    rb.stop()
    assert proc.returncode == 0            # real-servers.md §3: SIGTERM -> exit 0
    assert not os.path.exists(d)


def test_maxrec_mode_closes_on_huge_header_but_drops_fragmented_calls():
    """server_main.c --maxrec: libtirpc's non-blocking reader (as rpcbind) closes at once on a
    2^31-1 byte fragment header, and (measured) also drops a call in two fragments."""
    if OncRpcServer.missing():
        pytest.fail(OncRpcServer.missing())
    with OncRpcServer("tcp", maxrec=8192) as srv:
        with srv.connect() as s:
            s.sendall(u32(0xFFFFFFFF))
            assert read_record(s, timeout=2.0) is None
        c = call(11, VWTEST_PROG, 1, 0)
        with srv.connect() as s:
            s.sendall(u32(24) + c[:24] + u32(0x80000000 | (len(c) - 24)) + c[24:])
            try:
                assert read_record(s, timeout=2.0) is None
            except ConnectionResetError:
                pass
        _, (rep,) = session(srv, [c])
        assert rep["accept_stat"] == "SUCCESS"


TXN = ROOT / "corpus" / "transcripts"
KNOWN = set(OncRpcServer.features) | set(Rpcbind.features)


def txn_header(path):
    hdr = {}
    for line in path.read_text().splitlines():
        if not line.strip():
            break
        if not line.startswith("#"):
            k, v = line.split(":", 1)
            hdr[k] = v.strip()
    return hdr


@pytest.mark.parametrize("folder", ["onc-rpc", "onc-rpc-extra"])
def test_transcript_headers(folder):
    files = sorted((TXN / folder).glob("*.txn"))
    assert len(files) >= (15 if folder == "onc-rpc" else 1)
    for f in files:
        h = txn_header(f)
        assert h["protocol"] == "onc-rpc" and h["case"] == f.stem, f
        assert h["spec"] and h["title"], f
        if folder == "onc-rpc":      # runs against the fixtures: needs only what they provide
            assert set(h["requires"].split()) <= KNOWN, f


def replay(virtwire, target, *paths, timeout=120):
    p = subprocess.run([virtwire, "replay", "--target", target.uri, "--provides",
                        ",".join(target.features), *map(str, paths)],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode == 2 and "unknown command" in p.stderr:
        pytest.skip("`virtwire replay` is not in this build")
    return p


def verdicts(out):
    return {line.split()[1].split("/", 1)[1]: line.split()[0] for line in out.splitlines()
            if line.split() and line.split()[0] in ("PASS", "FAIL", "ERROR", "SKIP",
                                                     "NON-STRICT")}


def test_replay_catalogue_passes_against_server(server, virtwire):
    p = replay(virtwire, server, TXN / "onc-rpc")
    assert p.returncode == 0, p.stdout + p.stderr
    v = verdicts(p.stdout)
    vw = [k for k in v if k.startswith("vwtest-")]
    assert len(vw) >= 15 and all(v[k] == "PASS" for k in vw), p.stdout


def test_replay_catalogue_passes_against_rpcbind(rpcbind, virtwire):
    p = replay(virtwire, rpcbind, TXN / "onc-rpc")
    assert p.returncode == 0, p.stdout + p.stderr
    v = verdicts(p.stdout)
    rb = [k for k in v if k.startswith("rpcbind-")]
    assert len(rb) >= 10 and all(v[k] == "PASS" for k in rb), p.stdout


def test_replay_extra_verdicts(server, virtwire):
    """The RFC's RPC_MISMATCH case FAILs against libtirpc (it closes); the huge fragment header
    case FAILs in blocking mode and PASSes with --maxrec (server_main.c)."""
    extra = TXN / "onc-rpc-extra"
    p = replay(virtwire, server, extra / "rpc-mismatch-rfc.txn",
               extra / "vwtest-huge-fragment-header.txn")
    assert p.returncode == 1
    v = verdicts(p.stdout)
    assert v == {"rpc-mismatch-rfc": "FAIL", "vwtest-huge-fragment-header": "FAIL"}, p.stdout
    assert "closed" in p.stdout
    with OncRpcServer(server.transport, maxrec=8192) as srv:
        p = replay(virtwire, srv, extra / "vwtest-huge-fragment-header.txn")
        assert p.returncode == 0, p.stdout + p.stderr
