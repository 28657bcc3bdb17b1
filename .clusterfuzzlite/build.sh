#!/bin/bash
# build.sh -- the OSS-Fuzz / ClusterFuzzLite build of virtwire's fuzz targets.
#
# Runs in gcr.io/oss-fuzz-base/base-builder (and on a Debian 12 machine with the packages of
# ci/install-deps; tests/test_ossfuzz.py runs it there).  The contract (OSS-Fuzz "new project
# guide"; notes/anchors.md §3): the environment gives
#   $SRC                 the checkouts; this project is $SRC/virtwire
#   $CC $CXX $CFLAGS     the compiler and the sanitizer + coverage instrumentation
#                        (-fsanitize=address,fuzzer-no-link, ...)
#   $LIB_FUZZING_ENGINE  the engine's link flags (-fsanitize=fuzzer for libFuzzer, a
#                        driver archive for AFL++)
#   $OUT $WORK           where the fuzzers go, scratch space
# and for every fuzz target T of fuzzers/meson.build (not the negative canary) this writes
#   $OUT/T                  the fuzzer
#   $OUT/T_seed_corpus.zip  corpus/fuzz/T/ (flat)
#   $OUT/T.dict             corpus/fuzz/T.dict, when there is one (OSS-Fuzz loads a
#                           dictionary only when it is named after the fuzzer)
#   $OUT/T.options          corpus/fuzz/T.options ([libfuzzer] flags; required)
#
# Libraries: the runner image has neither libtirpc (the rpcgen oracle of the differential
# targets) nor jansson (the qga codec), so both travel with the fuzzers:
# - jansson is linked statically (libjansson.a of libjansson-dev), through a pkg-config file
#   in $WORK that names the archive; without the archive it is bundled like libtirpc.
# - libtirpc is NOT linked statically although Debian ships libtirpc.a: ASan intercepts the
#   XDR functions (xdrmem_create, xdr_int, xdr_string ...) with weak definitions that call
#   the real function found by dlsym(RTLD_NEXT).  In a static link the weak interceptor
#   already defines xdrmem_create, so the archive member is never pulled in and the
#   interceptor calls NULL (measured: SEGV at pc 0 in vw_guard_xdr_create).  So libtirpc.so
#   and the libraries it needs (GSSAPI/Kerberos) are copied to $OUT/lib and the fuzzers carry
#   DT_RPATH $ORIGIN/lib; RPATH, unlike RUNPATH, is also searched for the dependencies of
#   libtirpc.so itself.  Only glibc, libgcc_s and libstdc++ come from the runner image.
set -euo pipefail

: "${SRC:?build.sh: SRC must be set}"
: "${OUT:?build.sh: OUT must be set}"
: "${WORK:?build.sh: WORK must be set}"
: "${LIB_FUZZING_ENGINE:?build.sh: LIB_FUZZING_ENGINE must be set}"
: "${CC:=clang}"
export CC

src=$SRC/virtwire
build=$WORK/virtwire-build
corpus=$src/corpus/fuzz

die() {
    echo "build.sh: $*" >&2
    exit 1
}

[ -f "$src/meson.build" ] || die "no checkout at $src"
mkdir -p "$OUT" "$WORK"
rm -rf "$build" "$WORK/virtwire-pc"

# jansson from its static archive: a pkg-config file that names libjansson.a, found first.
jansson_libdir=$(pkg-config --variable=libdir jansson) || die "no jansson (libjansson-dev)"
if [ -f "$jansson_libdir/libjansson.a" ]; then
    mkdir -p "$WORK/virtwire-pc"
    cat >"$WORK/virtwire-pc/jansson.pc" <<EOF
Name: Jansson
Description: jansson as a static archive (virtwire OSS-Fuzz build)
Version: $(pkg-config --modversion jansson)
Libs: $jansson_libdir/libjansson.a
Cflags: $(pkg-config --cflags jansson)
EOF
    export PKG_CONFIG_PATH=$WORK/virtwire-pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
fi
# Shared libraries the fuzzers need are looked up in $OUT/lib first (see above).
export LDFLAGS="${LDFLAGS:-} -Wl,--disable-new-dtags -Wl,-rpath,\$ORIGIN/lib"

