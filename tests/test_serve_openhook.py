"""`virtwire serve --protocol openhook|openhook-xdr` (historic-qemud-openhook-qga.md §2.1, §2.2)
driven through every path-escape attempt, in both encodings and with both resolvers (openat2
RESOLVE_BENEATH, and the --no-openat2 component walk that never follows a symlink).

Requests and replies are built here from the facts, independently of the C codec:
  host order (§2.1): u32 size, u32 command=1, u32 flags, u32 mode, u16 len, name (no pad, no NUL)
  XDR (§2.2):        the same as 4-byte big-endian words, name as string<4096> (len, bytes, pad)
  reply:             u32 size=12, u32 command=1, s32 result (0 + one fd by SCM_RIGHTS, or -errno)
"""
import errno
import os
import signal
import socket
import stat
import struct
import subprocess
import time

import pytest

VIRTWIRE = os.environ.get("VIRTWIRE", "virtwire")
ENCODINGS = ["openhook", "openhook-xdr"]
RESOLVERS = ["openat2", "walk"]


def request(enc, name, flags=os.O_RDONLY, mode=0):
    name = name.encode() if isinstance(name, str) else name
    if enc == "openhook":
        return struct.pack("=IIIIH", 18 + len(name), 1, flags, mode, len(name)) + name
    pad = (-len(name)) % 4
    return struct.pack(">IIIII", 20 + len(name) + pad, 1, flags, mode, len(name)) + name + \
        b"\0" * pad


def read_reply(sock, enc):
    """Returns (result, [fds]) or None when the server closed the connection."""
    data, fds = b"", []
    while len(data) < 12:
        try:
            chunk, got, _flags, _addr = socket.recv_fds(sock, 12 - len(data), 4)
        except ConnectionResetError:    # closed with our unread request bytes: RST
            chunk, got = b"", []
        fds += got
        if not chunk:
            assert fds == []
            return None
        data += chunk
    size, cmd, result = struct.unpack("=IIi" if enc == "openhook" else ">IIi", data)
    assert (size, cmd) == (12, 1)
    return result, fds


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "root"
    (root / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "rootx").mkdir()                  # shares the root's name as a prefix
    (tmp_path / "rootx" / "file").write_text("sibling")
    (tmp_path / "outside" / "secret").write_text("secret")
    (root / "file").write_text("file content")
    (root / "sub" / "inner").write_text("inner")
    links = {
        "link_in": "file",                        # inside -> inside
        "sub/link_up": "../file",                 # inside -> inside through ..
        "link_out_rel": "../outside/secret",      # inside -> outside, relative
        "link_out_abs": str(tmp_path / "outside" / "secret"),
        "link_root_abs": str(root / "file"),      # absolute, though it points inside
        "link_passwd": "/etc/passwd",
        "dangling": "nonexistent",
        "chain1": "chain2",                       # a chain that ends outside
        "chain2": "link_out_rel",
        "subdir_link": "sub",                     # a directory inside
        "outdir_link": "../outside",              # a directory outside
        "proc_link": "/proc/self/root",           # a magic link
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    os.mkfifo(root / "fifo")
    return tmp_path


class Server:
    def __init__(self, tmp, enc, resolver, extra=()):
        self.enc, self.path = enc, str(tmp / f"{enc}.sock")
        args = [VIRTWIRE, "serve", "--protocol", enc, "--listen", "unix:" + self.path,
                "--root", str(tmp / "root"), "--timeout", "1000", *extra]
        if resolver == "walk":
            args.append("--no-openat2")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.connect().close()
                break
            except OSError:
                assert self.proc.poll() is None, self.proc.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.02)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.path)
        return s

    def ask(self, name, flags=os.O_RDONLY, mode=0):
        with self.connect() as s:
            s.sendall(request(self.enc, name, flags, mode))
            return read_reply(s, self.enc)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=10)
        assert self.proc.returncode == 0, err
        assert not os.path.exists(self.path), "socket not unlinked"
        return out.decode(), err.decode()


