/* oncrpc.c -- ONC RPC version 2 message codec (RFC 5531 §9, §10, App. A); see oncrpc.h. */
#include "oncrpc.h"
#include "planted.h"

#include <stdbool.h>
#include <string.h>

/* Fail with |code| at |offset| and name the field; used where a rule, not a primitive, fails.
 * Plain values, not the decoder, for the reason given at vw_xdr_fail_at (xdr.h). */
static VW_COLD int rule_fail(struct vw_diag *diag, int code, size_t offset, const char *field) {
    vw_diag_set(diag, code, offset);
    vw_diag_field(diag, field);
    return code;
}

/* A non-canonical item: an error in strict mode, a note in lenient mode. */
static VW_COLD int rule_lax_at(struct vw_diag *diag, struct vw_diag *lax, unsigned flags,
                               int code, size_t offset, const char *field) {
    if ((flags & VW_DEC_LENIENT) == 0) {
        return rule_fail(diag, code, offset, field);
    }
    vw_diag_set(lax, code, offset);
    vw_diag_field(lax, field);
    return 0;
}

static VW_INLINE int rule_lax(const struct vw_xdr_dec *d, int code, size_t offset,
                           const char *field) {
    return rule_lax_at(d->diag, d->lax, d->flags, code, offset, field);
}

#define TRY VW_XDR_TRY

/* decode_authsys reads AUTH_SYS parameters that must fill |body| exactly into |a|, which the
 * caller zeroed (gids past num_gids stay zero).  |a| may be partly written on failure.  The
 * parameters are read against a diag of their own, so that a VW_E_SHORT inside the body is
 * reported for what it means here, VW_E_AUTH_SYS_FILL, through vw_diag_set. */
static int decode_authsys(struct vw_rpc_authsys *a, struct vw_diag *diag, struct vw_diag *lax,
                          const uint8_t *base, struct vw_span body, unsigned flags) {
    struct vw_diag inner = { 0 };
    struct vw_xdr_dec d;
    int r;

    vw_xdr_dec_init(&d, body.p, body.len, flags, &inner, lax);
    d.base = base;  /* offsets in the whole message */
    if ((r = vw_xdr_get_u32(&d, &a->stamp)) < 0 ||
        (r = vw_xdr_get_string(&d, VW_RPC_MACHINENAME_MAX, &a->machinename)) < 0 ||
        (r = vw_xdr_get_u32(&d, &a->uid)) < 0 || (r = vw_xdr_get_u32(&d, &a->gid)) < 0 ||
        (r = vw_xdr_get_count(&d, VW_RPC_GIDS_MAX, 4, &a->num_gids)) < 0) {
        /* a short item overruns the opaque body (RFC 5531 App. A) */
        r = r == VW_E_SHORT ? VW_E_AUTH_SYS_FILL : r;
        vw_diag_set(diag, r, inner.offset);
        vw_diag_field(diag, "cred.auth_sys");
        return r;
    }
    for (uint32_t i = 0; i < a->num_gids; i++) {  /* get_count checked 4 * num_gids bytes */
        a->gids[i] = vw_load_be32(d.cur.p + 4 * i);
    }
    if (d.cur.len != 4 * (size_t)a->num_gids) {
        /* [strict: the body must hold exactly one authsys_parms; libtirpc ignores the rest] */
        size_t at = (size_t)(d.cur.p - base) + 4 * (size_t)a->num_gids;
        d.diag = diag;
        if ((r = rule_lax(&d, VW_E_AUTH_SYS_FILL, at, "cred.auth_sys")) < 0) {
            return r;
        }
    }
    return 0;
}

int vw_rpc_authsys_decode(struct vw_rpc_authsys *out, struct vw_diag *diag, struct vw_diag *lax,
                          const uint8_t *base, struct vw_span body, unsigned flags) {
    struct vw_rpc_authsys a = { 0 };
    int r;

    if ((r = decode_authsys(&a, diag, lax, base, body, flags)) < 0) {
        return r;
    }
    *out = a;
    return 0;
}

/* get_auth reads an opaque_auth (RFC 5531 §8.2) into |flavor| and |body|, which belong to the
 * caller's local message, so they may be written before the end. */
