/* bench_oncrpc.c -- decode cost of ONC RPC messages: virtwire's strict decoder vs libtirpc.
 *
 * Usage: bench_oncrpc VARIANT ITERATIONS REPS     (VARIANT "all" runs every variant)
 *        bench_oncrpc list                         (prints the variant names)
 *        bench_oncrpc info                         (prints the compiler it was built with)
 *
 * Two messages, both built with virtwire's encoder and checked at startup against every
 * decoder (libtirpc included; the program aborts if one rejects or disagrees):
 *   call   1124 B: CALL xid 0x12345678, prog 100003 v3 proc 7, AUTH_SYS credential (stamp,
 *          "client01.example.com", uid/gid 1000, 4 gids), AUTH_NONE verifier, opaque<> arg of
 *          1024 B;
 *   reply    28 B: REPLY xid 0x12345678, MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS, u32 port.
 *
 * Variants (one decode of the whole message each, including the credential and the argument):
 *   call_ours            vw_rpc_msg_decode (strict; decodes AUTH_SYS) + opaque<> view of the arg
 *   call_ours_copy       call_ours + memcpy of the 1 KiB arg into a caller buffer, the work
 *                        libtirpc's xdr_bytes does
 *   call_tirpc           svc-style: caller buffers for cred/verf bodies and the arg; then
 *                        xdr_authunix_parms over the cred body (callocs machname and gids,
 *                        xdr_free'd) -- the method of fuzz-toolchain.md §4
 *   call_tirpc_nomalloc  as call_tirpc, but machname and gids also go to caller buffers: the
 *                        least work libtirpc can be asked to do
 *   call_tirpc_alloc     rpcgen-style: every pointer NULL, so libtirpc mallocs cred body,
 *                        machname, gids and arg; all xdr_free'd
 *   reply_ours           vw_rpc_msg_decode + vw_xdr_get_u32 of the result + vw_xdr_expect_end
 *   reply_tirpc          clnt-style xdr_replymsg with ar_verf = _null_auth and an xdr_u_int
 *                        results decoder (as clnt_vc_call sets it up)
 *
 * Each loop feeds a value from every decode (xid, uid, gid count, arg length and last byte)
 * into a volatile sink, so no decode can be removed as dead code.
 *
 * Output, one line per variant:
 *   VARIANT bytes=B iterations=N reps=R warmup=W decodes=D best_ns=X median_ns=Y
 * |decodes| counts every decode done in the timed part (warm-up included, startup checks not),
 * so bench/run.sh can turn two callgrind totals into instructions per message. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rpc/rpc.h>

#include "oncrpc.h"
#include "xdr.h"

#define BENCH_XID 0x12345678u
#define BENCH_PROG 100003u
#define BENCH_VERS 3u
#define BENCH_PROC 7u
#define BENCH_STAMP 1700000000u
#define BENCH_MACHINE "client01.example.com"
#define BENCH_UID 1000u
#define BENCH_GID 1000u
#define BENCH_NUM_GIDS 4u
#define BENCH_ARG_LEN 1024u
#define BENCH_PORT 2049u
/* Bound of the opaque<> argument for both decoders; the svc-style argument buffer holds it. */
#define BENCH_ARG_MAX 65536u
#define BENCH_MSG_CAP 2048u
#define BENCH_REPS_MAX 1000u

static const uint32_t bench_gids[BENCH_NUM_GIDS] = { 1000, 4, 24, 27 };

static uint8_t call_msg[BENCH_MSG_CAP];
static size_t call_len;
static uint8_t reply_msg[BENCH_MSG_CAP];
static size_t reply_len;
static uint8_t arg_data[BENCH_ARG_LEN];

/* Caller-supplied buffers (svc-style): cred and verf bodies, the argument, machname, gids. */
static char cred_area[2 * MAX_AUTH_BYTES];
static uint8_t arg_buf[BENCH_ARG_MAX];
static char mach_buf[MAX_MACHINE_NAME + 1];
static gid_t gids_buf[NGRPS];

static volatile uint64_t sink;

static _Noreturn void die(const char *what) {
    fprintf(stderr, "bench_oncrpc: %s\n", what);
    abort();
}

/* digest folds what a caller would look at into one value for the sink; every variant of a
 * message feeds the same fields. */
static inline uint64_t digest(uint32_t xid, uint32_t uid, uint32_t num_gids, size_t arg_len,
                              uint8_t arg_last) {
    return (uint64_t)xid + uid + num_gids + arg_len + arg_last;
}

/* ---- message construction (virtwire's encoder) ---- */