# buildtype=plain: $CFLAGS alone decides optimisation and debug info (meson adds CFLAGS to
# the compile and link lines).  No --werror: warnings of the image's compiler must not stop
# the build.  fuzzing=external links the fuzzers, and only them, with $LIB_FUZZING_ENGINE.
meson setup "$build" "$src" \
    --buildtype=plain \
    -Ddefault_library=static \
    -Doracle=enabled \
    -Dfuzzing=external \
    -Dfuzz_engine_link="$LIB_FUZZING_ENGINE"

# The fuzz targets are the executables meson defines in fuzzers/: fuzz_T -> T.
mapfile -t targets < <(meson introspect --targets "$build" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    name = t["name"]
    where = t["defined_in"]
    if (t["type"] == "executable" and where.endswith("/fuzzers/meson.build")
            and name.startswith("fuzz_") and name != "fuzz_canary_negative"):
        print(name[len("fuzz_"):])
')
[ "${#targets[@]}" -gt 0 ] || die "meson defines no fuzz targets"

# Every fuzzer ships with seeds and options: fail before the long part of the build.
for t in "${targets[@]}"; do
    [ -d "$corpus/$t" ] || die "$t: no seed corpus $corpus/$t/"
    [ -f "$corpus/$t.options" ] || die "$t: no options file $corpus/$t.options"
done

# Build the fuzzers only (the CLI, tests and benchmarks are not needed in $OUT).
ninja_targets=()
for t in "${targets[@]}"; do
    ninja_targets+=("fuzzers/fuzz_$t")
done
ninja -C "$build" "${ninja_targets[@]}"

# bundle_libs T EXE: copies every shared library EXE loads, except those of the runner image
# (glibc, libgcc_s, libstdc++), to $OUT/lib; EXE must carry RPATH $ORIGIN/lib.
bundle_libs() {
    local t=$1 exe=$2 name path
    readelf -d "$exe" | grep -q 'RPATH.*\$ORIGIN/lib' || die "$t: no RPATH \$ORIGIN/lib"
    mkdir -p "$OUT/lib"
    while read -r name path; do
        case $name in
        linux-vdso.so.* | ld-linux* | libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | \
            librt.so.* | libresolv.so.* | libutil.so.* | libgcc_s.so.* | libstdc++.so.*)
            continue ;;
        esac
        [ -f "$path" ] || die "$t: needs $name, not found ($path)"
        cp -L "$path" "$OUT/lib/$name"
    done < <(ldd "$exe" | sed -n 's/^[[:space:]]*\([^[:space:]]*\) => \([^[:space:]]*\).*/\1 \2/p')
}

for t in "${targets[@]}"; do
    exe=$build/fuzzers/fuzz_$t
    [ -x "$exe" ] || die "$t: $exe was not built"
    bundle_libs "$t" "$exe"

    cp "$exe" "$OUT/$t"
    cp "$corpus/$t.options" "$OUT/$t.options"
    if [ -f "$corpus/$t.dict" ]; then
        cp "$corpus/$t.dict" "$OUT/$t.dict"
    fi
    # A dictionary named in the options file must be the one shipped next to the fuzzer.
    dict=$(sed -n 's/^[[:space:]]*dict[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' \
        "$corpus/$t.options")
    if [ -n "$dict" ] && [ ! -f "$OUT/$dict" ]; then
        die "$t: $t.options names dict $dict, which is not in \$OUT"
    fi

    # Seed corpus: every file below corpus/fuzz/T/, stored flat (-j); zip refuses two
    # members with the same name, so a collision fails the build instead of losing a seed.
    rm -f "$OUT/${t}_seed_corpus.zip"
    (cd "$corpus/$t" && find . -type f -print | LC_ALL=C sort |
        zip -q -j -X "$OUT/${t}_seed_corpus.zip" -@) || die "$t: cannot zip the seeds"
    [ -s "$OUT/${t}_seed_corpus.zip" ] || die "$t: empty seed corpus $corpus/$t/"
done

echo "build.sh: ${#targets[@]} fuzzers in $OUT: ${targets[*]}"