static inline int get_auth(struct vw_xdr_dec *d, uint32_t *flavor, struct vw_span *body,
                           const char *flavor_field, const char *body_field) {
    TRY(d, flavor_field, vw_xdr_get_u32(d, flavor));  /* auth_flavor is an open set */
    TRY(d, body_field, vw_xdr_get_opaque(d, VW_RPC_AUTH_BODY_MAX, body));
    if (*flavor == VW_RPC_AUTH_NONE && body->len != 0) {
        /* RFC 5531 §10.1: "recommended that the length of the opaque data be zero".
         * [strict: a recommendation treated as the canonical form] */
        size_t at = (size_t)(body->p - d->base) - 4;
        TRY(d, body_field, rule_lax(d, VW_E_AUTH_NONE_BODY, at, body_field));
    }
    return 0;
}

static inline int decode_call(struct vw_xdr_dec *d, struct vw_rpc_call *call) {
    size_t vers_at = vw_xdr_dec_offset(d);

    TRY(d, "rpcvers", vw_xdr_get_u32(d, &call->rpcvers));
    if (call->rpcvers != VW_RPC_VERSION) {
        /* RFC 5531 §9: "rpcvers MUST be equal to 2"; lenient mode reads on as version 2 */
        TRY(d, "rpcvers", rule_lax(d, VW_E_RPC_VERSION, vers_at, "rpcvers"));
    }
    TRY(d, "prog", vw_xdr_get_u32(d, &call->prog));
    TRY(d, "vers", vw_xdr_get_u32(d, &call->vers));
    TRY(d, "proc", vw_xdr_get_u32(d, &call->proc));
    TRY(d, "cred", get_auth(d, &call->cred.flavor, &call->cred.body, "cred.flavor", "cred.body"));
    call->cred.has_sys = call->cred.flavor == VW_RPC_AUTH_SYS;
    if (call->cred.has_sys) {
        TRY(d, "cred.body", decode_authsys(&call->cred.sys, d->diag, d->lax, d->base,
                                           call->cred.body, d->flags));
    }
    TRY(d, "verf", get_auth(d, &call->verf.flavor, &call->verf.body, "verf.flavor", "verf.body"));
    vw_xdr_get_rest(d, &call->args);
    return 0;
}

static inline int decode_accepted(struct vw_xdr_dec *d, struct vw_rpc_reply *rep) {
    int32_t stat = 0;

    TRY(d, "verf", get_auth(d, &rep->verf.flavor, &rep->verf.body, "verf.flavor", "verf.body"));
    /* default: void (RFC 5531 §9 accepted_reply); an unassigned value is still invalid §4.3 */
    TRY(d, "accept_stat", vw_xdr_get_enum(d, VW_RPC_SUCCESS, VW_RPC_SYSTEM_ERR, &stat));
    rep->accept_stat = (uint32_t)stat;
    if (rep->accept_stat == VW_RPC_SUCCESS) {
        vw_xdr_get_rest(d, &rep->results);
        return 0;
    }
    if (rep->accept_stat == VW_RPC_PROG_MISMATCH) {
        TRY(d, "mismatch.low", vw_xdr_get_u32(d, &rep->mismatch.low));
        TRY(d, "mismatch.high", vw_xdr_get_u32(d, &rep->mismatch.high));
    }
    TRY(d, "trailing", vw_xdr_expect_end(d));
    return 0;
}

static inline int decode_denied(struct vw_xdr_dec *d, struct vw_rpc_reply *rep) {
    size_t at = vw_xdr_dec_offset(d);
    int32_t stat = 0;

    TRY(d, "reject_stat", vw_xdr_get_i32(d, &stat));
    rep->reject_stat = (uint32_t)stat;
    if (rep->reject_stat == VW_RPC_RPC_MISMATCH) {
        TRY(d, "mismatch.low", vw_xdr_get_u32(d, &rep->mismatch.low));
        TRY(d, "mismatch.high", vw_xdr_get_u32(d, &rep->mismatch.high));
    } else if (rep->reject_stat == VW_RPC_AUTH_ERROR) {
        TRY(d, "auth_stat",
            vw_xdr_get_enum(d, VW_RPC_AUTH_OK, VW_RPC_RPCSEC_GSS_CTXPROBLEM, &stat));
        rep->auth_stat = (uint32_t)stat;
    } else {
        /* rejected_reply has no default arm; libtirpc fails too */
        return rule_fail(d->diag, VW_E_DISCRIMINANT, at, "reject_stat");
    }
    TRY(d, "trailing", vw_xdr_expect_end(d));
    return 0;
}

