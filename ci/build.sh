#!/bin/bash
# build.sh PHASE -- one CI phase; each builds in its own directory under $VW_BUILD_ROOT.
#   plain       gcc, warnings as errors, all tests (corpus replay, vectors, CLI)
#   valgrind    the plain build's corpus and vector tests under valgrind memcheck
#   asan-ubsan  clang with ASan+UBSan (UB fatal), all tests, the negative canary must crash
#   fuzz-smoke  clang libFuzzer build; every target fuzzed $VW_FUZZ_TIME s (default 30)
#   afl         AFL++ (afl-clang-fast, persistent mode) build of every target, corpus replayed
#               through it, and a $VW_AFL_TIME s afl-fuzz run per target (default 10)
set -euo pipefail

phase=${1:?usage: ci/build.sh plain|valgrind|asan-ubsan|fuzz-smoke|afl}
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
fuzz-smoke)
    CC=clang setup "$out/build-libfuzzer" -Dfuzzing=libfuzzer -Db_sanitize=address,undefined \
        -Db_lundef=false
    "$src/ci/fuzz-smoke" "$out/build-libfuzzer" "${VW_FUZZ_TIME:-30}"
    ;;
afl)
    CC=afl-clang-fast setup "$out/build-afl" -Dfuzzing=afl
    meson test -C "$out/build-afl" --print-errorlogs --suite fuzz-regress
    "$src/ci/afl-smoke" "$out/build-afl" "${VW_AFL_TIME:-10}"
    ;;
*)
    echo "build.sh: unknown phase '$phase'" >&2
    exit 2
    ;;
esac
