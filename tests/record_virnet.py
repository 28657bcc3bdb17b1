#!/usr/bin/python3
"""Regenerate the real libvirtd traffic samples: corpus/samples/virnet/ and the seed-real-*
copies in corpus/fuzz/virnet_decode/ (the stream as is) and corpus/fuzz/virnet_chunking/ (the
stream after that target's 8 control bytes, see SEED_PREFIX).

Run by hand (as root or as a normal user; needs libvirtd, virsh):
    /usr/bin/python3 tests/record_virnet.py [--out CORPUS_DIR] [--no-seeds]

It starts libvirtd 9.0 in session mode with the test driver (tests/fixtures/libvirtd.py,
real-servers.md §1 recipe A, server keepalive PINGs off so a recording does not depend on
timing, §1 "Keepalive quirk"), puts the recording relay (tests/fixtures/relay.py) in front of
its unix socket and runs one virsh per session with
`virsh -c 'test+unix:///default?socket=RELAYSOCK' ...`.  Each session is one connection;
for each it writes <session>.c2s.bin, <session>.s2c.bin (the raw byte streams, length words
included, virnet-oncrpc.md §1.1) and <session>.chunks.tsv (the relay's recv() log: seconds
since connect, direction, stream offset, length; tests/pcap_virnet.py uses it).

The test driver's state resets when its last connection closes (real-servers.md §1
"Test-driver state"), so list-all, dominfo and dumpxml run first on a pristine driver; then
`virsh event --loop --all` is opened (session "events") and kept open while suspend, resume,
destroy, start, define and undefine run as separate sessions, so they act on one shared state
and the event session captures the DOMAIN_EVENT_CALLBACK_LIFECYCLE MESSAGEs (proc 318,
virnet-oncrpc.md §2.2); SIGINT then ends the event loop, which deregisters and closes.
"""
import argparse
import os
import pathlib
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fixtures.libvirtd import Libvirtd            # noqa: E402
from fixtures.relay import Relay                  # noqa: E402
from pcap_virnet import header, split_messages    # noqa: E402

VIRSH_TIMEOUT = 20
REMOTE, KEEPALIVE = 0x20008086, 0x6b656570        # virnet-oncrpc.md §2
PROC_REGISTER_ANY = 316                           # §2.2
TYPE_MESSAGE = 2                                  # §1.3

# A minimal test-driver domain (the test driver needs no emulator or disk).  The fixed uuid
# keeps the recording the same on every run.
DEFINE_XML = """<domain type='test'>
  <name>vw-defined</name>
  <uuid>5a9b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>
"""

SIMPLE = [("list-all", ["list", "--all"]),
          ("dominfo", ["dominfo", "test"]),
          ("dumpxml", ["dumpxml", "test"])]
WITH_EVENTS = [("suspend", ["suspend", "test"]),
               ("resume", ["resume", "test"]),
               ("destroy", ["destroy", "test"]),
               ("start", ["start", "test"]),
               ("define", ["define", "@XML"]),
               ("undefine", ["undefine", "vw-defined"])]


def virsh_env(home):
    # virsh must not read or write root's ~/.config or autostart a daemon (virnet-oncrpc.md
    # §3 "autostarts a daemon ... disabled by LIBVIRT_AUTOSTART=0").
    return {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": home, "XDG_CONFIG_HOME": home,
            "XDG_CACHE_HOME": home, "XDG_RUNTIME_DIR": home, "LIBVIRT_AUTOSTART": "0",
            "LC_ALL": "C"}


def headers(stream):
    return [header(m) for _, m in split_messages(stream)]