int vw_rpc_msg_decode_general(struct vw_rpc_msg *out, struct vw_diag *diag,
                              struct vw_diag *lax, const uint8_t *buf, size_t len,
                              unsigned flags) {
    struct vw_xdr_dec d;
    uint32_t xid = 0, mtype = 0;
    int r;

    vw_xdr_dec_init(&d, buf, len, flags, diag, lax);
    TRY(&d, "xid", vw_xdr_get_u32(&d, &xid));
    TRY(&d, "mtype", vw_xdr_get_u32(&d, &mtype));
    if (mtype == VW_RPC_CALL) {
        struct vw_rpc_call call = { 0 };  /* fields (and padding) the call lacks are zero */
        if ((r = decode_call(&d, &call)) < 0) {
            return r;
        }
        out->call = call;
    } else if (mtype == VW_RPC_REPLY) {
        /* zero-initialised: fields the reply does not carry are zero */
        struct vw_rpc_reply rep = { 0 };
        TRY(&d, "reply_stat", vw_xdr_get_u32(&d, &rep.stat));
        if (rep.stat == VW_RPC_MSG_ACCEPTED) {
            r = decode_accepted(&d, &rep);
        } else if (rep.stat == VW_RPC_MSG_DENIED) {
            r = decode_denied(&d, &rep);
        } else {
            r = rule_fail(d.diag, VW_E_DISCRIMINANT, 8, "reply_stat");  /* reply_body: no default */
        }
        if (r < 0) {
            return r;
        }
        out->reply = rep;
    } else {
        return rule_fail(d.diag, VW_E_DISCRIMINANT, 4, "mtype");  /* rpc_msg body: no default */
    }
    out->xid = xid;
    out->mtype = mtype;
    return 0;
}

/* Byte offsets of the fixed part of a CALL (RFC 5531 §9: xid, mtype, rpcvers, prog, vers, proc,
 * cred.flavor, cred.body length) and of an accepted REPLY (xid, mtype, reply_stat, verf.flavor,
 * verf.body length, accept_stat). */
enum {
    CALL_OFF_RPCVERS = 8,
    CALL_OFF_CRED = 24,
    CALL_OFF_CRED_BODY = 32,
    REPLY_OFF_STAT = 8,
    REPLY_OFF_VERF = 12,
    REPLY_OFF_ACCEPT = 20,
    REPLY_OFF_RESULTS = 24,
    AUTHSYS_MIN = 20,  /* stamp, machinename length, uid, gid, gids count */
};

/* authsys_shortcut_ok: |n| bytes at |p| are one canonical authsys_parms that fills them
 * exactly (RFC 5531 App. A): machinename<255> with zero padding (RFC 4506 §4.11) and no NUL,
 * gids<16>.  Reads only. */
static inline bool authsys_shortcut_ok(const uint8_t *p, uint32_t n) {
    uint32_t name_len, padded, num_gids;

    if (n < AUTHSYS_MIN) {
        return false;
    }
    name_len = vw_load_be32(p + 4);
    padded = (name_len + 3) & ~3u;
    if (name_len > VW_RPC_MACHINENAME_MAX || padded > n - AUTHSYS_MIN) {
        return false;
    }
    num_gids = vw_load_be32(p + 16 + padded);
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_ONCRPC_GIDS_MUL)) {
        /* planted: the size check alone stands for the count limit, but 4 * num_gids is
         * computed in 32 bits: num_gids = 2^30 + k passes as k groups (RFC 5531 App. A gids<16>) */
        if (n != AUTHSYS_MIN + padded + 4 * num_gids) {
            return false;
        }
        goto planted_gids_ok;
    }
#endif
    if (num_gids > VW_RPC_GIDS_MAX || n != AUTHSYS_MIN + padded + 4 * num_gids) {
        return false;
    }
#if VW_PLANT_BUGS
planted_gids_ok:
    if (vw_planted(VW_PLANT_ONCRPC_PAD_LAX)) {
        /* planted: only the name is checked, not the padding after it (RFC 4506 §3 "residual
         * zero bytes"); the general decoder rejects it, fuzz_oncrpc_paths sees they differ */
        return name_len == 0 || memchr(p + 8, 0, name_len) == NULL;
    }
#endif
    /* the last group of 4 holds name_len & 3 bytes of the name, then the zero padding */
    if ((name_len & 3) != 0 &&
        (vw_load_be32(p + 8 + (name_len & ~3u)) & (UINT32_MAX >> 8 * (name_len & 3))) != 0) {
        return false;
    }
    return name_len == 0 || memchr(p + 8, 0, name_len) == NULL;
}

