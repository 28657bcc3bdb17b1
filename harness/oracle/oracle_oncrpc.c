/* oracle_oncrpc.c -- ONC RPC / portmap decoding with rpcgen filters over libtirpc; see
 * oracle_oncrpc.h.
 *
 * Independence: nothing here calls a vw_xdr_* or vw_*_decode function.  reference/ headers
 * supply only the result structs; vw_pmap_list_next walks the reference/ side of a comparison.
 *
 * Why the guard stream is safe (portmap bodies only).  libtirpc's xdr_bytes / xdr_string /
 * xdr_array read a length and allocate that many bytes before reading the data, and xdr_string
 * even stores sp[len] = 0 first, so pointing the *_val fields at a scratch buffer does not help
 * for strings, and chain entries are calloc'ed by xdr_reference with NULL fields anyway.
 * Instead, pass 1 reads through a stream whose getlong returns L + 1 for any 32-bit value above
 * the stream length L (every integer xdr_u_int, xdr_int, xdr_enum and xdr_bool read goes
 * through x_getlong; x_inline answers NULL so rpcgen's inline paths fall back to them):
 *   - at a length or count position, the true value V > L can never be satisfied by L bytes,
 *     and neither can L + 1: both decodes fail there, pass 1 after allocating at most L + 2;
 *   - at a bool or optional-data discriminant (the only discriminants in the bodies) both
 *     are non-zero, i.e. TRUE;
 *   - anywhere else the value is only stored.
 * So pass 1 takes the same path as the real decode and fails where it fails.  When pass 1
 * succeeds no clamped value was a length, and pass 2 re-runs the plain xdrmem decode, which is
 * then bounded too and yields the real values (skipped when nothing was clamped). */
#include "oracle_oncrpc.h"

#include <inttypes.h>
#include <rpc/rpc.h>
#include <stdlib.h>
#include <string.h>

#include "guard_xdr.h"
#include "vwx_oncrpc.h"

struct vw_oracle_store {
    vwx_rpc_msg msg;
    vwx_authsys_parms sys;
};

/* The oracle's own body types (RFC 1833), one per rpcgen filter. */
enum body_type {
    BT_VOID,
    BT_MAPPING,
    BT_BOOL,
    BT_UINT,
    BT_PMAPLIST,
    BT_CALL_ARGS,
    BT_CALL_RESULT,
    BT_RPCB,
    BT_UADDR,
    BT_RPCBLIST,
    BT_RMTCALLARGS,
    BT_RMTCALLRES,
    BT_NETBUF,
    BT_ENTRYLIST,
};

union body_obj {
    vwx_mapping mapping;
    bool_t value_bool;
    u_int value_uint;
    vwx_pmaplist_ptr pmaplist;
    vwx_call_args call_args;
    vwx_call_result call_result;
    vwx_rpcb rpcb;
    vwx_uaddr uaddr;
    vwx_rpcblist_ptr rpcblist;
    vwx_rpcb_rmtcallargs rmtcallargs;
    vwx_rpcb_rmtcallres rmtcallres;
    vwx_netbuf netbuf;
    vwx_rpcb_entry_list_ptr entrylist;
};

struct vw_oracle_body_store {
    enum body_type type;
    bool live;              /* |obj| may hold allocations */
    union body_obj obj;
};

/* ---- message ---- */

static struct vw_span span_bytes(const char *p, u_int len) {
    return (struct vw_span){ .p = (const uint8_t *)p, .len = p != NULL ? len : 0 };
}

static struct vw_span span_string(const char *s) {
    return (struct vw_span){ .p = (const uint8_t *)s, .len = s != NULL ? strlen(s) : 0 };
}

static struct vw_rpc_auth auth_of(const vwx_opaque_auth *a) {
    return (struct vw_rpc_auth){ .flavor = a->flavor,
                                 .body = span_bytes(a->body.body_val, a->body.body_len) };
}

static void msg_free(struct vw_oracle_store *s) {
    XDR x;

    memset(&x, 0, sizeof(x));
    x.x_op = XDR_FREE;  /* what xdr_free does, without casting the filter to xdrproc_t */
    (void)xdr_vwx_rpc_msg(&x, &s->msg);
    (void)xdr_vwx_authsys_parms(&x, &s->sys);
}

/* decode_authsys reads the credential body the way libtirpc's AUTH_SYS server side does: its
 * own xdrmem over the body; bytes after the parameters are ignored. */
