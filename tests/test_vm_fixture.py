"""The guest builder and the VM fixture (issue 6 points 1 and 2): tests/fixtures/guest.py and
tests/fixtures/vm.py.

  guest cache     a second ensure_guest on the same cache is not rebuilt (same key, same
                  files); a changed input (the init script, extra key bytes) is; old keys are
                  pruned to the newest KEEP
  virtio VM       ready (0xFF + guest-sync-delimited answered), guest-info lists guest-ping
                  enabled and the block list blocked, socket paths are short, the second port
                  test.0 is reachable by name from the guest (/dev/virtio-ports/test.0)
  isa VM          ready despite the UART mangling early bytes; stop() leaves no QEMU and no
                  temp dir, and is idempotent
  teardown        an exception inside `with Vm()`, a VM that is not ready in time, and a test
                  driver killed with SIGKILL all leave no QEMU behind

meson registers this file as the test `vm-fixture` (suite virtio-serial, VW_VM_FIXTURE=1); the
directory-wide `cli-decode` run skips it.  Without QEMU, a kernel, busybox or qemu-ga the VM
tests skip with vm.missing()'s reason.  One virtio VM is shared by the tests that only look.
"""
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT
from fixtures import guest as guestfix
from fixtures import vm as vmfix

if os.environ.get("VIRTWIRE") and not os.environ.get("VW_VM_FIXTURE"):
    pytest.skip("runs as its own meson test 'vm-fixture' (set VW_VM_FIXTURE=1 to run it here)",
                allow_module_level=True)

BLOCK = ("guest-fsfreeze-freeze", "guest-set-time")
PORT = "test.0"
GONE_TIMEOUT = 30.0             # bound on waiting for a killed QEMU to disappear
CHILD_READY_TIMEOUT = 180.0


def need_vm():
    why = vmfix.missing()
    if why:
        pytest.skip(f"the VM cannot run here: {why}")


def pid_alive(pid):
    """Whether |pid| is a live process (a zombie counts as gone: it runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_gone(pid, timeout=GONE_TIMEOUT):
    """Polls /proc until |pid| is gone (bounded); returns whether it went."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="module")
def vm():
    """One virtio VM for the tests that only look at it."""
    need_vm()
    with vmfix.Vm("virtio", block=BLOCK, extra_ports=(PORT,)) as v:
        yield v


# ---- the guest builder (no VM) ----

def test_guest_cached_and_rebuilt_on_input_change(tmp_path):
    if shutil.which("cpio") is None or not os.path.exists(guestfix.QEMU_GA):
        pytest.skip("no cpio or qemu-ga")
    cache = str(tmp_path / "cache")
    try:
        first = guestfix.ensure_guest(cache)
    except guestfix.GuestError as e:
        pytest.skip(f"guest cannot be built here: {e}")
    assert first.built is True
    st = os.stat(first.initrd)
    assert os.path.getsize(first.vmlinux) > 1 << 20
    with open(first.vmlinux, "rb") as f:
        assert f.read(4) == b"\x7fELF"
    with open(first.initrd, "rb") as f:
        assert f.read(2) == b"\x1f\x8b"

    again = guestfix.ensure_guest(cache)
    assert again.built is False
    assert (again.key, again.vmlinux, again.initrd) == (first.key, first.vmlinux, first.initrd)
    st2 = os.stat(again.initrd)
    assert (st2.st_ino, st2.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), "rebuilt"

    with open(guestfix.INIT_SCRIPT, "rb") as f:
        init = f.read()
    changed = guestfix.ensure_guest(cache, init_script=init + b"# changed\n")
    assert changed.built is True and changed.key != first.key
    extra = guestfix.ensure_guest(cache, extra=b"another input")
    assert extra.built is True and extra.key not in (first.key, changed.key)
    keys = sorted(n for n in os.listdir(cache) if guestfix.KEY_RE.match(n))
    assert keys == sorted([changed.key, extra.key]), "only the newest KEEP=2 keys stay"
    assert not [n for n in os.listdir(cache) if n.startswith(".tmp-")], "half builds left"


def test_vm_rejects_names_qemu_would_misparse():
    with pytest.raises(ValueError):
        vmfix.Vm("virtio", extra_ports=("a,b",))
    with pytest.raises(ValueError):
        vmfix.Vm("virtio", block=("guest-exec guest-ping",))
    with pytest.raises(ValueError):
        vmfix.Vm("kvm")


# ---- one virtio VM ----

def test_virtio_ready_and_block_list(vm):
    assert vm.launch_to_ready_s is not None and vm.launch_to_ready_s > 0
    info = vm.guest_info()
    assert info["version"].startswith("7.2")
    enabled = {c["name"]: c["enabled"] for c in info["supported_commands"]}
    assert enabled["guest-ping"] is True
    for name in BLOCK:
        assert enabled[name] is False, name
    assert enabled["guest-exec"] is True, "only the block list is blocked"
    # guest_info closed its connection with nothing outstanding: a second one works
    assert vm.guest_info()["version"] == info["version"]


