#!/bin/bash
# build.sh PHASE -- one CI phase; each builds in its own directory under $VW_BUILD_ROOT.
#   plain       gcc, warnings as errors, all tests (corpus replay, vectors, CLI)
#   valgrind    the plain build's corpus and vector tests under valgrind memcheck
#   asan-ubsan  clang with ASan+UBSan (UB fatal), all tests, the negative canary must crash
#   fuzz        clang libFuzzer build: the `virtwire fuzz` / `reproduce` tests, the OSS-Fuzz
#               build.sh contract, the planted-bug witnesses (a -Dplant_bugs=true build), then
#               ci/fuzz: `virtwire fuzz --all` for $VW_FUZZ_TIME s per target (default 20), two
#               targets at once, failing on any new crash
#   afl         AFL++ (afl-clang-fast, persistent mode) build of every target, corpus replayed
#               through it; then ci/afl-campaign: -M/-S campaigns with cmplog of
#               $VW_AFL_TIME s per target (default 5), crashes reproduced with the libFuzzer
#               build, and the `virtwire fuzz --engine afl` tests
#   coverage    ci/coverage: clang source-based coverage of reference/ over every corpus, vector
#               and unit test; fails under 95 % lines or 90 % branches
set -euo pipefail

phase=${1:?usage: ci/build.sh plain|valgrind|asan-ubsan|fuzz|afl|coverage}
src=$(cd "$(dirname "$0")/.." && pwd)
out=${VW_BUILD_ROOT:-$src}
cd "$src"

setup() {  # setup DIR [meson args...]
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" --werror "$@"
    fi
    ninja -C "$dir"
}

case "$phase" in
plain)
    CC=gcc setup "$out/build-gcc"
    meson test -C "$out/build-gcc" --print-errorlogs
    ;;
valgrind)
    CC=gcc setup "$out/build-gcc"
    meson test -C "$out/build-gcc" --print-errorlogs --suite fuzz-regress --suite vectors \
        --timeout-multiplier 10 \
        --wrapper 'valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite'
    ;;
asan-ubsan)
    CC=clang setup "$out/build-asan" -Db_sanitize=address,undefined -Db_lundef=false
    ASAN_OPTIONS=detect_leaks=1 meson test -C "$out/build-asan" --print-errorlogs
    ;;
fuzz)
    CC=clang setup "$out/build-libfuzzer" -Dfuzzing=libfuzzer -Db_sanitize=address,undefined \
        -Db_lundef=false
    meson test -C "$out/build-libfuzzer" --print-errorlogs fuzz-cmd reproduce regress-vectors
    VW_OSSFUZZ_BUILD=1 meson test -C "$out/build-libfuzzer" --print-errorlogs oss-fuzz-build
    CC=clang setup "$out/build-plant" -Dfuzzing=libfuzzer -Dplant_bugs=true \
        -Db_sanitize=address,undefined -Db_lundef=false
    meson test -C "$out/build-plant" --print-errorlogs planted-bugs
    VW_FUZZ_CRASHES="$out/fuzz-crashes" "$src/ci/fuzz" "${VW_FUZZ_TIME:-20}"
    ;;
afl)
    CC=afl-clang-fast setup "$out/build-afl" -Dfuzzing=afl
    meson test -C "$out/build-afl" --print-errorlogs --suite fuzz-regress
    VW_AFL_NO_MERGE=1 VW_FUZZ_CRASHES="$out/afl-crashes" "$src/ci/afl-campaign" \
        "${VW_AFL_TIME:-5}"
    VW_AFL_BUILD="$out/build-afl-asan" VW_AFL_CMPLOG_BUILD="$out/build-afl-cmplog" \
        VW_FUZZ_BUILD="$out/build-libfuzzer" \
        meson test -C "$out/build-libfuzzer" --print-errorlogs fuzz-afl
    ;;
coverage)
    "$src/ci/coverage" --build "$out/build-cov" --out "$out/coverage"
    ;;
*)
    echo "build.sh: unknown phase '$phase'" >&2
    exit 2
    ;;
esac
