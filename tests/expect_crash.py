"""Runs a command that must be stopped by a sanitizer, and checks it was that sanitizer.

usage: expect_crash.py PATTERN COMMAND [ARGS...]
Passes only when COMMAND exits non-zero AND its stderr matches PATTERN (a regular
expression), so an unrelated failure (a missing input, a bad option) cannot pass for a
caught bug."""
import re
import subprocess
import sys

pattern, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.run(cmd, capture_output=True, timeout=120)
err = p.stderr.decode(errors="replace")
if p.returncode != 0 and re.search(pattern, err):
    print(f"1 passed, 0 failed: {cmd[0]} stopped by the sanitizer ({pattern})")
    sys.exit(0)
print(err[-2000:])
print(f"0 passed, 1 failed: exit {p.returncode}, stderr does not match {pattern!r}")
sys.exit(1)
