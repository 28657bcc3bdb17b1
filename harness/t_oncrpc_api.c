/* t_oncrpc_api.c -- ONC RPC codec rules no byte input reaches (reference/oncrpc.c): the
 * AUTH_SYS decoder called on its own, and the encoders' refusals: every message kind into one
 * byte too little room (VW_E_NOSPACE, nothing written), an AUTH_SYS credential over the 400
 * bytes of opaque_auth or with more than 16 gids (VW_E_TOO_LONG, RFC 5531 §8.2 / App. A),
 * and a message type or status with no arm (VW_E_INVALID).
 *
 * usage: t_oncrpc_api   (exit 0 when every check holds; each failure is printed) */
#include <stdio.h>
#include <string.h>

#include "oncrpc.h"
#include "xdr.h"

static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "t_oncrpc_api:%d: check failed: %s\n", __LINE__, #cond); \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static const uint8_t name[] = "host";

static struct vw_rpc_msg call_sys(void) {
    struct vw_rpc_msg m = { .xid = 7, .mtype = VW_RPC_CALL };

    m.call.rpcvers = VW_RPC_VERSION;
    m.call.prog = 100000;
    m.call.vers = 2;
    m.call.proc = 3;
    m.call.cred.flavor = VW_RPC_AUTH_SYS;
    m.call.cred.has_sys = true;
    m.call.cred.sys.stamp = 1;
    m.call.cred.sys.machinename = (struct vw_span){ .p = name, .len = 4 };
    m.call.cred.sys.num_gids = 2;
    m.call.cred.sys.gids[0] = 10;
    m.call.cred.sys.gids[1] = 20;
    return m;
}

/* encodes |m| with exactly enough room, then with each smaller room: VW_E_NOSPACE and nothing
 * written; returns the full length. */
static size_t check_room(const struct vw_rpc_msg *m) {
    uint8_t buf[1024];
    struct vw_xdr_enc e;
    size_t full;

    vw_xdr_enc_init(&e, buf, sizeof(buf));
    CHECK(vw_rpc_msg_encode(&e, m) == 0);
    full = e.len;
    for (size_t room = 0; room < full; room++) {
        vw_xdr_enc_init(&e, buf, room);
        CHECK(vw_rpc_msg_encode(&e, m) == VW_E_NOSPACE && e.len == 0);
    }
    return full;
}

static void check_encoders(void) {
    struct vw_rpc_msg m = call_sys();
    uint8_t buf[1024];
    struct vw_xdr_enc e;
    struct vw_rpc_msg back;
    struct vw_diag diag = { 0 };
    size_t n;

    n = check_room(&m);
    vw_xdr_enc_init(&e, buf, sizeof(buf));
    CHECK(vw_rpc_msg_encode(&e, &m) == 0 && e.len == n);
    CHECK(vw_rpc_msg_decode(&back, &diag, NULL, buf, n, 0) == 0 && back.call.cred.has_sys &&
          back.call.cred.sys.gids[1] == 20);

    /* gids<16> (RFC 5531 App. A) */
    m.call.cred.sys.num_gids = VW_RPC_GIDS_MAX + 1;
    vw_xdr_enc_init(&e, buf, sizeof(buf));
    CHECK(vw_rpc_msg_encode(&e, &m) == VW_E_TOO_LONG && e.len == 0);
    /* opaque_auth body<400> (§8.2): a 255-byte name and 16 gids make 344 bytes: fits; a body
     * cannot exceed 400 with a legal name, so the machinename maximum is what refuses */
    m = call_sys();
    {
        static uint8_t longname[256];
        memset(longname, 'x', sizeof(longname));
        m.call.cred.sys.machinename = (struct vw_span){ .p = longname, .len = 256 };
        vw_xdr_enc_init(&e, buf, sizeof(buf));
        CHECK(vw_rpc_msg_encode(&e, &m) == VW_E_TOO_LONG && e.len == 0);
    }

    /* replies: PROG_MISMATCH, RPC_MISMATCH, AUTH_ERROR, each into every smaller room */
    m = (struct vw_rpc_msg){ .xid = 9, .mtype = VW_RPC_REPLY };
    m.reply.stat = VW_RPC_MSG_ACCEPTED;
    m.reply.accept_stat = VW_RPC_PROG_MISMATCH;
    m.reply.mismatch.low = 2;
    m.reply.mismatch.high = 4;
    CHECK(check_room(&m) == 32);
    m.reply.stat = VW_RPC_MSG_DENIED;
    m.reply.reject_stat = VW_RPC_RPC_MISMATCH;
    CHECK(check_room(&m) == 24);
    m.reply.reject_stat = VW_RPC_AUTH_ERROR;
    m.reply.auth_stat = VW_RPC_AUTH_BADCRED;
    CHECK(check_room(&m) == 20);
    /* no arm: reject_stat 7, reply_stat 5, msg_type 3 */
    m.reply.reject_stat = 7;
    vw_xdr_enc_init(&e, buf, sizeof(buf));
    CHECK(vw_rpc_msg_encode(&e, &m) == VW_E_INVALID && e.len == 0);
    m.reply.stat = 5;
    CHECK(vw_rpc_msg_encode(&e, &m) == VW_E_INVALID && e.len == 0);
    m.mtype = 3;
    CHECK(vw_rpc_msg_encode(&e, &m) == VW_E_INVALID && e.len == 0);
}

static void check_authsys_decode(void) {
    /* stamp 1, "host", uid 0, gid 0, gids <10, 20> */
    static const uint8_t body[] = { 0, 0, 0, 1, 0, 0, 0, 4, 'h', 'o', 's', 't', 0, 0, 0, 0,
                                    0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 10, 0, 0, 0, 20 };
    struct vw_rpc_authsys a, untouched;
    struct vw_diag diag = { 0 };

    memset(&a, 0x5a, sizeof(a));    /* every field below must be written by the decoder */
    CHECK(vw_rpc_authsys_decode(&a, &diag, NULL, body, (struct vw_span){ body, sizeof(body) },
                                0) == 0);
    CHECK(a.stamp == 1 && a.machinename.len == 4 && a.num_gids == 2 && a.gids[1] == 20);
    /* the body must be filled exactly (App. A): one gid short is VW_E_AUTH_SYS_FILL at the
     * missing gid, and the output is untouched */
    memset(&a, 0x5a, sizeof(a));
    untouched = a;
    memset(&diag, 0, sizeof(diag));
    CHECK(vw_rpc_authsys_decode(&a, &diag, NULL, body,
                                (struct vw_span){ body, sizeof(body) - 4 }, 0) ==
          VW_E_AUTH_SYS_FILL);
    CHECK(diag.code == VW_E_AUTH_SYS_FILL && diag.offset == 24);
    CHECK(memcmp(&a, &untouched, sizeof(a)) == 0);
}

int main(void) {
    check_encoders();
    check_authsys_decode();
    if (failures != 0) {
        fprintf(stderr, "t_oncrpc_api: %d checks failed\n", failures);
        return 1;
    }
    printf("t_oncrpc_api: ok\n");
    return 0;
}
