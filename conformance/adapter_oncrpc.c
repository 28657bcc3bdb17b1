/* adapter_oncrpc.c -- the conformance adapter for ONC RPC version 2 over record marking
 * ("onc-rpc", RFC 5531 §9, §11), built on reference/oncrpc.h, recmark.h and pmap.h.
 *
 * Fields of a CALL (RFC 5531 §9):
 *   xid, msg_type = CALL, rpcvers, prog, vers, proc (decimal; a portmap/rpcbind procedure of
 *   program 100000 by name: GETPORT, DUMP, GETADDR ...), cred.flavor (AUTH_NONE, AUTH_SYS,
 *   AUTH_SHORT, AUTH_DH, AUTH_KERB, AUTH_RSA, RPCSEC_GSS, AUTH_TLS, else decimal), for AUTH_SYS
 *   cred.sys.stamp, cred.sys.machinename, cred.sys.uid, cred.sys.gid, cred.sys.gids (count)
 *   and cred.sys.gids[i], for other flavours cred.body = x"...", verf.flavor, verf.body,
 *   args = x"..." (the procedure's arguments as they are).
 * Fields of a REPLY: xid, msg_type = REPLY, reply_stat (MSG_ACCEPTED, MSG_DENIED); accepted:
 *   verf.flavor, verf.body, accept_stat (SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL,
 *   GARBAGE_ARGS, SYSTEM_ERR), results = x"..." (SUCCESS), mismatch.low / mismatch.high
 *   (PROG_MISMATCH); denied: reject_stat (RPC_MISMATCH, AUTH_ERROR), mismatch.low/high or
 *   auth_stat (AUTH_BADCRED ...).  Every message also has fragments, its fragment count.
 * Portmap / rpcbind (program 100000, versions 2-4, RFC 1833): the arguments of a call are
 *   also decoded as args.* and the results of a reply as results.* (pmap.h kinds): a mapping
 *   as .prog .vers .prot .port; a bool, port or time, a universal address as .value; rpcb as
 *   .prog .vers .netid .addr .owner; netbuf as .maxlen .buf; call args as .prog .vers .proc
 *   .args; call results as .port or .addr and .results; lists as .list (count) and
 *   .list[i].<member>.  A reply does not say which call it answers: the results are decoded
 *   when this thread encoded a portmap call with the same xid (the last VW_CF_RPC_XIDS of them
 *   are remembered), else only results = x"...".  A send may give args.* fields instead of
 *   args for the argument kinds (mapping, rpcb, call args, address, netbuf).
 * Encoding: msg_type defaults to CALL (REPLY when reply_stat is given), xid to 0, rpcvers to
 *   2, proc to 0, flavours to AUTH_NONE, AUTH_SYS members to 0 and "", bodies to empty; prog
 *   and vers are required in a call.  The record is one last fragment whose header word is
 *   computed unless `fragment` is assigned (sent as given: a malformed header on purpose).
 * Receiving: records reassembled from fragments (vw_rm_feed), decoded strictly, then
 *   leniently when that fails; an empty non-last fragment is a framing error (§11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_feed.h"
#include "adapters.h"
#include "oncrpc.h"
#include "pmap.h"
#include "recmark.h"
#include "xs_fields.h"

#define NUM(a) (sizeof(a) / sizeof((a)[0]))
#define VW_CF_RPC_XIDS 64u   /* portmap calls remembered per thread for their replies */

static const char *const flavors[] = { "AUTH_NONE", "AUTH_SYS", "AUTH_SHORT", "AUTH_DH",
                                       "AUTH_KERB", "AUTH_RSA", "RPCSEC_GSS", "AUTH_TLS" };
static const char *const msg_types[] = { "CALL", "REPLY" };
static const char *const reply_stats[] = { "MSG_ACCEPTED", "MSG_DENIED" };
static const char *const accept_stats[] = { "SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH",
                                            "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR" };