static void build_messages(void) {
    struct vw_rpc_msg m;
    struct vw_xdr_enc e;
    uint8_t arg_xdr[BENCH_ARG_LEN + 4];
    uint8_t res_xdr[4];

    for (size_t i = 0; i < sizeof(arg_data); i++) {
        arg_data[i] = (uint8_t)(i * 7u + 1u);
    }
    vw_xdr_enc_init(&e, arg_xdr, sizeof(arg_xdr));
    if (vw_xdr_put_opaque(&e, (struct vw_span){ .p = arg_data, .len = sizeof(arg_data) },
                          BENCH_ARG_MAX) < 0 ||
        e.len != sizeof(arg_xdr)) {
        die("encoding the argument failed");
    }

    memset(&m, 0, sizeof(m));
    m.xid = BENCH_XID;
    m.mtype = VW_RPC_CALL;
    m.call.rpcvers = VW_RPC_VERSION;
    m.call.prog = BENCH_PROG;
    m.call.vers = BENCH_VERS;
    m.call.proc = BENCH_PROC;
    m.call.cred.flavor = VW_RPC_AUTH_SYS;
    m.call.cred.has_sys = true;
    m.call.cred.sys.stamp = BENCH_STAMP;
    m.call.cred.sys.machinename =
        (struct vw_span){ .p = (const uint8_t *)BENCH_MACHINE, .len = strlen(BENCH_MACHINE) };
    m.call.cred.sys.uid = BENCH_UID;
    m.call.cred.sys.gid = BENCH_GID;
    m.call.cred.sys.num_gids = BENCH_NUM_GIDS;
    memcpy(m.call.cred.sys.gids, bench_gids, sizeof(bench_gids));
    m.call.verf.flavor = VW_RPC_AUTH_NONE;
    m.call.args = (struct vw_span){ .p = arg_xdr, .len = sizeof(arg_xdr) };
    vw_xdr_enc_init(&e, call_msg, sizeof(call_msg));
    if (vw_rpc_msg_encode(&e, &m) < 0) {
        die("encoding the call failed");
    }
    call_len = e.len;

    vw_xdr_enc_init(&e, res_xdr, sizeof(res_xdr));
    if (vw_xdr_put_u32(&e, BENCH_PORT) < 0) {
        die("encoding the result failed");
    }
    memset(&m, 0, sizeof(m));
    m.xid = BENCH_XID;
    m.mtype = VW_RPC_REPLY;
    m.reply.stat = VW_RPC_MSG_ACCEPTED;
    m.reply.verf.flavor = VW_RPC_AUTH_NONE;
    m.reply.accept_stat = VW_RPC_SUCCESS;
    m.reply.results = (struct vw_span){ .p = res_xdr, .len = e.len };
    vw_xdr_enc_init(&e, reply_msg, sizeof(reply_msg));
    if (vw_rpc_msg_encode(&e, &m) < 0) {
        die("encoding the reply failed");
    }
    reply_len = e.len;
}

/* ---- the decoders, one message each ---- */

/* call_ours: strict decode; |copy| adds the memcpy of the argument into arg_buf. */
static inline uint64_t call_ours(bool copy) {
    struct vw_rpc_msg m;
    struct vw_diag diag = { 0 };
    struct vw_xdr_dec d;
    struct vw_span arg = { 0 };
    uint8_t last;

    if (vw_rpc_msg_decode(&m, &diag, NULL, call_msg, call_len, 0) < 0 ||
        m.mtype != VW_RPC_CALL || !m.call.cred.has_sys) {
        die("call_ours: decode failed");
    }
    vw_xdr_dec_init(&d, m.call.args.p, m.call.args.len, 0, &diag, NULL);
    if (vw_xdr_get_opaque(&d, BENCH_ARG_MAX, &arg) < 0 || vw_xdr_expect_end(&d) < 0 ||
        arg.len == 0) {
        die("call_ours: argument decode failed");
    }
    if (copy) {
        memcpy(arg_buf, arg.p, arg.len);
        last = arg_buf[arg.len - 1];
    } else {
        last = arg.p[arg.len - 1];
    }
    return digest(m.xid, m.call.cred.sys.uid, m.call.cred.sys.num_gids, arg.len, last);
}

/* An rpcgen-generated argument type: typedef opaque bench_arg<BENCH_ARG_MAX>; */
struct bench_arg {
    u_int len;
    char *val;
};

static bool_t xdr_bench_arg(XDR *x, struct bench_arg *a) {
    return xdr_bytes(x, &a->val, &a->len, BENCH_ARG_MAX);
}

