/* Target functions: vw_rpc_msg_decode, vw_rpc_authsys_decode, vw_pmap_decode, vw_pmap_list_*,
 * and the dumps in harness/dump_oncrpc.c.
 *
 * The input is one record (record marking removed).  Properties, each an abort():
 *   - strict success implies lenient success with the same decoded message;
 *   - a failure reports its own code in the diag, at an offset inside the input;
 *   - a failure leaves the output untouched (failure atomicity).
 * Portmap/rpcbind bodies are decoded as the arguments of the call, or as the results of every
 * procedure of the version in the first byte of the input when it is a reply. */
#include "fuzz.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "oncrpc.h"
#include "pmap.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    sink = fopen("/dev/null", "w");
    return 0;
}

static void check_body(const uint8_t *data, size_t size, struct vw_span span, uint32_t vers,
                       uint32_t proc, bool is_reply) {
    struct vw_pmap_body strict, lenient, guard;
    struct vw_diag sdiag = { 0 }, ldiag = { 0 };
    int rs, rl;

    memset(&guard, 0xa5, sizeof(guard));
    strict = guard;
    lenient = guard;  /* padding bytes are never written: start both alike */
    rs = vw_pmap_decode(&strict, &sdiag, NULL, data, span, vers, proc, is_reply, 0);
    rl = vw_pmap_decode(&lenient, &ldiag, NULL, data, span, vers, proc, is_reply,
                        VW_DEC_LENIENT);
    if (rs < 0) {
        CHECK(memcmp(&strict, &guard, sizeof(guard)) == 0);
        CHECK(rs == VW_E_UNKNOWN_PROC || (sdiag.code == rs && sdiag.offset <= size));
        return;
    }
    CHECK(rl == 0 && lenient.kind == strict.kind);
    vw_dump_pmap_fields(sink, &strict, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_diag sdiag = { 0 }, ldiag = { 0 }, lax = { 0 };
    struct vw_rpc_msg strict, lenient, guard;
    int rs, rl;

    if (sink == NULL) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    memset(&guard, 0x5a, sizeof(guard));
    strict = guard;
    lenient = guard;  /* padding bytes are never written: start both alike */
    rs = vw_rpc_msg_decode(&strict, &sdiag, NULL, data, size, 0);
    rl = vw_rpc_msg_decode(&lenient, &ldiag, &lax, data, size, VW_DEC_LENIENT);
    if (rs < 0) {
        CHECK(memcmp(&strict, &guard, sizeof(guard)) == 0);
        CHECK(sdiag.code == rs && sdiag.offset <= size);
        if (rl < 0) {
            CHECK(ldiag.code == rl && ldiag.offset <= size);
        }
        return 0;
    }
    CHECK(rl == 0);
    CHECK(lax.code == 0);
    CHECK(lenient.xid == strict.xid && lenient.mtype == strict.mtype);
    if (strict.mtype == VW_RPC_CALL) {
        CHECK(memcmp(&lenient.call, &strict.call, sizeof(strict.call)) == 0);
    } else {
        CHECK(memcmp(&lenient.reply, &strict.reply, sizeof(strict.reply)) == 0);
    }
    vw_dump_rpc_line(sink, &strict);
    vw_dump_rpc_fields(sink, &strict, "");
    if (strict.mtype == VW_RPC_CALL && strict.call.prog == VW_PMAP_PROG) {
        check_body(data, size, strict.call.args, strict.call.vers, strict.call.proc, false);
    } else if (strict.mtype == VW_RPC_REPLY && strict.reply.stat == VW_RPC_MSG_ACCEPTED &&
               strict.reply.accept_stat == VW_RPC_SUCCESS && strict.reply.results.len > 0) {
        /* A reply does not name its procedure: try the version the first byte picks. */
        uint32_t vers = 2 + data[0] % 3;
        for (uint32_t proc = 0; proc <= VW_PMAP_GETSTAT; proc++) {
            check_body(data, size, strict.reply.results, vers, proc, true);
        }
    }
    return 0;
}
