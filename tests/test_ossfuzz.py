"""The OSS-Fuzz / ClusterFuzzLite build contract (issue 7 point 3).

Runs .clusterfuzzlite/build.sh here with the variables OSS-Fuzz sets (anchors.md §3: $SRC
holding the checkout as virtwire, $CC, $CFLAGS with the ASan + fuzzer-no-link
instrumentation, $LIB_FUZZING_ENGINE, $OUT, $WORK) and checks $OUT: every fuzz target of
fuzzers/meson.build (not the negative canary) as an executable, with its
<t>_seed_corpus.zip (exactly the files of corpus/fuzz/<t>/, flat), its <t>.dict where the
corpus has one and its <t>.options; every shared library a fuzzer loads besides glibc,
libgcc_s and libstdc++ comes from $OUT/lib.  Then the build tree is deleted and each fuzzer
runs briefly on its unzipped seeds with LD_LIBRARY_PATH unset.  A second, short run proves
build.sh fails when a target has no .options file.

meson registers this file as its own test `oss-fuzz-build` (with VW_OSSFUZZ_BUILD=1; a full
clang ASan build, 2-4 minutes on 2 cores); the directory-wide `cli-decode` pytest run skips it.
"""
import configparser
import contextlib
import ctypes
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_SH = ROOT / '.clusterfuzzlite' / 'build.sh'
CORPUS = ROOT / 'corpus' / 'fuzz'
BUILD_TIMEOUT = 1200
RUN_TIMEOUT = 120
# Shared objects every runner image has; anything else must travel in $OUT/lib.
BASE_LIBS = re.compile(r'^(linux-vdso|ld-linux|libc|libm|libpthread|libdl|librt|libresolv|'
                       r'libutil|libgcc_s|libstdc\+\+)\.so')
OSS_FUZZ_CFLAGS = ('-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address '
                   '-fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link')

# Marked, not skipped at import: a file whose tests are all collected and skipped exits 0,
# one skipped at module level exits 5 ("no tests ran"), which meson counts as a failure.
pytestmark = pytest.mark.skipif(
    not os.environ.get('VW_OSSFUZZ_BUILD'),
    reason="runs as its own meson test 'oss-fuzz-build' with VW_OSSFUZZ_BUILD=1 (ci/build.sh "
           "fuzz); set it to run it here")

try:
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl    # looked up before any fork
except (OSError, AttributeError):
    _PRCTL = None
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when this driver dies, even by SIGKILL."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def run_group(argv, env, log_path, timeout, cwd=None):
    """Runs |argv| in its own process group, output to |log_path|; returns the exit code.
    The whole group (build.sh's ninja and compilers too) is killed and reaped on every path:
    timeout, exception, or SIGTERM to this driver (turned into an exception below)."""
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=_die_with_parent)
    try:
        return proc.wait(timeout)
    finally:
        if proc.returncode is None:                 # timeout or exception: the whole group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _sigterm(signum, frame):
    """SIGTERM (meson's timeout) unwinds like an error, so the finally blocks kill children."""
    raise KeyboardInterrupt(f'signal {signum}')


def log_tail(path, n=3000):
    """The last |n| characters of the file at |path|."""
    return pathlib.Path(path).read_text(errors='replace')[-n:]


def meson_list(text, name):
    """The quoted strings of the meson array `name = [ ... ]` in |text|."""
    m = re.search(r'^' + re.escape(name) + r'\s*=\s*\[(.*?)\]', text, re.M | re.S)
    assert m, f'fuzzers/meson.build has no list {name}'
    body = re.sub(r'#.*', '', m.group(1))
    return re.findall(r"'([^']+)'", body)


def fuzz_targets():
    """Every fuzz target of fuzzers/meson.build (the oracle is always on in build.sh)."""
    text = (ROOT / 'fuzzers' / 'meson.build').read_text()
    return meson_list(text, 'fuzz_targets') + meson_list(text, 'oracle_targets')


def ossfuzz_env(src, out, work):
    """The environment OSS-Fuzz gives build.sh, without any LD_LIBRARY_PATH."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('LD_LIBRARY_PATH', 'CFLAGS', 'CXXFLAGS', 'LDFLAGS', 'PKG_CONFIG_PATH')}
    env.update(CC='clang', CXX='clang++', CFLAGS=OSS_FUZZ_CFLAGS, CXXFLAGS=OSS_FUZZ_CFLAGS,
               LIB_FUZZING_ENGINE='-fsanitize=fuzzer', SRC=str(src), OUT=str(out),
               WORK=str(work))
    return env


def corpus_files(target):
    """{basename: bytes} of every file below corpus/fuzz/<target>/."""
    return {p.name: p.read_bytes() for p in (CORPUS / target).rglob('*') if p.is_file()}


TARGETS = fuzz_targets()


@pytest.fixture(scope='module')
def tmp():
    """A short temp dir under /tmp, removed at the end; SIGTERM unwinds through it."""
    old = signal.signal(signal.SIGTERM, _sigterm)
    path = pathlib.Path(tempfile.mkdtemp(prefix='vwof', dir='/tmp'))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        signal.signal(signal.SIGTERM, old)


@pytest.fixture(scope='module')
def out(tmp):
    """$OUT after build.sh ran with the OSS-Fuzz variables; the build tree is gone."""
    src, out_dir, work = tmp / 'src', tmp / 'out', tmp / 'work'
    for d in (src, out_dir, work):
        d.mkdir()
    (src / 'virtwire').symlink_to(ROOT)
    log = tmp / 'build.log'
    rc = run_group([str(BUILD_SH)], ossfuzz_env(src, out_dir, work), log, BUILD_TIMEOUT)
    assert rc == 0, f'build.sh exited {rc}:\n{log_tail(log)}'
    shutil.rmtree(work)         # the fuzzers must not need anything of the build tree
    work.mkdir()
    return out_dir


def test_targets_listed():
    """The target list parsed from fuzzers/meson.build is the corpus's (sanity of the parse)."""
    assert 'canary_negative' not in TARGETS
    assert len(TARGETS) >= 20
    assert set(TARGETS) == {p.name for p in CORPUS.iterdir() if p.is_dir()}