static const char *const reject_stats[] = { "RPC_MISMATCH", "AUTH_ERROR" };
static const char *const auth_stats[] = {
    "AUTH_OK", "AUTH_BADCRED", "AUTH_REJECTEDCRED", "AUTH_BADVERF", "AUTH_REJECTEDVERF",
    "AUTH_TOOWEAK", "AUTH_INVALIDRESP", "AUTH_FAILED", "AUTH_KERB_GENERIC",
    "AUTH_TIMEEXPIRE", "AUTH_TKT_FILE", "AUTH_DECODE", "AUTH_NET_ADDR",
    "RPCSEC_GSS_CREDPROBLEM", "RPCSEC_GSS_CTXPROBLEM",
};

/* The portmap calls this thread encoded, by xid, so their replies' results can be decoded. */
static _Thread_local struct {
    uint32_t xid, vers, proc;
    bool set;
} calls[VW_CF_RPC_XIDS];
static _Thread_local size_t next_call;

static const char *name_of(const char *const *names, size_t n, uint64_t v) {
    return v < n ? names[v] : NULL;
}

/* ---- encoding ---- */

struct enc {
    const struct vw_txn_assign *a;
    size_t n;
    bool *used;
    char *err;
    size_t err_len;
    uint8_t **owned;     /* byte values parsed, freed at the end */
    size_t num_owned;
};

static int u32_field(struct enc *c, const char *path, const char *const *names, size_t num,
                     int64_t def, uint32_t *out) {
    long at = vw_xsf_find(c->a, c->n, c->used, path);
    int64_t v = def;

    if (at >= 0 && vw_xsf_parse_int(c->a[at].value, INT32_MIN, UINT32_MAX, names, num, &v) < 0) {
        snprintf(c->err, c->err_len, "line %u: %s = %s: not a valid %s", c->a[at].line, path,
                 c->a[at].value, path);
        return VW_E_TYPE;
    }
    if (at < 0 && def < 0) {
        snprintf(c->err, c->err_len, "%s: missing (a mandatory field)", path);
        return VW_E_MEMBER;
    }
    *out = (uint32_t)v;
    return 0;
}

/* bytes_field reads |path| into |*out| (a view of memory |c| owns); 0 also when unassigned
 * (|*out| untouched), 1 when assigned. */
static int bytes_field(struct enc *c, const char *path, struct vw_span *out) {
    long at = vw_xsf_find(c->a, c->n, c->used, path);
    uint8_t *p = NULL, **o;
    size_t len = 0;

    if (at < 0) {
        return 0;
    }
    if (vw_xsf_parse_bytes(c->a[at].value, &p, &len, NULL) < 0) {
        snprintf(c->err, c->err_len, "line %u: %s = %s: not x\"hex\" or a string",
                 c->a[at].line, path, c->a[at].value);
        return VW_E_TYPE;
    }
    if ((o = realloc(c->owned, (c->num_owned + 1) * sizeof(*o))) == NULL) {
        free(p);
        return VW_E_NOMEM;
    }
    c->owned = o;
    c->owned[c->num_owned++] = p;
    *out = (struct vw_span){ p, len };
    return 1;
}

static int auth_fields(struct enc *c, const char *prefix, uint32_t *flavor,
                       struct vw_span *body) {
    char path[32];
    int r;

    snprintf(path, sizeof(path), "%s.flavor", prefix);
    if ((r = u32_field(c, path, flavors, NUM(flavors), VW_RPC_AUTH_NONE, flavor)) < 0) {
        return r;
    }
    snprintf(path, sizeof(path), "%s.body", prefix);
    return bytes_field(c, path, body) < 0 ? VW_E_TYPE : 0;
}