def wait_stable(relay, index, pred, timeout, quiet=0.3):
    """Wait until pred(c2s, s2c) holds and neither stream grew for |quiet| seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        snap = relay.snapshot(index)
        sizes = (len(snap[0]), len(snap[1]))
        if sizes != last:
            last, since = sizes, time.monotonic()
        elif pred(*snap) and time.monotonic() - since >= quiet:
            return snap
        time.sleep(0.02)
    raise TimeoutError(f"connection {index}: condition not met within {timeout} s")


def record(out_dir, work):
    """Runs every session; returns [(session, Connection)] in recording order."""
    sessions = []
    with Libvirtd(keepalive_interval=-1) as lv:
        relay_path = os.path.join(work, "relay.sock")
        with Relay(relay_path, lv.socket_path) as relay:
            uri = f"test+unix:///default?socket={relay_path}"
            env = virsh_env(work)

            def virsh(name, args):
                args = [a.replace("@XML", os.path.join(work, "define.xml")) for a in args]
                n = len(relay.connections)
                p = subprocess.run(["virsh", "-c", uri, *args], env=env, capture_output=True,
                                   timeout=VIRSH_TIMEOUT)
                if p.returncode != 0:
                    raise RuntimeError(f"virsh {args}: rc={p.returncode} {p.stderr.decode()}")
                relay.wait_closed(0, timeout=10, index=n)
                sessions.append((name, relay.connections[n]))

            for name, args in SIMPLE:
                virsh(name, args)

            with open(os.path.join(work, "define.xml"), "w") as f:
                f.write(DEFINE_XML)
            n_ev = len(relay.connections)
            ev = subprocess.Popen(["virsh", "-c", uri, "event", "--loop", "--all"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                deadline = time.monotonic() + 10
                while len(relay.connections) <= n_ev and time.monotonic() < deadline:
                    time.sleep(0.01)
                # Registered once every REGISTER_ANY call has its reply (§2.2 proc 316).
                wait_stable(relay, n_ev, lambda c, s: any(
                    h and h[3] == PROC_REGISTER_ANY for h in headers(s)), timeout=10)
                for name, args in WITH_EVENTS:
                    virsh(name, args)
                wait_stable(relay, n_ev, lambda c, s: sum(
                    1 for h in headers(s) if h and h[4] == TYPE_MESSAGE) >= len(WITH_EVENTS),
                    timeout=10)
                ev.send_signal(signal.SIGINT)   # virsh ends the loop, deregisters, closes
                out, err = ev.communicate(timeout=VIRSH_TIMEOUT)
            finally:
                if ev.poll() is None:
                    ev.kill()
                    ev.communicate(timeout=VIRSH_TIMEOUT)
            relay.wait_closed(0, timeout=10, index=n_ev)
            sessions.append(("events", relay.connections[n_ev]))
            print(out.decode(), end="")
    order = [s for s, _ in SIMPLE] + [s for s, _ in WITH_EVENTS] + ["events"]
    return sorted(sessions, key=lambda sc: order.index(sc[0]))


def proc_names():
    """REMOTE procedure names from the installed dissector's value strings (§7), if any."""
    try:
        p = subprocess.run(["tshark", "-G", "values"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    names = {}
    for line in p.stdout.decode(errors="replace").splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[1] == "libvirt.procedure" and int(f[2]) not in names:
            names[int(f[2])] = f[3]
    return names


def summary(name, conn, names):
    lines = []
    for d in ("c2s", "s2c"):
        msgs = split_messages(getattr(conn, d))
        procs = []
        for _, m in msgs:
            h = header(m)
            if h is None:
                procs.append("?")
                continue
            pname = names.get(h[3], str(h[3])) if h[1] == REMOTE else \
                {1: "PING", 2: "PONG"}.get(h[3], str(h[3])) if h[1] == KEEPALIVE else str(h[3])
            tag = {0: "", 1: "", 2: "/MSG", 3: "/STREAM"}.get(h[4], f"/T{h[4]}")
            tag += "" if h[6] == 0 else f"/ST{h[6]}"
            procs.append(pname + tag)
        runs = []
        for p in procs:
            if runs and runs[-1][0] == p:
                runs[-1][1] += 1
            else:
                runs.append([p, 1])
        lines.append(f"  {d}: {len(getattr(conn, d))} bytes, {len(msgs)} messages: "
                     + " ".join(p if n == 1 else f"{p}x{n}" for p, n in runs))
    return f"{name}:\n" + "\n".join(lines)


# Seed input formats (harness/mkseeds_virnet.c header): virnet_decode takes a stream as is;
# virnet_chunking takes 8 control bytes first: u32 allocation to fail (0 = none), u32 chunk
# seed.  The real streams get "no failure, chunk seed 1".
SEED_PREFIX = {"virnet_decode": b"", "virnet_chunking": bytes([0, 0, 0, 0, 0, 0, 0, 1])}


def write(out_dir, sessions, seeds):
    samples = out_dir / "samples" / "virnet"
    samples.mkdir(parents=True, exist_ok=True)
    if seeds:
        for t in SEED_PREFIX:
            (out_dir / "fuzz" / t).mkdir(parents=True, exist_ok=True)
    for name, conn in sessions:
        for d in ("c2s", "s2c"):
            data = getattr(conn, d)
            (samples / f"{name}.{d}.bin").write_bytes(data)
            for t, prefix in SEED_PREFIX.items() if seeds else ():
                (out_dir / "fuzz" / t / f"seed-real-{name}-{d}").write_bytes(prefix + data)
        with open(samples / f"{name}.chunks.tsv", "w") as f:
            f.write("# seconds since connect\tdirection\tstream offset\tlength\n")
            for t, d, off, n in conn.chunks:
                f.write(f"{t:.6f}\t{d}\t{off}\t{n}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE.parent / "corpus"), help="corpus dir")
    ap.add_argument("--no-seeds", action="store_true", help="write samples only")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vw-rec.", dir="/tmp") as work:
        os.chmod(work, 0o755)
        sessions = record(pathlib.Path(a.out), work)
    names = proc_names()
    for name, conn in sessions:
        for d in ("c2s", "s2c"):
            data = getattr(conn, d)
            for off, m in split_messages(data):
                if header(m) is None or struct.unpack(">I", m[:4])[0] != len(m):
                    raise SystemExit(f"{name}.{d}: incomplete message at offset {off}")
        print(summary(name, conn, names))
    write(pathlib.Path(a.out), sessions, not a.no_seeds)
    print(f"wrote {len(sessions)} sessions to {a.out}/samples/virnet")


if __name__ == "__main__":
    main()