static bool decode_authsys(struct vw_oracle_msg *out, const vwx_opaque_auth *cred) {
    struct vw_oracle_store *s = out->store;
    struct vw_rpc_authsys *sys = &out->msg.call.cred.sys;
    XDR x;
    bool ok;

    xdrmem_create(&x, cred->body.body_val, cred->body.body_len, XDR_DECODE);
    ok = xdr_vwx_authsys_parms(&x, &s->sys);
    out->sys_pos = xdr_getpos(&x);
    xdr_destroy(&x);
    if (!ok) {
        return false;
    }
    out->msg.call.cred.has_sys = true;
    sys->stamp = s->sys.stamp;
    sys->machinename = span_string(s->sys.machinename);
    sys->uid = s->sys.uid;
    sys->gid = s->sys.gid;
    sys->num_gids = s->sys.gids.gids_len;  /* <= VWX_NGRPS: xdr_array checked it */
    for (u_int i = 0; i < s->sys.gids.gids_len && i < VW_RPC_GIDS_MAX; i++) {
        sys->gids[i] = s->sys.gids.gids_val[i];
    }
    return true;
}

int vw_oracle_msg_decode(struct vw_oracle_msg *out, const uint8_t *buf, size_t len) {
    struct vw_oracle_store *s;
    struct vw_rpc_msg *m = &out->msg;
    struct vw_span rest;
    XDR x;
    bool ok;

    memset(out, 0, sizeof(*out));
    if (len > VW_ORACLE_INPUT_MAX) {
        return VW_E_INVALID;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        return VW_E_NOMEM;
    }
    out->store = s;
    /* Every length in vwx_rpc_msg is bounded (opaque body<400>): plain xdrmem is safe.
     * xdrmem never writes to its buffer on decode, hence the cast. */
    xdrmem_create(&x, (char *)(uintptr_t)buf, (u_int)len, XDR_DECODE);
    ok = xdr_vwx_rpc_msg(&x, &s->msg);
    out->pos = xdr_getpos(&x);
    xdr_destroy(&x);
    if (!ok) {
        out->failed = "rpc_msg";
        return 0;
    }
    rest = (struct vw_span){ .p = buf + out->pos, .len = len - out->pos };
    m->xid = s->msg.xid;
    m->mtype = (uint32_t)s->msg.body.mtype;
    if (s->msg.body.mtype == VWX_CALL) {
        const vwx_call_body *cb = &s->msg.body.vwx_rpc_msg_body_u.cbody;
        m->call.rpcvers = cb->rpcvers;
        m->call.prog = cb->prog;
        m->call.vers = cb->vers;
        m->call.proc = cb->proc;
        struct vw_rpc_auth cred = auth_of(&cb->cred);
        m->call.cred.flavor = cred.flavor;
        m->call.cred.body = cred.body;
        m->call.verf = auth_of(&cb->verf);
        m->call.args = rest;
        /* Only the credential is read as AUTH_SYS; one that does not decode fails the
         * message: reference/ says VW_E_AUTH_SYS_FILL or VW_E_TOO_LONG in both modes, and
         * libtirpc's server rejects the call with AUTH_BADCRED. */
        if (cb->cred.flavor == VWX_AUTH_SYS && !decode_authsys(out, &cb->cred)) {
            out->failed = "cred.auth_sys";
            return 0;
        }
    } else {
        const vwx_reply_body *rb = &s->msg.body.vwx_rpc_msg_body_u.rbody;
        m->reply.stat = (uint32_t)rb->stat;
        if (rb->stat == VWX_MSG_ACCEPTED) {
            const vwx_accepted_reply *ar = &rb->vwx_reply_body_u.areply;
            m->reply.verf = auth_of(&ar->verf);
            m->reply.accept_stat = (uint32_t)ar->reply_data.stat;
            if (ar->reply_data.stat == VWX_SUCCESS) {
                m->reply.results = rest;
            } else if (ar->reply_data.stat == VWX_PROG_MISMATCH) {
                m->reply.mismatch.low = ar->reply_data.vwx_reply_data_u.mismatch_info.low;
                m->reply.mismatch.high = ar->reply_data.vwx_reply_data_u.mismatch_info.high;
            }
        } else {
            const vwx_rejected_reply *rr = &rb->vwx_reply_body_u.rreply;
            m->reply.reject_stat = (uint32_t)rr->stat;
            if (rr->stat == VWX_RPC_MISMATCH) {
                m->reply.mismatch.low = rr->vwx_rejected_reply_u.mismatch_info.low;
                m->reply.mismatch.high = rr->vwx_rejected_reply_u.mismatch_info.high;
            } else {
                m->reply.auth_stat = (uint32_t)rr->vwx_rejected_reply_u.astat;
            }
        }
    }
    out->ok = true;
    return 0;
}

void vw_oracle_msg_cleanup(struct vw_oracle_msg *m) {
    if (m->store != NULL) {
        msg_free(m->store);
        free(m->store);
    }
    memset(m, 0, sizeof(*m));
}