static int authsys_fields(struct enc *c, struct vw_rpc_authsys *s) {
    int64_t count = 0;
    char path[48];
    long at;
    int r;

    if ((r = u32_field(c, "cred.sys.stamp", NULL, 0, 0, &s->stamp)) < 0 ||
        (r = bytes_field(c, "cred.sys.machinename", &s->machinename)) < 0 ||
        (r = u32_field(c, "cred.sys.uid", NULL, 0, 0, &s->uid)) < 0 ||
        (r = u32_field(c, "cred.sys.gid", NULL, 0, 0, &s->gid)) < 0) {
        return r;
    }
    if ((at = vw_xsf_find(c->a, c->n, c->used, "cred.sys.gids")) >= 0 &&
        vw_xsf_parse_int(c->a[at].value, 0, VW_RPC_GIDS_MAX, NULL, 0, &count) < 0) {
        snprintf(c->err, c->err_len, "line %u: cred.sys.gids = %s: not a count up to 16",
                 c->a[at].line, c->a[at].value);
        return VW_E_TOO_LONG;
    }
    for (uint32_t i = 0; i < VW_RPC_GIDS_MAX; i++) {
        snprintf(path, sizeof(path), "cred.sys.gids[%u]", i);
        for (size_t k = 0; at < 0 && k < c->n; k++) {
            if (strcmp(c->a[k].path, path) == 0 && i + 1 > count) {
                count = i + 1;  /* without a count: one past the highest index */
            }
        }
    }
    s->num_gids = (uint32_t)count;
    for (uint32_t i = 0; i < s->num_gids; i++) {
        snprintf(path, sizeof(path), "cred.sys.gids[%u]", i);
        if ((r = u32_field(c, path, NULL, 0, -1, &s->gids[i])) < 0) {
            return r;
        }
    }
    return 0;
}

/* pmap_args builds the arguments of a portmap/rpcbind call from args.* fields. */
static int pmap_args(struct enc *c, uint32_t vers, uint32_t proc, struct vw_cf_buf *out) {
    struct vw_pmap_body b = { .vers = vers };
    struct vw_xdr_enc e;
    uint8_t tmp[8192];
    int r = 0;

    if (vw_pmap_body_kind(vers, proc, false, &b.kind) < 0) {
        return 0;  /* no argument type: only raw args */
    }
    switch (b.kind) {
    case VW_PMAP_K_MAPPING:
        if ((r = u32_field(c, "args.prog", NULL, 0, -1, &b.mapping.prog)) < 0 ||
            (r = u32_field(c, "args.vers", NULL, 0, -1, &b.mapping.vers)) < 0 ||
            (r = u32_field(c, "args.prot", NULL, 0, -1, &b.mapping.prot)) < 0 ||
            (r = u32_field(c, "args.port", NULL, 0, 0, &b.mapping.port)) < 0) {
            return r;
        }
        break;
    case VW_PMAP_K_RPCB:
        if ((r = u32_field(c, "args.prog", NULL, 0, -1, &b.rpcb.prog)) < 0 ||
            (r = u32_field(c, "args.vers", NULL, 0, -1, &b.rpcb.vers)) < 0 ||
            (r = bytes_field(c, "args.netid", &b.rpcb.netid)) < 0 ||
            (r = bytes_field(c, "args.addr", &b.rpcb.addr)) < 0 ||
            (r = bytes_field(c, "args.owner", &b.rpcb.owner)) < 0) {
            return r;
        }
        break;
    case VW_PMAP_K_CALL_ARGS:
        if ((r = u32_field(c, "args.prog", NULL, 0, -1, &b.call_args.prog)) < 0 ||
            (r = u32_field(c, "args.vers", NULL, 0, -1, &b.call_args.vers)) < 0 ||
            (r = u32_field(c, "args.proc", NULL, 0, -1, &b.call_args.proc)) < 0 ||
            (r = bytes_field(c, "args.args", &b.call_args.args)) < 0) {
            return r;
        }
        break;
    case VW_PMAP_K_STRING:
        if ((r = bytes_field(c, "args.value", &b.string)) < 0) {
            return r;
        }
        break;
    case VW_PMAP_K_NETBUF:
        if ((r = u32_field(c, "args.maxlen", NULL, 0, 0, &b.netbuf.maxlen)) < 0 ||
            (r = bytes_field(c, "args.buf", &b.netbuf.buf)) < 0) {
            return r;
        }
        break;
    default:
        return 0;
    }
    vw_xdr_enc_init(&e, tmp, sizeof(tmp));
    if ((r = vw_pmap_encode(&e, &b)) < 0) {
        snprintf(c->err, c->err_len, "args: cannot encode: %s", vw_err_text(r));
        return r;
    }
    return vw_cf_buf_append(out, tmp, e.len);
}

