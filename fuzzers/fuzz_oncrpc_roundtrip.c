/* Target functions: vw_rpc_msg_decode / vw_rpc_msg_encode, vw_pmap_decode / vw_pmap_encode.
 *
 * Property (BoringSSL spki.cc style): a message that decodes in strict mode is canonical, so
 * encoding the decoded message gives back exactly the input bytes; the same holds for a
 * portmap/rpcbind body.  A lenient decode of anything re-encodes to a message that decodes
 * strictly (encoders only write canonical forms). */
#include "fuzz.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oncrpc.h"
#include "pmap.h"

static void roundtrip_body(const uint8_t *data, struct vw_span span, uint32_t vers,
                           uint32_t proc, bool is_reply) {
    struct vw_pmap_body b;
    struct vw_xdr_enc e;
    uint8_t *out;

    if (vw_pmap_decode(&b, NULL, NULL, data, span, vers, proc, is_reply, 0) < 0) {
        return;
    }
    out = malloc(span.len + 1);
    CHECK(out != NULL);
    vw_xdr_enc_init(&e, out, span.len);
    CHECK(vw_pmap_encode(&e, &b) == 0);
    CHECK(e.len == span.len && (span.len == 0 || memcmp(out, span.p, span.len) == 0));
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_rpc_msg m, again;
    struct vw_xdr_enc e;
    uint8_t *out;

    if (vw_rpc_msg_decode(&m, NULL, NULL, data, size, 0) == 0) {
        out = malloc(size + 1);
        CHECK(out != NULL);
        vw_xdr_enc_init(&e, out, size);
        CHECK(vw_rpc_msg_encode(&e, &m) == 0);
        CHECK(e.len == size && (size == 0 || memcmp(out, data, size) == 0));
        /* one byte less of room must fail without writing past it */
        vw_xdr_enc_init(&e, out, size > 0 ? size - 1 : 0);
        CHECK(vw_rpc_msg_encode(&e, &m) == VW_E_NOSPACE && e.len == 0);
        free(out);
        if (m.mtype == VW_RPC_CALL && m.call.prog == VW_PMAP_PROG) {
            roundtrip_body(data, m.call.args, m.call.vers, m.call.proc, false);
        } else if (m.mtype == VW_RPC_REPLY && m.reply.results.len > 0) {
            for (uint32_t proc = 0; proc <= VW_PMAP_GETSTAT; proc++) {
                roundtrip_body(data, m.reply.results, 2 + data[0] % 3, proc, true);
            }
        }
        return 0;
    }
    if (vw_rpc_msg_decode(&m, NULL, NULL, data, size, VW_DEC_LENIENT) == 0) {
        size_t cap = size + 64;  /* canonical forms are never longer, but AUTH_SYS may shrink */
        out = malloc(cap);
        CHECK(out != NULL);
        vw_xdr_enc_init(&e, out, cap);
        if (m.mtype == VW_RPC_CALL) {
            m.call.rpcvers = VW_RPC_VERSION;  /* lenient keeps a wrong version; strict does not */
            if (m.call.cred.flavor == VW_RPC_AUTH_NONE) {
                m.call.cred.body.len = 0;
            }
            if (m.call.verf.flavor == VW_RPC_AUTH_NONE) {
                m.call.verf.body.len = 0;
            }
        } else if (m.reply.stat == VW_RPC_MSG_ACCEPTED) {
            if (m.reply.verf.flavor == VW_RPC_AUTH_NONE) {
                m.reply.verf.body.len = 0;
            }
            if (m.reply.accept_stat > VW_RPC_SYSTEM_ERR) {
                m.reply.accept_stat = VW_RPC_SYSTEM_ERR;
            }
        } else if (m.reply.reject_stat == VW_RPC_AUTH_ERROR &&
                   m.reply.auth_stat > VW_RPC_RPCSEC_GSS_CTXPROBLEM) {
            m.reply.auth_stat = VW_RPC_AUTH_FAILED;
        }
        if (vw_rpc_msg_encode(&e, &m) == 0) {
            /* every header field is canonical now; a NUL inside the AUTH_SYS machinename
             * is data, kept as it came */
            int r = vw_rpc_msg_decode(&again, NULL, NULL, out, e.len, 0);
            CHECK(r == 0 || r == VW_E_STRING_NUL);
        }
        free(out);
    }
    return 0;
}
