/* pmap.c -- portmapper / rpcbind bodies (RFC 1833); see pmap.h. */
#include "pmap.h"

#include <string.h>

#define TRY VW_XDR_TRY

int vw_pmap_body_kind(uint32_t vers, uint32_t proc, bool is_reply, enum vw_pmap_kind *out) {
    enum vw_pmap_kind k;
    bool v2 = vers == VW_PMAP_VERS_PORTMAP;
    bool v4 = vers == VW_PMAP_VERS_RPCBIND4;

    if (vers < VW_PMAP_VERS_PORTMAP || vers > VW_PMAP_VERS_RPCBIND4) {
        return VW_E_UNKNOWN_PROC;
    }
    switch (proc) {
    case VW_PMAP_NULL:
        k = VW_PMAP_K_VOID;
        break;
    case VW_PMAP_SET:
    case VW_PMAP_UNSET:
        k = is_reply ? VW_PMAP_K_BOOL : (v2 ? VW_PMAP_K_MAPPING : VW_PMAP_K_RPCB);
        break;
    case VW_PMAP_GETPORT:
        if (v2) {
            k = is_reply ? VW_PMAP_K_UINT : VW_PMAP_K_MAPPING;
        } else {
            k = is_reply ? VW_PMAP_K_STRING : VW_PMAP_K_RPCB;
        }
        break;
    case VW_PMAP_DUMP:
        k = !is_reply ? VW_PMAP_K_VOID : (v2 ? VW_PMAP_K_PMAPLIST : VW_PMAP_K_RPCBLIST);
        break;
    case VW_PMAP_CALLIT:
        if (is_reply) {
            k = v2 ? VW_PMAP_K_CALL_RESULT : VW_PMAP_K_RMTCALL_RES;
        } else {
            k = VW_PMAP_K_CALL_ARGS;
        }
        break;
    default:
        if (v2) {
            return VW_E_UNKNOWN_PROC;
        }
        switch (proc) {
        case VW_PMAP_GETTIME:
            k = is_reply ? VW_PMAP_K_UINT : VW_PMAP_K_VOID;
            break;
        case VW_PMAP_UADDR2TADDR:
            k = is_reply ? VW_PMAP_K_NETBUF : VW_PMAP_K_STRING;
            break;
        case VW_PMAP_TADDR2UADDR:
            k = is_reply ? VW_PMAP_K_STRING : VW_PMAP_K_NETBUF;
            break;
        case VW_PMAP_GETVERSADDR:
            if (!v4) {
                return VW_E_UNKNOWN_PROC;
            }
            k = is_reply ? VW_PMAP_K_STRING : VW_PMAP_K_RPCB;
            break;
        case VW_PMAP_INDIRECT:
            if (!v4) {
                return VW_E_UNKNOWN_PROC;
            }
            k = is_reply ? VW_PMAP_K_RMTCALL_RES : VW_PMAP_K_CALL_ARGS;
            break;
        case VW_PMAP_GETADDRLIST:
            if (!v4) {
                return VW_E_UNKNOWN_PROC;
            }
            k = is_reply ? VW_PMAP_K_ENTRYLIST : VW_PMAP_K_RPCB;
            break;
        default:
            return VW_E_UNKNOWN_PROC;
        }
    }
    *out = k;
    return 0;
}

static int get_mapping(struct vw_xdr_dec *d, struct vw_pmap_mapping *m) {
    struct vw_xdr_dec c = *d;
    struct vw_pmap_mapping v;

    TRY(&c, "mapping.prog", vw_xdr_get_u32(&c, &v.prog));
    TRY(&c, "mapping.vers", vw_xdr_get_u32(&c, &v.vers));
    TRY(&c, "mapping.prot", vw_xdr_get_u32(&c, &v.prot));
    TRY(&c, "mapping.port", vw_xdr_get_u32(&c, &v.port));
    *m = v;
    d->cur = c.cur;
    return 0;
}

static int get_rpcb(struct vw_xdr_dec *d, struct vw_rpcb *b) {
    struct vw_xdr_dec c = *d;
    struct vw_rpcb v;

    TRY(&c, "rpcb.r_prog", vw_xdr_get_u32(&c, &v.prog));
    TRY(&c, "rpcb.r_vers", vw_xdr_get_u32(&c, &v.vers));
    TRY(&c, "rpcb.r_netid", vw_xdr_get_string(&c, VW_XDR_UNBOUNDED, &v.netid));
    TRY(&c, "rpcb.r_addr", vw_xdr_get_string(&c, VW_XDR_UNBOUNDED, &v.addr));
    TRY(&c, "rpcb.r_owner", vw_xdr_get_string(&c, VW_XDR_UNBOUNDED, &v.owner));
    *b = v;
    d->cur = c.cur;
    return 0;
}