static int call_fields(struct enc *c, struct vw_rpc_msg *m, struct vw_cf_buf *args) {
    struct vw_rpc_call *k = &m->call;
    struct vw_span raw = { 0 };
    int r;

    if ((r = u32_field(c, "rpcvers", NULL, 0, VW_RPC_VERSION, &k->rpcvers)) < 0 ||
        (r = u32_field(c, "prog", NULL, 0, -1, &k->prog)) < 0 ||
        (r = u32_field(c, "vers", NULL, 0, -1, &k->vers)) < 0) {
        return r;
    }
    {
        const char *names[13];
        size_t num = 0;
        for (uint32_t p = 0; k->prog == VW_PMAP_PROG && p < NUM(names); p++) {
            names[num++] = vw_pmap_proc_name(k->vers, p);
        }
        if ((r = u32_field(c, "proc", names, num, 0, &k->proc)) < 0) {
            return r;
        }
    }
    if ((r = auth_fields(c, "cred", &k->cred.flavor, &k->cred.body)) < 0 ||
        (r = auth_fields(c, "verf", &k->verf.flavor, &k->verf.body)) < 0) {
        return r;
    }
    if (k->cred.flavor == VW_RPC_AUTH_SYS && vw_xsf_find(c->a, c->n, c->used, "cred.body") < 0) {
        k->cred.has_sys = true;
        if ((r = authsys_fields(c, &k->cred.sys)) < 0) {
            return r;
        }
    }
    if ((r = bytes_field(c, "args", &raw)) < 0) {
        return r;
    }
    if (r == 1) {
        return vw_cf_buf_append(args, raw.p, raw.len);
    }
    return k->prog == VW_PMAP_PROG ? pmap_args(c, k->vers, k->proc, args) : 0;
}

static int reply_fields(struct enc *c, struct vw_rpc_msg *m, struct vw_cf_buf *results) {
    struct vw_rpc_reply *p = &m->reply;
    struct vw_span raw = { 0 };
    int r;

    if ((r = u32_field(c, "reply_stat", reply_stats, NUM(reply_stats), 0, &p->stat)) < 0 ||
        (r = u32_field(c, "mismatch.low", NULL, 0, 0, &p->mismatch.low)) < 0 ||
        (r = u32_field(c, "mismatch.high", NULL, 0, 0, &p->mismatch.high)) < 0) {
        return r;
    }
    if (p->stat == VW_RPC_MSG_DENIED) {
        if ((r = u32_field(c, "reject_stat", reject_stats, NUM(reject_stats), 0,
                           &p->reject_stat)) < 0 ||
            (r = u32_field(c, "auth_stat", auth_stats, NUM(auth_stats), 0, &p->auth_stat)) < 0) {
            return r;
        }
        return 0;
    }
    if ((r = auth_fields(c, "verf", &p->verf.flavor, &p->verf.body)) < 0 ||
        (r = u32_field(c, "accept_stat", accept_stats, NUM(accept_stats), 0,
                       &p->accept_stat)) < 0 ||
        (r = bytes_field(c, "results", &raw)) < 0) {
        return r;
    }
    return vw_cf_buf_append(results, raw.p, raw.len);
}

static void remember(const struct vw_rpc_msg *m) {
    if (m->mtype == VW_RPC_CALL && m->call.prog == VW_PMAP_PROG) {
        calls[next_call % VW_CF_RPC_XIDS].xid = m->xid;
        calls[next_call % VW_CF_RPC_XIDS].vers = m->call.vers;
        calls[next_call % VW_CF_RPC_XIDS].proc = m->call.proc;
        calls[next_call % VW_CF_RPC_XIDS].set = true;
        next_call++;
    }
}