/* ---- bodies ---- */

struct proc_types {
    enum body_type args;
    enum body_type res;
};

/* RFC 1833 §3: portmap version 2, NULL..CALLIT. */
static const struct proc_types portmap_v2[] = {
    { BT_VOID, BT_VOID },            /* 0 NULL */
    { BT_MAPPING, BT_BOOL },         /* 1 SET */
    { BT_MAPPING, BT_BOOL },         /* 2 UNSET */
    { BT_MAPPING, BT_UINT },         /* 3 GETPORT */
    { BT_VOID, BT_PMAPLIST },        /* 4 DUMP */
    { BT_CALL_ARGS, BT_CALL_RESULT }, /* 5 CALLIT */
};

/* RFC 1833 §2: rpcbind version 3 is 0..8, version 4 all of them.  GETSTAT (v4, 12) returns
 * rpcb_stat_byvers, which oncrpc.x does not model. */
static const struct proc_types rpcbind_v34[] = {
    { BT_VOID, BT_VOID },              /* 0 NULL */
    { BT_RPCB, BT_BOOL },              /* 1 SET */
    { BT_RPCB, BT_BOOL },              /* 2 UNSET */
    { BT_RPCB, BT_UADDR },             /* 3 GETADDR */
    { BT_VOID, BT_RPCBLIST },          /* 4 DUMP */
    { BT_RMTCALLARGS, BT_RMTCALLRES }, /* 5 CALLIT (v3), BCAST (v4) */
    { BT_VOID, BT_UINT },              /* 6 GETTIME */
    { BT_UADDR, BT_NETBUF },           /* 7 UADDR2TADDR */
    { BT_NETBUF, BT_UADDR },           /* 8 TADDR2UADDR */
    { BT_RPCB, BT_UADDR },             /* 9 GETVERSADDR (v4) */
    { BT_RMTCALLARGS, BT_RMTCALLRES }, /* 10 INDIRECT (v4) */
    { BT_RPCB, BT_ENTRYLIST },         /* 11 GETADDRLIST (v4) */
};

static bool body_type_of(uint32_t vers, uint32_t proc, bool is_reply, enum body_type *out) {
    const struct proc_types *t;

    if (vers == 2 && proc < sizeof(portmap_v2) / sizeof(portmap_v2[0])) {
        t = &portmap_v2[proc];
    } else if ((vers == 3 && proc <= 8) ||
               (vers == 4 && proc < sizeof(rpcbind_v34) / sizeof(rpcbind_v34[0]))) {
        t = &rpcbind_v34[proc];
    } else {
        return false;
    }
    *out = is_reply ? t->res : t->args;
    return true;
}

static enum vw_pmap_kind kind_of(enum body_type t) {
    switch (t) {
    case BT_VOID: return VW_PMAP_K_VOID;
    case BT_MAPPING: return VW_PMAP_K_MAPPING;
    case BT_BOOL: return VW_PMAP_K_BOOL;
    case BT_UINT: return VW_PMAP_K_UINT;
    case BT_PMAPLIST: return VW_PMAP_K_PMAPLIST;
    case BT_CALL_ARGS: return VW_PMAP_K_CALL_ARGS;
    case BT_CALL_RESULT: return VW_PMAP_K_CALL_RESULT;
    case BT_RPCB: return VW_PMAP_K_RPCB;
    case BT_UADDR: return VW_PMAP_K_STRING;
    case BT_RPCBLIST: return VW_PMAP_K_RPCBLIST;
    case BT_RMTCALLARGS: return VW_PMAP_K_CALL_ARGS;  /* same layout as v2 call_args */
    case BT_RMTCALLRES: return VW_PMAP_K_RMTCALL_RES;
    case BT_NETBUF: return VW_PMAP_K_NETBUF;
    case BT_ENTRYLIST: return VW_PMAP_K_ENTRYLIST;
    }
    return VW_PMAP_K_VOID;
}

/* body_filter runs the filter of |t| in direction |x->x_op| (decode, or free). */
static bool_t body_filter(XDR *x, enum body_type t, union body_obj *o) {
    switch (t) {
    case BT_VOID: return TRUE;
    case BT_MAPPING: return xdr_vwx_mapping(x, &o->mapping);
    case BT_BOOL: return xdr_bool(x, &o->value_bool);
    case BT_UINT: return xdr_u_int(x, &o->value_uint);
    case BT_PMAPLIST: return xdr_vwx_pmaplist_ptr(x, &o->pmaplist);
    case BT_CALL_ARGS: return xdr_vwx_call_args(x, &o->call_args);
    case BT_CALL_RESULT: return xdr_vwx_call_result(x, &o->call_result);
    case BT_RPCB: return xdr_vwx_rpcb(x, &o->rpcb);
    case BT_UADDR: return xdr_vwx_uaddr(x, &o->uaddr);
    case BT_RPCBLIST: return xdr_vwx_rpcblist_ptr(x, &o->rpcblist);
    case BT_RMTCALLARGS: return xdr_vwx_rpcb_rmtcallargs(x, &o->rmtcallargs);
    case BT_RMTCALLRES: return xdr_vwx_rpcb_rmtcallres(x, &o->rmtcallres);
    case BT_NETBUF: return xdr_vwx_netbuf(x, &o->netbuf);
    case BT_ENTRYLIST: return xdr_vwx_rpcb_entry_list_ptr(x, &o->entrylist);
    }
    return FALSE;
}