enum tirpc_style {
    TIRPC_SVC,      /* caller buffers for cred/verf/arg; machname and gids calloc'd */
    TIRPC_NOMALLOC, /* caller buffers for everything */
    TIRPC_ALLOC,    /* rpcgen-style: NULL pointers everywhere, xdr_free afterwards */
};

static inline uint64_t call_tirpc(enum tirpc_style style) {
    XDR x, cx;
    struct rpc_msg m;
    struct authunix_parms aup;
    struct bench_arg arg;
    uint64_t dg;

    xdrmem_create(&x, (char *)call_msg, (u_int)call_len, XDR_DECODE);
    if (style == TIRPC_ALLOC) {
        memset(&m, 0, sizeof(m));
        arg.val = NULL;
    } else {
        m.rm_call.cb_cred.oa_base = cred_area;
        m.rm_call.cb_verf.oa_base = cred_area + MAX_AUTH_BYTES;
        arg.val = (char *)arg_buf;
    }
    if (!xdr_callmsg(&x, &m) || m.rm_direction != CALL ||
        m.rm_call.cb_cred.oa_flavor != AUTH_SYS) {
        die("call_tirpc: xdr_callmsg failed");
    }
    xdrmem_create(&cx, m.rm_call.cb_cred.oa_base, m.rm_call.cb_cred.oa_length, XDR_DECODE);
    memset(&aup, 0, sizeof(aup));
    if (style == TIRPC_NOMALLOC) {
        aup.aup_machname = mach_buf;
        aup.aup_gids = gids_buf;
    }
    if (!xdr_authunix_parms(&cx, &aup)) {
        die("call_tirpc: xdr_authunix_parms failed");
    }
    if (!xdr_bench_arg(&x, &arg) || arg.len == 0) {
        die("call_tirpc: xdr_bytes failed");
    }
    dg = digest(m.rm_xid, aup.aup_uid, aup.aup_len, arg.len, (uint8_t)arg.val[arg.len - 1]);
    if (style != TIRPC_NOMALLOC) {
        xdr_free((xdrproc_t)xdr_authunix_parms, &aup);
    }
    if (style == TIRPC_ALLOC) {
        xdr_free((xdrproc_t)xdr_bench_arg, &arg);
        xdr_free((xdrproc_t)xdr_callmsg, &m);
    }
    return dg;
}

static inline uint64_t reply_ours(void) {
    struct vw_rpc_msg m;
    struct vw_diag diag = { 0 };
    struct vw_xdr_dec d;
    uint32_t port = 0;

    if (vw_rpc_msg_decode(&m, &diag, NULL, reply_msg, reply_len, 0) < 0 ||
        m.mtype != VW_RPC_REPLY || m.reply.stat != VW_RPC_MSG_ACCEPTED ||
        m.reply.accept_stat != VW_RPC_SUCCESS) {
        die("reply_ours: decode failed");
    }
    vw_xdr_dec_init(&d, m.reply.results.p, m.reply.results.len, 0, &diag, NULL);
    if (vw_xdr_get_u32(&d, &port) < 0 || vw_xdr_expect_end(&d) < 0) {
        die("reply_ours: result decode failed");
    }
    return digest(m.xid, port, 0, 0, 0);
}

static inline uint64_t reply_tirpc(void) {
    XDR x;
    struct rpc_msg r;
    u_int port;

    r.acpted_rply.ar_verf = _null_auth;
    r.acpted_rply.ar_results.where = (caddr_t)&port;
    r.acpted_rply.ar_results.proc = (xdrproc_t)xdr_u_int;
    xdrmem_create(&x, (char *)reply_msg, (u_int)reply_len, XDR_DECODE);
    if (!xdr_replymsg(&x, &r) || r.rm_direction != REPLY || r.rm_reply.rp_stat != MSG_ACCEPTED ||
        r.acpted_rply.ar_stat != SUCCESS) {
        die("reply_tirpc: xdr_replymsg failed");
    }
    return digest(r.rm_xid, port, 0, 0, 0);
}

/* ---- startup checks: every decoder accepts the messages and agrees on every field ---- */

