"""Planted bugs (reference/planted.h, issue 7 point 6): each one is real and reachable.

Needs VW_PLANT_BUILD naming a libFuzzer build configured with -Dplant_bugs=true (skipped
otherwise).  For every bug N of bench/bench_planted.py its committed witness
bench/planted/<N>-<name>.input must crash the target with VW_PLANTED_BUG=N and pass with no bug
planted, i.e. the normal code path of the same build.
"""
import json
import os
import subprocess
import sys

import pytest

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, 'bench'))
import bench_planted  # noqa: E402  (the bug table lives with the benchmark)

BUILD = os.environ.get('VW_PLANT_BUILD', '')

pytestmark = pytest.mark.skipif(
    not BUILD or not os.path.exists(os.path.join(BUILD, 'build.ninja')),
    reason='VW_PLANT_BUILD does not name a -Dplant_bugs=true libFuzzer build')


def build_option(name):
    """The value of meson option |name| in the build under test."""
    path = os.path.join(BUILD, 'meson-info', 'intro-buildoptions.json')
    with open(path) as f:
        for opt in json.load(f):
            if opt['name'] == name:
                return opt['value']
    return None


def run_witness(exe, witness, bug):
    """Run |exe| on |witness| once with VW_PLANTED_BUG=|bug| (None: unset); returns (rc, log)."""
    env = {k: v for k, v in os.environ.items() if k != 'VW_PLANTED_BUG'}
    if bug is not None:
        env['VW_PLANTED_BUG'] = str(bug)
    r = subprocess.run([exe, '-runs=1', witness], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120, start_new_session=True)
    return r.returncode, r.stdout.decode(errors='replace')


def test_build_is_planted():
    """The build under test has the option on and the libFuzzer engine."""
    assert build_option('plant_bugs') is True
    assert build_option('fuzzing') == 'libfuzzer'


def test_at_least_ten_bugs_in_distinct_rules():
    """The table names at least 10 bugs, each its own kind, each with a witness."""
    assert len(bench_planted.BUGS) >= 10
    assert len({b[2] for b in bench_planted.BUGS}) == len(bench_planted.BUGS)
    for num, name, _, _ in bench_planted.BUGS:
        assert os.path.getsize(bench_planted.witness_path(num, name)) > 0


@pytest.mark.parametrize('bug', bench_planted.BUGS, ids=lambda b: '%d-%s' % (b[0], b[1]))
def test_witness_crashes_only_when_planted(bug):
    """The witness crashes the target with the bug planted and passes without it."""
    num, name, _, target = bug
    exe = os.path.join(BUILD, 'fuzzers', 'fuzz_' + target)
    witness = bench_planted.witness_path(num, name)
    rc, log = run_witness(exe, witness, num)
    assert rc != 0, log[-2000:]
    assert 'ERROR' in log or 'deadly signal' in log or 'runtime error' in log, log[-2000:]
    rc, log = run_witness(exe, witness, None)
    assert rc == 0, log[-2000:]
    # another bug planted leaves this input alone too: the bugs are independent
    rc, log = run_witness(exe, witness, num % len(bench_planted.BUGS) + 1)
    assert rc == 0, log[-2000:]