static void body_free(struct vw_oracle_body_store *s) {
    XDR x;

    if (s->live) {
        memset(&x, 0, sizeof(x));
        x.x_op = XDR_FREE;
        (void)body_filter(&x, s->type, &s->obj);
        s->live = false;
    }
    memset(&s->obj, 0, sizeof(s->obj));
}

/* body_run decodes |body| into |s->obj| (see the guard argument at the top of the file).
 * Returns whether it decoded; |*out_pos| is the bytes consumed. */
static bool body_run(struct vw_oracle_body_store *s, struct vw_span body, size_t *out_pos) {
    struct vw_guard_xdr g;
    XDR x;
    u_int pos;

    body_free(s);
    vw_guard_xdr_create(&x, &g, body.p, (u_int)body.len);
    s->live = true;
    if (!body_filter(&x, s->type, &s->obj)) {
        body_free(s);
        return false;
    }
    pos = XDR_GETPOS(&x);
    if (g.num_clamped == 0) {
        *out_pos = pos;
        return true;
    }
    body_free(s);
    xdrmem_create(&x, (char *)(uintptr_t)body.p, (u_int)body.len, XDR_DECODE);
    s->live = true;
    if (!body_filter(&x, s->type, &s->obj) || xdr_getpos(&x) != pos) {
        /* a bug in the guard argument, never an input property */
        fprintf(stderr, "oracle: guarded and plain xdrmem decodes disagree\n");
        abort();
    }
    xdr_destroy(&x);
    *out_pos = pos;
    return true;
}

static struct vw_rpcb rpcb_of(const vwx_rpcb *r) {
    return (struct vw_rpcb){ .prog = r->r_prog,
                             .vers = r->r_vers,
                             .netid = span_string(r->r_netid),
                             .addr = span_string(r->r_addr),
                             .owner = span_string(r->r_owner) };
}

static struct vw_rpcb_entry entry_of(const vwx_rpcb_entry *e) {
    return (struct vw_rpcb_entry){ .maddr = span_string(e->r_maddr),
                                   .nc_netid = span_string(e->r_nc_netid),
                                   .nc_semantics = e->r_nc_semantics,
                                   .nc_protofmly = span_string(e->r_nc_protofmly),
                                   .nc_proto = span_string(e->r_nc_proto) };
}

static struct vw_pmap_mapping mapping_of(const vwx_mapping *m) {
    return (struct vw_pmap_mapping){ .prog = m->prog, .vers = m->vers, .prot = m->prot,
                                     .port = m->port };
}

/* list_convert copies a decoded chain into |out->entries|; returns 0 or VW_E_NOMEM. */
static int list_convert(struct vw_oracle_body *out, const union body_obj *o, enum body_type t) {
    uint32_t n = 0, i = 0;

    if (t == BT_PMAPLIST) {
        for (const vwx_pmaplist *p = o->pmaplist; p != NULL; p = p->next) {
            n++;
        }
    } else if (t == BT_RPCBLIST) {
        for (const vwx_rpcblist *p = o->rpcblist; p != NULL; p = p->rpcb_next) {
            n++;
        }
    } else {
        for (const vwx_rpcb_entry_list *p = o->entrylist; p != NULL; p = p->rpcb_entry_next) {
            n++;
        }
    }
    out->body.list.num_entries = n;
    if (n == 0) {
        return 0;
    }
    if ((out->entries = calloc(n, sizeof(*out->entries))) == NULL) {
        return VW_E_NOMEM;
    }
    if (t == BT_PMAPLIST) {
        for (const vwx_pmaplist *p = o->pmaplist; p != NULL; p = p->next) {
            out->entries[i++].mapping = mapping_of(&p->map);
        }
    } else if (t == BT_RPCBLIST) {
        for (const vwx_rpcblist *p = o->rpcblist; p != NULL; p = p->rpcb_next) {
            out->entries[i++].rpcb = rpcb_of(&p->rpcb_map);
        }
    } else {
        for (const vwx_rpcb_entry_list *p = o->entrylist; p != NULL; p = p->rpcb_entry_next) {
            out->entries[i++].entry = entry_of(&p->rpcb_entry_map);
        }
    }
    return 0;
}