static void check_messages(void) {
    uint64_t want_call = digest(BENCH_XID, BENCH_UID, BENCH_NUM_GIDS, BENCH_ARG_LEN,
                                arg_data[BENCH_ARG_LEN - 1]);
    uint64_t want_reply = digest(BENCH_XID, BENCH_PORT, 0, 0, 0);
    struct vw_rpc_msg m;
    struct vw_diag diag = { 0 };
    XDR x, cx;
    struct rpc_msg rm;
    struct authunix_parms aup;
    struct bench_arg arg = { 0, NULL };

    if (call_len != 1124 || reply_len != 28) {
        die("unexpected message sizes");
    }

    /* ours, field by field */
    if (vw_rpc_msg_decode(&m, &diag, NULL, call_msg, call_len, 0) < 0 || m.xid != BENCH_XID ||
        m.mtype != VW_RPC_CALL || m.call.rpcvers != 2 || m.call.prog != BENCH_PROG ||
        m.call.vers != BENCH_VERS || m.call.proc != BENCH_PROC ||
        m.call.cred.flavor != VW_RPC_AUTH_SYS || !m.call.cred.has_sys ||
        m.call.cred.sys.stamp != BENCH_STAMP ||
        !vw_span_eq(m.call.cred.sys.machinename,
                    (struct vw_span){ .p = (const uint8_t *)BENCH_MACHINE,
                                      .len = strlen(BENCH_MACHINE) }) ||
        m.call.cred.sys.uid != BENCH_UID || m.call.cred.sys.gid != BENCH_GID ||
        m.call.cred.sys.num_gids != BENCH_NUM_GIDS ||
        memcmp(m.call.cred.sys.gids, bench_gids, sizeof(bench_gids)) != 0 ||
        m.call.verf.flavor != VW_RPC_AUTH_NONE || m.call.verf.body.len != 0) {
        die("check: vw_rpc_msg_decode rejected or misread the call");
    }

    /* libtirpc, field by field (rpcgen-style, so nothing depends on the static buffers) */
    memset(&rm, 0, sizeof(rm));
    xdrmem_create(&x, (char *)call_msg, (u_int)call_len, XDR_DECODE);
    if (!xdr_callmsg(&x, &rm) || rm.rm_xid != BENCH_XID || rm.rm_direction != CALL ||
        rm.rm_call.cb_rpcvers != 2 || rm.rm_call.cb_prog != BENCH_PROG ||
        rm.rm_call.cb_vers != BENCH_VERS || rm.rm_call.cb_proc != BENCH_PROC ||
        rm.rm_call.cb_cred.oa_flavor != AUTH_SYS || rm.rm_call.cb_cred.oa_length != 56 ||
        rm.rm_call.cb_verf.oa_flavor != AUTH_NONE || rm.rm_call.cb_verf.oa_length != 0) {
        die("check: libtirpc xdr_callmsg rejected or misread the call");
    }
    memset(&aup, 0, sizeof(aup));
    xdrmem_create(&cx, rm.rm_call.cb_cred.oa_base, rm.rm_call.cb_cred.oa_length, XDR_DECODE);
    if (!xdr_authunix_parms(&cx, &aup) || xdr_getpos(&cx) != rm.rm_call.cb_cred.oa_length ||
        aup.aup_time != BENCH_STAMP || strcmp(aup.aup_machname, BENCH_MACHINE) != 0 ||
        aup.aup_uid != BENCH_UID || aup.aup_gid != BENCH_GID || aup.aup_len != BENCH_NUM_GIDS) {
        die("check: libtirpc xdr_authunix_parms rejected or misread the credential");
    }
    for (u_int i = 0; i < BENCH_NUM_GIDS; i++) {
        if (aup.aup_gids[i] != bench_gids[i]) {
            die("check: libtirpc misread a gid");
        }
    }
    xdr_free((xdrproc_t)xdr_authunix_parms, &aup);
    if (!xdr_bench_arg(&x, &arg) || arg.len != BENCH_ARG_LEN ||
        memcmp(arg.val, arg_data, BENCH_ARG_LEN) != 0 || xdr_getpos(&x) != call_len) {
        die("check: libtirpc xdr_bytes rejected or misread the argument");
    }
    xdr_free((xdrproc_t)xdr_bench_arg, &arg);
    xdr_free((xdrproc_t)xdr_callmsg, &rm);

    /* every benchmarked decoder, through the code that is timed */
    if (call_ours(false) != want_call || call_ours(true) != want_call ||
        memcmp(arg_buf, arg_data, BENCH_ARG_LEN) != 0) {
        die("check: call_ours disagrees");
    }
    memset(arg_buf, 0, sizeof(arg_buf));
    if (call_tirpc(TIRPC_SVC) != want_call || memcmp(arg_buf, arg_data, BENCH_ARG_LEN) != 0 ||
        call_tirpc(TIRPC_NOMALLOC) != want_call || strcmp(mach_buf, BENCH_MACHINE) != 0 ||
        memcmp(gids_buf, bench_gids, sizeof(bench_gids)) != 0 ||
        call_tirpc(TIRPC_ALLOC) != want_call) {
        die("check: call_tirpc disagrees");
    }
    if (reply_ours() != want_reply || reply_tirpc() != want_reply) {
        die("check: reply decoders disagree");
    }
}