static int oncrpc_encode(const struct vw_txn_assign *a, size_t n, struct vw_cf_buf *out,
                         char *err, size_t err_len) {
    struct enc c = { .a = a, .n = n, .err = err, .err_len = err_len };
    struct vw_rpc_msg m = { 0 };
    struct vw_cf_buf body = { 0 };
    struct vw_xdr_enc e;
    uint8_t *rec = NULL;
    uint32_t frag = 0;
    bool has_frag;
    int r;

    if ((c.used = calloc(n + 1, sizeof(*c.used))) == NULL) {
        return VW_E_NOMEM;
    }
    has_frag = vw_xsf_find(a, n, c.used, "fragment") >= 0;
    if ((r = u32_field(&c, "fragment", NULL, 0, 0, &frag)) < 0 ||
        (r = u32_field(&c, "xid", NULL, 0, 0, &m.xid)) < 0 ||
        (r = u32_field(&c, "msg_type", msg_types, NUM(msg_types),
                       vw_xsf_find(a, n, c.used, "reply_stat") >= 0 ? VW_RPC_REPLY
                                                                     : VW_RPC_CALL,
                       &m.mtype)) < 0) {
        goto cleanup;
    }
    r = m.mtype == VW_RPC_CALL ? call_fields(&c, &m, &body) : reply_fields(&c, &m, &body);
    if (r < 0 || (r = vw_xsf_check_used(a, n, c.used, err, err_len)) < 0) {
        goto cleanup;
    }
    if (m.mtype == VW_RPC_CALL) {
        m.call.args = (struct vw_span){ body.p, body.len };
    } else {
        m.reply.results = (struct vw_span){ body.p, body.len };
    }
    vw_xdr_enc_init(&e, NULL, 0);
    if ((r = vw_rpc_msg_encode(&e, &m)) < 0 || (rec = malloc(e.len + 4)) == NULL) {
        snprintf(err, err_len, "cannot encode: %s", vw_err_text(r < 0 ? r : VW_E_NOMEM));
        r = r < 0 ? r : VW_E_NOMEM;
        goto cleanup;
    }
    vw_xdr_enc_init(&e, rec + 4, e.len);
    if ((r = vw_rpc_msg_encode(&e, &m)) < 0) {
        goto cleanup;
    }
    /* RFC 5531 §11: one last fragment; bit 31 marks it, the low 31 bits give its length */
    if (!has_frag) {
        frag = VW_RM_LAST_FRAGMENT | (uint32_t)e.len;
    }
    rec[0] = (uint8_t)(frag >> 24);
    rec[1] = (uint8_t)(frag >> 16);
    rec[2] = (uint8_t)(frag >> 8);
    rec[3] = (uint8_t)frag;
    if ((r = vw_cf_buf_append(out, rec, e.len + 4)) == 0) {
        remember(&m);
    }
cleanup:
    for (size_t i = 0; i < c.num_owned; i++) {
        free(c.owned[i]);
    }
    free(c.owned);
    free(c.used);
    free(rec);
    vw_cf_buf_free(&body);
    return r;
}

/* ---- decoded fields ---- */

static int add_path(struct vw_cf_msg *out, const char *prefix, const char *name, uint64_t v) {
    char path[160];

    snprintf(path, sizeof(path), "%s.%s", prefix, name);
    return vw_xsf_add_uint(out, path, v);
}

static int add_span(struct vw_cf_msg *out, const char *prefix, const char *name,
                    struct vw_span s, bool as_string) {
    char path[160];

    snprintf(path, sizeof(path), "%s.%s", prefix, name);
    return vw_xsf_add_bytes(out, path, s, as_string);
}

static int list_fields(struct vw_cf_msg *out, const char *prefix, const struct vw_pmap_body *b) {
    struct vw_pmap_list_iter it;
    union vw_pmap_entry e;
    char p[64];
    int r;

    if ((r = add_path(out, prefix, "list", b->list.num_entries)) < 0) {
        return r;
    }
    vw_pmap_list_begin(&it, b);
    for (uint32_t i = 0; vw_pmap_list_next(&it, &e) == 1; i++) {
        snprintf(p, sizeof(p), "%s.list[%u]", prefix, i);
        if (b->kind == VW_PMAP_K_PMAPLIST) {
            r = add_path(out, p, "prog", e.m.prog) < 0 || add_path(out, p, "vers", e.m.vers) < 0 ||
                add_path(out, p, "prot", e.m.prot) < 0 || add_path(out, p, "port", e.m.port) < 0;
        } else if (b->kind == VW_PMAP_K_RPCBLIST) {
            r = add_path(out, p, "prog", e.b.prog) < 0 || add_path(out, p, "vers", e.b.vers) < 0 ||
                add_span(out, p, "netid", e.b.netid, true) < 0 ||
                add_span(out, p, "addr", e.b.addr, true) < 0 ||
                add_span(out, p, "owner", e.b.owner, true) < 0;
        } else {
            r = add_span(out, p, "maddr", e.e.maddr, true) < 0 ||
                add_span(out, p, "nc_netid", e.e.nc_netid, true) < 0 ||
                add_path(out, p, "nc_semantics", e.e.nc_semantics) < 0 ||
                add_span(out, p, "nc_protofmly", e.e.nc_protofmly, true) < 0 ||
                add_span(out, p, "nc_proto", e.e.nc_proto, true) < 0;
        }
        if (r != 0) {
            return VW_E_NOMEM;
        }
    }
    return 0;
}