static int body_convert(struct vw_oracle_body *out, const union body_obj *o, enum body_type t) {
    struct vw_pmap_body *b = &out->body;

    switch (t) {
    case BT_VOID:
        break;
    case BT_MAPPING:
        b->mapping = mapping_of(&o->mapping);
        break;
    case BT_BOOL:
        b->value_bool = o->value_bool != FALSE;
        break;
    case BT_UINT:
        b->value_uint = o->value_uint;
        break;
    case BT_PMAPLIST:
    case BT_RPCBLIST:
    case BT_ENTRYLIST:
        return list_convert(out, o, t);
    case BT_CALL_ARGS:
        b->call_args.prog = o->call_args.prog;
        b->call_args.vers = o->call_args.vers;
        b->call_args.proc = o->call_args.proc;
        b->call_args.args = span_bytes(o->call_args.args.args_val, o->call_args.args.args_len);
        break;
    case BT_RMTCALLARGS:
        b->call_args.prog = o->rmtcallargs.prog;
        b->call_args.vers = o->rmtcallargs.vers;
        b->call_args.proc = o->rmtcallargs.proc;
        b->call_args.args =
            span_bytes(o->rmtcallargs.args.args_val, o->rmtcallargs.args.args_len);
        break;
    case BT_CALL_RESULT:
        b->call_result.port = o->call_result.port;
        b->call_result.results =
            span_bytes(o->call_result.res.res_val, o->call_result.res.res_len);
        break;
    case BT_RMTCALLRES:
        b->call_result.addr = span_string(o->rmtcallres.addr);
        b->call_result.results = span_bytes(o->rmtcallres.results.results_val,
                                            o->rmtcallres.results.results_len);
        break;
    case BT_RPCB:
        b->rpcb = rpcb_of(&o->rpcb);
        break;
    case BT_UADDR:
        b->string = span_string(o->uaddr);
        break;
    case BT_NETBUF:
        b->netbuf.maxlen = o->netbuf.maxlen;
        b->netbuf.buf = span_bytes(o->netbuf.buf.buf_val, o->netbuf.buf.buf_len);
        break;
    }
    return 0;
}

int vw_oracle_body_decode(struct vw_oracle_body *out, struct vw_span body, uint32_t vers,
                          uint32_t proc, bool is_reply) {
    struct vw_oracle_body_store *s;
    enum body_type t;
    size_t pos;

    memset(out, 0, sizeof(*out));
    if (body.len > VW_ORACLE_INPUT_MAX) {
        return VW_E_INVALID;
    }
    if (!body_type_of(vers, proc, is_reply, &t)) {
        return VW_E_UNKNOWN_PROC;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        return VW_E_NOMEM;
    }
    s->type = t;
    out->store = s;
    if (!body_run(s, body, &pos)) {
        return 0;
    }
    out->body.kind = kind_of(t);
    out->body.vers = vers;
    out->pos = pos;
    if (body_convert(out, &s->obj, t) < 0) {
        return VW_E_NOMEM;
    }
    out->ok = true;
    return 0;
}

void vw_oracle_body_cleanup(struct vw_oracle_body *b) {
    if (b->store != NULL) {
        body_free(b->store);
        free(b->store);
    }
    free(b->entries);
    memset(b, 0, sizeof(*b));
}

/* ---- comparison ---- */

/* str_eq compares an oracle string with a reference/ one.  [RFC-lax: libtirpc keeps an XDR
 * string as a C string, so it ends at an embedded NUL (protocols §5.5); reference/ rejects the
 * NUL in strict mode and keeps every byte in lenient mode.] */
static bool str_eq(struct vw_span oracle, struct vw_span ours) {
    const uint8_t *nul = ours.len > 0 ? memchr(ours.p, 0, ours.len) : NULL;

    if (nul != NULL) {
        ours.len = (size_t)(nul - ours.p);
    }
    return vw_span_eq(oracle, ours);
}

static const char *auth_diff(const struct vw_rpc_auth *o, const struct vw_rpc_auth *m,
                             const char *flavor_name, const char *body_name) {
    if (o->flavor != m->flavor) {
        return flavor_name;
    }
    if (!vw_span_eq(o->body, m->body)) {
        return body_name;
    }
    return NULL;
}