def test_socket_paths_short_and_clean(vm):
    for path in [vm.socket_path] + list(vm.port_paths.values()):
        assert len(path.encode()) < vmfix.SUN_PATH_MAX, path
        assert "," not in path and " " not in path, path
        assert path.startswith(vm.dir + "/") and vm.dir.startswith("/tmp/vw")
        assert os.path.exists(path)
    assert set(vm.port_paths) == {PORT}


def test_second_port_reachable_by_name(vm):
    """The guest's /init linked /dev/virtio-ports/test.0: a guest process writes to it and the
    host reads the line on port_paths['test.0'] (virtio-serial.md §Step 4 A: with the host
    connected, the guest's write completes)."""
    with socket.socket(socket.AF_UNIX) as host:
        host.settimeout(30)
        host.connect(vm.port_paths[PORT])
        with vm.channel() as ch:
            pid = ch.call("guest-exec", {"path": "/bin/sh", "arg": [
                "-c", f"echo vw-port-ok > /dev/virtio-ports/{PORT}"], "capture-output": True})
            got = b""
            while b"\n" not in got:
                chunk = host.recv(4096)
                assert chunk, "port closed"
                got += chunk
            assert got == b"vw-port-ok\n"
            deadline = time.monotonic() + 30
            while True:
                st = ch.call("guest-exec-status", {"pid": pid["pid"]})
                if st["exited"] or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert st["exited"] and st["exitcode"] == 0, st


# ---- VMs of their own ----

def test_isa_ready_and_stop_leaves_nothing():
    need_vm()
    v = vmfix.Vm("isa", block=("guest-exec",))
    with v:
        assert v.launch_to_ready_s > 0
        info = v.guest_info()
        enabled = {c["name"]: c["enabled"] for c in info["supported_commands"]}
        assert enabled["guest-ping"] is True and enabled["guest-exec"] is False
        pid, d = v.pid, v.dir
        assert pid_alive(pid) and os.path.isdir(d)
        v.stop()
        assert not os.path.exists(f"/proc/{pid}"), "QEMU not reaped"
        assert not os.path.exists(d)
        v.stop()                                        # idempotent
    assert v.proc is None and v.dir is None


def test_exception_in_with_tears_down():
    need_vm()
    seen = {}
    with pytest.raises(RuntimeError, match="boom"):
        with vmfix.Vm("virtio") as v:
            seen["pid"], seen["dir"] = v.pid, v.dir
            raise RuntimeError("boom")
    assert seen and not os.path.exists(f"/proc/{seen['pid']}")
    assert not os.path.exists(seen["dir"])


class _RecordingVm(vmfix.Vm):
    """A Vm that notes its QEMU pid and temp dir before waiting for readiness."""

    seen = {}

    def _wait_ready(self, deadline):
        self.seen.update(pid=self.pid, dir=self.dir)
        return super()._wait_ready(deadline)


def test_not_ready_in_time_tears_down():
    need_vm()
    v = _RecordingVm("virtio", ready_timeout=0.2)
    with pytest.raises(vmfix.VmError) as e:
        with v:
            pass
    assert "not ready" in str(e.value) and "console:" in str(e.value)
    assert not os.path.exists(f"/proc/{v.seen['pid']}")
    assert not os.path.exists(v.seen["dir"])


CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from fixtures import vm
    v = vm.Vm("virtio").start()
    print(v.pid, v.dir, flush=True)
    time.sleep(600)
""")


def test_killed_driver_takes_qemu_with_it():
    """PR_SET_PDEATHSIG: a test driver killed with SIGKILL (no finalizer runs) still takes its
    QEMU with it."""
    need_vm()
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(tests=str(ROOT / "tests"))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    qpid = qdir = None
    try:
        ready, _, _ = select.select([child.stdout], [], [], CHILD_READY_TIMEOUT)
        assert ready, "the child did not start its VM"
        line = child.stdout.readline().decode()
        assert line, child.stderr.read().decode()[-2000:]
        qpid, qdir = int(line.split()[0]), line.split()[1]
        assert pid_alive(qpid)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        assert wait_gone(qpid), f"QEMU {qpid} outlived its killed parent"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
        if qpid is not None and pid_alive(qpid):
            os.kill(qpid, signal.SIGKILL)               # never leave a stray QEMU
        if qdir is not None:
            shutil.rmtree(qdir, ignore_errors=True)     # SIGKILL leaves the temp dir


def test_guest_py_runs_as_a_script():
    """`python3 tests/fixtures/guest.py --cache DIR` prints the paths (here: of a cache that
    the builder fills; a second run reuses it)."""
    need_vm()
    cache = guestfix.default_cache_dir()
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "fixtures" / "guest.py"),
                        "--cache", cache], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = dict(ln.split(None, 1) for ln in r.stdout.splitlines())
    assert os.path.isfile(lines["vmlinux"]) and os.path.isfile(lines["initrd"])
    assert lines["built"].startswith("False"), "vm.missing() built it already"