static int get_entry(struct vw_xdr_dec *d, struct vw_rpcb_entry *en) {
    struct vw_xdr_dec c = *d;
    struct vw_rpcb_entry v;

    TRY(&c, "rpcb_entry.r_maddr", vw_xdr_get_string(&c, VW_XDR_UNBOUNDED, &v.maddr));
    TRY(&c, "rpcb_entry.r_nc_netid", vw_xdr_get_string(&c, VW_XDR_UNBOUNDED, &v.nc_netid));
    TRY(&c, "rpcb_entry.r_nc_semantics", vw_xdr_get_u32(&c, &v.nc_semantics));
    TRY(&c, "rpcb_entry.r_nc_protofmly",
        vw_xdr_get_string(&c, VW_XDR_UNBOUNDED, &v.nc_protofmly));
    TRY(&c, "rpcb_entry.r_nc_proto", vw_xdr_get_string(&c, VW_XDR_UNBOUNDED, &v.nc_proto));
    *en = v;
    d->cur = c.cur;
    return 0;
}

static int get_list_entry(struct vw_xdr_dec *d, enum vw_pmap_kind kind, void *out) {
    if (kind == VW_PMAP_K_PMAPLIST) {
        return get_mapping(d, out);
    }
    if (kind == VW_PMAP_K_RPCBLIST) {
        return get_rpcb(d, out);
    }
    return get_entry(d, out);
}

/* get_list reads an optional-data chain (RFC 4506 §4.19: `T *next` after each entry). */
static int get_list(struct vw_xdr_dec *d, enum vw_pmap_kind kind, struct vw_pmap_list *out) {
    struct vw_xdr_dec c = *d;
    union vw_pmap_entry entry;
    uint32_t n = 0;
    bool more = false;

    TRY(&c, "list.more", vw_xdr_get_optional(&c, &more));
    while (more) {
        int r = get_list_entry(&c, kind, &entry);
        if (r < 0) {
            return r;
        }
        if (n == UINT32_MAX) {
            return VW_E_TOO_LONG;  /* unreachable: each entry takes at least 20 bytes */
        }
        n++;
        TRY(&c, "list.more", vw_xdr_get_optional(&c, &more));
    }
    *out = (struct vw_pmap_list){
        .num_entries = n, .raw = { .p = d->cur.p, .len = (size_t)(c.cur.p - d->cur.p) }
    };
    d->cur = c.cur;
    return 0;
}

static int decode_kind(struct vw_xdr_dec *d, struct vw_pmap_body *b) {
    switch (b->kind) {
    case VW_PMAP_K_VOID:
        return 0;
    case VW_PMAP_K_MAPPING:
        return get_mapping(d, &b->mapping);
    case VW_PMAP_K_BOOL:
        TRY(d, "bool", vw_xdr_get_bool(d, &b->value_bool));
        return 0;
    case VW_PMAP_K_UINT:
        TRY(d, "uint", vw_xdr_get_u32(d, &b->value_uint));
        return 0;
    case VW_PMAP_K_PMAPLIST:
    case VW_PMAP_K_RPCBLIST:
    case VW_PMAP_K_ENTRYLIST:
        return get_list(d, b->kind, &b->list);
    case VW_PMAP_K_CALL_ARGS:
        TRY(d, "call_args.prog", vw_xdr_get_u32(d, &b->call_args.prog));
        TRY(d, "call_args.vers", vw_xdr_get_u32(d, &b->call_args.vers));
        TRY(d, "call_args.proc", vw_xdr_get_u32(d, &b->call_args.proc));
        TRY(d, "call_args.args", vw_xdr_get_opaque(d, VW_XDR_UNBOUNDED, &b->call_args.args));
        return 0;
    case VW_PMAP_K_CALL_RESULT:
        TRY(d, "call_result.port", vw_xdr_get_u32(d, &b->call_result.port));
        TRY(d, "call_result.res",
            vw_xdr_get_opaque(d, VW_XDR_UNBOUNDED, &b->call_result.results));
        return 0;
    case VW_PMAP_K_RPCB:
        return get_rpcb(d, &b->rpcb);
    case VW_PMAP_K_STRING:
        TRY(d, "string", vw_xdr_get_string(d, VW_XDR_UNBOUNDED, &b->string));
        return 0;
    case VW_PMAP_K_RMTCALL_RES:
        TRY(d, "rmtcallres.addr", vw_xdr_get_string(d, VW_XDR_UNBOUNDED, &b->call_result.addr));
        TRY(d, "rmtcallres.results",
            vw_xdr_get_opaque(d, VW_XDR_UNBOUNDED, &b->call_result.results));
        return 0;
    case VW_PMAP_K_NETBUF:
        TRY(d, "netbuf.maxlen", vw_xdr_get_u32(d, &b->netbuf.maxlen));
        TRY(d, "netbuf.buf", vw_xdr_get_opaque(d, VW_XDR_UNBOUNDED, &b->netbuf.buf));
        return 0;
    }
    return VW_E_INVALID;
}