/* call_shortcut: a CALL with rpcvers 2, an AUTH_NONE credential with an empty body or an
 * AUTH_SYS one that authsys_shortcut_ok accepts, and an AUTH_NONE verifier with an empty body.
 * Reads first, writes |out| only when every condition holds. */
static VW_INLINE bool call_shortcut(struct vw_rpc_msg *out, const uint8_t *buf, size_t len) {
    uint32_t flavor, body_len, verf_at;
    struct vw_rpc_call *c;

    if (len < CALL_OFF_CRED_BODY + 8 || vw_load_be32(buf + CALL_OFF_RPCVERS) != VW_RPC_VERSION) {
        return false;
    }
    flavor = vw_load_be32(buf + CALL_OFF_CRED);
    body_len = vw_load_be32(buf + CALL_OFF_CRED + 4);
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_ONCRPC_CRED_LEN) &&
        vw_load_be32(buf + CALL_OFF_CRED_BODY + body_len) != VW_RPC_AUTH_NONE) {
        /* planted: the verifier after the opaque credential is looked at before its length
         * is compared with the bytes left (RFC 4506 §4.10) */
        return false;
    }
#endif
    if (body_len > len - (CALL_OFF_CRED_BODY + 8)) {
        return false;
    }
    if (flavor == VW_RPC_AUTH_SYS) {
        if (!authsys_shortcut_ok(buf + CALL_OFF_CRED_BODY, body_len)) {
            return false;
        }
    } else if (flavor != VW_RPC_AUTH_NONE || body_len != 0) {
        return false;
    }
    verf_at = CALL_OFF_CRED_BODY + body_len;
    if (vw_load_be32(buf + verf_at) != VW_RPC_AUTH_NONE || vw_load_be32(buf + verf_at + 4) != 0) {
        return false;
    }
    /* every rule holds: fill |out| as the general decoder would */
    out->xid = vw_load_be32(buf);
    out->mtype = VW_RPC_CALL;
    c = &out->call;
    c->rpcvers = VW_RPC_VERSION;
    c->prog = vw_load_be32(buf + 12);
    c->vers = vw_load_be32(buf + 16);
    c->proc = vw_load_be32(buf + 20);
    c->cred.flavor = flavor;
    c->cred.body = (struct vw_span){ .p = buf + CALL_OFF_CRED_BODY, .len = body_len };
    c->cred.has_sys = flavor == VW_RPC_AUTH_SYS;
    memset(c->cred.sys.gids, 0, sizeof(c->cred.sys.gids));
    if (c->cred.has_sys) {
        const uint8_t *p = buf + CALL_OFF_CRED_BODY;
        uint32_t name_len = vw_load_be32(p + 4);
        const uint8_t *q = p + 8 + ((name_len + 3) & ~3u);
        struct vw_rpc_authsys *a = &c->cred.sys;

        a->stamp = vw_load_be32(p);
        a->machinename = (struct vw_span){ .p = p + 8, .len = name_len };
        a->uid = vw_load_be32(q);
        a->gid = vw_load_be32(q + 4);
        a->num_gids = vw_load_be32(q + 8);
        for (uint32_t i = 0; i < a->num_gids; i++) {
            a->gids[i] = vw_load_be32(q + 12 + 4 * i);
        }
    } else {
        /* cred.sys is zero unless has_sys (oncrpc.h) */
        c->cred.sys.stamp = 0;
        c->cred.sys.machinename = (struct vw_span){ 0 };
        c->cred.sys.uid = 0;
        c->cred.sys.gid = 0;
        c->cred.sys.num_gids = 0;
    }
    c->verf = (struct vw_rpc_auth){ .flavor = VW_RPC_AUTH_NONE,
                                    .body = { .p = buf + verf_at + 8, .len = 0 } };
    c->args = (struct vw_span){ .p = buf + verf_at + 8, .len = len - (verf_at + 8) };
    return true;
}

