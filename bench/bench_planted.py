#!/usr/bin/python3
"""Fuzzer efficacy: time to the first crash for each bug planted by -Dplant_bugs=true.

For every bug N of reference/planted.h this runs the fuzz target that should find it (libFuzzer,
ASan+UBSan, one process pinned to one core) with VW_PLANTED_BUG=N, a scratch copy of the
committed seed corpus and the target's dictionary, until the first crash or --max-time, R
times with different -seed values, and prints a markdown table (issue 7 point 6).  Every
crash found is replayed without VW_PLANTED_BUG: it must pass then, or it is not the planted
bug.  Usage:

    bench/bench_planted.py [--build DIR] [--repeats 3] [--max-time 300] [--bugs 1,4]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BUILD = '/var/tmp/vw-plant-lf'

# (number, witness name, kind, fuzz target) -- the numbers of reference/planted.h
BUGS = [
    (1, 'oncrpc-cred-len', 'missing length check', 'oncrpc_decode'),
    (2, 'oncrpc-gids-mul', 'integer overflow in a size', 'oncrpc_decode'),
    (3, 'oncrpc-pad-lax', 'non-zero padding accepted', 'oncrpc_paths'),
    (4, 'virnet-signed-len', 'signed/unsigned length word', 'virnet_decode'),
    (5, 'rm-realloc-free', 'double free in buffer growth', 'oncrpc_record_chunking'),
    (6, 'qemud-discriminant', 'unchecked union discriminant', 'qemud_decode'),
    (7, 'fdpass-leak', 'fd leak on an error path', 'fdpass'),
    (8, 'qga-nul-room', 'missing NUL terminator room', 'qga_framer'),
    (9, 'openhook-name-len', 'off-by-one read', 'openhook_roundtrip'),
    (10, 'virnet-stale-buf', 'use after free across buffer growth', 'virnet_decode'),
]


def witness_path(num, name):
    """The committed input that triggers bug |num|."""
    return os.path.join(SRC, 'bench', 'planted', '%d-%s.input' % (num, name))


def ensure_build(build):
    """Configure and build the planted libFuzzer build in |build| unless it exists."""
    if not os.path.exists(os.path.join(build, 'build.ninja')):
        env = dict(os.environ, CC='clang')
        subprocess.run(['meson', 'setup', '--werror', build, '-Dfuzzing=libfuzzer',
                        '-Db_sanitize=address,undefined', '-Db_lundef=false',
                        '-Dplant_bugs=true'], cwd=SRC, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    targets = sorted({'fuzzers/fuzz_' + b[3] for b in BUGS})
    subprocess.run(['ninja', '-C', build] + targets, check=True, stdout=subprocess.DEVNULL)


def crash_kind(log):
    """The kind of the first report in a libFuzzer log."""
    for line in log.splitlines():
        if 'ERROR: AddressSanitizer:' in line:
            words = line.split('ERROR: AddressSanitizer:')[1].split()
            return 'ASan ' + (' '.join(words[:2]) if words[:1] == ['attempting'] else
                              words[0] if words else '?')
        if 'runtime error:' in line:
            return 'UBSan ' + line.split('runtime error:')[1].strip()[:40]
        if 'ERROR: libFuzzer: timeout' in line:
            return 'timeout'
        if 'ERROR: libFuzzer: out-of-memory' in line:
            return 'oom'
        if 'ERROR: libFuzzer: deadly signal' in line:
            return 'abort (property)'
    return 'crash'


def kill_group(proc):
    """Kill |proc|'s process group and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def fuzz_once(exe, target, num, seed, max_time, work):
    """One campaign; returns (seconds to the first artifact or None, kind, artifact path)."""
    corpus = os.path.join(work, 'corpus')
    arts = os.path.join(work, 'artifacts')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(arts)
    shutil.copytree(os.path.join(SRC, 'corpus', 'fuzz', target), corpus)
    cmd = [exe, '-seed=%d' % seed, '-max_total_time=%d' % max_time, '-max_len=4096',
           '-timeout=10', '-rss_limit_mb=2048', '-artifact_prefix=' + arts + '/']
    dict_path = os.path.join(SRC, 'corpus', 'fuzz', target + '.dict')
    if os.path.exists(dict_path):
        cmd.append('-dict=' + dict_path)
    cmd.append(corpus)
    if shutil.which('taskset'):
        cmd = ['taskset', '-c', '0'] + cmd
    env = dict(os.environ, VW_PLANTED_BUG=str(num))
    log_path = os.path.join(work, 'log')
    found = None
    with open(log_path, 'wb') as log:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            deadline = start + max_time + 30
            while time.monotonic() < deadline:
                if os.listdir(arts):
                    found = time.monotonic() - start
                    break
                if proc.poll() is not None:
                    if os.listdir(arts):
                        found = time.monotonic() - start
                    break
                time.sleep(0.05)
            if found is not None:
                proc.wait(timeout=30)   # let libFuzzer finish writing the report
        except subprocess.TimeoutExpired:
            pass
        finally:
            kill_group(proc)
    with open(log_path, errors='replace') as f:
        text = f.read()
    art = None
    if found is not None:
        art = os.path.join(arts, sorted(os.listdir(arts))[0])
    return found, (crash_kind(text) if found is not None else '-'), art


