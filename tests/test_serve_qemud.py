"""`virtwire serve --protocol qemud`: the 2007 qemud daemon over in-memory domains and networks
(historic-qemud-openhook-qga.md §1), driven by a client written here from the facts,
independently of the C codec:

  message = u32 length (counts itself and all after, §1.4), u32 prog = 0x20001A64,
            client: u32 serial, u32 type, arm;  server: u32 serial, u32 inReplyTo, u32 type, arm
  char x[N] / unsigned char uuid[16]: one 4-byte XDR int per element (§1.5), no length.

Every reply the server sends is recorded and must decode with
`virtwire decode --protocol qemud --from server` (exit 0); every request likewise --from client.
"""
import os
import signal
import socket
import struct
import subprocess
import time

import pytest

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
PROG = 0x20001A64

# §1.3 client packet types; the server's reply type is the client's + 1, FAILURE is 0.
TYPES = ["GET_VERSION", "GET_NODEINFO", "LIST_DOMAINS", "NUM_DOMAINS", "DOMAIN_CREATE",
         "DOMAIN_LOOKUP_BY_ID", "DOMAIN_LOOKUP_BY_UUID", "DOMAIN_LOOKUP_BY_NAME",
         "DOMAIN_SUSPEND", "DOMAIN_RESUME", "DOMAIN_DESTROY", "DOMAIN_GET_INFO", "DOMAIN_SAVE",
         "DOMAIN_RESTORE", "DUMP_XML", "LIST_DEFINED_DOMAINS", "NUM_DEFINED_DOMAINS",
         "DOMAIN_START", "DOMAIN_DEFINE", "DOMAIN_UNDEFINE", "NUM_NETWORKS", "LIST_NETWORKS",
         "NUM_DEFINED_NETWORKS", "LIST_DEFINED_NETWORKS", "NETWORK_LOOKUP_BY_UUID",
         "NETWORK_LOOKUP_BY_NAME", "NETWORK_CREATE", "NETWORK_DEFINE", "NETWORK_UNDEFINE",
         "NETWORK_START", "NETWORK_DESTROY", "NETWORK_DUMP_XML", "NETWORK_GET_BRIDGE_NAME",
         "DOMAIN_GET_AUTOSTART", "DOMAIN_SET_AUTOSTART", "NETWORK_GET_AUTOSTART",
         "NETWORK_SET_AUTOSTART", "GET_CAPABILITIES"]
T = {name: i for i, name in enumerate(TYPES)}
FAILURE = 0

TEST_UUID = bytes.fromhex("6695eb01f6a4830479aa97f2502e193f")
VM1_UUID = bytes.fromhex("8c3c1fd258a14a529f9b3d0e7c6b1a01")


# ---- encoding (§1.4, §1.5) ----

def chars(s, n):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) <= n
    b = b.ljust(n, b"\0")
    return b"".join(struct.pack(">i", c - 256 if c > 127 else c) for c in b)


def uuid(u):
    return b"".join(struct.pack(">I", c) for c in u)


def i32(v):
    return struct.pack(">i", v)


NAME = 50
XML = 4096
PATH = 4096


def request(serial, typ, arm=b"", prog=PROG, length=None):
    body = struct.pack(">II", serial, typ) + arm
    return struct.pack(">II", 8 + len(body) if length is None else length, prog) + body