/* pmap_fields adds the decoded portmap body |b| under |prefix| ("args" or "results"). */
static int pmap_fields(struct vw_cf_msg *out, const char *prefix, const struct vw_pmap_body *b) {
    const char *x = prefix;
    int r = 0;

    switch (b->kind) {
    case VW_PMAP_K_VOID:
        return 0;
    case VW_PMAP_K_MAPPING:
        r = add_path(out, x, "prog", b->mapping.prog) < 0 ||
            add_path(out, x, "vers", b->mapping.vers) < 0 ||
            add_path(out, x, "prot", b->mapping.prot) < 0 ||
            add_path(out, x, "port", b->mapping.port) < 0;
        break;
    case VW_PMAP_K_BOOL: {
        char path[64];
        snprintf(path, sizeof(path), "%s.value", x);
        r = vw_cf_msg_add_field(out, path, b->value_bool ? "true" : "false") < 0;
        break;
    }
    case VW_PMAP_K_UINT:
        r = add_path(out, x, "value", b->value_uint) < 0;
        break;
    case VW_PMAP_K_STRING:
        r = add_span(out, x, "value", b->string, true) < 0;
        break;
    case VW_PMAP_K_CALL_ARGS:
        r = add_path(out, x, "prog", b->call_args.prog) < 0 ||
            add_path(out, x, "vers", b->call_args.vers) < 0 ||
            add_path(out, x, "proc", b->call_args.proc) < 0 ||
            add_span(out, x, "args", b->call_args.args, false) < 0;
        break;
    case VW_PMAP_K_CALL_RESULT:
        r = add_path(out, x, "port", b->call_result.port) < 0 ||
            add_span(out, x, "results", b->call_result.results, false) < 0;
        break;
    case VW_PMAP_K_RMTCALL_RES:
        r = add_span(out, x, "addr", b->call_result.addr, true) < 0 ||
            add_span(out, x, "results", b->call_result.results, false) < 0;
        break;
    case VW_PMAP_K_RPCB:
        r = add_path(out, x, "prog", b->rpcb.prog) < 0 ||
            add_path(out, x, "vers", b->rpcb.vers) < 0 ||
            add_span(out, x, "netid", b->rpcb.netid, true) < 0 ||
            add_span(out, x, "addr", b->rpcb.addr, true) < 0 ||
            add_span(out, x, "owner", b->rpcb.owner, true) < 0;
        break;
    case VW_PMAP_K_NETBUF:
        r = add_path(out, x, "maxlen", b->netbuf.maxlen) < 0 ||
            add_span(out, x, "buf", b->netbuf.buf, false) < 0;
        break;
    default:
        return list_fields(out, prefix, b);
    }
    return r != 0 ? VW_E_NOMEM : 0;
}

static int auth_out(struct vw_cf_msg *out, const char *prefix, uint32_t flavor,
                    struct vw_span body, bool has_body) {
    char path[32];
    int r;

    snprintf(path, sizeof(path), "%s.flavor", prefix);
    if ((r = vw_xsf_add_name(out, path, name_of(flavors, NUM(flavors), flavor), flavor)) < 0) {
        return r;
    }
    snprintf(path, sizeof(path), "%s.body", prefix);
    return has_body ? vw_xsf_add_bytes(out, path, body, false) : 0;
}