/* ---- timing ---- */

/* One noinline loop per variant, with the decode inlined into it. */
#define BENCH_LOOP(name, expr)                            \
    static __attribute__((noinline)) void name(size_t n) { \
        uint64_t acc = 0;                                 \
        for (size_t i = 0; i < n; i++) {                  \
            acc += (expr);                                \
            sink = acc;                                   \
        }                                                 \
    }

BENCH_LOOP(loop_call_ours, call_ours(false))
BENCH_LOOP(loop_call_ours_copy, call_ours(true))
BENCH_LOOP(loop_call_tirpc, call_tirpc(TIRPC_SVC))
BENCH_LOOP(loop_call_tirpc_nomalloc, call_tirpc(TIRPC_NOMALLOC))
BENCH_LOOP(loop_call_tirpc_alloc, call_tirpc(TIRPC_ALLOC))
BENCH_LOOP(loop_reply_ours, reply_ours())
BENCH_LOOP(loop_reply_tirpc, reply_tirpc())

struct variant {
    const char *name;
    void (*loop)(size_t n);
    const size_t *msg_len;
};

static const struct variant variants[] = {
    { "call_ours", loop_call_ours, &call_len },
    { "call_ours_copy", loop_call_ours_copy, &call_len },
    { "call_tirpc", loop_call_tirpc, &call_len },
    { "call_tirpc_nomalloc", loop_call_tirpc_nomalloc, &call_len },
    { "call_tirpc_alloc", loop_call_tirpc_alloc, &call_len },
    { "reply_ours", loop_reply_ours, &reply_len },
    { "reply_tirpc", loop_reply_tirpc, &reply_len },
};
#define NUM_VARIANTS (sizeof(variants) / sizeof(variants[0]))

static double now_ns(void) {
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        die("clock_gettime failed");
    }
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_variant(const struct variant *v, size_t iterations, size_t reps) {
    double ns[BENCH_REPS_MAX];
    size_t warmup = iterations / 100;
    double median;

    v->loop(warmup);
    for (size_t r = 0; r < reps; r++) {
        double t0 = now_ns();
        v->loop(iterations);
        ns[r] = (now_ns() - t0) / (double)iterations;
    }
    qsort(ns, reps, sizeof(ns[0]), cmp_double);
    median = reps % 2 != 0 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2.0;
    printf("%s bytes=%zu iterations=%zu reps=%zu warmup=%zu decodes=%zu best_ns=%.2f "
           "median_ns=%.2f\n",
           v->name, *v->msg_len, iterations, reps, warmup, warmup + iterations * reps, ns[0],
           median);
    fflush(stdout);
}

static size_t parse_count(const char *s, size_t max, const char *what) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);

    if (*s == '\0' || *end != '\0' || *s == '-' || v == 0 || v > max) {
        fprintf(stderr, "bench_oncrpc: bad %s '%s' (1..%zu)\n", what, s, max);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv) {
    size_t iterations, reps;
    bool all, found = false;

    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; i < NUM_VARIANTS; i++) {
            printf("%s\n", variants[i].name);
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "info") == 0) {
#if defined(__clang__)
        printf("compiler=clang %s\n", __clang_version__);
#elif defined(__GNUC__)
        printf("compiler=gcc %s\n", __VERSION__);
#else
        printf("compiler=unknown\n");
#endif
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: bench_oncrpc VARIANT|all ITERATIONS REPS\n"
                        "       bench_oncrpc list|info\n");
        return 2;
    }
    iterations = parse_count(argv[2], SIZE_MAX / BENCH_REPS_MAX, "ITERATIONS");
    reps = parse_count(argv[3], BENCH_REPS_MAX, "REPS");
    all = strcmp(argv[1], "all") == 0;

    build_messages();
    check_messages();
    for (size_t i = 0; i < NUM_VARIANTS; i++) {
        if (all || strcmp(argv[1], variants[i].name) == 0) {
            run_variant(&variants[i], iterations, reps);
            found = true;
        }
    }
    if (!found) {
        fprintf(stderr, "bench_oncrpc: unknown variant '%s' (try 'list')\n", argv[1]);
        return 2;
    }
    return 0;
}