# server arms (§1.4): (field, kind, count); kinds: u uint32, i int32, h uint64, c chars,
# U uuid, I int32 array
REPLY = {
    FAILURE: [("code", "u", 1), ("message", "c", 1024)],
    T["GET_VERSION"] + 1: [("versionNum", "u", 1)],
    T["GET_NODEINFO"] + 1: [("model", "c", 32)] + [(f, "u", 1) for f in (
        "memory", "cpus", "mhz", "nodes", "sockets", "cores", "threads")],
    T["LIST_DOMAINS"] + 1: [("numDomains", "i", 1), ("domains", "I", 100)],
    T["NUM_DOMAINS"] + 1: [("numDomains", "i", 1)],
    T["DOMAIN_CREATE"] + 1: [("id", "i", 1), ("uuid", "U", 16), ("name", "c", NAME)],
    T["DOMAIN_LOOKUP_BY_ID"] + 1: [("uuid", "U", 16), ("name", "c", NAME)],
    T["DOMAIN_LOOKUP_BY_UUID"] + 1: [("id", "i", 1), ("name", "c", NAME)],
    T["DOMAIN_LOOKUP_BY_NAME"] + 1: [("id", "i", 1), ("uuid", "U", 16)],
    T["DOMAIN_GET_INFO"] + 1: [("cpuTime", "h", 1), ("runstate", "u", 1), ("memory", "u", 1),
                               ("maxmem", "u", 1), ("nrVirtCpu", "u", 1)],
    T["DOMAIN_RESTORE"] + 1: [("id", "i", 1)],
    T["DUMP_XML"] + 1: [("xml", "c", XML)],
    T["LIST_DEFINED_DOMAINS"] + 1: [("numDomains", "u", 1), ("domains", "c", 5000)],
    T["NUM_DEFINED_DOMAINS"] + 1: [("numDomains", "u", 1)],
    T["DOMAIN_START"] + 1: [("id", "i", 1)],
    T["DOMAIN_DEFINE"] + 1: [("uuid", "U", 16), ("name", "c", NAME)],
    T["NUM_NETWORKS"] + 1: [("numNetworks", "u", 1)],
    T["LIST_NETWORKS"] + 1: [("numNetworks", "u", 1), ("networks", "c", 5000)],
    T["NUM_DEFINED_NETWORKS"] + 1: [("numNetworks", "u", 1)],
    T["LIST_DEFINED_NETWORKS"] + 1: [("numNetworks", "u", 1), ("networks", "c", 5000)],
    T["NETWORK_LOOKUP_BY_UUID"] + 1: [("id", "i", 1), ("name", "c", NAME)],
    T["NETWORK_LOOKUP_BY_NAME"] + 1: [("id", "i", 1), ("uuid", "U", 16)],
    T["NETWORK_CREATE"] + 1: [("uuid", "U", 16), ("name", "c", NAME)],
    T["NETWORK_DEFINE"] + 1: [("uuid", "U", 16), ("name", "c", NAME)],
    T["NETWORK_DUMP_XML"] + 1: [("xml", "c", XML)],
    T["NETWORK_GET_BRIDGE_NAME"] + 1: [("ifname", "c", 50)],
    T["DOMAIN_GET_AUTOSTART"] + 1: [("autostart", "u", 1)],
    T["NETWORK_GET_AUTOSTART"] + 1: [("autostart", "u", 1)],
    T["GET_CAPABILITIES"] + 1: [("xml", "c", XML)],
}


def parse_arm(typ, data):
    out, off = {}, 0
    for name, kind, n in REPLY.get(typ, []):
        if kind == "h":
            out[name] = struct.unpack_from(">Q", data, off)[0]
            off += 8
            continue
        words = struct.unpack_from(">%d%s" % (n, "i" if kind in "icI" else "I"), data, off)
        off += 4 * n
        if kind == "c":
            assert all(-128 <= w <= 127 for w in words)
            out[name] = bytes(w & 0xFF for w in words)
        elif kind == "U":
            assert all(0 <= w <= 255 for w in words)
            out[name] = bytes(words)
        elif kind == "I":
            out[name] = list(words)
        else:
            out[name] = words[0]
    assert off == len(data), "reply arm of type %d: %d bytes, expected %d" % (typ, len(data),
                                                                              off)
    return out


def cstr(b):
    return b.split(b"\0", 1)[0].decode()


def names(buf, count):
    """§1.4: name i at byte i * QEMUD_MAX_NAME_LEN."""
    return [cstr(buf[i * NAME:(i + 1) * NAME]) for i in range(count)]


# ---- the server ----

class Server:
    def __init__(self, tmp_path, *extra, listen=None):
        self.path = str(tmp_path / "qemud.sock")
        self.listen = listen or "unix:" + self.path
        self.errf = open(tmp_path / "serve.err", "w+b")
        self.proc = subprocess.Popen([VIRTWIRE, "serve", "--protocol", "qemud", "--listen",
                                      self.listen, *extra],
                                     stdout=subprocess.PIPE, stderr=self.errf)
        line = self.proc.stdout.readline().decode()
        assert "listening on " in line, line
        self.uri = line.split("listening on ", 1)[1].split()[0]
        self.records = []       # every Client's (sent, received) bytes

    def connect(self):
        if self.uri.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.uri[5:])
        else:
            host, port = self.uri[4:].rsplit(":", 1)
            s = socket.create_connection((host, int(port)))
        s.settimeout(5)
        c = Client(s)
        self.records.append(c)
        return c

    def stderr(self):
        if self.errf.closed:
            return self.err_text
        self.errf.seek(0)
        return self.errf.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        if not self.errf.closed:
            self.err_text = self.stderr()
            self.errf.close()
        return rc