@pytest.fixture(params=[(e, r) for e in ENCODINGS for r in RESOLVERS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def server(request, tree):
    srv = Server(tree, *request.param)
    srv.resolver = request.param[1]
    srv.tmp = tree
    yield srv
    srv.stop()


def expect_fd(reply, path, content=None):
    assert reply is not None, "connection closed"
    result, fds = reply
    assert result == 0 and len(fds) == 1, reply
    try:
        st, want = os.fstat(fds[0]), os.stat(path)
        assert (st.st_dev, st.st_ino) == (want.st_dev, want.st_ino)   # the right file
        if content is not None:
            assert os.pread(fds[0], 4096, 0) == content.encode()
    finally:
        for fd in fds:
            os.close(fd)


def expect_error(reply, code):
    assert reply is not None, "connection closed"
    result, fds = reply
    for fd in fds:
        os.close(fd)
    assert (result, fds) == (-code, []), f"{reply} != -{errno.errorcode[code]}"


# name -> expected: a path relative to tmp (with its content) or an errno; a second value for
# the walk resolver where it differs (it refuses every symlink with EACCES).
ESCAPES = [
    ("../x", errno.EACCES, None),
    ("a/../../x", errno.EACCES, None),
    ("sub/../../outside/secret", errno.EACCES, None),
    ("..", errno.EACCES, None),
    ("/etc/passwd", errno.EACCES, None),
    ("{root}/../outside/secret", errno.EACCES, None),
    ("{tmp}/rootx/file", errno.EACCES, None),         # a textual prefix is not "under"
    ("//etc/passwd", errno.EACCES, None),
    ("link_out_rel", errno.EACCES, None),
    ("link_out_abs", errno.EACCES, None),
    ("link_passwd", errno.EACCES, None),
    ("link_root_abs", errno.EACCES, None),            # absolute symlinks never resolve beneath
    ("chain1", errno.EACCES, None),
    ("outdir_link/secret", errno.EACCES, None),
    ("proc_link/etc/passwd", errno.EACCES, None),
    ("subdir_link/../../outside/secret", errno.EACCES, None),
    ("dangling", errno.ENOENT, errno.EACCES),
    ("missing", errno.ENOENT, None),
    ("", errno.ENOENT, None),
    ("file/", errno.ENOTDIR, None),
    ("a" * 255, errno.ENOENT, None),
    ("a" * 256, errno.ENAMETOOLONG, None),
]

ALLOWED = [
    ("file", "root/file", "file content", None),
    ("./file", "root/file", "file content", None),
    ("sub/inner", "root/sub/inner", "inner", None),
    ("sub/../file", "root/file", "file content", None),
    ("sub//inner", "root/sub/inner", "inner", None),
    ("{root}/file", "root/file", "file content", None),
    ("{root}", "root", None, None),
    ("{root}/", "root", None, None),
    ("sub/", "root/sub", None, None),
    ("link_in", "root/file", "file content", errno.EACCES),
    ("sub/link_up", "root/file", "file content", errno.EACCES),
    ("subdir_link/inner", "root/sub/inner", "inner", errno.EACCES),
    ("subdir_link/../file", "root/file", "file content", errno.EACCES),
    ("fifo", "root/fifo", None, None),                # O_NONBLOCK: never stalls the server
]


def fill(name, tmp):
    return name.format(root=tmp / "root", tmp=tmp)


@pytest.mark.parametrize("name,code,walk_code", ESCAPES,
                         ids=[e[0][:40] or "empty" for e in ESCAPES])
def test_refused(server, name, code, walk_code):
    if server.resolver == "walk" and walk_code is not None:
        code = walk_code
    expect_error(server.ask(fill(name, server.tmp)), code)


@pytest.mark.parametrize("name,path,content,walk_code", ALLOWED, ids=[a[0] for a in ALLOWED])
def test_allowed(server, name, path, content, walk_code):
    reply = server.ask(fill(name, server.tmp))
    if server.resolver == "walk" and walk_code is not None:
        expect_error(reply, walk_code)
    else:
        expect_fd(reply, server.tmp / path, content)


def test_create_and_flags(server):
    tmp = server.tmp
    reply = server.ask("new", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    assert reply is not None and reply[0] == 0 and len(reply[1]) == 1
    os.write(reply[1][0], b"written")
    os.close(reply[1][0])
    assert (tmp / "root" / "new").read_text() == "written"
    assert stat.S_IMODE(os.stat(tmp / "root" / "new").st_mode) == 0o600
    expect_error(server.ask("new", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), errno.EEXIST)
    # creating or truncating through a symlink out is refused and leaves the target alone
    expect_error(server.ask("link_out_rel", os.O_WRONLY | os.O_TRUNC), errno.EACCES)
    expect_error(server.ask("outdir_link/new", os.O_WRONLY | os.O_CREAT, 0o600), errno.EACCES)
    assert (tmp / "outside" / "secret").read_text() == "secret"
    assert not (tmp / "outside" / "new").exists()
    # flags outside the allowed set, O_ACCMODE 3, a mode beyond 07777
    expect_error(server.ask("file", os.O_PATH), errno.EINVAL)
    expect_error(server.ask("file", 3), errno.EINVAL)
    expect_error(server.ask("x", os.O_WRONLY | os.O_CREAT, 0o170000), errno.EINVAL)
    expect_error(server.ask("fifo", os.O_WRONLY), errno.ENXIO)     # no reader: fifo(7)
    expect_error(server.ask("link_in", os.O_RDONLY | os.O_NOFOLLOW),
                 errno.ELOOP if server.resolver == "openat2" else errno.EACCES)
    expect_error(server.ask("sub", os.O_WRONLY), errno.EISDIR)


def test_long_names(server):
    limit = 65535 if server.enc == "openhook" else 4096         # u16 length / string<4096>
    expect_error(server.ask("b" * limit), errno.ENAMETOOLONG)   # over PATH_MAX or NAME_MAX
    expect_error(server.ask("sub/" * 1000 + "x"), errno.ENOENT)  # deep, inside: looked up
    if server.enc == "openhook-xdr":
        assert server.ask("b" * (limit + 1)) is None            # string<4096>: closed


def test_nul_in_name_closes_connection(server):
    assert server.ask(b"fi\0le") is None
    expect_fd(server.ask("file"), server.tmp / "root/file", "file content")   # still serving


def test_malformed_then_next_client(server):
    with server.connect() as s:
        s.sendall(struct.pack("=II" if server.enc == "openhook" else ">II", 4, 1))
        assert s.recv(16) == b""                                 # message_size < 8: dropped
    with server.connect() as s:
        data = bytearray(request(server.enc, "file"))
        data[4:8] = struct.pack("=I" if server.enc == "openhook" else ">I", 2)
        s.sendall(bytes(data))
        assert s.recv(16) == b""                                 # command 2: no such command
    expect_fd(server.ask("file"), server.tmp / "root/file", "file content")
    _out, err = server.stop()
    assert "VW_E_LENGTH" in err and "VW_E_DISCRIMINANT" in err
    server.stop = lambda: None


def test_request_with_fd_closes_connection(server):
    with server.connect() as s, open("/dev/null", "rb") as devnull:
        socket.send_fds(s, [request(server.enc, "file")], [devnull.fileno()])
        assert read_reply(s, server.enc) is None                 # §2.1: requests carry no fd
    _out, err = server.stop()
    assert "VW_E_FDS" in err
    server.stop = lambda: None


def test_pipelined_requests(server):
    with server.connect() as s:
        s.sendall(request(server.enc, "file") + request(server.enc, "missing") +
                  request(server.enc, "sub/inner"))
        expect_fd(read_reply(s, server.enc), server.tmp / "root/file", "file content")
        expect_error(read_reply(s, server.enc), errno.ENOENT)
        expect_fd(read_reply(s, server.enc), server.tmp / "root/sub/inner", "inner")


def test_split_request(server):
    data = request(server.enc, "sub/inner")
    with server.connect() as s:
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
            time.sleep(0.001)
        expect_fd(read_reply(s, server.enc), server.tmp / "root/sub/inner", "inner")


def test_silent_client_does_not_block_others(server):
    with server.connect() as slow:
        slow.sendall(request(server.enc, "file")[:10])           # half a request, then silence
        start = time.monotonic()
        expect_fd(server.ask("file"), server.tmp / "root/file", "file content")
        assert time.monotonic() - start < 0.9                    # served while slow waits
        slow.settimeout(5)
        assert slow.recv(16) == b""                              # dropped after --timeout 1000
        assert 0.8 < time.monotonic() - start < 4
    _out, err = server.stop()
    assert "silent for 1000 ms inside a request" in err
    server.stop = lambda: None


def test_once_and_socket_checks(tree):
    srv = Server(tree, "openhook", "openat2", extra=["--once"])
    # the readiness probe of Server() was the one connection: --once then exits
    srv.proc.wait(timeout=10)
    assert srv.proc.returncode == 0 and not os.path.exists(srv.path)
    # PATH exists and is not a socket: refused, file untouched
    plain = tree / "plain"
    plain.write_text("keep")
    r = subprocess.run([VIRTWIRE, "serve", "--protocol", "openhook", "--listen",
                        f"unix:{plain}", "--root", str(tree / "root")], capture_output=True,
                       timeout=10)
    assert r.returncode == 2 and b"not a socket" in r.stderr
    assert plain.read_text() == "keep"
    # a stale socket (nobody listening) is replaced; a live one is not
    stale = tree / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(stale))
    s.close()
    cmd = [VIRTWIRE, "serve", "--protocol", "openhook-xdr", "--listen", f"unix:{stale}",
           "--root", str(tree / "root")]
    live = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert b"listening on unix:" in live.stdout.readline()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(5)
        c.connect(str(stale))
        c.sendall(request("openhook-xdr", "file"))
        expect_fd(read_reply(c, "openhook-xdr"), tree / "root/file", "file content")
    r = subprocess.run(cmd, capture_output=True, timeout=10)
    assert r.returncode == 2 and b"a server is listening" in r.stderr
    live.send_signal(signal.SIGINT)
    assert live.wait(timeout=10) == 0 and not stale.exists()
    live.stdout.close()
    live.stderr.close()


@pytest.mark.parametrize("args", [
    [],
    ["--protocol", "openhook"],
    ["--protocol", "qga", "--listen", "unix:/tmp/x", "--root", "/"],
    ["--protocol", "openhook", "--listen", "tcp:1:2", "--root", "/"],
    ["--protocol", "openhook", "--listen", "unix:/tmp/x", "--root", "/", "--max-clients", "0"],
    ["--protocol", "openhook", "--listen", "unix:/tmp/x", "--root", "/nonexistent-dir"],
])
def test_usage_errors(args):
    r = subprocess.run([VIRTWIRE, "serve", *args], capture_output=True, timeout=10)
    assert r.returncode == 2, r