int vw_pmap_decode(struct vw_pmap_body *out, struct vw_diag *diag, struct vw_diag *lax,
                   const uint8_t *base, struct vw_span body, uint32_t vers, uint32_t proc,
                   bool is_reply, unsigned flags) {
    struct vw_pmap_body b;
    struct vw_xdr_dec d;
    int r;

    memset(&b, 0, sizeof(b));
    if ((r = vw_pmap_body_kind(vers, proc, is_reply, &b.kind)) < 0) {
        return r;
    }
    b.vers = vers;
    vw_xdr_dec_init(&d, body.p, body.len, flags, diag, lax);
    d.base = base;
    if ((r = decode_kind(&d, &b)) < 0) {
        return r;
    }
    TRY(&d, "trailing", vw_xdr_expect_end(&d));
    *out = b;
    return 0;
}

void vw_pmap_list_begin(struct vw_pmap_list_iter *it, const struct vw_pmap_body *b) {
    /* The chain was validated (strict or lenient) at decode time; walk it leniently. */
    vw_xdr_dec_init(&it->d, b->list.raw.p, b->list.raw.len, VW_DEC_LENIENT, NULL, NULL);
    it->kind = b->kind;
}

int vw_pmap_list_next(struct vw_pmap_list_iter *it, void *out_entry) {
    bool more = false;

    if (vw_xdr_get_optional(&it->d, &more) < 0 || !more) {
        return 0;
    }
    if (get_list_entry(&it->d, it->kind, out_entry) < 0) {
        return 0;
    }
    return 1;
}

static int put_mapping(struct vw_xdr_enc *e, const struct vw_pmap_mapping *m) {
    int r;

    if ((r = vw_xdr_put_u32(e, m->prog)) < 0 || (r = vw_xdr_put_u32(e, m->vers)) < 0 ||
        (r = vw_xdr_put_u32(e, m->prot)) < 0 || (r = vw_xdr_put_u32(e, m->port)) < 0) {
        return r;
    }
    return 0;
}

static int put_rpcb(struct vw_xdr_enc *e, const struct vw_rpcb *b) {
    int r;

    if ((r = vw_xdr_put_u32(e, b->prog)) < 0 || (r = vw_xdr_put_u32(e, b->vers)) < 0 ||
        (r = vw_xdr_put_string(e, b->netid, VW_XDR_UNBOUNDED)) < 0 ||
        (r = vw_xdr_put_string(e, b->addr, VW_XDR_UNBOUNDED)) < 0 ||
        (r = vw_xdr_put_string(e, b->owner, VW_XDR_UNBOUNDED)) < 0) {
        return r;
    }
    return 0;
}

static int put_entry(struct vw_xdr_enc *e, const struct vw_rpcb_entry *en) {
    int r;

    if ((r = vw_xdr_put_string(e, en->maddr, VW_XDR_UNBOUNDED)) < 0 ||
        (r = vw_xdr_put_string(e, en->nc_netid, VW_XDR_UNBOUNDED)) < 0 ||
        (r = vw_xdr_put_u32(e, en->nc_semantics)) < 0 ||
        (r = vw_xdr_put_string(e, en->nc_protofmly, VW_XDR_UNBOUNDED)) < 0 ||
        (r = vw_xdr_put_string(e, en->nc_proto, VW_XDR_UNBOUNDED)) < 0) {
        return r;
    }
    return 0;
}

