"""The tshark libvirt dissector as a third decoder of virnet traffic, and the live recorder.

(a) Every committed real-traffic sample (corpus/samples/virnet/, written by
    tests/record_virnet.py) is wrapped into a pcap on tcp.port 16509 (tests/pcap_virnet.py)
    and read by `tshark -T fields`; each message header must equal what
    `virtwire decode --protocol virnet` prints for the same stream.
(b) The four dissector bugs of virnet-oncrpc.md §7 (a-d) are pinned with synthetic packets:
    the tests assert the KNOWN-BAD output, so when a future tshark fixes one, its test fails
    and says so (update §7 and the test then).
(c) A live libvirtd (tests/fixtures/libvirtd.py) is recorded through the relay
    (tests/fixtures/relay.py) running `virsh list --all`, and the recording is decoded.

meson registers this file as its own test `tshark-virnet` (with VW_TSHARK_VIRNET=1); the
directory-wide `cli-decode` pytest run skips it so it does not run twice.
"""
import functools
import os
import re
import shutil
import struct
import subprocess
import tempfile

import pytest

from conftest import ROOT
from fixtures.libvirtd import Libvirtd
from fixtures.relay import Relay
from pcap_virnet import header, pcap_bytes, pcap_from_sample, split_messages

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_TSHARK_VIRNET"):
    pytest.skip("runs as its own meson test 'tshark-virnet' (set VW_TSHARK_VIRNET=1 to run "
                "it here)", allow_module_level=True)

SAMPLES = ROOT / "corpus" / "samples" / "virnet"
SESSIONS = sorted(p.name[:-len(".c2s.bin")] for p in SAMPLES.glob("*.c2s.bin"))
TSHARK_TIMEOUT = 60
REMOTE = 0x20008086                     # virnet-oncrpc.md §2
T_CALL, T_REPLY, T_STREAM, T_CALL_WITH_FDS = 0, 1, 3, 4   # §1.3
S_OK, S_CONTINUE = 0, 2
FIELDS = ["libvirt.length", "libvirt.program", "libvirt.version", "libvirt.procedure",
          "libvirt.type", "libvirt.serial", "libvirt.status"]
# `virtwire decode --protocol virnet` header line (format fixed by the decoder's brief).
OUR_LINE = re.compile(
    r"^msg (\d+) \(stream offset (\d+)\): len=(\d+) prog=0x([0-9a-fA-F]{8}) (\S+) "
    r"vers=(\d+) proc=(-?\d+) (\S+) type=(\w+)\((-?\d+)\) serial=(\d+) "
    r"status=(\w+)\((-?\d+)\)")


def need_tshark():
    if shutil.which("tshark") is None:
        pytest.skip("tshark not installed (Debian: apt-get install tshark libvirt-wireshark)")


def tshark(pcap, *fields, extra=()):
    """Runs tshark -T fields on pcap bytes; returns [(srcport, {field: [values]})] per frame
    that carries libvirt PDUs (several PDUs in one frame give several values)."""
    need_tshark()
    with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
        f.write(pcap)
        f.flush()
        args = ["tshark", "-n", "-r", f.name, "-Y", "libvirt", "-T", "fields",
                "-E", "occurrence=a", "-E", "aggregator=|", "-e", "tcp.srcport", *extra]
        for name in fields:
            args += ["-e", name]
        p = subprocess.run(args, capture_output=True, timeout=TSHARK_TIMEOUT,
                           env=dict(os.environ, LC_ALL="C"))
    assert p.returncode == 0, p.stderr.decode()
    out = []
    for line in p.stdout.decode().splitlines():
        cols = line.split("\t")
        out.append((int(cols[0]), {n: (c.split("|") if c else [])
                                   for n, c in zip(fields, cols[1:])}))
    if not out and b"libvirt" not in subprocess.run(
            ["tshark", "-G", "protocols"], capture_output=True,
            timeout=TSHARK_TIMEOUT).stdout:
        pytest.skip("the tshark libvirt dissector is missing (apt-get install libvirt-wireshark)")
    return out


def tshark_headers(pcap):
    """{"c2s": [hdr...], "s2c": [hdr...]} with hdr = (len, prog, vers, proc, type, serial,
    status) as ints, in stream order, as the dissector shows them."""
    got = {"c2s": [], "s2c": []}
    for port, vals in tshark(pcap, *FIELDS):
        d = "c2s" if port != 16509 else "s2c"
        cols = [vals[n] for n in FIELDS]
        assert len({len(c) for c in cols}) == 1, f"ragged tshark output {vals}"
        for row in zip(*cols):
            got[d].append(tuple(int(v, 0) for v in row))
    return got


