"""xdrbuild -- a small, independent XDR / ONC RPC encoder for the command-line tests.

Written from RFC 4506 and RFC 5531 directly, not from the C codec, so the tests do not
check the C code against itself."""
import struct


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def opaque(data, pad=b"\0\0\0"):
    n = len(data)
    return u32(n) + data + pad[: (4 - n % 4) % 4]


def auth(flavor=0, body=b""):
    return u32(flavor) + opaque(body)


def authsys(stamp=1, host=b"host", uid=0, gid=0, gids=(), pad=b"\0\0\0"):
    return (u32(stamp) + opaque(host, pad) + u32(uid) + u32(gid) + u32(len(gids))
            + b"".join(u32(g) for g in gids))


def call(xid, prog, vers, proc, cred=None, verf=None, args=b"", rpcvers=2):
    return (u32(xid) + u32(0) + u32(rpcvers) + u32(prog) + u32(vers) + u32(proc)
            + (cred if cred is not None else auth()) + (verf if verf is not None else auth())
            + args)


def reply_success(xid, results=b""):
    return u32(xid) + u32(1) + u32(0) + auth() + u32(0) + results


def reply_accepted(xid, stat, tail=b""):
    return u32(xid) + u32(1) + u32(0) + auth() + u32(stat) + tail


def reply_denied(xid, reject, tail):
    return u32(xid) + u32(1) + u32(1) + u32(reject) + tail


def record(msg, frag=0):
    """Record marking (RFC 5531 §11): fragments of at most |frag| bytes (0: one)."""
    if not msg:
        return u32(0x80000000)
    frag = frag or len(msg)
    out = b""
    for off in range(0, len(msg), frag):
        part = msg[off:off + frag]
        last = off + frag >= len(msg)
        out += u32(len(part) | (0x80000000 if last else 0)) + part
    return out