static int put_list(struct vw_xdr_enc *e, const struct vw_pmap_body *b) {
    struct vw_pmap_list_iter it;
    union vw_pmap_entry entry;
    int r;

    vw_pmap_list_begin(&it, b);
    while (vw_pmap_list_next(&it, &entry) == 1) {
        if ((r = vw_xdr_put_bool(e, true)) < 0) {
            return r;
        }
        if (b->kind == VW_PMAP_K_PMAPLIST) {
            r = put_mapping(e, &entry.m);
        } else if (b->kind == VW_PMAP_K_RPCBLIST) {
            r = put_rpcb(e, &entry.b);
        } else {
            r = put_entry(e, &entry.e);
        }
        if (r < 0) {
            return r;
        }
    }
    return vw_xdr_put_bool(e, false);
}

static int encode_kind(struct vw_xdr_enc *c, const struct vw_pmap_body *b) {
    int r;

    switch (b->kind) {
    case VW_PMAP_K_VOID:
        return 0;
    case VW_PMAP_K_MAPPING:
        return put_mapping(c, &b->mapping);
    case VW_PMAP_K_BOOL:
        return vw_xdr_put_bool(c, b->value_bool);
    case VW_PMAP_K_UINT:
        return vw_xdr_put_u32(c, b->value_uint);
    case VW_PMAP_K_PMAPLIST:
    case VW_PMAP_K_RPCBLIST:
    case VW_PMAP_K_ENTRYLIST:
        return put_list(c, b);
    case VW_PMAP_K_CALL_ARGS:
        if ((r = vw_xdr_put_u32(c, b->call_args.prog)) < 0 ||
            (r = vw_xdr_put_u32(c, b->call_args.vers)) < 0 ||
            (r = vw_xdr_put_u32(c, b->call_args.proc)) < 0) {
            return r;
        }
        return vw_xdr_put_opaque(c, b->call_args.args, VW_XDR_UNBOUNDED);
    case VW_PMAP_K_CALL_RESULT:
        if ((r = vw_xdr_put_u32(c, b->call_result.port)) < 0) {
            return r;
        }
        return vw_xdr_put_opaque(c, b->call_result.results, VW_XDR_UNBOUNDED);
    case VW_PMAP_K_RPCB:
        return put_rpcb(c, &b->rpcb);
    case VW_PMAP_K_STRING:
        return vw_xdr_put_string(c, b->string, VW_XDR_UNBOUNDED);
    case VW_PMAP_K_RMTCALL_RES:
        if ((r = vw_xdr_put_string(c, b->call_result.addr, VW_XDR_UNBOUNDED)) < 0) {
            return r;
        }
        return vw_xdr_put_opaque(c, b->call_result.results, VW_XDR_UNBOUNDED);
    case VW_PMAP_K_NETBUF:
        if ((r = vw_xdr_put_u32(c, b->netbuf.maxlen)) < 0) {
            return r;
        }
        return vw_xdr_put_opaque(c, b->netbuf.buf, VW_XDR_UNBOUNDED);
    }
    return VW_E_INVALID;
}

int vw_pmap_encode(struct vw_xdr_enc *e, const struct vw_pmap_body *b) {
    struct vw_xdr_enc c = *e;
    int r;

    if ((r = encode_kind(&c, b)) < 0) {
        return r;
    }
    *e = c;
    return 0;
}

const char *vw_pmap_proc_name(uint32_t vers, uint32_t proc) {
    static const char *const v2[] = { "NULL", "SET", "UNSET", "GETPORT", "DUMP", "CALLIT" };
    static const char *const v34[] = { "NULL", "SET", "UNSET", "GETADDR", "DUMP", "CALLIT",
                                       "GETTIME", "UADDR2TADDR", "TADDR2UADDR", "GETVERSADDR",
                                       "INDIRECT", "GETADDRLIST", "GETSTAT" };
    if (vers == VW_PMAP_VERS_PORTMAP) {
        return proc < 6 ? v2[proc] : "?";
    }
    if (vers == VW_PMAP_VERS_RPCBIND4 && proc == VW_PMAP_CALLIT) {
        return "BCAST";
    }
    if (vers == VW_PMAP_VERS_RPCBIND3) {
        return proc < 9 ? v34[proc] : "?";
    }
    if (vers == VW_PMAP_VERS_RPCBIND4) {
        return proc < 13 ? v34[proc] : "?";
    }
    return "?";
}
