/* Target functions: vw_rpc_msg_decode, vw_rpc_authsys_decode (through it) and vw_pmap_decode,
 * strict and lenient, against the libtirpc oracle in harness/oracle/ (vw_oracle_msg_decode,
 * vw_oracle_body_decode: rpcgen filters of reference/protocols/oncrpc.x over xdrmem).
 *
 * The input is one record (record marking removed), at most VW_ORACLE_INPUT_MAX bytes; longer
 * inputs are skipped (run libFuzzer with -max_len=65536 or less).  A CALL to program 100000
 * has its arguments decoded for its own (vers, proc); an accepted SUCCESS reply has its results
 * decoded as every procedure 0..12 of version 2 + data[0] % 3 (the convention of the other
 * ONC RPC targets and of harness/mkseeds.c).
 *
 * Properties; a violation prints the input and every view, then abort()s:
 *   (a) lenient reference/ and the oracle accept the same messages and bodies, and when both
 *       accept they agree on every field (vw_oracle_msg_diff, vw_oracle_body_diff);
 *   (b) when strict reference/ rejects what the oracle accepts, the strict code is one of the
 *       classes where libtirpc is lax (protocols §5.5) or a strict-only rule of
 *       reference/oncrpc.c, and the input itself shows it at the strict diag offset; each class
 *       is counted (VW_DIFF_STATS=1 prints the table at exit);
 *   (c) strict acceptance implies oracle acceptance, the same fields, and nothing the oracle
 *       left unread (no trailing bytes after a reply without results, a body, or AUTH_SYS). */
#include "fuzz.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "oncrpc.h"
#include "oracle_oncrpc.h"
#include "pmap.h"

enum { LVL_MSG, LVL_BODY, LVL_NUM };

static const char *const level_name[LVL_NUM] = { "message", "body" };

/* Outcome counters, per level: both accept, both reject, and strict-only rejections by code. */
static unsigned long num_both_accept[LVL_NUM];
static unsigned long num_both_reject[LVL_NUM];
static unsigned long num_lax[LVL_NUM][1 - VW_E_MIN_CODE];

struct ctx {
    const uint8_t *data;
    size_t size;
    int rs, rl;                  /* strict, lenient vw_rpc_msg_decode */
    struct vw_diag ds, dl, lax;
    struct vw_rpc_msg ms, ml;
    struct vw_oracle_msg om;
};

/* One body decoded three ways, for the report. */
struct body_views {
    uint32_t vers, proc;
    bool is_reply;
    int rs, rl;
    struct vw_diag ds, dl;
    struct vw_pmap_body bs, bl;
    struct vw_oracle_body ob;
};