static const char *cred_diff(const struct vw_rpc_cred *o, const struct vw_rpc_cred *m) {
    if (o->flavor != m->flavor) {
        return "call.cred.flavor";
    }
    if (!vw_span_eq(o->body, m->body)) {
        return "call.cred.body";
    }
    if (o->has_sys != m->has_sys) {
        return "call.cred.has_sys";
    }
    if (!o->has_sys) {
        return NULL;
    }
    if (o->sys.stamp != m->sys.stamp) {
        return "call.cred.sys.stamp";
    }
    if (!str_eq(o->sys.machinename, m->sys.machinename)) {
        return "call.cred.sys.machinename";
    }
    if (o->sys.uid != m->sys.uid) {
        return "call.cred.sys.uid";
    }
    if (o->sys.gid != m->sys.gid) {
        return "call.cred.sys.gid";
    }
    if (o->sys.num_gids != m->sys.num_gids || m->sys.num_gids > VW_RPC_GIDS_MAX) {
        return "call.cred.sys.num_gids";
    }
    for (uint32_t i = 0; i < m->sys.num_gids; i++) {
        if (o->sys.gids[i] != m->sys.gids[i]) {
            return "call.cred.sys.gids";
        }
    }
    return NULL;
}

static const char *call_diff(const struct vw_rpc_call *o, const struct vw_rpc_call *m) {
    const char *d;

    if (o->rpcvers != m->rpcvers) {
        return "call.rpcvers";
    }
    if (o->prog != m->prog) {
        return "call.prog";
    }
    if (o->vers != m->vers) {
        return "call.vers";
    }
    if (o->proc != m->proc) {
        return "call.proc";
    }
    if ((d = cred_diff(&o->cred, &m->cred)) != NULL ||
        (d = auth_diff(&o->verf, &m->verf, "call.verf.flavor", "call.verf.body")) != NULL) {
        return d;
    }
    /* both views of the rest of the record point into the same input */
    if (o->args.p != m->args.p || o->args.len != m->args.len) {
        return "call.args";
    }
    return NULL;
}

static const char *reply_diff(const struct vw_rpc_reply *o, const struct vw_rpc_reply *m) {
    const char *d;

    if (o->stat != m->stat) {
        return "reply.stat";
    }
    if (m->stat == VW_RPC_MSG_ACCEPTED) {
        if ((d = auth_diff(&o->verf, &m->verf, "reply.verf.flavor", "reply.verf.body")) != NULL) {
            return d;
        }
        if (o->accept_stat != m->accept_stat) {
            return "reply.accept_stat";
        }
        if (m->accept_stat == VW_RPC_SUCCESS &&
            (o->results.p != m->results.p || o->results.len != m->results.len)) {
            return "reply.results";
        }
        if (m->accept_stat == VW_RPC_PROG_MISMATCH && o->mismatch.low != m->mismatch.low) {
            return "reply.mismatch.low";
        }
        if (m->accept_stat == VW_RPC_PROG_MISMATCH && o->mismatch.high != m->mismatch.high) {
            return "reply.mismatch.high";
        }
        return NULL;
    }
    if (o->reject_stat != m->reject_stat) {
        return "reply.reject_stat";
    }
    if (m->reject_stat == VW_RPC_RPC_MISMATCH && o->mismatch.low != m->mismatch.low) {
        return "reply.mismatch.low";
    }
    if (m->reject_stat == VW_RPC_RPC_MISMATCH && o->mismatch.high != m->mismatch.high) {
        return "reply.mismatch.high";
    }
    if (m->reject_stat == VW_RPC_AUTH_ERROR && o->auth_stat != m->auth_stat) {
        return "reply.auth_stat";
    }
    return NULL;
}

const char *vw_oracle_msg_diff(const struct vw_oracle_msg *o, const struct vw_rpc_msg *m) {
    if (!o->ok) {
        return "accepted";
    }
    if (o->msg.xid != m->xid) {
        return "xid";
    }
    if (o->msg.mtype != m->mtype) {
        return "mtype";
    }
    if (m->mtype == VW_RPC_CALL) {
        return call_diff(&o->msg.call, &m->call);
    }
    return reply_diff(&o->msg.reply, &m->reply);
}

static const char *mapping_diff(const struct vw_pmap_mapping *o, const struct vw_pmap_mapping *m,
                                bool in_list) {
    if (o->prog != m->prog) {
        return in_list ? "list[].prog" : "mapping.prog";
    }
    if (o->vers != m->vers) {
        return in_list ? "list[].vers" : "mapping.vers";
    }
    if (o->prot != m->prot) {
        return in_list ? "list[].prot" : "mapping.prot";
    }
    if (o->port != m->port) {
        return in_list ? "list[].port" : "mapping.port";
    }
    return NULL;
}