/* reply_shortcut: a REPLY, MSG_ACCEPTED, AUTH_NONE verifier with an empty body, SUCCESS. */
static inline bool reply_shortcut(struct vw_rpc_msg *out, const uint8_t *buf, size_t len) {
    uint64_t w[2];

    /* MSG_ACCEPTED, AUTH_NONE, body length 0 and SUCCESS are all 0: 16 zero bytes from 8 on */
    _Static_assert(VW_RPC_MSG_ACCEPTED == 0 && VW_RPC_AUTH_NONE == 0 && VW_RPC_SUCCESS == 0,
                   "the reply shortcut tests four zero words at once");
    if (len < REPLY_OFF_RESULTS) {
        return false;
    }
    memcpy(w, buf + REPLY_OFF_STAT, sizeof(w));
    if ((w[0] | w[1]) != 0) {
        return false;
    }
    out->xid = vw_load_be32(buf);
    out->mtype = VW_RPC_REPLY;
    out->reply = (struct vw_rpc_reply){
        .stat = VW_RPC_MSG_ACCEPTED,
        .verf = { .flavor = VW_RPC_AUTH_NONE, .body = { .p = buf + REPLY_OFF_ACCEPT } },
        .accept_stat = VW_RPC_SUCCESS,
        .results = { .p = buf + REPLY_OFF_RESULTS, .len = len - REPLY_OFF_RESULTS },
    };
    return true;
}

/* vw_rpc_msg_decode takes a shortcut for the messages an RPC client and server exchange all day
 * (a CALL with an AUTH_NONE or AUTH_SYS credential and an AUTH_NONE verifier; a REPLY accepted
 * with SUCCESS and an AUTH_NONE verifier) when they are canonical: under exactly those
 * conditions the general decoder passes every rule without a note.  The shortcut tests the
 * conditions and reports nothing itself; everything else, and every error, goes to
 * vw_rpc_msg_decode_general.  fuzz_oncrpc_paths checks both give the same result on every
 * input. */
/* decode_common_call: a CALL by the shortcut, else by the general decoder; out of line, so that the
 * reply's shortcut needs no register saves and neither path saves the arguments. */
static VW_NOINLINE int decode_common_call(struct vw_rpc_msg *out, struct vw_diag *diag,
                                   struct vw_diag *lax, const uint8_t *buf, size_t len,
                                   unsigned flags) {
    if (call_shortcut(out, buf, len)) {
        return 0;
    }
    return vw_rpc_msg_decode_general(out, diag, lax, buf, len, flags);
}

int vw_rpc_msg_decode(struct vw_rpc_msg *out, struct vw_diag *diag, struct vw_diag *lax,
                      const uint8_t *buf, size_t len, unsigned flags) {
    if (len >= 8) {
        uint32_t mtype = vw_load_be32(buf + 4);

        if (mtype == VW_RPC_CALL) {
            return decode_common_call(out, diag, lax, buf, len, flags);
        }
        if (mtype == VW_RPC_REPLY && reply_shortcut(out, buf, len)) {
            return 0;
        }
    }
    return vw_rpc_msg_decode_general(out, diag, lax, buf, len, flags);
}

int vw_rpc_authsys_encode(struct vw_xdr_enc *e, const struct vw_rpc_authsys *a) {
    struct vw_xdr_enc c = *e;
    int r;

    if (a->num_gids > VW_RPC_GIDS_MAX) {
        return VW_E_TOO_LONG;
    }
    if ((r = vw_xdr_put_u32(&c, a->stamp)) < 0 ||
        (r = vw_xdr_put_string(&c, a->machinename, VW_RPC_MACHINENAME_MAX)) < 0 ||
        (r = vw_xdr_put_u32(&c, a->uid)) < 0 || (r = vw_xdr_put_u32(&c, a->gid)) < 0 ||
        (r = vw_xdr_put_u32(&c, a->num_gids)) < 0) {
        return r;
    }
    for (uint32_t i = 0; i < a->num_gids; i++) {
        if ((r = vw_xdr_put_u32(&c, a->gids[i])) < 0) {
            return r;
        }
    }
    *e = c;
    return 0;
}

static int put_auth(struct vw_xdr_enc *e, const struct vw_rpc_auth *a) {
    struct vw_xdr_enc c = *e;
    int r;

    if ((r = vw_xdr_put_u32(&c, a->flavor)) < 0 ||
        (r = vw_xdr_put_opaque(&c, a->body, VW_RPC_AUTH_BODY_MAX)) < 0) {
        return r;
    }
    *e = c;
    return 0;
}