static void print_stats(void) {
    fprintf(stderr, "oncrpc_differential: level    both-accept both-reject  strict-only rejects\n");
    for (int l = 0; l < LVL_NUM; l++) {
        fprintf(stderr, "oncrpc_differential: %-8s %11lu %11lu ", level_name[l],
                num_both_accept[l], num_both_reject[l]);
        for (int i = 1; i < 1 - VW_E_MIN_CODE; i++) {
            if (num_lax[l][i] != 0) {
                fprintf(stderr, " %s=%lu", vw_err_name(-i), num_lax[l][i]);
            }
        }
        fputc('\n', stderr);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    if (getenv("VW_DIFF_STATS") != NULL) {
        atexit(print_stats);
    }
    return 0;
}

static void print_rc(const char *who, int r, const struct vw_diag *d) {
    fprintf(stderr, "  %-8s %s", who, r == 0 ? "accept" : r > 0 ? "not run" : vw_err_name(r));
    if (r < 0 && d != NULL) {
        fprintf(stderr, " at %zu (%s)", d->offset, d->field != NULL ? d->field : "-");
    }
    fputc('\n', stderr);
}

/* fail prints the input and the three views of the message (and of a body), then aborts. */
static _Noreturn void fail(const struct ctx *c, const struct body_views *bv, const char *what,
                           const char *detail) {
    fprintf(stderr, "oncrpc_differential: %s%s%s\n", what, detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
    fprintf(stderr, "  input (%zu bytes): ", c->size);
    vw_dump_hex(stderr, (struct vw_span){ .p = c->data, .len = c->size }, 512);
    fputc('\n', stderr);
    print_rc("strict", c->rs, &c->ds);
    print_rc("lenient", c->rl, &c->dl);
    if (c->lax.code != 0) {
        fprintf(stderr, "  lenient noted %s at %zu\n", vw_err_name(c->lax.code), c->lax.offset);
    }
    fprintf(stderr, "  oracle   %s%s pos %zu sys_pos %zu\n", c->om.ok ? "accept" : "reject ",
            c->om.ok || c->om.failed == NULL ? "" : c->om.failed, c->om.pos, c->om.sys_pos);
    if (c->rs == 0) {
        fprintf(stderr, " strict view:\n");
        vw_dump_rpc_fields(stderr, &c->ms, "    ");
    }
    if (c->rl == 0) {
        fprintf(stderr, " lenient view:\n");
        vw_dump_rpc_fields(stderr, &c->ml, "    ");
    }
    if (c->om.ok) {
        fprintf(stderr, " oracle view:\n");
        vw_dump_rpc_fields(stderr, &c->om.msg, "    ");
    }
    if (bv != NULL) {
        fprintf(stderr, " body: vers %" PRIu32 " proc %" PRIu32 " (%s) as %s\n", bv->vers,
                bv->proc, vw_pmap_proc_name(bv->vers, bv->proc),
                bv->is_reply ? "results" : "arguments");
        print_rc("strict", bv->rs, &bv->ds);
        print_rc("lenient", bv->rl, &bv->dl);
        if (bv->rs == 0) {
            fprintf(stderr, " strict body:\n");
            vw_dump_pmap_fields(stderr, &bv->bs, "    ");
        }
        if (bv->rl == 0) {
            fprintf(stderr, " lenient body:\n");
            vw_dump_pmap_fields(stderr, &bv->bl, "    ");
        }
        fprintf(stderr, " oracle body:\n");
        vw_oracle_body_dump(stderr, &bv->ob, "    ");
    }
    abort();
}

static size_t pad4(size_t n) {
    return (n + 3) & ~(size_t)3;
}

static bool word_at(const struct ctx *c, size_t off, uint32_t *out) {
    if (off > c->size || c->size - off < 4) {
        return false;
    }
    *out = (uint32_t)c->data[off] << 24 | (uint32_t)c->data[off + 1] << 16 |
           (uint32_t)c->data[off + 2] << 8 | (uint32_t)c->data[off + 3];
    return true;
}

/* lax_item_ok checks the classes that look the same in a message and in a body against the
 * input byte(s) at |off|; returns -1 for other codes. */
static int lax_item_ok(const struct ctx *c, int code, size_t off) {
    uint32_t v;

    switch (code) {
    case VW_E_PADDING:
        /* §5.5: libtirpc reads padding into a scratch buffer and never checks it */
        return off < c->size && c->data[off] != 0;
    case VW_E_STRING_NUL:
        /* §5.5: libtirpc accepts an embedded NUL and truncates the C string there; the
         * field comparison (vw_oracle_*_diff) compares up to the NUL for that reason */
        return off < c->size && c->data[off] == 0;
    case VW_E_BOOL:
        /* §5.5: xdr_bool (and xdr_pointer's discriminant) takes any non-zero value as TRUE */
        return word_at(c, off, &v) && v > 1;
    default:
        return -1;
    }
}

/* msg_lax_ok says whether a strict-only rejection of the message is one of the known classes,
 * at the offset where that class must show. */
static bool msg_lax_ok(const struct ctx *c) {
    const struct vw_rpc_msg *o = &c->om.msg;
    size_t off = c->ds.offset;
    uint32_t v;
    int r;

    if ((r = lax_item_ok(c, c->rs, off)) >= 0) {
        return r == 1;
    }
    switch (c->rs) {
    case VW_E_ENUM:
        /* §5.5: xdr_enum has no range check.  accept_stat: the .x arm is `default: void`, as
         * in RFC 5531, so an unassigned value decodes like PROG_UNAVAIL; auth_stat is stored. */
        if (!word_at(c, off, &v) || o->mtype != VW_RPC_REPLY) {
            return false;
        }
        if (o->reply.stat == VW_RPC_MSG_ACCEPTED) {
            return off == 20 + pad4(o->reply.verf.body.len) && v == o->reply.accept_stat &&
                   v > VW_RPC_SYSTEM_ERR;
        }
        return o->reply.reject_stat == VW_RPC_AUTH_ERROR && off == 16 && v == o->reply.auth_stat &&
               v > VW_RPC_RPCSEC_GSS_CTXPROBLEM;
    case VW_E_TRAILING:
        /* §5.5: xdrmem does not require the buffer to be consumed (reply without results) */
        return off == c->om.pos && c->om.pos < c->size;
    case VW_E_RPC_VERSION:
        /* strict-only rule (oncrpc.c): rpcvers is a plain unsigned int in the oracle's .x, as
         * the rpcgen view of RFC 5531; libtirpc's hand-written xdr_callmsg would refuse it */
        return o->mtype == VW_RPC_CALL && off == 8 && o->call.rpcvers != VW_RPC_VERSION;
    case VW_E_AUTH_NONE_BODY:
        /* strict-only rule (oncrpc.c, RFC 5531 §10.1 "recommended ... zero"): the oracle keeps
         * any AUTH_NONE body of up to 400 bytes.  |off| is the body's length word. */
        if (o->mtype == VW_RPC_CALL) {
            size_t verf_at = 36 + pad4(o->call.cred.body.len);
            return (off == 28 && o->call.cred.flavor == VW_RPC_AUTH_NONE &&
                    o->call.cred.body.len > 0) ||
                   (off == verf_at && o->call.verf.flavor == VW_RPC_AUTH_NONE &&
                    o->call.verf.body.len > 0);
        }
        return o->reply.stat == VW_RPC_MSG_ACCEPTED && off == 16 &&
               o->reply.verf.flavor == VW_RPC_AUTH_NONE && o->reply.verf.body.len > 0;
    case VW_E_AUTH_SYS_FILL:
        /* strict-only rule (oncrpc.c): bytes after the AUTH_SYS parameters inside the
         * credential body.  libtirpc's server ignores them (it only rejects parameters that
         * overrun the body), so does the oracle.  Parameters that overrun the body give
         * VW_E_AUTH_SYS_FILL in both modes and fail the oracle too: never this branch. */
        return o->mtype == VW_RPC_CALL && o->call.cred.has_sys &&
               c->om.sys_pos < o->call.cred.body.len && off == 32 + c->om.sys_pos;
    default:
        return false;
    }
}

/* body_lax_ok is msg_lax_ok for a body: padding, NUL, bool, or trailing bytes. */
static bool body_lax_ok(const struct ctx *c, const struct body_views *bv, struct vw_span body) {
    size_t base = (size_t)(body.p - c->data);
    int r;

    if ((r = lax_item_ok(c, bv->rs, bv->ds.offset)) >= 0) {
        return r == 1;
    }
    if (bv->rs == VW_E_TRAILING) {
        /* §5.5: trailing bytes after a body are not detected by xdrmem */
        return bv->ob.pos < body.len && bv->ds.offset == base + bv->ob.pos;
    }
    return false;
}

static bool has_rest(const struct vw_rpc_msg *m) {
    return m->mtype == VW_RPC_CALL ||
           (m->reply.stat == VW_RPC_MSG_ACCEPTED && m->reply.accept_stat == VW_RPC_SUCCESS);
}

static void check_msg(struct ctx *c) {
    const char *d;

    if ((c->rl == 0) != c->om.ok) {
        fail(c, NULL, "(a) lenient and oracle disagree on acceptance", NULL);
    }
    if (c->rl == 0 && (d = vw_oracle_msg_diff(&c->om, &c->ml)) != NULL) {
        fail(c, NULL, "(a) lenient and oracle differ in", d);
    }
    if (c->rs == 0) {
        if (c->rl != 0 || (d = vw_oracle_msg_diff(&c->om, &c->ms)) != NULL) {
            fail(c, NULL, "(c) strict and oracle differ in", c->rl != 0 ? "acceptance" : d);
        }
        if (!has_rest(&c->ms) && c->om.pos != c->size) {
            fail(c, NULL, "(c) strict accepted bytes the oracle left unread", NULL);
        }
        if (c->ms.mtype == VW_RPC_CALL && c->ms.call.cred.has_sys &&
            c->om.sys_pos != c->ms.call.cred.body.len) {
            fail(c, NULL, "(c) strict accepted AUTH_SYS bytes the oracle left unread", NULL);
        }
        num_both_accept[LVL_MSG]++;
    } else if (c->om.ok) {
        if (!msg_lax_ok(c)) {
            fail(c, NULL, "(b) strict rejects outside libtirpc's lax classes",
                 vw_err_name(c->rs));
        }
        num_lax[LVL_MSG][-c->rs]++;
    } else {
        num_both_reject[LVL_MSG]++;
    }
}

static void check_body(struct ctx *c, uint32_t vers, uint32_t proc, bool is_reply) {
    struct vw_span lspan = is_reply ? c->ml.reply.results : c->ml.call.args;
    struct vw_span ospan = is_reply ? c->om.msg.reply.results : c->om.msg.call.args;
    struct body_views bv;
    const char *d;
    int ro;

    memset(&bv, 0, sizeof(bv));
    bv.vers = vers;
    bv.proc = proc;
    bv.is_reply = is_reply;
    bv.rs = 1;  /* not run */
    bv.rl = vw_pmap_decode(&bv.bl, &bv.dl, NULL, c->data, lspan, vers, proc, is_reply,
                           VW_DEC_LENIENT);
    ro = vw_oracle_body_decode(&bv.ob, ospan, vers, proc, is_reply);
    if ((ro == VW_E_UNKNOWN_PROC) != (bv.rl == VW_E_UNKNOWN_PROC)) {
        fail(c, &bv, "(a) procedure tables differ", ro == 0 ? "oracle knows it" : "ours knows it");
    }
    if (ro == VW_E_UNKNOWN_PROC) {
        return;
    }
    if (ro < 0) {
        fail(c, &bv, "oracle failed", vw_err_name(ro));
    }
    if ((bv.rl == 0) != bv.ob.ok) {
        fail(c, &bv, "(a) lenient and oracle disagree on accepting the body", NULL);
    }
    if (bv.rl == 0 && (d = vw_oracle_body_diff(&bv.ob, &bv.bl)) != NULL) {
        fail(c, &bv, "(a) lenient and oracle body differ in", d);
    }
    if (c->rs == 0) {
        struct vw_span sspan = is_reply ? c->ms.reply.results : c->ms.call.args;
        bv.rs = vw_pmap_decode(&bv.bs, &bv.ds, NULL, c->data, sspan, vers, proc, is_reply, 0);
        if (bv.rs == 0) {
            if (!bv.ob.ok || (d = vw_oracle_body_diff(&bv.ob, &bv.bs)) != NULL) {
                fail(c, &bv, "(c) strict and oracle body differ in", bv.ob.ok ? d : "acceptance");
            }
            if (bv.ob.pos != sspan.len) {
                fail(c, &bv, "(c) strict accepted body bytes the oracle left unread", NULL);
            }
            num_both_accept[LVL_BODY]++;
        } else if (bv.ob.ok) {
            if (bv.rs > 0 || bv.rs < VW_E_MIN_CODE || !body_lax_ok(c, &bv, sspan)) {
                fail(c, &bv, "(b) strict rejects the body outside libtirpc's lax classes",
                     vw_err_name(bv.rs));
            }
            num_lax[LVL_BODY][-bv.rs]++;
        } else {
            num_both_reject[LVL_BODY]++;
        }
    }
    vw_oracle_body_cleanup(&bv.ob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct ctx c;
    int r;

    if (size > VW_ORACLE_INPUT_MAX) {
        return 0;
    }
    memset(&c, 0, sizeof(c));
    c.data = data;
    c.size = size;
    c.rs = vw_rpc_msg_decode(&c.ms, &c.ds, NULL, data, size, 0);
    c.rl = vw_rpc_msg_decode(&c.ml, &c.dl, &c.lax, data, size, VW_DEC_LENIENT);
    if ((r = vw_oracle_msg_decode(&c.om, data, size)) < 0) {
        fail(&c, NULL, "oracle failed", vw_err_name(r));
    }
    if (c.rs > 0 || c.rs < VW_E_MIN_CODE) {
        fail(&c, NULL, "strict returned a code outside enum vw_err", NULL);
    }
    check_msg(&c);
    if (c.rl == 0 && c.om.ok) {
        if (c.ml.mtype == VW_RPC_CALL && c.ml.call.prog == VW_PMAP_PROG) {
            check_body(&c, c.ml.call.vers, c.ml.call.proc, false);
        } else if (c.ml.mtype == VW_RPC_REPLY && has_rest(&c.ml)) {
            uint32_t vers = 2 + data[0] % 3;
            for (uint32_t proc = VW_PMAP_NULL; proc <= VW_PMAP_GETSTAT; proc++) {
                check_body(&c, vers, proc, true);
            }
        }
    }
    vw_oracle_msg_cleanup(&c.om);
    return 0;
}