def passes_unplanted(exe, art):
    """True when the build runs |art| cleanly with no bug planted."""
    env = {k: v for k, v in os.environ.items() if k != 'VW_PLANTED_BUG'}
    try:
        r = subprocess.run([exe, '-runs=1', art], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60, start_new_session=True)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def fmt_time(t, max_time):
    """A time in seconds for the table, or '> max'."""
    return '> %d s' % max_time if t is None else '%.1f s' % t


def median_or_none(times):
    """Median with None counting as infinitely late; None when the median is not found."""
    vals = sorted(float('inf') if t is None else t for t in times)
    m = statistics.median(vals)
    return None if m == float('inf') else m


def main():
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=DEFAULT_BUILD)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--max-time', type=int, default=300)
    ap.add_argument('--bugs', default='', help='comma-separated bug numbers (default: all)')
    args = ap.parse_args()
    ensure_build(args.build)
    wanted = {int(x) for x in args.bugs.split(',') if x}
    rows, medians = [], []
    load0 = os.getloadavg()
    work_root = tempfile.mkdtemp(prefix='vwpl.', dir='/tmp')
    try:
        for num, name, kind, target in BUGS:
            if wanted and num not in wanted:
                continue
            exe = os.path.join(args.build, 'fuzzers', 'fuzz_' + target)
            times, kinds, genuine = [], [], True
            for rep in range(args.repeats):
                t, ck, art = fuzz_once(exe, target, num, 1000 + rep, args.max_time,
                                       os.path.join(work_root, '%d-%d' % (num, rep)))
                times.append(t)
                if art is not None:
                    kinds.append(ck)
                    genuine = genuine and passes_unplanted(exe, art)
                print('# bug %d rep %d: %s %s' % (num, rep, fmt_time(t, args.max_time), ck),
                      file=sys.stderr, flush=True)
            med = median_or_none(times)
            medians.append(med)
            found = sum(t is not None for t in times)
            rows.append('| %d %s | %s | %s | %s | %s | %d/%d | %s |' % (
                num, name, kind, target, ', '.join(sorted(set(kinds))) or '-',
                fmt_time(med, args.max_time), found, args.repeats,
                'yes' if genuine else 'NO'))
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    load1 = os.getloadavg()
    print('| bug | kind | target | crash seen | median to first crash | found | '
          'passes unplanted |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(r)
    all_med = median_or_none(medians) if medians else None
    print('\nmedian over bugs: %s; max_total_time %d s; one core (taskset -c 0: %s); '
          'load average before %.2f, after %.2f' % (
              fmt_time(all_med, args.max_time), args.max_time,
              'yes' if shutil.which('taskset') else 'no', load0[0], load1[0]))
    ok = all(m is not None for m in medians) and all_med is not None and all_med <= 60
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
