#!/usr/bin/env bash
# run.sh BENCH_EXE -- a decode benchmark, virtwire vs libtirpc; see bench/README.md.
#
# Builds nothing: BENCH_EXE is a built bench_oncrpc or bench_virnet (`ninja -C build bench` /
# `ninja -C build bench-virnet` pass it).  The variants are what `BENCH_EXE list` prints; the
# ratio of a variant CLASS_x is taken against CLASS_tirpc (call_ours against call_tirpc).
# 1. Instructions per message: each variant runs under callgrind twice, with N and 2N
#    iterations; the difference of the two totals divided by the difference of the decode
#    counts removes start-up, message construction and the start-up cross-checks.
# 2. Wall clock: each variant in its own process, ITER decodes per repetition, REPS
#    repetitions after a 1% warm-up; best and median ns per message.
# Prints a markdown table on stdout.
#
# Environment: VW_BENCH_CG_ITER (N, default 100000), VW_BENCH_ITER (default 10000000),
# VW_BENCH_REPS (default 5), VW_BENCH_VARIANTS (space-separated subset; default all),
# VW_BENCH_NO_CALLGRIND=1 (skip step 1).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/bench_oncrpc|PATH/TO/bench_virnet" >&2
    exit 2
fi
exe=$1
cg_n=${VW_BENCH_CG_ITER:-100000}
iters=${VW_BENCH_ITER:-10000000}
reps=${VW_BENCH_REPS:-5}
variants=${VW_BENCH_VARIANTS:-$("$exe" list)}

use_cg=1
if [ "${VW_BENCH_NO_CALLGRIND:-0}" = 1 ]; then
    use_cg=0
elif ! command -v valgrind >/dev/null 2>&1; then
    echo "run.sh: valgrind not found; skipping instruction counts" >&2
    use_cg=0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# field NAME LINE: the value of NAME=... in a result line of the bench.
field() {
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

# callgrind VARIANT ITER: prints "TOTAL_IR DECODES".
callgrind() {
    local line ir
    line=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$exe" "$1" "$2" 1 2>"$tmp/cg.err")
    ir=$(sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p' "$tmp/cg.err")
    if [ -z "$ir" ] || [ -z "$line" ]; then
        cat "$tmp/cg.err" >&2
        echo "run.sh: callgrind run of $1 failed" >&2
        exit 1
    fi
    echo "$ir $(field decodes "$line")"
}

declare -A ir_msg ns_best ns_med bytes msgs
for v in $variants; do
    if [ "$use_cg" = 1 ]; then
        read -r i1 d1 < <(callgrind "$v" "$cg_n")
        read -r i2 d2 < <(callgrind "$v" $((2 * cg_n)))
        ir_msg[$v]=$(awk -v a="$i1" -v b="$i2" -v c="$d1" -v d="$d2" \
            'BEGIN { printf "%.1f", (b - a) / (d - c) }')
        echo "callgrind $v: $i1 Ir / $d1 decodes, $i2 Ir / $d2 decodes -> ${ir_msg[$v]} Ir/msg" >&2
    else
        ir_msg[$v]=n/a
    fi
done
for v in $variants; do
    line=$("$exe" "$v" "$iters" "$reps")
    echo "$line" >&2
    ns_best[$v]=$(field best_ns "$line")
    ns_med[$v]=$(field median_ns "$line")
    bytes[$v]=$(field bytes "$line")
    msgs[$v]=$(field msgs "$line")
done

# ratio BASE THIS: BASE / THIS to two places ("n/a" when either is missing).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "n/a" || b == "n/a" || a == "" || b == "" || b + 0 == 0) { print "n/a" }
        else { printf "%.2fx", a / b } }'
}

# info: "compiler=..." and, from benches other than bench_oncrpc, "title=...".
info=$("$exe" info)
compiler=$(sed -n 's/^compiler=//p' <<<"$info")
title=$(sed -n 's/^title=//p' <<<"$info")
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo
echo "${title:-ONC RPC decode}, $(date -u +%Y-%m-%d) UTC, $compiler, ${cpu:-unknown CPU}, $(nproc) CPUs"
echo "Ir/msg: callgrind, runs of $cg_n and $((2 * cg_n)) iterations subtracted." \
    "ns/msg: $reps x $iters decodes after a 1% warm-up."
if [ -z "$title" ]; then
    echo "Ratios are libtirpc / this row, against call_tirpc (svc-style) or reply_tirpc: above 1 means fewer."
else
    echo "Ratios are libtirpc / this row, against the CLASS_tirpc row of the same class: above 1 means fewer."
fi
echo
# Benches that report a message count (msgs=) get a column for it; their bytes are a mean.
read -r first _ <<<"$(echo $variants)"
if [ -n "${msgs[$first]:-}" ]; then
    echo "| variant | msgs | bytes (mean) | Ir/msg | ns/msg (best of $reps) | ns/msg (median) | Ir ratio vs libtirpc | ns ratio vs libtirpc |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
else
    echo "| variant | bytes | Ir/msg | ns/msg (best of $reps) | ns/msg (median) | Ir ratio vs libtirpc | ns ratio vs libtirpc |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
fi
for v in $variants; do
    base=${v%%_*}_tirpc
    bi=${ir_msg[$base]:-n/a}
    bn=${ns_best[$base]:-n/a}
    if [ -n "${msgs[$v]:-}" ]; then
        cols="${msgs[$v]} | ${bytes[$v]}"
    else
        cols=${bytes[$v]}
    fi
    echo "| $v | $cols | ${ir_msg[$v]} | ${ns_best[$v]} | ${ns_med[$v]} |" \
        "$(ratio "$bi" "${ir_msg[$v]}") | $(ratio "$bn" "${ns_best[$v]}") |"
done