@functools.lru_cache(maxsize=None)
def sample_tshark_headers(session):
    """tshark_headers of a committed sample (one tshark run per session)."""
    return tshark_headers(pcap_from_sample(str(SAMPLES / session)))


def python_headers(stream):
    """The pcap tooling's own header parser (ONLY to validate the pcap path)."""
    return [header(m) for _, m in split_messages(stream)]


def our_decode(virtwire, path):
    """Runs `virtwire decode --protocol virnet PATH`; skips while the protocol is missing.
    Returns (returncode, [(n, offset, hdr, names)], stdout, stderr)."""
    p = subprocess.run([virtwire, "decode", "--protocol", "virnet", str(path)],
                       capture_output=True, timeout=30)
    err = p.stderr.decode(errors="replace")
    if p.returncode == 2 and "unknown protocol" in err:
        pytest.skip("`virtwire decode --protocol virnet` is not implemented yet "
                    "(harness/decode_virnet.c); tshark side checked by the other tests")
    msgs = []
    for line in p.stdout.decode(errors="replace").splitlines():
        m = OUR_LINE.match(line)
        if m:
            g = m.groups()
            hdr = (int(g[2]), int(g[3], 16), int(g[5]), int(g[6]), int(g[9]), int(g[10]),
                   int(g[12]))
            msgs.append((int(g[0]), int(g[1]), hdr, {"prog": g[4], "proc": g[7],
                                                     "type": g[8], "status": g[11]}))
    return p.returncode, msgs, p.stdout.decode(errors="replace"), err


def read_sample(session, d):
    return (SAMPLES / f"{session}.{d}.bin").read_bytes()


def virnet_msg(prog, vers, proc, typ, serial, status, payload=b""):
    """One message: length word counting itself (§1.1) + the 6 header words (§1.3)."""
    return struct.pack(">IIIiiIi", 28 + len(payload), prog, vers, proc, typ, serial,
                       status) + payload


