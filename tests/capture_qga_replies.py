#!/usr/bin/python3
"""Capture the replies of the real qemu-ga 7.2 to its read-only commands, as schema test cases.

Writes corpus/vectors/qga_schema/real-qemu-ga-7.2.cases (format: harness/t_qga_schema.c):
one line per successful reply, "COMMAND return OK - JSON", so the schema checker is tested
against what the real agent sends; the arguments the agent accepted ("args OK") and the
argument errors it gave (mapped to our codes) are cases too.  Replies are kept as comments.

The agent runs per real-servers.md §2: as uid 65534 (when started as root), in a temporary
directory, QGA_CONF pointing at a file that does not exist, unix-listen socket, every command
that changes the host blocked.  A second instance, also as uid 65534 in its own temporary
directory, has guest-file-open unblocked so that guest-file-* act on a file in that directory.

usage: /usr/bin/python3 tests/capture_qga_replies.py [OUTPUT]
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

QGA = "/usr/sbin/qemu-ga"
# real-servers.md §2: never run these unblocked.
BLOCK = ["guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
         "guest-set-time", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list",
         "guest-fsfreeze-thaw", "guest-fstrim", "guest-set-vcpus", "guest-set-memory-blocks",
         "guest-set-user-password", "guest-ssh-add-authorized-keys",
         "guest-ssh-remove-authorized-keys", "guest-exec"]

READ_ONLY = [
    ("guest-ping", None),
    ("guest-sync", {"id": 1234}),
    ("guest-sync-delimited", {"id": 5678}),
    ("guest-info", None),
    ("guest-get-osinfo", None),
    ("guest-get-host-name", None),
    ("guest-network-get-interfaces", None),
    ("guest-get-users", None),
    ("guest-get-timezone", None),
    ("guest-get-vcpus", None),
    ("guest-get-fsinfo", None),
    ("guest-get-disks", None),
    ("guest-get-memory-blocks", None),
    ("guest-get-memory-block-info", None),
    ("guest-get-diskstats", None),
    ("guest-get-cpustats", None),
    ("guest-get-time", None),
    ("guest-fsfreeze-status", None),
    ("guest-get-devices", None),
    ("guest-ssh-get-authorized-keys", {"username": "nobody"}),
    ("guest-exec-status", {"pid": 1}),
]


class Agent:
    def __init__(self, block):
        self.dir = tempfile.mkdtemp(prefix="vw-qga-")
        os.chmod(self.dir, 0o755)
        self.sock = os.path.join(self.dir, "qga.sock")
        cmd = [QGA, "-m", "unix-listen", "-p", self.sock, "-t", self.dir, "-b", ",".join(block)]
        if os.geteuid() == 0:
            os.chown(self.dir, 65534, 65534)
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
               "QGA_CONF": os.path.join(self.dir, "none.conf")}
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        self.conn = None
        while time.monotonic() < deadline and self.conn is None:
            if self.proc.poll() is not None:
                raise RuntimeError("qemu-ga exited with %d" % self.proc.returncode)
            try:
                c = socket.socket(socket.AF_UNIX)
                c.connect(self.sock)
                self.conn = c
            except OSError:
                c.close()
                time.sleep(0.005)
        if self.conn is None:
            raise RuntimeError("qemu-ga socket did not appear")
        self.conn.settimeout(10)
        self.buf = b""
        # historic-qemud-openhook-qga.md §3.3: resync with 0xFF + guest-sync-delimited.
        self.conn.sendall(b'\xff{"execute":"guest-sync-delimited","arguments":{"id":777}}')
        while True:
            line = self.line()
            if line.startswith(b"\xff") and json.loads(line[1:]) == {"return": 777}:
                break

    def line(self):
        while b"\n" not in self.buf:
            d = self.conn.recv(1 << 20)
            if not d:
                raise RuntimeError("qemu-ga closed the connection")
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def call(self, name, args):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        raw = json.dumps(req, separators=(",", ":")).encode()
        self.conn.sendall(raw)
        line = self.line()
        if line.startswith(b"\xff"):
            line = line[1:]
        return raw, line

    def stop(self):
        self.conn.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


# The agent's argument errors (historic-qemud-openhook-qga.md §3.3) and our codes for them.
ARG_ERRORS = [("Parameter '", "' is missing", "VW_E_MEMBER"),
              ("Parameter '", "' is unexpected", "VW_E_MEMBER"),
              ("Invalid parameter type for '", "', expected", "VW_E_TYPE"),
              ("Parameter '", "' does not accept value", "VW_E_ENUM"),
              ("Parameter '", "' expects", "VW_E_RANGE")]

# Requests with invalid arguments to commands that are not blocked (the agent checks the
# arguments before it runs the command): each rejection becomes an "args" case.
BAD_ARGS = [
    ("guest-sync", {}),
    ("guest-sync", {"id": "x"}),
    ("guest-sync", {"id": 1.5}),
    ("guest-sync", {"id": 1, "x": 2}),
    ("guest-sync-delimited", {"id": True}),
    ("guest-get-vcpus", {"x": 1}),
    ("guest-exec-status", {"pid": None}),
    ("guest-file-seek", {"handle": 1, "offset": 0, "whence": "bogus"}),
    ("guest-file-seek", {"handle": 1, "offset": 0, "whence": True}),
    ("guest-file-seek", {"handle": 1, "offset": 0, "whence": 1.0}),
    ("guest-file-read", {"handle": 1, "count": "5"}),
    ("guest-ssh-get-authorized-keys", {"username": ["nobody"]}),
]


def record(out, agent, name, args):
    raw, line = agent.call(name, args)
    reply = json.loads(line)
    out.append("# >>> %s" % raw.decode())
    if "return" not in reply:
        out.append("# <<< %s" % line.decode("utf-8", "replace"))
    argtext = "absent" if args is None else json.dumps(args, ensure_ascii=True)
    err = reply.get("error", {})
    desc = err.get("desc", "")
    for pre, post, code in ARG_ERRORS:
        if desc.startswith(pre) and post in desc:
            member = desc[len(pre):desc.index(post)]
            out.append("%s args %s arguments.%s %s" % (name, code, member, argtext))
            return reply
    if err.get("class") != "CommandNotFound":
        # the agent accepted the arguments (its handler ran)
        out.append("%s args OK - %s" % (name, argtext))
    if "return" in reply:
        text = json.dumps(reply["return"], ensure_ascii=True)
        out.append("%s return OK - %s" % (name, text))
        if name == "guest-info":
            # the command list and success-response flags must match the table
            out.append("%s table OK - %s" % (name, text))
    return reply


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "corpus", "vectors", "qga_schema", "real-qemu-ga-7.2.cases")
    out = ["# Replies of the real qemu-ga (%s) recorded by tests/capture_qga_replies.py:"
           % subprocess.run([QGA, "-V"], capture_output=True, text=True).stdout.strip(),
           "# uid 65534, unix-listen, temporary state dir, commands that change the host",
           "# blocked (real-servers.md §2).  Each reply's \"return\" value must pass the checker."]
    a = Agent(BLOCK + ["guest-file-open"])
    try:
        for name, args in READ_ONLY:
            record(out, a, name, args)
        out.append("# argument errors of the real agent")
        for name, args in BAD_ARGS:
            record(out, a, name, args)
    finally:
        a.stop()
    # Second instance: guest-file-open allowed, acting on a file in its own temporary dir.
    out.append("# second agent: guest-file-open unblocked, file in the agent's temporary dir")
    b = Agent(BLOCK)
    try:
        f = os.path.join(b.dir, "vw-file.txt")
        h = record(out, b, "guest-file-open", {"path": f, "mode": "w+"}).get("return")
        if isinstance(h, int):
            record(out, b, "guest-file-write", {"handle": h, "buf-b64": "aGVsbG8gd29ybGQK"})
            record(out, b, "guest-file-flush", {"handle": h})
            record(out, b, "guest-file-seek", {"handle": h, "offset": 0, "whence": "set"})
            record(out, b, "guest-file-read", {"handle": h, "count": 5})
            record(out, b, "guest-file-seek", {"handle": h, "offset": -3, "whence": 2})
            record(out, b, "guest-file-read", {"handle": h})
            record(out, b, "guest-file-close", {"handle": h})
        record(out, b, "guest-file-read", {"handle": 999999})
    finally:
        b.stop()
    with open(path, "w") as fp:
        fp.write("\n".join(out) + "\n")
    print("wrote", path, sum(1 for l in out if not l.startswith("#")), "cases")


if __name__ == "__main__":
    main()
