"""Turn a recorded virnet c2s/s2c stream pair into a pcap the tshark libvirt dissector reads.

Method (written directly in python, no text2pcap): classic libpcap file, LINKTYPE_ETHERNET,
IPv4 127.0.0.1 -> 127.0.0.2, TCP client port 40000 -> server port 16509, because the 9.0
dissector is registered on tcp.port 16509 only (virnet-oncrpc.md §7).  A 3-way handshake
opens the flow and FINs close it, sequence/ack numbers are consistent, IPv4 and TCP checksums
are correct, so tshark's TCP reassembly (the dissector uses tcp_dissect_pdus, §7) sees an
ordinary loopback session.  Segments follow the relay's chunk log when there is one (one
segment per recv(), split at MSS bytes); without it each direction is cut at the length words
(§1.1) and all c2s segments precede the s2c ones (the dissector reassembles per direction, so
the order between directions does not change any field).  Timestamps come from the chunk log
(relative to a fixed epoch) so the same recording always gives the same pcap bytes.

Also a minimal header parser (`split_messages`, `header`) used ONLY to check this tooling
(that tshark saw every message we put in); the project's decoder is `virtwire decode`.

usage: pcap_virnet.py SAMPLE_PREFIX OUT.pcap    (reads PREFIX.c2s.bin, PREFIX.s2c.bin and,
       if present, PREFIX.chunks.tsv; e.g. corpus/samples/virnet/list-all)
"""
import os
import struct
import sys

SERVER_PORT = 16509     # virnet-oncrpc.md §7: the only port the dissector registers
CLIENT_PORT = 40000
CLIENT_IP = bytes([127, 0, 0, 1])
SERVER_IP = bytes([127, 0, 0, 2])
MSS = 16384             # segment payload cap (IPv4 total length must stay < 65536)
EPOCH = 1700000000      # fixed capture time base: deterministic pcaps
LINKTYPE_ETHERNET = 1
HEADER_LEN = 28         # length word + 6 header words (§1.1, §1.3)

TCP_FIN, TCP_SYN, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x08, 0x10


def split_messages(stream):
    """[(offset, bytes)] cut at the length words (§1.1: the length counts itself).  A length
    below 4 or past the end makes the rest one final piece."""
    out, off = [], 0
    while off < len(stream):
        n = struct.unpack(">I", stream[off:off + 4])[0] if len(stream) - off >= 4 else 0
        if n < 4 or off + n > len(stream):
            out.append((off, stream[off:]))
            break
        out.append((off, stream[off:off + n]))
        off += n
    return out


def header(msg):
    """(len, prog, vers, proc, type, serial, status) of one message (§1.3), or None."""
    if len(msg) < HEADER_LEN:
        return None
    return struct.unpack(">IIIiiIi", msg[:HEADER_LEN])


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _frame(src_ip, dst_ip, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0)
    pseudo = src_ip + dst_ip + struct.pack(">BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack(">H", _csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64,
                     6, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack(">H", _csum(ip)) + ip[12:]
    eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


def pcap_bytes(segments):
    """segments: [(t_seconds, "c2s"|"s2c", payload)] in wire order -> pcap file bytes."""
    seq = {"c2s": 1000, "s2c": 500000}
    ends = {"c2s": (CLIENT_IP, SERVER_IP, CLIENT_PORT, SERVER_PORT),
            "s2c": (SERVER_IP, CLIENT_IP, SERVER_PORT, CLIENT_PORT)}
    other = {"c2s": "s2c", "s2c": "c2s"}
    frames = []

    def emit(t, d, flags, payload=b""):
        ack = seq[other[d]] if flags & TCP_ACK else 0
        frames.append((t, _frame(*ends[d], seq[d], ack, flags, payload)))
        seq[d] += len(payload) + (1 if flags & (TCP_SYN | TCP_FIN) else 0)

    t0 = segments[0][0] if segments else 0.0
    emit(t0, "c2s", TCP_SYN)
    emit(t0, "s2c", TCP_SYN | TCP_ACK)
    emit(t0, "c2s", TCP_ACK)
    t = t0
    for t, d, payload in segments:
        for i in range(0, len(payload), MSS):
            emit(t, d, TCP_PSH | TCP_ACK, payload[i:i + MSS])
    emit(t, "c2s", TCP_FIN | TCP_ACK)
    emit(t, "s2c", TCP_FIN | TCP_ACK)
    emit(t, "c2s", TCP_ACK)

    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET)]
    for t, frame in frames:
        usec = int(round(t * 1e6))
        out.append(struct.pack("<IIII", EPOCH + usec // 1000000, usec % 1000000,
                               len(frame), len(frame)))
        out.append(frame)
    return b"".join(out)


def segments_from_pair(c2s, s2c, chunks=None):
    """Segments for pcap_bytes: from a chunk log [(t, dir, offset, length)] or, without one,
    one segment per message (c2s first)."""
    streams = {"c2s": c2s, "s2c": s2c}
    if chunks:
        covered = {"c2s": 0, "s2c": 0}
        segs = []
        for t, d, off, n in chunks:
            if off != covered[d] or off + n > len(streams[d]):
                raise ValueError(f"chunk log does not match the {d} stream at offset {off}")
            covered[d] = off + n
            segs.append((t, d, streams[d][off:off + n]))
        for d in streams:
            if covered[d] != len(streams[d]):
                raise ValueError(f"chunk log covers {covered[d]} of {len(streams[d])} {d} bytes")
        return segs
    segs, i = [], 0
    for d in ("c2s", "s2c"):
        for _, msg in split_messages(streams[d]):
            segs.append((i * 0.001, d, msg))
            i += 1
    return segs


def read_chunks(path):
    """Parse a PREFIX.chunks.tsv written by record_virnet.py (t, dir, offset, length)."""
    chunks = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            t, d, off, n = line.split("\t")
            chunks.append((float(t), d, int(off), int(n)))
    return chunks


def pcap_from_sample(prefix):
    """pcap bytes for corpus/samples/virnet/<session> given as its path prefix."""
    with open(prefix + ".c2s.bin", "rb") as f:
        c2s = f.read()
    with open(prefix + ".s2c.bin", "rb") as f:
        s2c = f.read()
    chunks = read_chunks(prefix + ".chunks.tsv") if os.path.exists(prefix + ".chunks.tsv") \
        else None
    return pcap_bytes(segments_from_pair(c2s, s2c, chunks))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("usage: ")[1])
    with open(sys.argv[2], "wb") as f:
        f.write(pcap_from_sample(sys.argv[1]))