class Closed(Exception):
    pass


class Client:
    def __init__(self, sock):
        self.sock = sock
        self.serial = 0
        self.sent = b""
        self.received = b""
        self.last_reply_serial = 0

    def send_raw(self, data):
        self.sent += data
        self.sock.sendall(data)

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            try:
                chunk = self.sock.recv(n - len(data))
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed(data)
            data += chunk
        self.received += data
        return data

    def read_reply(self):
        length, prog = struct.unpack(">II", self.recv_exact(8))
        assert prog == PROG and 20 <= length <= 20024      # §1.5 largest server message
        serial, in_reply_to, typ = struct.unpack(">IIi", self.recv_exact(12))
        arm = self.recv_exact(length - 20)
        return serial, in_reply_to, typ, parse_arm(typ, arm)

    def call(self, typ, arm=b"", expect=None):
        """Sends one request with the next serial and checks the §1.6 serial rules."""
        self.serial += 1
        self.send_raw(request(self.serial, typ, arm))
        serial, in_reply_to, rtyp, fields = self.read_reply()
        assert in_reply_to == self.serial                  # §1.6 inReplyTo = request serial
        assert serial == self.last_reply_serial + 1        # §1.6 ++outgoingSerial from 1
        self.last_reply_serial = serial
        want = typ + 1 if expect is None else expect
        assert rtyp == want, (TYPES[typ], rtyp, fields)
        return fields

    def fail(self, typ, arm=b"", code=None):
        f = self.call(typ, arm, expect=FAILURE)
        if code is not None:
            assert f["code"] == code, cstr(f["message"])
        assert cstr(f["message"]) != ""
        return f["code"], cstr(f["message"])

    def closed(self, timeout=5):
        """True when the server closes the connection (EOF or RST) before |timeout|."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        self.received += data
        return data == b""


def decode(tmp_path, data, direction):
    f = tmp_path / ("rec-%s-%d.bin" % (direction, len(data)))
    f.write_bytes(data)
    return subprocess.run([VIRTWIRE, "decode", "--protocol", "qemud", "--from", direction,
                           str(f)], capture_output=True, timeout=30)


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path, "--timeout", "3000")
    yield srv
    rc = srv.stop()
    err = srv.stderr()
    assert rc == 0, err
    assert not os.path.exists(srv.path)                 # unlinked on SIGTERM
    # everything the server sent decodes strictly, and so does everything sent to it
    # (except the deliberately malformed requests of a test, which it marks)
    for c in srv.records:
        if c.received:
            r = decode(tmp_path, c.received, "server")
            assert r.returncode == 0, r.stderr.decode()
        if c.sent and not getattr(c, "malformed", False):
            r = decode(tmp_path, c.sent, "client")
            assert r.returncode == 0, r.stderr.decode()


# ---- every packet type ----

def dom_xml(name, mem=262144, vcpu=1):
    return chars("<domain type='qemu'><name>%s</name><memory>%d</memory><vcpu>%d</vcpu>"
                 "<os><type>hvm</type></os></domain>" % (name, mem, vcpu), XML)


def test_every_packet_type(server):
    c = server.connect()
    assert c.call(T["GET_VERSION"])["versionNum"] > 0
    info = c.call(T["GET_NODEINFO"])
    assert cstr(info["model"]) == "x86_64" and info["cpus"] >= 1
    ids = c.call(T["LIST_DOMAINS"])
    assert ids["numDomains"] == 1 and ids["domains"][:2] == [1, 0]
    assert c.call(T["NUM_DOMAINS"])["numDomains"] == 1
    new = c.call(T["DOMAIN_CREATE"], dom_xml("web", 131072, 2))
    assert cstr(new["name"]) == "web" and new["id"] == 2
    assert c.call(T["DOMAIN_LOOKUP_BY_ID"], i32(1)) == {"uuid": TEST_UUID,
                                                         "name": chars("test", NAME)[3::4]}
    by_uuid = c.call(T["DOMAIN_LOOKUP_BY_UUID"], uuid(new["uuid"]))
    assert by_uuid["id"] == 2 and cstr(by_uuid["name"]) == "web"
    assert c.call(T["DOMAIN_LOOKUP_BY_NAME"], chars("test", NAME)) == {"id": 1,
                                                                        "uuid": TEST_UUID}
    c.call(T["DOMAIN_SUSPEND"], i32(2))
    assert c.call(T["DOMAIN_GET_INFO"], uuid(new["uuid"]))["runstate"] == 2     # PAUSED
    c.call(T["DOMAIN_RESUME"], i32(2))
    gi = c.call(T["DOMAIN_GET_INFO"], uuid(new["uuid"]))
    assert (gi["runstate"], gi["memory"], gi["nrVirtCpu"]) == (1, 131072, 2)
    c.call(T["DOMAIN_SAVE"], i32(2) + chars("/save/web.img", PATH))
    c.fail(T["DOMAIN_LOOKUP_BY_ID"], i32(2), code=7)
    assert c.call(T["DOMAIN_RESTORE"], chars("/save/web.img", PATH))["id"] == 3
    xml = cstr(c.call(T["DUMP_XML"], uuid(TEST_UUID))["xml"])
    assert "<name>test</name>" in xml and "6695eb01-f6a4-8304-79aa-97f2502e193f" in xml
    c.call(T["DOMAIN_DESTROY"], i32(3))                  # transient: gone
    c.fail(T["DOMAIN_LOOKUP_BY_NAME"], chars("web", NAME), code=7)
    d = c.call(T["LIST_DEFINED_DOMAINS"])
    assert names(d["domains"], d["numDomains"]) == ["vm1"]
    assert c.call(T["NUM_DEFINED_DOMAINS"])["numDomains"] == 1
    assert c.call(T["DOMAIN_START"], uuid(VM1_UUID))["id"] == 4
    defined = c.call(T["DOMAIN_DEFINE"], dom_xml("db"))
    assert cstr(defined["name"]) == "db"
    assert c.call(T["NUM_DEFINED_DOMAINS"])["numDomains"] == 1
    c.call(T["DOMAIN_UNDEFINE"], uuid(defined["uuid"]))
    assert c.call(T["NUM_DEFINED_DOMAINS"])["numDomains"] == 0
    assert c.call(T["NUM_NETWORKS"])["numNetworks"] == 1
    n = c.call(T["LIST_NETWORKS"])
    assert names(n["networks"], n["numNetworks"]) == ["default"]
    assert c.call(T["NUM_DEFINED_NETWORKS"])["numNetworks"] == 1
    n = c.call(T["LIST_DEFINED_NETWORKS"])
    assert names(n["networks"], n["numNetworks"]) == ["isolated"]
    iso = c.call(T["NETWORK_LOOKUP_BY_NAME"], chars("isolated", NAME))
    assert cstr(c.call(T["NETWORK_LOOKUP_BY_UUID"], uuid(iso["uuid"]))["name"]) == "isolated"
    net = c.call(T["NETWORK_CREATE"], chars("<network><name>lab</name><bridge name='br9'/>"
                                            "</network>", XML))
    assert cstr(net["name"]) == "lab"
    net2 = c.call(T["NETWORK_DEFINE"], chars("<network><name>spare</name></network>", XML))
    c.call(T["NETWORK_UNDEFINE"], uuid(net2["uuid"]))
    c.call(T["NETWORK_START"], uuid(iso["uuid"]))
    c.call(T["NETWORK_DESTROY"], uuid(iso["uuid"]))
    assert "<name>lab</name>" in cstr(c.call(T["NETWORK_DUMP_XML"], uuid(net["uuid"]))["xml"])
    assert cstr(c.call(T["NETWORK_GET_BRIDGE_NAME"], uuid(net["uuid"]))["ifname"]) == "br9"
    assert c.call(T["DOMAIN_GET_AUTOSTART"], uuid(TEST_UUID))["autostart"] == 0
    c.call(T["DOMAIN_SET_AUTOSTART"], uuid(TEST_UUID) + struct.pack(">I", 1))
    assert c.call(T["DOMAIN_GET_AUTOSTART"], uuid(TEST_UUID))["autostart"] == 1
    assert c.call(T["NETWORK_GET_AUTOSTART"], uuid(iso["uuid"]))["autostart"] == 0
    c.call(T["NETWORK_SET_AUTOSTART"], uuid(iso["uuid"]) + struct.pack(">I", 1))
    assert c.call(T["NETWORK_GET_AUTOSTART"], uuid(iso["uuid"]))["autostart"] == 1
    assert "<capabilities>" in cstr(c.call(T["GET_CAPABILITIES"])["xml"])
    sent_types = {struct.unpack_from(">I", c.sent, off + 12)[0] for off in offsets(c.sent)}
    assert sent_types == set(range(38))                  # all 38 client packets


def offsets(stream):
    off = 0
    while off < len(stream):
        yield off
        off += struct.unpack_from(">I", stream, off)[0]


# ---- FAILURE replies ----

def test_failures(server):
    c = server.connect()
    bogus = bytes(range(16))
    c.fail(T["DOMAIN_LOOKUP_BY_ID"], i32(99), code=7)
    c.fail(T["DOMAIN_LOOKUP_BY_UUID"], uuid(bogus), code=7)
    c.fail(T["DOMAIN_LOOKUP_BY_NAME"], chars("nope", NAME), code=7)
    c.fail(T["DOMAIN_SUSPEND"], i32(-1), code=7)          # inactive domains have no id
    c.fail(T["DOMAIN_START"], uuid(TEST_UUID), code=9)    # already running
    c.fail(T["DOMAIN_UNDEFINE"], uuid(TEST_UUID), code=9) # active
    c.fail(T["DOMAIN_CREATE"], dom_xml("test"), code=28)  # name taken
    c.fail(T["DOMAIN_CREATE"], chars("<domain/>", XML), code=27)
    c.fail(T["DOMAIN_DEFINE"], chars("", XML), code=27)
    c.fail(T["DOMAIN_RESTORE"], chars("/no/such/image", PATH), code=9)
    c.fail(T["NETWORK_LOOKUP_BY_NAME"], chars("nope", NAME), code=36)
    c.fail(T["NETWORK_GET_BRIDGE_NAME"], uuid(bogus), code=36)
    dflt = c.call(T["NETWORK_LOOKUP_BY_NAME"], chars("default", NAME))["uuid"]
    c.fail(T["NETWORK_START"], uuid(dflt), code=9)        # already active
    c.fail(T["NETWORK_UNDEFINE"], uuid(dflt), code=9)
    iso = c.call(T["NETWORK_LOOKUP_BY_NAME"], chars("isolated", NAME))["uuid"]
    c.fail(T["NETWORK_DESTROY"], uuid(iso), code=9)       # not active
    code, msg = c.fail(T["DOMAIN_LOOKUP_BY_ID"], i32(42))
    assert "42" in msg
    # a FAILURE does not break the connection: the next request is answered
    assert c.call(T["NUM_DOMAINS"])["numDomains"] == 1


def test_suspend_resume_idempotent_and_destroy_persistent(server):
    c = server.connect()
    c.call(T["DOMAIN_SUSPEND"], i32(1))
    c.call(T["DOMAIN_SUSPEND"], i32(1))
    assert c.call(T["DOMAIN_GET_INFO"], uuid(TEST_UUID))["runstate"] == 2
    c.call(T["DOMAIN_RESUME"], i32(1))
    c.call(T["DOMAIN_DESTROY"], i32(1))                   # persistent: stays, shut off
    f = c.call(T["DOMAIN_LOOKUP_BY_UUID"], uuid(TEST_UUID))
    assert f["id"] == -1
    assert c.call(T["DOMAIN_GET_INFO"], uuid(TEST_UUID))["runstate"] == 3      # STOPPED
    assert c.call(T["NUM_DOMAINS"])["numDomains"] == 0
    assert c.call(T["NUM_DEFINED_DOMAINS"])["numDomains"] == 2


def test_state_shared_across_connections_and_reset_per_start(tmp_path, server):
    a, b = server.connect(), server.connect()
    new = a.call(T["DOMAIN_CREATE"], dom_xml("shared"))
    assert b.call(T["DOMAIN_LOOKUP_BY_NAME"], chars("shared", NAME))["id"] == new["id"]
    b.call(T["DOMAIN_DESTROY"], i32(new["id"]))
    a.fail(T["DOMAIN_LOOKUP_BY_ID"], i32(new["id"]), code=7)
    # each connection has its own serials (§1.6: per-client counters)
    assert (a.serial, b.serial) == (2, 2)
    (tmp_path / "second").mkdir()
    second = Server(tmp_path / "second", "--timeout", "3000")
    try:
        c = second.connect()
        assert c.call(T["NUM_DOMAINS"])["numDomains"] == 1
        assert c.call(T["LIST_DOMAINS"])["domains"][0] == 1
    finally:
        assert second.stop() == 0


# ---- serial rules (§1.6) ----

@pytest.mark.parametrize("first", [0, 2, 0xFFFFFFFF])
def test_first_serial_must_be_1(server, first):
    c = server.connect()
    c.send_raw(request(first, T["GET_VERSION"]))
    assert c.closed()
    assert c.received == b""
    assert "expected 1" in server.stderr()


@pytest.mark.parametrize("second", [1, 3])
def test_serials_count_up(server, second):
    c = server.connect()
    c.call(T["GET_VERSION"])
    c.send_raw(request(second, T["GET_VERSION"]))
    assert c.closed()


def test_pipelined_requests(server):
    c = server.connect()
    c.send_raw(b"".join(request(i, T["NUM_NETWORKS"]) for i in range(1, 51)))
    for i in range(1, 51):
        serial, in_reply_to, typ, f = c.read_reply()
        assert (serial, in_reply_to, typ, f["numNetworks"]) == (i, i, T["NUM_NETWORKS"] + 1, 1)


# ---- malformed input (§1.6: close, no reply) ----

MALFORMED = {
    "wrong-prog": request(1, 0, prog=0x20008086),
    "length-over-max": request(1, 0, length=262145),
    "type-38": request(1, 38),
    "type-negative": request(1, 0xFFFFFFFF),
    "short-body": request(1, T["DOMAIN_LOOKUP_BY_ID"]),       # arm missing
    "trailing": request(1, T["GET_VERSION"], b"\0\0\0\0"),
    "char-range": request(1, T["DOMAIN_LOOKUP_BY_NAME"], struct.pack(">i", 300) +
                          chars("", NAME - 1)),
    "uuid-range": request(1, T["DUMP_XML"], struct.pack(">I", 256) + uuid(bytes(15))),
    "length-under-header": struct.pack(">II", 4, PROG),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_closes(server, case):
    c = server.connect()
    c.malformed = True
    c.send_raw(MALFORMED[case])
    assert c.closed()
    assert c.received == b""
    assert "connection closed" in server.stderr()
    # the server lives on
    assert server.connect().call(T["GET_VERSION"])["versionNum"] > 0


def test_wrong_prog_closes_on_the_header(server):
    """§1.6: prog is checked on the 8 header bytes, before the body is read."""
    c = server.connect()
    c.malformed = True
    c.send_raw(struct.pack(">II", 1000, 0x12345678))
    assert c.closed(timeout=2)


def test_silent_client_dropped(tmp_path):
    srv = Server(tmp_path, "--timeout", "300")
    try:
        c = srv.connect()
        c.malformed = True
        c.send_raw(request(1, T["GET_VERSION"])[:10])
        t0 = time.monotonic()
        assert c.closed(timeout=5)
        assert time.monotonic() - t0 < 3
        assert "inside a request" in srv.stderr()
    finally:
        assert srv.stop() == 0


def test_garbage_storm_and_half_closes(server):
    import random
    rnd = random.Random(5)
    for _ in range(40):
        c = server.connect()
        c.malformed = True
        try:
            c.send_raw(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64))))
        except (BrokenPipeError, ConnectionResetError):
            pass
        c.sock.close()
    c = server.connect()
    assert c.call(T["NUM_DOMAINS"])["numDomains"] == 1
    assert server.proc.poll() is None


# ---- read-only socket (§1.6 funcsTransmitRO) ----

def test_read_only(tmp_path):
    srv = Server(tmp_path, "--read-only")
    try:
        c = srv.connect()
        assert c.call(T["GET_VERSION"])["versionNum"] > 0
        assert c.call(T["DOMAIN_LOOKUP_BY_ID"], i32(1))["uuid"] == TEST_UUID
        c.fail(T["GET_CAPABILITIES"], code=29)             # not in the 37-entry RO table
        c.fail(T["DOMAIN_CREATE"], dom_xml("x"), code=29)
        c.fail(T["DOMAIN_DESTROY"], i32(1), code=29)
        c.fail(T["NETWORK_SET_AUTOSTART"], uuid(bytes(16)) + struct.pack(">I", 1), code=29)
        assert c.call(T["NUM_DOMAINS"])["numDomains"] == 1  # nothing changed
    finally:
        assert srv.stop() == 0


# ---- transports, lifecycle ----

def test_tcp_ephemeral_port(tmp_path):
    srv = Server(tmp_path, listen="tcp:127.0.0.1:0")
    try:
        assert srv.uri.startswith("tcp:127.0.0.1:") and not srv.uri.endswith(":0")
        c = srv.connect()
        assert c.call(T["NUM_NETWORKS"])["numNetworks"] == 1
        r = decode(tmp_path, c.received, "server")
        assert r.returncode == 0, r.stderr
    finally:
        assert srv.stop() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_clean_exit(tmp_path, sig):
    srv = Server(tmp_path)
    c = srv.connect()
    c.call(T["GET_VERSION"])
    srv.proc.send_signal(sig)
    assert srv.stop() == 0
    assert not os.path.exists(srv.path)
    assert c.closed()


def test_once(tmp_path):
    srv = Server(tmp_path, "--once")
    c = srv.connect()
    c.call(T["GET_VERSION"])
    c.sock.close()
    assert srv.proc.wait(timeout=5) == 0
    srv.stop()


@pytest.mark.parametrize("args", [
    ["--listen", "tcp:localhost:0"],
    ["--listen", "tcp:127.0.0.1:70000"],
    ["--listen", "udp:127.0.0.1:1"],
    ["--listen", "unix:/nonexistent-dir/x.sock"],
    ["--listen", "unix:/tmp/x.sock", "--root", "/tmp"],
])
def test_bad_usage(tmp_path, args):
    r = subprocess.run([VIRTWIRE, "serve", "--protocol", "qemud", *args], capture_output=True,
                       timeout=10)
    assert r.returncode == 2, r.stderr


def test_no_fd_leak(server):
    pid = server.proc.pid
    before = len(os.listdir("/proc/%d/fd" % pid))
    for _ in range(20):
        c = server.connect()
        c.call(T["GET_VERSION"])
        c.sock.close()
    bad = server.connect()
    bad.malformed = True
    bad.send_raw(MALFORMED["type-38"])
    assert bad.closed()
    server.connect().call(T["GET_VERSION"])             # the server has seen the closes
    time.sleep(0.2)
    assert len(os.listdir("/proc/%d/fd" % pid)) <= before + 1


# ---- the qemud transcripts (corpus/transcripts/qemud/) against this server ----

TRANSCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus",
                           "transcripts", "qemud")


def replay(target, *paths):
    return subprocess.run([VIRTWIRE, "replay", "--target", target, *paths],
                          capture_output=True, timeout=120)


def test_transcripts_pass_twice(tmp_path):
    """Every qemud transcript passes, and again on the same server: the cases leave the
    shared state as they found it."""
    srv = Server(tmp_path)
    try:
        for _ in range(2):
            r = replay(srv.uri, TRANSCRIPTS)
            assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
            out = r.stdout.decode()
            assert "%d pass" % len(os.listdir(TRANSCRIPTS)) in out, out
    finally:
        assert srv.stop() == 0


def test_transcript_mismatch_fails(tmp_path):
    """The runner tells a wrong expectation from a right one against this server."""
    src = open(os.path.join(TRANSCRIPTS, "qemud-lookup-failures.txn")).read()
    bad = tmp_path / "qemud-lookup-failures.txn"
    bad.write_text(src.replace("code = 36", "code = 37"))
    srv = Server(tmp_path)
    try:
        r = replay(srv.uri, str(bad))
        assert r.returncode == 1 and b"FAIL" in r.stdout, r.stdout
    finally:
        assert srv.stop() == 0
