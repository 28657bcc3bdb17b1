/* oncrpc.h -- ONC RPC version 2 messages (RFC 5531 §9, §10, Appendix A).
 *
 * vw_rpc_msg_decode reads one whole message (one record, after record marking is removed).
 * Procedure arguments (CALL) and results (REPLY SUCCESS) are left as a view of the rest of the
 * message; pmap.h decodes them for the portmapper/rpcbind program. */
#ifndef VW_ONCRPC_H
#define VW_ONCRPC_H

#include <stdbool.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"
#include "xdr.h"

#define VW_RPC_VERSION 2u             /* RFC 5531 §9: rpcvers "MUST be equal to 2" */
#define VW_RPC_AUTH_BODY_MAX 400u     /* RFC 5531 §8.2: opaque body<400> */
#define VW_RPC_MACHINENAME_MAX 255u   /* RFC 5531 App. A: string machinename<255> */
#define VW_RPC_GIDS_MAX 16u           /* RFC 5531 App. A: unsigned int gids<16> */

enum vw_rpc_msg_type { VW_RPC_CALL = 0, VW_RPC_REPLY = 1 };
enum vw_rpc_reply_stat { VW_RPC_MSG_ACCEPTED = 0, VW_RPC_MSG_DENIED = 1 };
enum vw_rpc_accept_stat {
    VW_RPC_SUCCESS = 0,
    VW_RPC_PROG_UNAVAIL = 1,
    VW_RPC_PROG_MISMATCH = 2,
    VW_RPC_PROC_UNAVAIL = 3,
    VW_RPC_GARBAGE_ARGS = 4,
    VW_RPC_SYSTEM_ERR = 5,
};
enum vw_rpc_reject_stat { VW_RPC_RPC_MISMATCH = 0, VW_RPC_AUTH_ERROR = 1 };
enum vw_rpc_auth_stat {
    VW_RPC_AUTH_OK = 0,
    VW_RPC_AUTH_BADCRED = 1,
    VW_RPC_AUTH_REJECTEDCRED = 2,
    VW_RPC_AUTH_BADVERF = 3,
    VW_RPC_AUTH_REJECTEDVERF = 4,
    VW_RPC_AUTH_TOOWEAK = 5,
    VW_RPC_AUTH_INVALIDRESP = 6,
    VW_RPC_AUTH_FAILED = 7,
    VW_RPC_AUTH_KERB_GENERIC = 8,
    VW_RPC_AUTH_TIMEEXPIRE = 9,
    VW_RPC_AUTH_TKT_FILE = 10,
    VW_RPC_AUTH_DECODE = 11,
    VW_RPC_AUTH_NET_ADDR = 12,
    VW_RPC_RPCSEC_GSS_CREDPROBLEM = 13,
    VW_RPC_RPCSEC_GSS_CTXPROBLEM = 14,
};
/* Flavours (IANA rpc-authentication-numbers).  The set is open: unknown flavours are kept
 * opaque, never rejected. */
enum vw_rpc_auth_flavor {
    VW_RPC_AUTH_NONE = 0,
    VW_RPC_AUTH_SYS = 1,
    VW_RPC_AUTH_SHORT = 2,
    VW_RPC_AUTH_DH = 3,
    VW_RPC_AUTH_KERB = 4,
    VW_RPC_AUTH_RSA = 5,
    VW_RPC_RPCSEC_GSS = 6,
    VW_RPC_AUTH_TLS = 7,
};

/* struct vw_rpc_authsys: AUTH_SYS parameters (RFC 5531 App. A). */
struct vw_rpc_authsys {
    uint32_t stamp;
    struct vw_span machinename;
    uint32_t uid;
    uint32_t gid;
    uint32_t num_gids;
    uint32_t gids[VW_RPC_GIDS_MAX];
};

/* struct vw_rpc_auth: an opaque_auth (RFC 5531 §8.2), the body kept opaque: every verifier, and
 * credentials of flavours other than AUTH_SYS. */
struct vw_rpc_auth {
    uint32_t flavor;
    struct vw_span body;
};

/* struct vw_rpc_cred: a call's credential; |sys| is filled when |flavor| is AUTH_SYS (the body
 * is then required to hold exactly one authsys_parms) and is zero otherwise. */
struct vw_rpc_cred {
    uint32_t flavor;
    struct vw_span body;
    bool has_sys;
    struct vw_rpc_authsys sys;
};