def test_out_holds_exactly_the_targets(out):
    """$OUT holds every target as an executable and no other executable (no canary)."""
    exes = {p.name for p in out.iterdir() if p.is_file() and os.access(p, os.X_OK)}
    assert exes == set(TARGETS)


@pytest.mark.parametrize('target', TARGETS)
def test_seed_corpus_zip(out, target):
    """<t>_seed_corpus.zip is non-empty and holds exactly corpus/fuzz/<t>/, flat."""
    want = corpus_files(target)
    assert want, f'corpus/fuzz/{target}/ is empty'
    with zipfile.ZipFile(out / f'{target}_seed_corpus.zip') as z:
        names = z.namelist()
        assert sorted(names) == sorted(want)
        for name in names:
            assert z.read(name) == want[name], name


@pytest.mark.parametrize('target', TARGETS)
def test_dict_and_options(out, target):
    """<t>.dict is the corpus's (absent when it has none); <t>.options is the corpus's, an
    INI [libfuzzer] section, and a dict it names is next to the fuzzer."""
    src_dict = CORPUS / f'{target}.dict'
    if src_dict.exists():
        assert (out / f'{target}.dict').read_bytes() == src_dict.read_bytes()
    else:
        assert not (out / f'{target}.dict').exists()
    opts = out / f'{target}.options'
    assert opts.read_bytes() == (CORPUS / f'{target}.options').read_bytes()
    ini = configparser.ConfigParser()
    ini.read(opts)
    assert ini.has_section('libfuzzer')
    if ini.has_option('libfuzzer', 'dict'):
        assert (out / ini.get('libfuzzer', 'dict')).is_file()


@pytest.mark.parametrize('target', TARGETS)
def test_libraries_travel_in_out(out, target):
    """Every shared library the fuzzer loads, but glibc/libgcc_s/libstdc++, is in $OUT/lib."""
    env = {k: v for k, v in os.environ.items() if k != 'LD_LIBRARY_PATH'}
    r = subprocess.run(['ldd', str(out / target)], env=env, capture_output=True, text=True,
                       timeout=RUN_TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert 'not found' not in r.stdout
    for line in r.stdout.splitlines():
        m = re.match(r'\s*(\S+) => (\S+)', line)
        if m and not BASE_LIBS.match(m.group(1)):
            assert pathlib.Path(m.group(2)).parent == out / 'lib', line
    assert 'jansson' not in r.stdout        # linked statically (build.sh)


@pytest.mark.parametrize('target', TARGETS)
def test_runs_on_its_seeds(out, tmp, target):
    """The fuzzer, away from the build tree and with LD_LIBRARY_PATH unset, reads its unzipped
    seed corpus and fuzzes 200 more inputs with its dictionary, finding nothing."""
    work = tmp / f'run-{target}'
    seeds = work / 'seeds'
    seeds.mkdir(parents=True)
    with zipfile.ZipFile(out / f'{target}_seed_corpus.zip') as z:
        z.extractall(seeds)
    argv = [str(out / target), '-runs=200', '-seed=1', '-max_len=4096', '-timeout=25',
            '-rss_limit_mb=2560', f'-artifact_prefix={work}/']
    if (out / f'{target}.dict').exists():
        argv.append(f'-dict={out / target}.dict')
    argv.append(str(seeds))
    env = {k: v for k, v in os.environ.items() if k != 'LD_LIBRARY_PATH'}
    log = work / 'log'
    rc = run_group(argv, env, log, RUN_TIMEOUT, cwd=work)
    text = log_tail(log, 100000)
    assert rc == 0, text[-3000:]
    assert 'Done 200 runs' in text, text[-3000:]
    assert not [p for p in work.iterdir() if p.name.startswith(('crash-', 'leak-', 'oom-'))]


def _farm(dst, src, skip):
    """A tree of symlinks at |dst| mirroring |src|, without the entries named in |skip|
    (a path relative to |src| there is mirrored one level further down)."""
    dst.mkdir()
    for entry in src.iterdir():
        if entry.name in skip and skip[entry.name] is None:
            continue
        if entry.name in skip:
            _farm(dst / entry.name, entry, skip[entry.name])
        else:
            (dst / entry.name).symlink_to(entry)


def test_missing_options_fails(tmp):
    """build.sh stops, naming the target, when a target has no .options file."""
    base = tmp / 'noopt'
    src, out_dir, work = base / 'src', base / 'out', base / 'work'
    for d in (src, out_dir, work):
        d.mkdir(parents=True)
    missing = TARGETS[0]
    _farm(src / 'virtwire', ROOT, {'corpus': {'fuzz': {f'{missing}.options': None}}})
    log = base / 'build.log'
    rc = run_group([str(BUILD_SH)], ossfuzz_env(src, out_dir, work), log, BUILD_TIMEOUT)
    text = log_tail(log)
    assert rc != 0, text
    assert f'{missing}: no options file' in text, text
    assert not (out_dir / missing).exists()