static int call_out(struct vw_cf_msg *out, const struct vw_rpc_call *k) {
    const struct vw_rpc_authsys *s = &k->cred.sys;
    const char *pname = k->prog == VW_PMAP_PROG ? vw_pmap_proc_name(k->vers, k->proc) : NULL;
    char path[32];
    int r;

    if ((r = vw_xsf_add_uint(out, "rpcvers", k->rpcvers)) < 0 ||
        (r = vw_xsf_add_uint(out, "prog", k->prog)) < 0 ||
        (r = vw_xsf_add_uint(out, "vers", k->vers)) < 0 ||
        (r = vw_xsf_add_name(out, "proc", pname, k->proc)) < 0 ||
        (r = auth_out(out, "cred", k->cred.flavor, k->cred.body, !k->cred.has_sys)) < 0) {
        return r;
    }
    if (k->cred.has_sys &&
        ((r = vw_xsf_add_uint(out, "cred.sys.stamp", s->stamp)) < 0 ||
         (r = vw_xsf_add_bytes(out, "cred.sys.machinename", s->machinename, true)) < 0 ||
         (r = vw_xsf_add_uint(out, "cred.sys.uid", s->uid)) < 0 ||
         (r = vw_xsf_add_uint(out, "cred.sys.gid", s->gid)) < 0 ||
         (r = vw_xsf_add_uint(out, "cred.sys.gids", s->num_gids)) < 0)) {
        return r;
    }
    for (uint32_t i = 0; k->cred.has_sys && i < s->num_gids && i < VW_RPC_GIDS_MAX; i++) {
        snprintf(path, sizeof(path), "cred.sys.gids[%u]", i);
        if ((r = vw_xsf_add_uint(out, path, s->gids[i])) < 0) {
            return r;
        }
    }
    if ((r = auth_out(out, "verf", k->verf.flavor, k->verf.body, true)) < 0) {
        return r;
    }
    return vw_xsf_add_bytes(out, "args", k->args, false);
}

static int reply_out(struct vw_cf_msg *out, const struct vw_rpc_reply *p) {
    int r;

    if ((r = vw_xsf_add_name(out, "reply_stat", name_of(reply_stats, NUM(reply_stats), p->stat),
                             p->stat)) < 0) {
        return r;
    }
    if (p->stat == VW_RPC_MSG_DENIED) {
        if ((r = vw_xsf_add_name(out, "reject_stat",
                                 name_of(reject_stats, NUM(reject_stats), p->reject_stat),
                                 p->reject_stat)) < 0) {
            return r;
        }
        if (p->reject_stat == VW_RPC_AUTH_ERROR) {
            return vw_xsf_add_name(out, "auth_stat",
                                   name_of(auth_stats, NUM(auth_stats), p->auth_stat),
                                   p->auth_stat);
        }
    } else {
        if ((r = auth_out(out, "verf", p->verf.flavor, p->verf.body, true)) < 0 ||
            (r = vw_xsf_add_name(out, "accept_stat",
                                 name_of(accept_stats, NUM(accept_stats), p->accept_stat),
                                 p->accept_stat)) < 0) {
            return r;
        }
        if (p->accept_stat == VW_RPC_SUCCESS) {
            return vw_xsf_add_bytes(out, "results", p->results, false);
        }
        if (p->accept_stat != VW_RPC_PROG_MISMATCH) {
            return 0;
        }
    }
    if ((r = vw_xsf_add_uint(out, "mismatch.low", p->mismatch.low)) < 0) {
        return r;
    }
    return vw_xsf_add_uint(out, "mismatch.high", p->mismatch.high);
}

/* ---- receiving ---- */

struct vw_cf_framer {
    struct vw_rm_framer f;
};

static struct vw_cf_framer *oncrpc_framer_new(void) {
    struct vw_cf_framer *f = calloc(1, sizeof(*f));

    if (f != NULL) {
        vw_rm_framer_init(&f->f, VW_RM_RECORD_MAX_DEFAULT);
    }
    return f;
}

static void oncrpc_framer_free(struct vw_cf_framer *f) {
    if (f != NULL) {
        vw_rm_framer_cleanup(&f->f);
        free(f);
    }
}

/* decode_body decodes |rec| in |flags|: the message, then a portmap body it carries (the
 * arguments of a call, the results of a reply to a call remembered by xid). */