struct vw_rpc_call {
    uint32_t rpcvers;
    uint32_t prog;
    uint32_t vers;
    uint32_t proc;
    struct vw_rpc_cred cred;
    struct vw_rpc_auth verf;
    struct vw_span args;     /* the rest of the message */
};

struct vw_rpc_mismatch {
    uint32_t low;
    uint32_t high;
};

struct vw_rpc_reply {
    uint32_t stat;                     /* enum vw_rpc_reply_stat */
    /* MSG_ACCEPTED */
    struct vw_rpc_auth verf;
    uint32_t accept_stat;              /* enum vw_rpc_accept_stat */
    struct vw_span results;            /* SUCCESS: the rest of the message */
    /* PROG_MISMATCH (accepted) or RPC_MISMATCH (denied) */
    struct vw_rpc_mismatch mismatch;
    /* MSG_DENIED */
    uint32_t reject_stat;              /* enum vw_rpc_reject_stat */
    uint32_t auth_stat;                /* AUTH_ERROR: enum vw_rpc_auth_stat */
};

/* struct vw_rpc_msg: |call| is meaningful when |mtype| is VW_RPC_CALL, |reply| when it is
 * VW_RPC_REPLY (they share storage).  Within the arm in use, fields the message does not carry
 * are zero, and |cred.sys| is zero unless |cred.has_sys|. */
struct vw_rpc_msg {
    uint32_t xid;
    uint32_t mtype;                    /* enum vw_rpc_msg_type */
    union {
        struct vw_rpc_call call;
        struct vw_rpc_reply reply;
    };
};

/* vw_rpc_msg_decode decodes the message in |len| bytes at |buf| into |*out| (views into |buf|).
 * |flags| is 0 (strict) or VW_DEC_LENIENT.  On error |*out| is untouched and |*diag| (may be
 * NULL) holds the code, offset and field.  In lenient mode |*lax| (may be NULL) gets the first
 * non-canonical item accepted.  Returns 0 or: VW_E_SHORT, VW_E_PADDING, VW_E_BOOL, VW_E_ENUM,
 * VW_E_TOO_LONG, VW_E_STRING_NUL, VW_E_TRAILING (bytes after a reply that carries no results),
 * VW_E_RPC_VERSION, VW_E_DISCRIMINANT (msg_type, reply_stat or reject_stat with no arm),
 * VW_E_AUTH_NONE_BODY, VW_E_AUTH_SYS_FILL. */
VW_MUST_USE int vw_rpc_msg_decode(struct vw_rpc_msg *out, struct vw_diag *diag,
                                  struct vw_diag *lax, const uint8_t *buf, size_t len,
                                  unsigned flags);

/* vw_rpc_msg_decode_general is vw_rpc_msg_decode without its shortcut for the common messages:
 * the same arguments, results and diagnostics on every input.  For the fuzz target that checks
 * exactly that (fuzz_oncrpc_paths); callers use vw_rpc_msg_decode. */
VW_MUST_USE int vw_rpc_msg_decode_general(struct vw_rpc_msg *out, struct vw_diag *diag,
                                          struct vw_diag *lax, const uint8_t *buf, size_t len,
                                          unsigned flags);

/* vw_rpc_msg_encode writes |m| into |e| (appending).  A credential with |has_sys| is encoded
 * from |sys|, otherwise from |body|.  Returns 0, VW_E_NOSPACE, VW_E_TOO_LONG or VW_E_INVALID
 * (a message type or status with no arm); on error |e| is unchanged. */
VW_MUST_USE int vw_rpc_msg_encode(struct vw_xdr_enc *e, const struct vw_rpc_msg *m);

/* vw_rpc_authsys_decode decodes AUTH_SYS parameters that must fill |body| exactly.
 * Offsets in |diag| count from |base|.  Returns 0 or a decode error or VW_E_AUTH_SYS_FILL. */
VW_MUST_USE int vw_rpc_authsys_decode(struct vw_rpc_authsys *out, struct vw_diag *diag,
                                      struct vw_diag *lax, const uint8_t *base,
                                      struct vw_span body, unsigned flags);

/* vw_rpc_authsys_encode appends |a| to |e|. */
VW_MUST_USE int vw_rpc_authsys_encode(struct vw_xdr_enc *e, const struct vw_rpc_authsys *a);

/* Names for dumps; "?" for values without a name. */
const char *vw_rpc_accept_stat_name(uint32_t v);
const char *vw_rpc_auth_stat_name(uint32_t v);
const char *vw_rpc_flavor_name(uint32_t v);

#endif