def xdr_string(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


# remote_connect_open_args {remote_string name; unsigned flags} (§2.2); name is optional:
# bool 1 then the string (§2.1).
OPEN_ARGS = struct.pack(">I", 1) + xdr_string("test:///default") + struct.pack(">I", 0)


def one_packet_pcap(msg):
    return pcap_bytes([(0.0, "c2s", msg)])


# ---------------------------------------------------------------------------------------
# (a) committed samples: pcap tooling, then tshark vs our decoder

def test_samples_exist():
    # record_virnet.py writes 10 sessions; an empty glob would make (a) vacuous.
    assert {"list-all", "dominfo", "dumpxml", "start", "destroy", "suspend", "resume",
            "define", "undefine", "events"} <= set(SESSIONS), SESSIONS


@pytest.mark.parametrize("session", SESSIONS)
def test_pcap_tooling_shows_every_message(session):
    """tshark sees exactly the messages the streams hold (validates pcap_virnet.py)."""
    c2s, s2c = read_sample(session, "c2s"), read_sample(session, "s2c")
    got = sample_tshark_headers(session)
    assert got["c2s"] == python_headers(c2s)
    assert got["s2c"] == python_headers(s2c)
    assert len(got["c2s"]) >= 9 and len(got["s2c"]) >= 9


def test_event_sample_has_lifecycle_messages():
    """The events session holds the six DOMAIN_EVENT_CALLBACK_LIFECYCLE MESSAGEs (proc 318,
    type MESSAGE, serial 1: virnet-oncrpc.md §1.4, §2.2) and tshark decodes their bodies."""
    need_tshark()
    rows = tshark(pcap_from_sample(str(SAMPLES / "events")), "libvirt.procedure",
                  "libvirt.type", "libvirt.serial",
                  "libvirt.remote_domain_event_lifecycle_msg.event",
                  "libvirt.remote_domain_event_lifecycle_msg.detail")
    events = []
    for _, v in rows:
        events += [(int(e), int(dt)) for e, dt in zip(
            v["libvirt.remote_domain_event_lifecycle_msg.event"],
            v["libvirt.remote_domain_event_lifecycle_msg.detail"])]
        for proc, typ, ser in zip(v["libvirt.procedure"], v["libvirt.type"],
                                  v["libvirt.serial"]):
            if proc == "318":
                assert (typ, ser) == ("2", "1")
    # suspend SUSPENDED(3)/PAUSED 0, resume RESUMED(4)/0, destroy STOPPED(5)/DESTROYED 1,
    # start STARTED(2)/BOOTED 0, define DEFINED(0)/ADDED 0, undefine UNDEFINED(1)/REMOVED 0
    assert events == [(3, 0), (4, 0), (5, 1), (2, 0), (0, 0), (1, 0)]


@pytest.mark.parametrize("session", SESSIONS)
@pytest.mark.parametrize("d", ["c2s", "s2c"])
def test_tshark_agrees_with_our_decoder(virtwire, session, d):
    data = read_sample(session, d)
    rc, ours, out, err = our_decode(virtwire, SAMPLES / f"{session}.{d}.bin")
    theirs = sample_tshark_headers(session)[d]
    assert rc == 0, f"real libvirtd traffic rejected:\n{err}"
    assert [m[2] for m in ours] == theirs, out
    # message numbers count up and stream offsets are the sums of the length words (§1.1)
    assert [m[0] for m in ours] == list(range(len(ours))) or \
        [m[0] for m in ours] == list(range(1, len(ours) + 1)), out
    assert [m[1] for m in ours] == [off for off, _ in split_messages(data)], out
    for _, _, hdr, names in ours:
        if hdr[1] == REMOTE:
            assert names["prog"] == "REMOTE", out


# ---------------------------------------------------------------------------------------
# (b) the dissector's documented bugs (virnet-oncrpc.md §7 a-d), asserted as they are

STREAM40 = virnet_msg(REMOTE, 1, 209, T_STREAM, 7, S_CONTINUE, bytes(range(40)))
STREAM16 = virnet_msg(REMOTE, 1, 209, T_STREAM, 7, S_CONTINUE, bytes(range(16)))
STREAM0 = virnet_msg(REMOTE, 1, 209, T_STREAM, 7, S_CONTINUE)
# CALL_WITH_FDS: a 4-byte fd count (0) before the args (§1.5)
OPEN_WITH_FDS = virnet_msg(REMOTE, 1, 1, T_CALL_WITH_FDS, 2, S_OK,
                           struct.pack(">I", 0) + OPEN_ARGS)
OPEN_PLAIN = virnet_msg(REMOTE, 1, 1, T_CALL, 2, S_OK, OPEN_ARGS)
OPEN_VERS2 = virnet_msg(REMOTE, 2, 1, T_CALL, 2, S_OK, OPEN_ARGS)

FIXED = "if this fails, the tshark libvirt dissector was FIXED: update virnet-oncrpc.md §7 and " \
        "this test"


def test_bug_a_stream_data_loses_28_bytes():
    """§7 a: STREAM+CONTINUE raw data (§1.5, §4) minus the header twice: 40 bytes show as 12."""
    [(_, v)] = tshark(one_packet_pcap(STREAM40), "libvirt.stream", "_ws.malformed")
    assert v["libvirt.stream"] == [bytes(range(12)).hex()], f"bug a: {v} ({FIXED})"


def test_bug_a_short_stream_data_is_malformed():
    """§7 a: a STREAM+CONTINUE payload under 28 bytes gives Malformed Packet."""
    [(_, v)] = tshark(one_packet_pcap(STREAM16), "libvirt.stream", "_ws.malformed")
    assert v["libvirt.stream"] == [] and v["_ws.malformed"] != [], f"bug a: {v} ({FIXED})"


def test_bug_b_with_fds_count_not_skipped():
    """§7 b: CALL_WITH_FDS args are decoded from the fd count: the count 0 is read as the
    'name absent' bool and the name's bool 1 as flags; no libvirt.num_of_fds."""
    fields = ("libvirt.num_of_fds", "libvirt.remote_connect_open_args.name",
              "libvirt.remote_connect_open_args.flags")
    [(_, ref)] = tshark(one_packet_pcap(OPEN_PLAIN), *fields)
    assert ref["libvirt.remote_connect_open_args.name"] == ["test:///default"]  # the control
    [(_, v)] = tshark(one_packet_pcap(OPEN_WITH_FDS), *fields)
    assert v["libvirt.num_of_fds"] == [], f"bug b: {v} ({FIXED})"
    assert v["libvirt.remote_connect_open_args.name"] == [], f"bug b: {v} ({FIXED})"
    assert v["libvirt.remote_connect_open_args.flags"] == ["1"], f"bug b: {v} ({FIXED})"


def test_bug_c_version_ignored():
    """§7 c: a REMOTE header with vers=2 (no such version, §2) is still decoded as v1 args."""
    [(_, v)] = tshark(one_packet_pcap(OPEN_VERS2), "libvirt.version",
                      "libvirt.remote_connect_open_args.name")
    assert v["libvirt.version"] == ["2"]
    assert v["libvirt.remote_connect_open_args.name"] == ["test:///default"], \
        f"bug c: {v} ({FIXED})"


def test_bug_d_empty_stream_continue_shows_nothing():
    """§7 d: a zero-length STREAM+CONTINUE (read EOF, §4) shows no payload at all."""
    [(_, v)] = tshark(one_packet_pcap(STREAM0), "libvirt.type", "libvirt.stream",
                      "_ws.malformed")
    assert v["libvirt.type"] == ["3"]
    assert v["libvirt.stream"] == [] and v["_ws.malformed"] == [], f"bug d: {v} ({FIXED})"


@pytest.mark.parametrize("name,msg", [("stream40", STREAM40), ("stream16", STREAM16),
                                      ("stream0", STREAM0), ("open-with-fds", OPEN_WITH_FDS)])
def test_our_decoder_on_the_bug_packets(virtwire, tmp_path, name, msg):
    """Where tshark is wrong our decoder must still give the right header and accept the
    message (all four are valid per §1.5 / §4)."""
    f = tmp_path / name
    f.write_bytes(msg)
    rc, ours, out, err = our_decode(virtwire, f)
    assert rc == 0, err
    assert [m[2] for m in ours] == [header(msg)], out


# ---------------------------------------------------------------------------------------
# (c) live: libvirtd 9.0 + relay + virsh list --all

LIST_ALL_PROCS = [66, 60, 1, 60, 60, 360, 273, 212, 361, 2]   # real-servers.md §1 table


def test_live_list_all_recording(virtwire, tmp_path):
    reason = Libvirtd.missing()
    if reason or shutil.which("virsh") is None:
        pytest.skip(reason or "virsh not installed (apt-get install libvirt-clients)")
    # A short /tmp dir: the relay socket path must fit sun_path (real-servers.md §1).
    work = tempfile.mkdtemp(prefix="vw-live.", dir="/tmp")
    try:
        with Libvirtd(keepalive_interval=-1) as lv, \
                Relay(os.path.join(work, "relay.sock"), lv.socket_path) as relay:
            env = {"PATH": "/usr/bin:/bin", "HOME": work, "XDG_CONFIG_HOME": work,
                   "XDG_CACHE_HOME": work, "XDG_RUNTIME_DIR": work, "LIBVIRT_AUTOSTART": "0",
                   "LC_ALL": "C"}
            p = subprocess.run(["virsh", "-c", f"test+unix:///default?socket={relay.listen_path}",
                                "list", "--all"], env=env, capture_output=True, timeout=20)
            assert p.returncode == 0, p.stderr.decode()
            assert re.search(rb"\n\s*1\s+test\s+running", p.stdout), p.stdout
            [conn] = relay.wait_closed(1, timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for d, typ in (("c2s", T_CALL), ("s2c", T_REPLY)):
        hdrs = python_headers(getattr(conn, d))
        assert [h[3] for h in hdrs] == LIST_ALL_PROCS, hdrs
        assert [h[5] for h in hdrs] == list(range(10))        # virsh serials from 0 (§1.4)
        assert all(h[1] == REMOTE and h[4] == typ and h[6] == S_OK for h in hdrs), hdrs
    # The chunk log covers both streams exactly, in order.
    for d in ("c2s", "s2c"):
        offs = [(off, n) for _, dd, off, n in conn.chunks if dd == d]
        assert sum(n for _, n in offs) == len(getattr(conn, d))
        assert all(a[0] + a[1] == b[0] for a, b in zip(offs, offs[1:]))
    # list --all carries no time-dependent field: the committed sample must be identical.
    assert conn.c2s == read_sample("list-all", "c2s")
    assert conn.s2c == read_sample("list-all", "s2c")
    for d in ("c2s", "s2c"):
        f = tmp_path / f"live.{d}.bin"
        f.write_bytes(getattr(conn, d))
        rc, ours, out, err = our_decode(virtwire, f)
        assert rc == 0, err
        assert [m[2] for m in ours] == python_headers(getattr(conn, d)), out