static const char *rpcb_diff(const struct vw_rpcb *o, const struct vw_rpcb *m, bool in_list) {
    if (o->prog != m->prog) {
        return in_list ? "list[].r_prog" : "rpcb.r_prog";
    }
    if (o->vers != m->vers) {
        return in_list ? "list[].r_vers" : "rpcb.r_vers";
    }
    if (!str_eq(o->netid, m->netid)) {
        return in_list ? "list[].r_netid" : "rpcb.r_netid";
    }
    if (!str_eq(o->addr, m->addr)) {
        return in_list ? "list[].r_addr" : "rpcb.r_addr";
    }
    if (!str_eq(o->owner, m->owner)) {
        return in_list ? "list[].r_owner" : "rpcb.r_owner";
    }
    return NULL;
}

static const char *entry_diff(const struct vw_rpcb_entry *o, const struct vw_rpcb_entry *m) {
    if (!str_eq(o->maddr, m->maddr)) {
        return "list[].r_maddr";
    }
    if (!str_eq(o->nc_netid, m->nc_netid)) {
        return "list[].r_nc_netid";
    }
    if (o->nc_semantics != m->nc_semantics) {
        return "list[].r_nc_semantics";
    }
    if (!str_eq(o->nc_protofmly, m->nc_protofmly)) {
        return "list[].r_nc_protofmly";
    }
    if (!str_eq(o->nc_proto, m->nc_proto)) {
        return "list[].r_nc_proto";
    }
    return NULL;
}

static const char *list_diff(const struct vw_oracle_body *o, const struct vw_pmap_body *b) {
    struct vw_pmap_list_iter it;
    union vw_oracle_entry e;
    uint32_t i = 0;
    const char *d;

    if (o->body.list.num_entries != b->list.num_entries) {
        return "list.num_entries";
    }
    vw_pmap_list_begin(&it, b);
    while (vw_pmap_list_next(&it, &e) == 1) {
        if (i == o->body.list.num_entries) {
            return "list.walk";  /* reference/ walks more entries than it counted */
        }
        if (b->kind == VW_PMAP_K_PMAPLIST) {
            d = mapping_diff(&o->entries[i].mapping, &e.mapping, true);
        } else if (b->kind == VW_PMAP_K_RPCBLIST) {
            d = rpcb_diff(&o->entries[i].rpcb, &e.rpcb, true);
        } else {
            d = entry_diff(&o->entries[i].entry, &e.entry);
        }
        if (d != NULL) {
            return d;
        }
        i++;
    }
    return i == o->body.list.num_entries ? NULL : "list.walk";
}

const char *vw_oracle_body_diff(const struct vw_oracle_body *o, const struct vw_pmap_body *b) {
    const struct vw_pmap_body *a = &o->body;

    if (!o->ok) {
        return "accepted";
    }
    if (a->kind != b->kind) {
        return "kind";
    }
    if (a->vers != b->vers) {
        return "vers";
    }
    switch (b->kind) {
    case VW_PMAP_K_VOID:
        return NULL;
    case VW_PMAP_K_MAPPING:
        return mapping_diff(&a->mapping, &b->mapping, false);
    case VW_PMAP_K_BOOL:
        return a->value_bool != b->value_bool ? "bool" : NULL;
    case VW_PMAP_K_UINT:
        return a->value_uint != b->value_uint ? "uint" : NULL;
    case VW_PMAP_K_PMAPLIST:
    case VW_PMAP_K_RPCBLIST:
    case VW_PMAP_K_ENTRYLIST:
        return list_diff(o, b);
    case VW_PMAP_K_CALL_ARGS:
        if (a->call_args.prog != b->call_args.prog) {
            return "call_args.prog";
        }
        if (a->call_args.vers != b->call_args.vers) {
            return "call_args.vers";
        }
        if (a->call_args.proc != b->call_args.proc) {
            return "call_args.proc";
        }
        return vw_span_eq(a->call_args.args, b->call_args.args) ? NULL : "call_args.args";
    case VW_PMAP_K_CALL_RESULT:
        if (a->call_result.port != b->call_result.port) {
            return "call_result.port";
        }
        return vw_span_eq(a->call_result.results, b->call_result.results) ? NULL
                                                                            : "call_result.res";
    case VW_PMAP_K_RPCB:
        return rpcb_diff(&a->rpcb, &b->rpcb, false);
    case VW_PMAP_K_STRING:
        return str_eq(a->string, b->string) ? NULL : "string";
    case VW_PMAP_K_RMTCALL_RES:
        if (!str_eq(a->call_result.addr, b->call_result.addr)) {
            return "rmtcallres.addr";
        }
        return vw_span_eq(a->call_result.results, b->call_result.results) ? NULL
                                                                            : "rmtcallres.results";
    case VW_PMAP_K_NETBUF:
        if (a->netbuf.maxlen != b->netbuf.maxlen) {
            return "netbuf.maxlen";
        }
        return vw_span_eq(a->netbuf.buf, b->netbuf.buf) ? NULL : "netbuf.buf";
    }
    return "kind";
}