static int put_cred(struct vw_xdr_enc *e, const struct vw_rpc_cred *cred) {
    struct vw_xdr_enc c = *e;
    struct vw_xdr_enc measure;
    int r;

    if (!cred->has_sys) {
        return put_auth(e, &(struct vw_rpc_auth){ .flavor = cred->flavor, .body = cred->body });
    }
    vw_xdr_enc_init(&measure, NULL, 0);
    if ((r = vw_rpc_authsys_encode(&measure, &cred->sys)) < 0) {
        return r;
    }
    if (measure.len > VW_RPC_AUTH_BODY_MAX) {
        return VW_E_TOO_LONG;
    }
    if ((r = vw_xdr_put_u32(&c, cred->flavor)) < 0 ||
        (r = vw_xdr_put_u32(&c, (uint32_t)measure.len)) < 0 ||
        (r = vw_rpc_authsys_encode(&c, &cred->sys)) < 0) {
        return r;  /* authsys is a multiple of 4 bytes: no padding */
    }
    *e = c;
    return 0;
}

static int put_reply(struct vw_xdr_enc *c, const struct vw_rpc_reply *rep) {
    int r;

    if ((r = vw_xdr_put_u32(c, rep->stat)) < 0) {
        return r;
    }
    if (rep->stat == VW_RPC_MSG_ACCEPTED) {
        if ((r = put_auth(c, &rep->verf)) < 0 || (r = vw_xdr_put_u32(c, rep->accept_stat)) < 0) {
            return r;
        }
        if (rep->accept_stat == VW_RPC_SUCCESS) {
            return vw_xdr_put_raw(c, rep->results);
        }
        if (rep->accept_stat == VW_RPC_PROG_MISMATCH) {
            if ((r = vw_xdr_put_u32(c, rep->mismatch.low)) < 0) {
                return r;
            }
            return vw_xdr_put_u32(c, rep->mismatch.high);
        }
        return 0;
    }
    if (rep->stat != VW_RPC_MSG_DENIED) {
        return VW_E_INVALID;
    }
    if ((r = vw_xdr_put_u32(c, rep->reject_stat)) < 0) {
        return r;
    }
    if (rep->reject_stat == VW_RPC_RPC_MISMATCH) {
        if ((r = vw_xdr_put_u32(c, rep->mismatch.low)) < 0) {
            return r;
        }
        return vw_xdr_put_u32(c, rep->mismatch.high);
    }
    if (rep->reject_stat == VW_RPC_AUTH_ERROR) {
        return vw_xdr_put_u32(c, rep->auth_stat);
    }
    return VW_E_INVALID;
}

int vw_rpc_msg_encode(struct vw_xdr_enc *e, const struct vw_rpc_msg *m) {
    struct vw_xdr_enc c = *e;
    int r;

    if ((r = vw_xdr_put_u32(&c, m->xid)) < 0 || (r = vw_xdr_put_u32(&c, m->mtype)) < 0) {
        return r;
    }
    if (m->mtype == VW_RPC_CALL) {
        const struct vw_rpc_call *call = &m->call;
        if ((r = vw_xdr_put_u32(&c, call->rpcvers)) < 0 ||
            (r = vw_xdr_put_u32(&c, call->prog)) < 0 || (r = vw_xdr_put_u32(&c, call->vers)) < 0 ||
            (r = vw_xdr_put_u32(&c, call->proc)) < 0 || (r = put_cred(&c, &call->cred)) < 0 ||
            (r = put_auth(&c, &call->verf)) < 0 || (r = vw_xdr_put_raw(&c, call->args)) < 0) {
            return r;
        }
    } else if (m->mtype == VW_RPC_REPLY) {
        if ((r = put_reply(&c, &m->reply)) < 0) {
            return r;
        }
    } else {
        return VW_E_INVALID;
    }
    *e = c;
    return 0;
}

const char *vw_rpc_accept_stat_name(uint32_t v) {
    static const char *const names[] = { "SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH",
                                         "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR" };
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

const char *vw_rpc_auth_stat_name(uint32_t v) {
    static const char *const names[] = {
        "AUTH_OK", "AUTH_BADCRED", "AUTH_REJECTEDCRED", "AUTH_BADVERF", "AUTH_REJECTEDVERF",
        "AUTH_TOOWEAK", "AUTH_INVALIDRESP", "AUTH_FAILED", "AUTH_KERB_GENERIC",
        "AUTH_TIMEEXPIRE", "AUTH_TKT_FILE", "AUTH_DECODE", "AUTH_NET_ADDR",
        "RPCSEC_GSS_CREDPROBLEM", "RPCSEC_GSS_CTXPROBLEM"
    };
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

const char *vw_rpc_flavor_name(uint32_t v) {
    static const char *const names[] = { "AUTH_NONE", "AUTH_SYS", "AUTH_SHORT", "AUTH_DH",
                                         "AUTH_KERB", "AUTH_RSA", "RPCSEC_GSS", "AUTH_TLS" };
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}
