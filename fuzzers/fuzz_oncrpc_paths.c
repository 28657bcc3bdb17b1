/* Target function: vw_rpc_msg_decode against vw_rpc_msg_decode_general (the shortcut for the
 * common canonical CALL and REPLY, reference/oncrpc.c).
 *
 * The shortcut must be invisible.  Properties, each an abort(), strict and lenient:
 *   - both give the same result, diag (code, offset, field) and lenient note;
 *   - on success both write the same message: every field of the arm in use, views compared
 *     by address, and the rest of the arm zero in both (the header's promise);
 *   - on failure neither touches the output. */
#include "fuzz.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "oncrpc.h"

static bool same_diag(const struct vw_diag *a, const struct vw_diag *b) {
    return a->code == b->code && a->offset == b->offset && a->field == b->field;
}

static bool same_span(struct vw_span a, struct vw_span b) {
    return a.p == b.p && a.len == b.len;
}

static bool same_call(const struct vw_rpc_call *a, const struct vw_rpc_call *b) {
    const struct vw_rpc_authsys *x = &a->cred.sys, *y = &b->cred.sys;

    return a->rpcvers == b->rpcvers && a->prog == b->prog && a->vers == b->vers &&
           a->proc == b->proc && a->cred.flavor == b->cred.flavor &&
           same_span(a->cred.body, b->cred.body) && a->cred.has_sys == b->cred.has_sys &&
           x->stamp == y->stamp && same_span(x->machinename, y->machinename) &&
           x->uid == y->uid && x->gid == y->gid && x->num_gids == y->num_gids &&
           memcmp(x->gids, y->gids, sizeof(x->gids)) == 0 && a->verf.flavor == b->verf.flavor &&
           same_span(a->verf.body, b->verf.body) && same_span(a->args, b->args);
}

static bool same_reply(const struct vw_rpc_reply *a, const struct vw_rpc_reply *b) {
    return a->stat == b->stat && a->verf.flavor == b->verf.flavor &&
           same_span(a->verf.body, b->verf.body) && a->accept_stat == b->accept_stat &&
           same_span(a->results, b->results) && a->mismatch.low == b->mismatch.low &&
           a->mismatch.high == b->mismatch.high && a->reject_stat == b->reject_stat &&
           a->auth_stat == b->auth_stat;
}

static void compare(const uint8_t *data, size_t size, unsigned flags) {
    struct vw_diag d1 = { 0 }, d2 = { 0 }, l1 = { 0 }, l2 = { 0 };
    struct vw_rpc_msg m1, m2, untouched;
    int r1, r2;

    memset(&m1, 0x5a, sizeof(m1));
    memset(&m2, 0x5a, sizeof(m2));
    memset(&untouched, 0x5a, sizeof(untouched));
    r1 = vw_rpc_msg_decode(&m1, &d1, &l1, data, size, flags);
    r2 = vw_rpc_msg_decode_general(&m2, &d2, &l2, data, size, flags);
    CHECK(r1 == r2);
    CHECK(same_diag(&d1, &d2) && same_diag(&l1, &l2));
    if (r1 < 0) {
        CHECK(memcmp(&m1, &untouched, sizeof(m1)) == 0);
        CHECK(memcmp(&m2, &untouched, sizeof(m2)) == 0);
        return;
    }
    CHECK(m1.xid == m2.xid && m1.mtype == m2.mtype);
    if (m1.mtype == VW_RPC_CALL) {
        CHECK(same_call(&m1.call, &m2.call));
        /* gids past num_gids are zero (oncrpc.h), in both */
        for (uint32_t i = m1.call.cred.sys.num_gids; i < VW_RPC_GIDS_MAX; i++) {
            CHECK(m1.call.cred.sys.gids[i] == 0);
        }
    } else {
        CHECK(same_reply(&m1.reply, &m2.reply));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    compare(data, size, 0);
    compare(data, size, VW_DEC_LENIENT);
    return 0;
}