/* ---- dump ---- */

static void dump_span(FILE *f, struct vw_span s) {
    size_t n = s.len < 64 ? s.len : 64;

    fprintf(f, "(%zu) ", s.len);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%02x", s.p[i]);
    }
    fprintf(f, "%s\n", n < s.len ? "..." : "");
}

static void dump_rpcb(FILE *f, const struct vw_rpcb *r, const char *indent) {
    fprintf(f, "%sr_prog %" PRIu32 " r_vers %" PRIu32 "\n", indent, r->prog, r->vers);
    fprintf(f, "%sr_netid ", indent);
    dump_span(f, r->netid);
    fprintf(f, "%sr_addr ", indent);
    dump_span(f, r->addr);
    fprintf(f, "%sr_owner ", indent);
    dump_span(f, r->owner);
}

void vw_oracle_body_dump(FILE *f, const struct vw_oracle_body *o, const char *indent) {
    const struct vw_pmap_body *b = &o->body;

    if (!o->ok) {
        fprintf(f, "%srejected\n", indent);
        return;
    }
    fprintf(f, "%skind %d vers %" PRIu32 " pos %zu\n", indent, (int)b->kind, b->vers, o->pos);
    switch (b->kind) {
    case VW_PMAP_K_VOID:
        break;
    case VW_PMAP_K_MAPPING:
        fprintf(f, "%smapping %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", indent,
                b->mapping.prog, b->mapping.vers, b->mapping.prot, b->mapping.port);
        break;
    case VW_PMAP_K_BOOL:
        fprintf(f, "%sbool %d\n", indent, b->value_bool ? 1 : 0);
        break;
    case VW_PMAP_K_UINT:
        fprintf(f, "%suint %" PRIu32 "\n", indent, b->value_uint);
        break;
    case VW_PMAP_K_PMAPLIST:
    case VW_PMAP_K_RPCBLIST:
    case VW_PMAP_K_ENTRYLIST:
        fprintf(f, "%slist %" PRIu32 " entries\n", indent, b->list.num_entries);
        for (uint32_t i = 0; i < b->list.num_entries; i++) {
            const union vw_oracle_entry *e = &o->entries[i];
            if (b->kind == VW_PMAP_K_PMAPLIST) {
                fprintf(f, "%s[%" PRIu32 "] %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
                        indent, i, e->mapping.prog, e->mapping.vers, e->mapping.prot,
                        e->mapping.port);
            } else if (b->kind == VW_PMAP_K_RPCBLIST) {
                fprintf(f, "%s[%" PRIu32 "]\n", indent, i);
                dump_rpcb(f, &e->rpcb, indent);
            } else {
                fprintf(f, "%s[%" PRIu32 "] r_nc_semantics %" PRIu32 "\n", indent, i,
                        e->entry.nc_semantics);
                fprintf(f, "%sr_maddr ", indent);
                dump_span(f, e->entry.maddr);
                fprintf(f, "%sr_nc_netid ", indent);
                dump_span(f, e->entry.nc_netid);
                fprintf(f, "%sr_nc_protofmly ", indent);
                dump_span(f, e->entry.nc_protofmly);
                fprintf(f, "%sr_nc_proto ", indent);
                dump_span(f, e->entry.nc_proto);
            }
        }
        break;
    case VW_PMAP_K_CALL_ARGS:
        fprintf(f, "%scall_args %" PRIu32 " %" PRIu32 " %" PRIu32 " args ", indent,
                b->call_args.prog, b->call_args.vers, b->call_args.proc);
        dump_span(f, b->call_args.args);
        break;
    case VW_PMAP_K_CALL_RESULT:
        fprintf(f, "%scall_result port %" PRIu32 " res ", indent, b->call_result.port);
        dump_span(f, b->call_result.results);
        break;
    case VW_PMAP_K_RPCB:
        dump_rpcb(f, &b->rpcb, indent);
        break;
    case VW_PMAP_K_STRING:
        fprintf(f, "%sstring ", indent);
        dump_span(f, b->string);
        break;
    case VW_PMAP_K_RMTCALL_RES:
        fprintf(f, "%srmtcallres addr ", indent);
        dump_span(f, b->call_result.addr);
        fprintf(f, "%srmtcallres results ", indent);
        dump_span(f, b->call_result.results);
        break;
    case VW_PMAP_K_NETBUF:
        fprintf(f, "%snetbuf maxlen %" PRIu32 " buf ", indent, b->netbuf.maxlen);
        dump_span(f, b->netbuf.buf);
        break;
    }
}