static int decode_body(struct vw_rpc_msg *m, struct vw_pmap_body *b, bool *has_body,
                       struct vw_diag *diag, struct vw_diag *lax, struct vw_span rec,
                       unsigned flags) {
    int r;

    *has_body = false;
    if ((r = vw_rpc_msg_decode(m, diag, lax, rec.p, rec.len, flags)) < 0) {
        return r;
    }
    if (m->mtype == VW_RPC_CALL && m->call.prog == VW_PMAP_PROG) {
        r = vw_pmap_decode(b, diag, lax, rec.p, m->call.args, m->call.vers, m->call.proc, false,
                           flags);
    } else if (m->mtype == VW_RPC_REPLY && m->reply.stat == VW_RPC_MSG_ACCEPTED &&
               m->reply.accept_stat == VW_RPC_SUCCESS) {
        r = VW_E_UNKNOWN_PROC;
        for (size_t i = 0; i < VW_CF_RPC_XIDS; i++) {
            if (calls[i].set && calls[i].xid == m->xid) {
                r = vw_pmap_decode(b, diag, lax, rec.p, m->reply.results, calls[i].vers,
                                   calls[i].proc, true, flags);
                break;
            }
        }
    } else {
        return 0;
    }
    if (r == VW_E_UNKNOWN_PROC) {
        if (diag != NULL && diag->code == VW_E_UNKNOWN_PROC) {
            *diag = (struct vw_diag){ 0 };
        }
        return 0;  /* not a body pmap.h knows: kept as x"..." */
    }
    *has_body = r == 0;
    return r;
}

/* struct rpc_dec: one record and where decode_body puts it (a vw_cf_decode_fn context). */
struct rpc_dec {
    struct vw_rpc_msg m;
    struct vw_pmap_body b;
    bool has_body;
    struct vw_span rec;
};

static int rpc_decode(void *ctx, struct vw_diag *diag, struct vw_diag *lax, unsigned flags) {
    struct rpc_dec *d = ctx;

    return decode_body(&d->m, &d->b, &d->has_body, diag, lax, d->rec, flags);
}

static int decode_record(struct vw_cf_framer *f, struct vw_cf_msg *out) {
    const struct vw_rm_fragment *frags;
    struct rpc_dec d = { .has_body = false };
    size_t num_frags = 0;
    int rc, r;

    vw_rm_record(&f->f, &d.rec, &frags, &num_frags);
    rc = vw_cf_decode_twice(out, NULL, rpc_decode, &d);
    if (rc < 0) {
        snprintf(out->summary, sizeof(out->summary), "invalid record of %zu bytes (%s)",
                 d.rec.len, vw_err_name(rc));
        if (d.rec.len >= 4 && (r = vw_xsf_add_uint(out, "xid", vw_load_be32(d.rec.p))) < 0) {
            return r;
        }
        return vw_xsf_add_uint(out, "fragments", num_frags);
    }
    snprintf(out->summary, sizeof(out->summary), "%s xid=0x%08x fragments=%zu",
             d.m.mtype == VW_RPC_CALL ? "CALL" : "REPLY", d.m.xid, num_frags);
    if ((r = vw_xsf_add_uint(out, "xid", d.m.xid)) < 0 ||
        (r = vw_cf_msg_add_field(out, "msg_type", msg_types[d.m.mtype != VW_RPC_CALL])) < 0 ||
        (r = vw_xsf_add_uint(out, "fragments", num_frags)) < 0) {
        return r;
    }
    r = d.m.mtype == VW_RPC_CALL ? call_out(out, &d.m.call) : reply_out(out, &d.m.reply);
    if (r == 0 && d.has_body) {
        r = pmap_fields(out, d.m.mtype == VW_RPC_CALL ? "args" : "results", &d.b);
    }
    return r;
}

static int oncrpc_feed(struct vw_cf_framer *f, const uint8_t *in, size_t len, size_t *used,
                       struct vw_cf_msg *out) {
    int r = vw_rm_feed(&f->f, in, len, used);

    return vw_cf_feed_step(f, r, f->f.stream_pos, "fragment", decode_record, out);
}

const struct vw_cf_adapter vw_cf_adapter_oncrpc = {
    .protocol = "onc-rpc",
    .encode = oncrpc_encode,
    .framer_new = oncrpc_framer_new,
    .framer_free = oncrpc_framer_free,
    .feed = oncrpc_feed,
};
