/* t_vectors.c -- runs test vector files (.vec, see vec.h) against the reference codecs.
 *
 * Usage: t_vectors [-v] FILE.vec...
 *
 * Each section names a function ("[func = xdr_get_opaque, max = 8]"); each case gives "in:" (the
 * input bytes) and either "error:" + "offset:" or the expected outputs ("out:" for the XDR
 * primitives, "out.<field>:" for the message decoders; see the dump_* functions for the keys).
 * Optional keys of every case: "lenient: yes" (decode with VW_DEC_LENIENT, then "lax:" and
 * "lax_offset:" give the non-canonical item recorded), "canonical:" (what encoding the decoded
 * value gives when it is not "in:"), "in_len:" (the length of "in:", a check on the vector),
 * "field:" (error cases: the field named in struct vw_diag).
 *
 * Section parameters: xdr_get_enum min, max; xdr_get_fixed_opaque n; xdr_get_opaque and
 * xdr_get_string max; xdr_get_count max, min_elem_size; pmap_decode vers, proc, reply (yes|no);
 * rm_feed record_max.  Output keys: every key the decoded value produces must be given (an
 * AUTH_SYS cred's raw .body excepted), and fields of union arms the value does not use are
 * checked to be zero by the runner itself:
 *   xdr_get_*       out                      a number, true/false, or bytes
 *   rpc_msg_decode  out.xid, out.mtype (CALL, REPLY);
 *                   CALL: out.call.rpcvers, .prog, .vers, .proc, .cred.flavor, .cred.body,
 *                   [.cred.sys.stamp, .machinename, .uid, .gid, .gids], .verf.flavor, .verf.body,
 *                   .args;  REPLY: out.reply.stat (MSG_ACCEPTED, MSG_DENIED); accepted:
 *                   out.reply.verf.flavor, .verf.body, .accept_stat, then .results (SUCCESS) or
 *                   .mismatch.low, .mismatch.high (PROG_MISMATCH); denied: out.reply.reject_stat,
 *                   then .mismatch.low, .mismatch.high (RPC_MISMATCH) or .auth_stat (AUTH_ERROR)
 *   pmap_decode     out.kind (VOID, MAPPING, BOOL, UINT, PMAPLIST, CALL_ARGS, CALL_RESULT, RPCB,
 *                   STRING, RPCBLIST, RMTCALL_RES, NETBUF, ENTRYLIST), then out.mapping.prog/vers/
 *                   prot/port, out.bool, out.uint, out.call_args.prog/vers/proc/args,
 *                   out.call_result.port/results, out.rpcb.prog/vers/netid/addr/owner,
 *                   out.string, out.rmtcall_res.addr/results, out.netbuf.maxlen/buf, or
 *                   out.list.num_entries and out.list.N.<field of the entry>
 *   rm_feed         out.records, out.record.N (bytes), out.record.N.frags ([len, ...])
 *   qemud_decode    (section: from = client|server) out.length, .prog, .serial, .in_reply_to
 *                   (server), .type (DOMAIN_CREATE, FAILURE, ...), out.<field> of the arm; see
 *                   qemud_dump
 * Values: numbers in decimal or 0x hex (enum fields also take their names: AUTH_SYS, SUCCESS,
 * AUTH_TOOWEAK, ...), true/false, bytes as in vec.h, lists as [n, n, ...].
 *
 * Besides the expected values, every case checks properties:
 *  - the input decodes alike from an exact-size heap copy and from memory ending at a PROT_NONE
 *    guard page (read-only, so writes to the input fault too);
 *  - success: encode(decode(in)) is "in:" (or "canonical:"); the encoder measures the same
 *    length and fails atomically with VW_E_NOSPACE one byte short; every strict prefix of the
 *    input gives VW_E_SHORT (rest-of-message fields excepted: a prefix that keeps the header
 *    decodes with a shorter rest); the other mode (strict / lenient) agrees;
 *  - error: the exact code and offset, struct vw_diag agrees with the return value, and the
 *    cursor and output are untouched (compared with a sentinel-filled copy); each prefix gives
 *    VW_E_SHORT or the same error;
 *  - rm_feed: whole, byte-by-byte and guard-page feeding give the same records; each prefix
 *    gives the records that fit in it and VW_E_AGAIN; an error is sticky.
 * The last line printed is "N passed, N failed"; the exit status is 1 if any case failed. */
#define _POSIX_C_SOURCE 200809L  /* sigaction */

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "guardbuf.h"
#include "oncrpc.h"
#include "pmap.h"
#include "qemud.h"
#include "recmark.h"
#include "vecrun.h"
#include "xdr.h"

#define ERR_LEN 512        /* one diagnostic line */
#define LIST_MAX 32        /* list values: AUTH_SYS gids (16), fragment lengths */
#define DUMP_MAX 128       /* output fields of one decoded value */
#define KEY_MAX 96
#define RM_RECORDS_MAX 16  /* records one rm_feed case may produce */
#define SHOW_MAX 4096      /* characters of a value shown in a message */

/* The case being run, for the SIGSEGV message (an over-read into a guard page). */
static char current_case[512];

/* ---- decoded values as key/value fields ---------------------------------------------------- */

enum fkind { F_UINT, F_INT, F_BOOL, F_BYTES, F_LIST };

struct field {
    char key[KEY_MAX];
    enum fkind kind;
    uint64_t u;                      /* F_UINT, F_BOOL */
    int64_t i;                       /* F_INT */
    const uint8_t *p;                /* F_BYTES */
    size_t len;
    size_t off;                      /* F_BYTES: offset of |p| in the input */
    uint64_t list[LIST_MAX];         /* F_LIST */
    size_t num_list;
    const char *(*name)(uint32_t);   /* F_UINT: a symbolic name may stand for the number */
    bool optional;                   /* checked when the case gives it, not required */
    bool rest;                       /* F_BYTES: the rest of the input, shorter in a prefix */
};

struct dump {
    const uint8_t *base;
    struct field f[DUMP_MAX];
    size_t n;
    bool overflow;
};

static struct field *dump_add(struct dump *d, enum fkind kind, const char *key) {
    struct field *f;

    if (d->n == DUMP_MAX) {
        d->overflow = true;
        return NULL;
    }
    f = &d->f[d->n++];
    memset(f, 0, sizeof(*f));
    snprintf(f->key, sizeof(f->key), "%s", key);
    f->kind = kind;
    return f;
}

static void d_uint(struct dump *d, const char *key, uint64_t v, const char *(*name)(uint32_t)) {
    struct field *f = dump_add(d, F_UINT, key);
    if (f != NULL) {
        f->u = v;
        f->name = name;
    }
}

static void d_int(struct dump *d, const char *key, int64_t v) {
    struct field *f = dump_add(d, F_INT, key);
    if (f != NULL) {
        f->i = v;
    }
}

static void d_bool(struct dump *d, const char *key, bool v) {
    struct field *f = dump_add(d, F_BOOL, key);
    if (f != NULL) {
        f->u = v ? 1 : 0;
    }
}

static struct field *d_bytes(struct dump *d, const char *key, struct vw_span s) {
    struct field *f = dump_add(d, F_BYTES, key);
    if (f != NULL) {
        f->p = s.p;
        f->len = s.len;
        f->off = s.p != NULL ? (size_t)(s.p - d->base) : 0;
    }
    return f;
}

static void d_list(struct dump *d, const char *key, const uint64_t *v, size_t n) {
    struct field *f = dump_add(d, F_LIST, key);
    if (f == NULL) {
        return;
    }
    if (n > LIST_MAX) {
        d->overflow = true;
        n = LIST_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        f->list[i] = v[i];
    }
    f->num_list = n;
}

/* show formats the value of |f| into |buf| for a message. */
static const char *show(const struct field *f, char *buf, size_t cap) {
    size_t n = 0;

#define PUT(...)                                                          \
    do {                                                                  \
        if (n < cap) {                                                    \
            int w_ = snprintf(buf + n, cap - n, __VA_ARGS__);             \
            n += w_ > 0 ? (size_t)w_ : 0;                                 \
        }                                                                 \
    } while (0)
    buf[0] = '\0';
    switch (f->kind) {
    case F_UINT:
        if (f->name != NULL && f->u <= UINT32_MAX && strcmp(f->name((uint32_t)f->u), "?") != 0) {
            PUT("%s (%" PRIu64 ")", f->name((uint32_t)f->u), f->u);
        } else {
            PUT("%" PRIu64 " (0x%" PRIx64 ")", f->u, f->u);
        }
        break;
    case F_INT:
        PUT("%" PRId64, f->i);
        break;
    case F_BOOL:
        PUT("%s", f->u != 0 ? "true" : "false");
        break;
    case F_LIST:
        PUT("[");
        for (size_t i = 0; i < f->num_list; i++) {
            PUT("%s%" PRIu64, i > 0 ? ", " : "", f->list[i]);
        }
        PUT("]");
        break;
    case F_BYTES: {
        bool printable = f->len > 0;
        for (size_t i = 0; i < f->len; i++) {
            printable = printable && f->p[i] >= 0x20 && f->p[i] < 0x7f && f->p[i] != '"' &&
                        f->p[i] != '\\';
        }
        if (f->len == 0) {
            PUT("\"\"");
        } else if (printable) {
            PUT("\"%.*s\"", (int)f->len, (const char *)f->p);
        } else {
            for (size_t i = 0; i < f->len; i++) {
                PUT("%02x%s", f->p[i], (i % 4 == 3 && i + 1 < f->len) ? " " : "");
            }
        }
        if (f->off != SIZE_MAX) {
            PUT(" (%zu bytes at offset %zu)", f->len, f->off);
        } else {
            PUT(" (%zu bytes)", f->len);
        }
        break;
    }
    }
#undef PUT
    if (n >= cap && cap > 4) {
        memcpy(buf + cap - 4, "...", 4);
    }
    return buf;
}

/* field_matches compares |f| with the text |want|; -1 means |want| does not parse. */
static int field_matches(const struct field *f, const char *want, char *err, size_t err_len) {
    switch (f->kind) {
    case F_UINT: {
        uint64_t v;
        if (f->name != NULL && want[0] != '\0' && !(want[0] >= '0' && want[0] <= '9')) {
            return f->u <= UINT32_MAX && strcmp(f->name((uint32_t)f->u), want) == 0;
        }
        if (vw_vec_parse_u64(want, &v, err, err_len) < 0) {
            return -1;
        }
        return v == f->u;
    }
    case F_INT: {
        int64_t v;
        if (vw_vec_parse_i64(want, &v, err, err_len) < 0) {
            return -1;
        }
        return v == f->i;
    }
    case F_BOOL: {
        bool v;
        if (vw_vec_parse_bool(want, &v, err, err_len) < 0) {
            return -1;
        }
        return (v ? 1u : 0u) == f->u;
    }
    case F_LIST: {
        uint64_t v[LIST_MAX];
        size_t n;
        if (vw_vec_parse_list(want, v, LIST_MAX, &n, err, err_len) < 0) {
            return -1;
        }
        if (n != f->num_list) {
            return 0;
        }
        for (size_t i = 0; i < n; i++) {
            if (v[i] != f->list[i]) {
                return 0;
            }
        }
        return 1;
    }
    case F_BYTES: {
        uint8_t *v;
        size_t n;
        int same;
        if (vw_vec_parse_bytes(want, &v, &n, err, err_len) < 0) {
            return -1;
        }
        same = n == f->len && (n == 0 || memcmp(v, f->p, n) == 0);
        free(v);
        return same;
    }
    }
    return 0;
}

/* check_dump compares every field of |d| with the case's keys of the same name. */
static bool check_dump(struct vw_vec_case *c, const struct dump *d) {
    char err[ERR_LEN], shown[SHOW_MAX];
    bool ok = true;

    if (d->overflow) {
        vw_vec_fail(c, 0, "runner limit: more than %d output fields or %d list items", DUMP_MAX,
                    LIST_MAX);
        return false;
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct field *f = &d->f[i];
        const struct vw_vec_kv *kv = vw_vec_get(c, f->key);
        int m;

        if (kv == NULL) {
            if (!f->optional) {
                vw_vec_fail(c, 0, "missing key \"%s\" (decoded: %s)", f->key,
                            show(f, shown, sizeof(shown)));
                ok = false;
            }
            continue;
        }
        m = field_matches(f, kv->value, err, sizeof(err));
        if (m < 0) {
            vw_vec_fail(c, kv->line, "%s: %s", f->key, err);
            ok = false;
        } else if (m == 0) {
            vw_vec_fail(c, kv->line, "%s: expected %s, decoded %s", f->key, kv->value,
                        show(f, shown, sizeof(shown)));
            ok = false;
        }
    }
    return ok;
}

/* same_dump compares two dumps of one input; a rest field of |b| may be |rest_len| bytes
 * (SIZE_MAX: as long as in |a|).  With |offsets| false (two different inputs), byte offsets and
 * optional fields (raw views of bytes that other fields decode) are not compared. */
static bool same_dump(const struct dump *a, const struct dump *b, size_t rest_len, bool offsets,
                      char *why, size_t why_len) {
    char sa[SHOW_MAX], sb[SHOW_MAX];

    if (a->n != b->n) {
        snprintf(why, why_len, "%zu output fields instead of %zu", b->n, a->n);
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        const struct field *x = &a->f[i], *y = &b->f[i];
        bool same = strcmp(x->key, y->key) == 0 && x->kind == y->kind;
        if (same && !offsets && x->optional) {
            continue;
        }
        if (same) {
            switch (x->kind) {
            case F_UINT:
            case F_BOOL:
                same = x->u == y->u;
                break;
            case F_INT:
                same = x->i == y->i;
                break;
            case F_LIST:
                same = x->num_list == y->num_list &&
                       memcmp(x->list, y->list, x->num_list * sizeof(x->list[0])) == 0;
                break;
            case F_BYTES: {
                size_t want = x->rest && rest_len != SIZE_MAX ? rest_len : x->len;
                same = y->len == want && want <= x->len &&
                       (want == 0 || memcmp(x->p, y->p, want) == 0) &&
                       (!offsets || x->off == y->off);
                break;
            }
            }
        }
        if (!same) {
            snprintf(why, why_len, "%s: %s instead of %s", y->key, show(y, sb, sizeof(sb)),
                     show(x, sa, sizeof(sa)));
            return false;
        }
    }
    return true;
}

/* ---- functions under test ------------------------------------------------------------------ */

enum func_id {
    X_U32, X_I32, X_U64, X_I64, X_BOOL, X_ENUM, X_OPTIONAL, X_FIXED, X_OPAQUE, X_STRING, X_COUNT,
    RPC_MSG, PMAP, RM_FEED,
    QEMUD_MSG,
};

struct params {
    enum func_id id;
    uint32_t max;           /* opaque, string, count */
    size_t n;               /* fixed_opaque */
    size_t min_elem_size;   /* count */
    int32_t emin, emax;     /* enum */
    uint32_t vers, proc;    /* pmap */
    bool reply;             /* pmap */
    size_t record_max;      /* rm_feed */
    int direction;          /* qemud_decode: from = client | server */
};

/* qemud_decode: the message, and the char / uuid vector bytes its dump points at. */
struct qemud_decoded {
    struct vw_qemud_msg msg;
    uint8_t bytes[VW_QEMUD_MAX_DOMAINS_NAME_BUF + 4 * VW_QEMUD_UUID_RAW_LEN];
};

union decoded {
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    int64_t i64;
    bool b;
    struct vw_span s;
    struct vw_rpc_msg msg;
    struct vw_pmap_body pmap;
    struct qemud_decoded qemud;
};

struct outcome {
    int rc;
    struct vw_diag diag;
    struct vw_diag lax;
    union decoded val;
    struct vw_span rest;    /* xdr_get_count: the element bytes after the count */
    size_t fixed_len;       /* success: shorter prefixes must give VW_E_SHORT */
    struct dump dump;       /* success only */
    char problem[ERR_LEN];  /* an invariant the decoder broke, or "" */
};

static void problem(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct outcome *o, const char *fmt, ...) {
    va_list ap;

    if (o->problem[0] != '\0') {
        return;  /* keep the first */
    }
    va_start(ap, fmt);
    vsnprintf(o->problem, sizeof(o->problem), fmt, ap);
    va_end(ap);
}

static bool span_zero(struct vw_span s) {
    return s.p == NULL && s.len == 0;
}

/* span_in says whether |s| is a view into the |len| bytes at |buf|. */
static bool span_in(struct vw_span s, const uint8_t *buf, size_t len) {
    return s.p != NULL && s.p >= buf && (size_t)(s.p - buf) <= len &&
           s.len <= len - (size_t)(s.p - buf);
}

static const char *fmt_diag(const struct vw_diag *d, char *buf, size_t cap) {
    if (d->code == 0) {
        snprintf(buf, cap, "nothing recorded");
    } else {
        snprintf(buf, cap, "%s at offset %zu%s%s%s", vw_err_name(d->code), d->offset,
                 d->field != NULL ? " (field " : "", d->field != NULL ? d->field : "",
                 d->field != NULL ? ")" : "");
    }
    return buf;
}

static bool same_diag(const struct vw_diag *a, const struct vw_diag *b) {
    if (a->code != b->code) {
        return false;
    }
    if (a->code == 0) {
        return true;
    }
    if (a->offset != b->offset) {
        return false;
    }
    if (a->field == NULL || b->field == NULL) {
        return a->field == b->field;
    }
    return strcmp(a->field, b->field) == 0;
}

/* -- XDR primitives -- */

static bool dec_same(const struct vw_xdr_dec *a, const struct vw_xdr_dec *b) {
    return a->cur.p == b->cur.p && a->cur.len == b->cur.len && a->base == b->base &&
           a->flags == b->flags && a->diag == b->diag && a->lax == b->lax;
}

static void xdr_decode(const struct params *pa, const uint8_t *buf, size_t len, unsigned flags,
                       struct outcome *o) {
    struct vw_xdr_dec d, d0;
    union decoded sentinel;
    size_t used;
    int rc = VW_E_INVALID;

    memset(&o->val, 0xA5, sizeof(o->val));
    memcpy(&sentinel, &o->val, sizeof(sentinel));
    vw_xdr_dec_init(&d, buf, len, flags, &o->diag, &o->lax);
    d0 = d;
    switch (pa->id) {
    case X_U32:
        rc = vw_xdr_get_u32(&d, &o->val.u32);
        break;
    case X_I32:
        rc = vw_xdr_get_i32(&d, &o->val.i32);
        break;
    case X_U64:
        rc = vw_xdr_get_u64(&d, &o->val.u64);
        break;
    case X_I64:
        rc = vw_xdr_get_i64(&d, &o->val.i64);
        break;
    case X_BOOL:
        rc = vw_xdr_get_bool(&d, &o->val.b);
        break;
    case X_OPTIONAL:
        rc = vw_xdr_get_optional(&d, &o->val.b);
        break;
    case X_ENUM:
        rc = vw_xdr_get_enum(&d, pa->emin, pa->emax, &o->val.i32);
        break;
    case X_FIXED:
        rc = vw_xdr_get_fixed_opaque(&d, pa->n, &o->val.s);
        break;
    case X_OPAQUE:
        rc = vw_xdr_get_opaque(&d, pa->max, &o->val.s);
        break;
    case X_STRING:
        rc = vw_xdr_get_string(&d, pa->max, &o->val.s);
        break;
    case X_COUNT:
        rc = vw_xdr_get_count(&d, pa->max, pa->min_elem_size, &o->val.u32);
        break;
    default:
        problem(o, "runner bug: %d is not an XDR function", (int)pa->id);
        break;
    }
    o->rc = rc;
    if (rc < 0) {
        if (!dec_same(&d, &d0)) {
            problem(o, "failure not atomic: the cursor moved on %s", vw_err_name(rc));
        }
        if (memcmp(&o->val, &sentinel, sizeof(sentinel)) != 0) {
            problem(o, "failure not atomic: the output was written on %s", vw_err_name(rc));
        }
        return;
    }
    if (rc != 0) {
        problem(o, "returned %d, which is neither 0 nor an error code", rc);
        return;
    }
    if (d.base != buf || d.flags != flags || d.diag != &o->diag || d.lax != &o->lax ||
        d.cur.p < buf || (size_t)(d.cur.p - buf) > len ||
        d.cur.len != len - (size_t)(d.cur.p - buf)) {
        problem(o, "decoder state inconsistent after success");
        return;
    }
    used = (size_t)(d.cur.p - buf);
    if (pa->id == X_COUNT) {
        if (used != 4) {
            problem(o, "count consumed %zu bytes instead of 4", used);
        }
        o->rest = (struct vw_span){ .p = d.cur.p, .len = d.cur.len };
    } else if (d.cur.len != 0) {
        problem(o, "%zu input bytes left unread (a case holds exactly one item)", d.cur.len);
    }
    if ((pa->id == X_FIXED || pa->id == X_OPAQUE || pa->id == X_STRING) &&
        !span_in(o->val.s, buf, len)) {
        problem(o, "the output is not a view into the input");
    }
    o->fixed_len = len;
}

static int xdr_encode(const struct params *pa, const struct outcome *o, struct vw_xdr_enc *e) {
    struct vw_xdr_enc c;
    int r;

    switch (pa->id) {
    case X_U32:
        return vw_xdr_put_u32(e, o->val.u32);
    case X_I32:
    case X_ENUM:
        return vw_xdr_put_i32(e, o->val.i32);
    case X_U64:
        return vw_xdr_put_u64(e, o->val.u64);
    case X_I64:
        return vw_xdr_put_i64(e, o->val.i64);
    case X_BOOL:
    case X_OPTIONAL:
        return vw_xdr_put_bool(e, o->val.b);
    case X_FIXED:
        return vw_xdr_put_fixed_opaque(e, o->val.s.p, o->val.s.len);
    case X_OPAQUE:
        return vw_xdr_put_opaque(e, o->val.s, pa->max);
    case X_STRING:
        return vw_xdr_put_string(e, o->val.s, pa->max);
    case X_COUNT:
        c = *e;
        if ((r = vw_xdr_put_u32(&c, o->val.u32)) < 0 || (r = vw_xdr_put_raw(&c, o->rest)) < 0) {
            return r;
        }
        *e = c;
        return 0;
    default:
        return VW_E_INVALID;
    }
}

static void xdr_dump(const struct params *pa, struct outcome *o, struct dump *d) {
    switch (pa->id) {
    case X_U32:
    case X_COUNT:
        d_uint(d, "out", o->val.u32, NULL);
        break;
    case X_I32:
    case X_ENUM:
        d_int(d, "out", o->val.i32);
        break;
    case X_U64:
        d_uint(d, "out", o->val.u64, NULL);
        break;
    case X_I64:
        d_int(d, "out", o->val.i64);
        break;
    case X_BOOL:
    case X_OPTIONAL:
        d_bool(d, "out", o->val.b);
        break;
    case X_FIXED:
    case X_OPAQUE:
    case X_STRING:
        d_bytes(d, "out", o->val.s);
        break;
    default:
        break;
    }
}

/* -- ONC RPC messages -- */

static const char *mtype_name(uint32_t v) {
    return v == VW_RPC_CALL ? "CALL" : v == VW_RPC_REPLY ? "REPLY" : "?";
}

static const char *reply_stat_name(uint32_t v) {
    return v == VW_RPC_MSG_ACCEPTED ? "MSG_ACCEPTED" : v == VW_RPC_MSG_DENIED ? "MSG_DENIED" : "?";
}

static const char *reject_stat_name(uint32_t v) {
    return v == VW_RPC_RPC_MISMATCH ? "RPC_MISMATCH" : v == VW_RPC_AUTH_ERROR ? "AUTH_ERROR" : "?";
}

static bool sys_zero(const struct vw_rpc_authsys *a) {
    for (size_t i = 0; i < VW_RPC_GIDS_MAX; i++) {
        if (a->gids[i] != 0) {
            return false;
        }
    }
    return a->stamp == 0 && span_zero(a->machinename) && a->uid == 0 && a->gid == 0 &&
           a->num_gids == 0;
}

static bool auth_zero(const struct vw_rpc_auth *a) {
    return a->flavor == 0 && span_zero(a->body);
}

static bool cred_zero(const struct vw_rpc_cred *c) {
    return c->flavor == 0 && span_zero(c->body) && !c->has_sys && sys_zero(&c->sys);
}

static bool mismatch_zero(const struct vw_rpc_mismatch *m) {
    return m->low == 0 && m->high == 0;
}

/* cred_check checks a call's credential: a view into the input, and |sys| filled exactly when
 * it should be. */
static const char *cred_check(const struct vw_rpc_cred *a, const uint8_t *buf, size_t len) {
    if (!span_in(a->body, buf, len)) {
        return "cred.body is not a view into the input";
    }
    if (a->has_sys != (a->flavor == VW_RPC_AUTH_SYS)) {
        return "has_sys does not match the flavour";
    }
    if (!a->has_sys) {
        return sys_zero(&a->sys) ? NULL : "sys is set without has_sys";
    }
    if (a->sys.num_gids > VW_RPC_GIDS_MAX) {
        return "sys.num_gids over 16";
    }
    for (size_t i = a->sys.num_gids; i < VW_RPC_GIDS_MAX; i++) {
        if (a->sys.gids[i] != 0) {
            return "sys.gids set past num_gids";
        }
    }
    if (!span_in(a->sys.machinename, a->body.p, a->body.len)) {
        return "sys.machinename is not a view into the body";
    }
    return NULL;
}

/* rpc_check returns what is wrong with a decoded message, or NULL: fields of other arms must
 * be zero (unless call and reply share storage) and every span must be a view into the input. */
static const char *rpc_check(const struct vw_rpc_msg *m, const uint8_t *buf, size_t len) {
    const struct vw_rpc_call *c = &m->call;
    const struct vw_rpc_reply *r = &m->reply;
    bool shared = (const void *)c == (const void *)r;  /* a union of the two arms */
    const char *why;

    if (m->mtype == VW_RPC_CALL) {
        if (!shared && (r->stat != 0 || !auth_zero(&r->verf) || r->accept_stat != 0 ||
                        !span_zero(r->results) || !mismatch_zero(&r->mismatch) ||
                        r->reject_stat != 0 || r->auth_stat != 0)) {
            return "a CALL with reply fields set";
        }
        if ((why = cred_check(&c->cred, buf, len)) != NULL) {
            return why;
        }
        if (!span_in(c->verf.body, buf, len)) {
            return "call.verf.body is not a view into the input";
        }
        if (!span_in(c->args, buf, len) || c->args.p + c->args.len != buf + len) {
            return "call.args is not the rest of the input";
        }
        return NULL;
    }
    if (m->mtype != VW_RPC_REPLY) {
        return "mtype is neither CALL nor REPLY";
    }
    if (!shared && (c->rpcvers != 0 || c->prog != 0 || c->vers != 0 || c->proc != 0 ||
                    !cred_zero(&c->cred) || !auth_zero(&c->verf) || !span_zero(c->args))) {
        return "a REPLY with call fields set";
    }
    if (r->stat == VW_RPC_MSG_ACCEPTED) {
        if (r->reject_stat != 0 || r->auth_stat != 0) {
            return "MSG_ACCEPTED with reject_stat/auth_stat set";
        }
        if (!span_in(r->verf.body, buf, len)) {
            return "reply.verf.body is not a view into the input";
        }
        if (r->accept_stat != VW_RPC_PROG_MISMATCH && !mismatch_zero(&r->mismatch)) {
            return "mismatch set without PROG_MISMATCH";
        }
        if (r->accept_stat == VW_RPC_SUCCESS) {
            if (!span_in(r->results, buf, len) || r->results.p + r->results.len != buf + len) {
                return "reply.results is not the rest of the input";
            }
        } else if (!span_zero(r->results)) {
            return "results set without SUCCESS";
        }
        return NULL;
    }
    if (r->stat != VW_RPC_MSG_DENIED) {
        return "reply.stat is neither MSG_ACCEPTED nor MSG_DENIED";
    }
    if (!auth_zero(&r->verf) || r->accept_stat != 0 || !span_zero(r->results)) {
        return "MSG_DENIED with accepted-reply fields set";
    }
    if (r->reject_stat != VW_RPC_RPC_MISMATCH && !mismatch_zero(&r->mismatch)) {
        return "mismatch set without RPC_MISMATCH";
    }
    if (r->reject_stat != VW_RPC_AUTH_ERROR && r->auth_stat != 0) {
        return "auth_stat set without AUTH_ERROR";
    }
    return NULL;
}

static void rpc_decode(const struct params *pa, const uint8_t *buf, size_t len, unsigned flags,
                       struct outcome *o) {
    struct vw_rpc_msg sentinel;
    const struct vw_rpc_msg *m = &o->val.msg;
    const char *why;

    (void)pa;
    memset(&o->val.msg, 0xA5, sizeof(o->val.msg));
    memcpy(&sentinel, &o->val.msg, sizeof(sentinel));
    o->rc = vw_rpc_msg_decode(&o->val.msg, &o->diag, &o->lax, buf, len, flags);
    if (o->rc < 0) {
        if (memcmp(&o->val.msg, &sentinel, sizeof(sentinel)) != 0) {
            problem(o, "failure not atomic: the output was written on %s", vw_err_name(o->rc));
        }
        return;
    }
    if (o->rc != 0) {
        problem(o, "returned %d, which is neither 0 nor an error code", o->rc);
        return;
    }
    if ((why = rpc_check(m, buf, len)) != NULL) {
        problem(o, "decoded message inconsistent: %s", why);
        return;
    }
    o->fixed_len = len;
    if (m->mtype == VW_RPC_CALL) {
        o->fixed_len = len - m->call.args.len;
    } else if (m->reply.stat == VW_RPC_MSG_ACCEPTED && m->reply.accept_stat == VW_RPC_SUCCESS) {
        o->fixed_len = len - m->reply.results.len;
    }
}

static int rpc_encode(const struct params *pa, const struct outcome *o, struct vw_xdr_enc *e) {
    (void)pa;
    return vw_rpc_msg_encode(e, &o->val.msg);
}

/* dump_auth lists an opaque_auth under |prefix|; |sys| is the decoded AUTH_SYS credential, or
 * NULL. */
static void dump_auth(struct dump *d, const char *prefix, uint32_t flavor, struct vw_span body,
                      const struct vw_rpc_authsys *sys) {
    char key[KEY_MAX];
    struct field *f;

    snprintf(key, sizeof(key), "%s.flavor", prefix);
    d_uint(d, key, flavor, vw_rpc_flavor_name);
    snprintf(key, sizeof(key), "%s.body", prefix);
    f = d_bytes(d, key, body);
    if (sys == NULL) {
        return;
    }
    if (f != NULL) {
        f->optional = true;  /* the sys fields say it all; the round trip proves they match */
    }
    snprintf(key, sizeof(key), "%s.sys.stamp", prefix);
    d_uint(d, key, sys->stamp, NULL);
    snprintf(key, sizeof(key), "%s.sys.machinename", prefix);
    d_bytes(d, key, sys->machinename);
    snprintf(key, sizeof(key), "%s.sys.uid", prefix);
    d_uint(d, key, sys->uid, NULL);
    snprintf(key, sizeof(key), "%s.sys.gid", prefix);
    d_uint(d, key, sys->gid, NULL);
    {
        uint64_t gids[VW_RPC_GIDS_MAX];
        size_t n = sys->num_gids <= VW_RPC_GIDS_MAX ? sys->num_gids : VW_RPC_GIDS_MAX;
        for (size_t i = 0; i < n; i++) {
            gids[i] = sys->gids[i];
        }
        snprintf(key, sizeof(key), "%s.sys.gids", prefix);
        d_list(d, key, gids, n);
    }
}

static void rpc_dump(const struct params *pa, struct outcome *o, struct dump *d) {
    const struct vw_rpc_msg *m = &o->val.msg;
    const struct vw_rpc_reply *r = &m->reply;
    struct field *f;

    (void)pa;
    d_uint(d, "out.xid", m->xid, NULL);
    d_uint(d, "out.mtype", m->mtype, mtype_name);
    if (m->mtype == VW_RPC_CALL) {
        d_uint(d, "out.call.rpcvers", m->call.rpcvers, NULL);
        d_uint(d, "out.call.prog", m->call.prog, NULL);
        d_uint(d, "out.call.vers", m->call.vers, NULL);
        d_uint(d, "out.call.proc", m->call.proc, NULL);
        dump_auth(d, "out.call.cred", m->call.cred.flavor, m->call.cred.body,
                  m->call.cred.has_sys ? &m->call.cred.sys : NULL);
        dump_auth(d, "out.call.verf", m->call.verf.flavor, m->call.verf.body, NULL);
        if ((f = d_bytes(d, "out.call.args", m->call.args)) != NULL) {
            f->rest = true;
        }
        return;
    }
    d_uint(d, "out.reply.stat", r->stat, reply_stat_name);
    if (r->stat == VW_RPC_MSG_ACCEPTED) {
        dump_auth(d, "out.reply.verf", r->verf.flavor, r->verf.body, NULL);
        d_uint(d, "out.reply.accept_stat", r->accept_stat, vw_rpc_accept_stat_name);
        if (r->accept_stat == VW_RPC_SUCCESS) {
            if ((f = d_bytes(d, "out.reply.results", r->results)) != NULL) {
                f->rest = true;
            }
        } else if (r->accept_stat == VW_RPC_PROG_MISMATCH) {
            d_uint(d, "out.reply.mismatch.low", r->mismatch.low, NULL);
            d_uint(d, "out.reply.mismatch.high", r->mismatch.high, NULL);
        }
        return;
    }
    d_uint(d, "out.reply.reject_stat", r->reject_stat, reject_stat_name);
    if (r->reject_stat == VW_RPC_RPC_MISMATCH) {
        d_uint(d, "out.reply.mismatch.low", r->mismatch.low, NULL);
        d_uint(d, "out.reply.mismatch.high", r->mismatch.high, NULL);
    } else if (r->reject_stat == VW_RPC_AUTH_ERROR) {
        d_uint(d, "out.reply.auth_stat", r->auth_stat, vw_rpc_auth_stat_name);
    }
}

/* -- portmap / rpcbind bodies -- */

static const char *pmap_kind_name(uint32_t v) {
    static const char *const names[] = {
        "VOID", "MAPPING", "BOOL", "UINT", "PMAPLIST", "CALL_ARGS", "CALL_RESULT",
        "RPCB", "STRING", "RPCBLIST", "RMTCALL_RES", "NETBUF", "ENTRYLIST",
    };
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

static bool is_list_kind(enum vw_pmap_kind k) {
    return k == VW_PMAP_K_PMAPLIST || k == VW_PMAP_K_RPCBLIST || k == VW_PMAP_K_ENTRYLIST;
}

/* pmap_check returns what is wrong with a decoded body, or NULL. */
static const char *pmap_check(const struct vw_pmap_body *b, const struct params *pa,
                              const uint8_t *buf, size_t len) {
    enum vw_pmap_kind k = b->kind, want;
    const struct vw_pmap_mapping *mp = &b->mapping;
    const struct vw_rpcb *rb = &b->rpcb;

    if (vw_pmap_body_kind(pa->vers, pa->proc, pa->reply, &want) < 0 || want != k) {
        return "kind does not match vw_pmap_body_kind";
    }
    if (b->vers != pa->vers) {
        return "vers is not the version decoded";
    }
    if (k != VW_PMAP_K_BOOL && b->value_bool) {
        return "value_bool set";
    }
    if (k != VW_PMAP_K_UINT && b->value_uint != 0) {
        return "value_uint set";
    }
    if (k != VW_PMAP_K_MAPPING && (mp->prog | mp->vers | mp->prot | mp->port) != 0) {
        return "mapping set";
    }
    if (k == VW_PMAP_K_RPCB) {
        if (!span_in(rb->netid, buf, len) || !span_in(rb->addr, buf, len) ||
            !span_in(rb->owner, buf, len)) {
            return "rpcb strings are not views into the input";
        }
    } else if (rb->prog != 0 || rb->vers != 0 || !span_zero(rb->netid) || !span_zero(rb->addr) ||
               !span_zero(rb->owner)) {
        return "rpcb set";
    }
    if (k == VW_PMAP_K_CALL_ARGS) {
        if (!span_in(b->call_args.args, buf, len)) {
            return "call_args.args is not a view into the input";
        }
    } else if (b->call_args.prog != 0 || b->call_args.vers != 0 || b->call_args.proc != 0 ||
               !span_zero(b->call_args.args)) {
        return "call_args set";
    }
    if (k != VW_PMAP_K_CALL_RESULT && b->call_result.port != 0) {
        return "call_result.port set";
    }
    if (k == VW_PMAP_K_RMTCALL_RES) {
        if (!span_in(b->call_result.addr, buf, len)) {
            return "call_result.addr is not a view into the input";
        }
    } else if (!span_zero(b->call_result.addr)) {
        return "call_result.addr set";
    }
    if (k == VW_PMAP_K_CALL_RESULT || k == VW_PMAP_K_RMTCALL_RES) {
        if (!span_in(b->call_result.results, buf, len)) {
            return "call_result.results is not a view into the input";
        }
    } else if (!span_zero(b->call_result.results)) {
        return "call_result.results set";
    }
    if (k == VW_PMAP_K_STRING) {
        if (!span_in(b->string, buf, len)) {
            return "string is not a view into the input";
        }
    } else if (!span_zero(b->string)) {
        return "string set";
    }
    if (k == VW_PMAP_K_NETBUF) {
        if (!span_in(b->netbuf.buf, buf, len)) {
            return "netbuf.buf is not a view into the input";
        }
    } else if (b->netbuf.maxlen != 0 || !span_zero(b->netbuf.buf)) {
        return "netbuf set";
    }
    if (is_list_kind(k)) {
        if (b->list.raw.p != buf || b->list.raw.len > len) {
            return "list.raw does not start the body";
        }
    } else if (b->list.num_entries != 0 || !span_zero(b->list.raw)) {
        return "list set";
    }
    return NULL;
}

static void pmap_decode(const struct params *pa, const uint8_t *buf, size_t len, unsigned flags,
                        struct outcome *o) {
    struct vw_pmap_body sentinel;
    const char *why;

    memset(&o->val.pmap, 0xA5, sizeof(o->val.pmap));
    memcpy(&sentinel, &o->val.pmap, sizeof(sentinel));
    o->rc = vw_pmap_decode(&o->val.pmap, &o->diag, &o->lax, buf,
                           (struct vw_span){ .p = buf, .len = len }, pa->vers, pa->proc,
                           pa->reply, flags);
    if (o->rc < 0) {
        if (memcmp(&o->val.pmap, &sentinel, sizeof(sentinel)) != 0) {
            problem(o, "failure not atomic: the output was written on %s", vw_err_name(o->rc));
        }
        return;
    }
    if (o->rc != 0) {
        problem(o, "returned %d, which is neither 0 nor an error code", o->rc);
        return;
    }
    if ((why = pmap_check(&o->val.pmap, pa, buf, len)) != NULL) {
        problem(o, "decoded body inconsistent: %s", why);
        return;
    }
    if (is_list_kind(o->val.pmap.kind) && o->val.pmap.list.raw.len != len &&
        o->lax.code != VW_E_TRAILING) {
        problem(o, "list.raw is %zu bytes of a %zu-byte body", o->val.pmap.list.raw.len, len);
        return;
    }
    o->fixed_len = len;
}

static int pmap_encode(const struct params *pa, const struct outcome *o, struct vw_xdr_enc *e) {
    (void)pa;
    return vw_pmap_encode(e, &o->val.pmap);
}

static void pmap_dump_list(const struct vw_pmap_body *b, struct dump *d, struct outcome *o) {
    struct vw_pmap_list_iter it;
    union {
        struct vw_pmap_mapping m;
        struct vw_rpcb r;
        struct vw_rpcb_entry e;
    } en;
    char key[KEY_MAX];
    uint32_t n = 0;

    d_uint(d, "out.list.num_entries", b->list.num_entries, NULL);
    vw_pmap_list_begin(&it, b);
    while (vw_pmap_list_next(&it, &en) == 1) {
#define K(name) (snprintf(key, sizeof(key), "out.list.%" PRIu32 "." name, n), key)
        if (b->kind == VW_PMAP_K_PMAPLIST) {
            d_uint(d, K("prog"), en.m.prog, NULL);
            d_uint(d, K("vers"), en.m.vers, NULL);
            d_uint(d, K("prot"), en.m.prot, NULL);
            d_uint(d, K("port"), en.m.port, NULL);
        } else if (b->kind == VW_PMAP_K_RPCBLIST) {
            d_uint(d, K("prog"), en.r.prog, NULL);
            d_uint(d, K("vers"), en.r.vers, NULL);
            d_bytes(d, K("netid"), en.r.netid);
            d_bytes(d, K("addr"), en.r.addr);
            d_bytes(d, K("owner"), en.r.owner);
        } else {
            d_bytes(d, K("maddr"), en.e.maddr);
            d_bytes(d, K("nc_netid"), en.e.nc_netid);
            d_uint(d, K("nc_semantics"), en.e.nc_semantics, NULL);
            d_bytes(d, K("nc_protofmly"), en.e.nc_protofmly);
            d_bytes(d, K("nc_proto"), en.e.nc_proto);
        }
#undef K
        n++;
        if (n > b->list.num_entries) {
            break;
        }
    }
    if (n != b->list.num_entries) {
        problem(o, "list walk gave %" PRIu32 " entries, num_entries is %" PRIu32, n,
                b->list.num_entries);
    }
}

static void pmap_dump(const struct params *pa, struct outcome *o, struct dump *d) {
    const struct vw_pmap_body *b = &o->val.pmap;

    (void)pa;
    d_uint(d, "out.kind", b->kind, pmap_kind_name);
    switch (b->kind) {
    case VW_PMAP_K_VOID:
        break;
    case VW_PMAP_K_MAPPING:
        d_uint(d, "out.mapping.prog", b->mapping.prog, NULL);
        d_uint(d, "out.mapping.vers", b->mapping.vers, NULL);
        d_uint(d, "out.mapping.prot", b->mapping.prot, NULL);
        d_uint(d, "out.mapping.port", b->mapping.port, NULL);
        break;
    case VW_PMAP_K_BOOL:
        d_bool(d, "out.bool", b->value_bool);
        break;
    case VW_PMAP_K_UINT:
        d_uint(d, "out.uint", b->value_uint, NULL);
        break;
    case VW_PMAP_K_PMAPLIST:
    case VW_PMAP_K_RPCBLIST:
    case VW_PMAP_K_ENTRYLIST:
        pmap_dump_list(b, d, o);
        break;
    case VW_PMAP_K_CALL_ARGS:
        d_uint(d, "out.call_args.prog", b->call_args.prog, NULL);
        d_uint(d, "out.call_args.vers", b->call_args.vers, NULL);
        d_uint(d, "out.call_args.proc", b->call_args.proc, NULL);
        d_bytes(d, "out.call_args.args", b->call_args.args);
        break;
    case VW_PMAP_K_CALL_RESULT:
        d_uint(d, "out.call_result.port", b->call_result.port, NULL);
        d_bytes(d, "out.call_result.results", b->call_result.results);
        break;
    case VW_PMAP_K_RPCB:
        d_uint(d, "out.rpcb.prog", b->rpcb.prog, NULL);
        d_uint(d, "out.rpcb.vers", b->rpcb.vers, NULL);
        d_bytes(d, "out.rpcb.netid", b->rpcb.netid);
        d_bytes(d, "out.rpcb.addr", b->rpcb.addr);
        d_bytes(d, "out.rpcb.owner", b->rpcb.owner);
        break;
    case VW_PMAP_K_STRING:
        d_bytes(d, "out.string", b->string);
        break;
    case VW_PMAP_K_RMTCALL_RES:
        d_bytes(d, "out.rmtcall_res.addr", b->call_result.addr);
        d_bytes(d, "out.rmtcall_res.results", b->call_result.results);
        break;
    case VW_PMAP_K_NETBUF:
        d_uint(d, "out.netbuf.maxlen", b->netbuf.maxlen, NULL);
        d_bytes(d, "out.netbuf.buf", b->netbuf.buf);
        break;
    }
}

/* -- qemud messages (historic-qemud-openhook-qga.md §1) -- */

/* Output keys: out.length, out.prog, out.serial, out.in_reply_to (server), out.type (a number
 * or its name: DOMAIN_CREATE, FAILURE, ...), then one key per field of the arm struct,
 * out.<field>: ints as numbers, char vectors as bytes up to their last non-zero char (NUL
 * padding is implied; the round trip pins it), uuid[16] as 16 bytes, int32_t domains[100] as
 * a list up to its last non-zero entry. */
static struct vw_xs_item qemud_items[VW_QEMUD_ITEMS_MAX];

static const char *qemud_client_type_name(uint32_t v) {
    return vw_qemud_type_name(VW_QEMUD_FROM_CLIENT, (int32_t)v);
}

static const char *qemud_server_type_name(uint32_t v) {
    return vw_qemud_type_name(VW_QEMUD_FROM_SERVER, (int32_t)v);
}

static void qemud_decode(const struct params *pa, const uint8_t *buf, size_t len, unsigned flags,
                         struct outcome *o) {
    struct qemud_decoded *q = &o->val.qemud;
    struct vw_qemud_msg sentinel;

    memset(&q->msg, 0xA5, sizeof(q->msg));
    memcpy(&sentinel, &q->msg, sizeof(sentinel));
    o->rc = vw_qemud_decode(&q->msg, &o->diag, &o->lax, buf, len, pa->direction, flags, NULL,
                            NULL);
    if (o->rc < 0) {
        if (memcmp(&q->msg, &sentinel, sizeof(sentinel)) != 0) {
            problem(o, "failure not atomic: the output was written on %s", vw_err_name(o->rc));
        }
        return;
    }
    if (o->rc != 0) {
        problem(o, "returned %d, which is neither 0 nor an error code", o->rc);
        return;
    }
    if (q->msg.length != (size_t)(q->msg.body.p + q->msg.body.len - buf) ||
        !span_in(q->msg.body, buf, len) || q->msg.body_type == NULL) {
        problem(o, "decoded message inconsistent: length word, body view or body type");
        return;
    }
    o->fixed_len = len;
}

static int qemud_encode(const struct params *pa, const struct outcome *o, struct vw_xdr_enc *e) {
    (void)pa;
    return vw_qemud_reencode(e, &o->val.qemud.msg, VW_DEC_LENIENT, qemud_items,
                             VW_QEMUD_ITEMS_MAX);
}

static void qemud_dump(const struct params *pa, struct outcome *o, struct dump *d) {
    struct qemud_decoded *q = &o->val.qemud;
    const struct vw_qemud_msg *m = &q->msg;
    struct vw_qemud_items c = { .items = qemud_items, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_diag diag = { 0 }, lax = { 0 };
    size_t used = 0;
    char key[KEY_MAX];

    (void)pa;
    d_uint(d, "out.length", m->length, NULL);
    d_uint(d, "out.prog", m->prog, NULL);
    d_uint(d, "out.serial", m->serial, NULL);
    if (m->direction == VW_QEMUD_FROM_SERVER) {
        d_uint(d, "out.in_reply_to", m->in_reply_to, NULL);
    }
    d_uint(d, "out.type", (uint32_t)m->type,
           m->direction == VW_QEMUD_FROM_SERVER ? qemud_server_type_name
                                                 : qemud_client_type_name);
    if (vw_xs_decode_body(m->body_type, m->body.p, m->body.p, m->body.len, VW_DEC_LENIENT, &diag,
                          &lax, vw_qemud_collect, &c) < 0) {
        problem(o, "the body does not decode again: %s", vw_err_name(diag.code));
        return;
    }
    for (size_t i = 0; i < c.num; i++) {
        const struct vw_xs_item *it = &c.items[i];
        if (it->depth != 1) {
            continue;  /* the arm's fields; vector elements are read below */
        }
        snprintf(key, sizeof(key), "out.%s", it->name != NULL ? it->name : "?");
        switch (it->type->kind) {
        case VW_XS_INT:
            d_int(d, key, it->i);
            break;
        case VW_XS_VECTOR: {
            size_t n = it->type->n, last = 0;
            if (n > c.num - i - 1) {
                problem(o, "vector %s has %zu elements, not %zu", key, c.num - i - 1, n);
                return;
            }
            for (size_t k = 0; k < n; k++) {
                if (it[1 + k].u != 0) {
                    last = k + 1;
                }
            }
            if (it->type->elem->kind == VW_XS_INT) {
                uint64_t v[LIST_MAX];
                for (size_t k = 0; k < last && k < LIST_MAX; k++) {
                    v[k] = (uint64_t)(int64_t)it[1 + k].i;
                }
                d_list(d, key, v, last);
                break;
            }
            if (it->type->elem->kind == VW_XS_UCHAR) {
                last = n;  /* a uuid is shown whole */
            }
            if (used + last > sizeof(q->bytes)) {
                problem(o, "runner limit: vector bytes");
                return;
            }
            for (size_t k = 0; k < last; k++) {
                q->bytes[used + k] = (uint8_t)it[1 + k].u;
            }
            struct field *f = d_bytes(d, key, (struct vw_span){ .p = q->bytes + used,
                                                                .len = last });
            if (f != NULL) {
                f->off = SIZE_MAX;  /* not a view of the input: no offset to compare */
            }
            used += last;
            break;
        }
        case VW_XS_VOID:
        case VW_XS_STRUCT:
            break;
        default:
            d_uint(d, key, it->u, NULL);
            break;
        }
    }
}

/* -- the function table -- */

struct func {
    const char *name;
    enum func_id id;
    void (*decode)(const struct params *pa, const uint8_t *buf, size_t len, unsigned flags,
                   struct outcome *o);
    int (*encode)(const struct params *pa, const struct outcome *o, struct vw_xdr_enc *e);
    void (*dump)(const struct params *pa, struct outcome *o, struct dump *d);
};

static const struct func funcs[] = {
    { "xdr_get_u32", X_U32, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_i32", X_I32, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_u64", X_U64, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_i64", X_I64, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_bool", X_BOOL, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_enum", X_ENUM, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_optional", X_OPTIONAL, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_fixed_opaque", X_FIXED, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_opaque", X_OPAQUE, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_string", X_STRING, xdr_decode, xdr_encode, xdr_dump },
    { "xdr_get_count", X_COUNT, xdr_decode, xdr_encode, xdr_dump },
    { "rpc_msg_decode", RPC_MSG, rpc_decode, rpc_encode, rpc_dump },
    { "pmap_decode", PMAP, pmap_decode, pmap_encode, pmap_dump },
    { "rm_feed", RM_FEED, NULL, NULL, NULL },
    { "qemud_decode", QEMUD_MSG, qemud_decode, qemud_encode, qemud_dump },
};

/* decode runs |fn| on |len| bytes at |buf| into a fresh |*o|, with its dump on success. */
static void decode(const struct func *fn, const struct params *pa, const uint8_t *buf,
                   size_t len, unsigned flags, struct outcome *o) {
    memset(o, 0, sizeof(*o));
    o->dump.base = buf;
    fn->decode(pa, buf, len, flags, o);
    if (o->rc == 0 && o->problem[0] == '\0') {
        fn->dump(pa, o, &o->dump);
    }
    if (o->rc < 0 && o->diag.code != 0 && o->diag.code != o->rc) {
        problem(o, "returned %s but struct vw_diag holds %s", vw_err_name(o->rc),
                vw_err_name(o->diag.code));
    }
    if (o->rc == 0 && o->diag.code != 0) {
        problem(o, "succeeded but struct vw_diag holds %s", vw_err_name(o->diag.code));
    }
    if ((flags & VW_DEC_LENIENT) == 0 && o->lax.code != 0) {
        problem(o, "strict mode recorded a lenient note (%s)", vw_err_name(o->lax.code));
    }
}

static bool same_outcome(const struct outcome *a, const struct outcome *b, char *why,
                         size_t why_len) {
    char x[ERR_LEN], y[ERR_LEN];

    if (a->rc != b->rc) {
        snprintf(why, why_len, "returned %s instead of %s", vw_err_name(b->rc),
                 vw_err_name(a->rc));
        return false;
    }
    if (!same_diag(&a->diag, &b->diag)) {
        snprintf(why, why_len, "diag %.200s instead of %.200s", fmt_diag(&b->diag, y, sizeof(y)),
                 fmt_diag(&a->diag, x, sizeof(x)));
        return false;
    }
    if (!same_diag(&a->lax, &b->lax)) {
        snprintf(why, why_len, "lax %.200s instead of %.200s", fmt_diag(&b->lax, y, sizeof(y)),
                 fmt_diag(&a->lax, x, sizeof(x)));
        return false;
    }
    if (strcmp(a->problem, b->problem) != 0) {
        snprintf(why, why_len, "invariant \"%.200s\" instead of \"%.200s\"", b->problem,
                 a->problem);
        return false;
    }
    if (a->rc == 0) {
        return same_dump(&a->dump, &b->dump, SIZE_MAX, true, why, why_len);
    }
    return true;
}

/* ---- reading section parameters ------------------------------------------------------------ */

/* Each returns 0, or -1 (reported) when the parameter is missing or invalid; case keys are read
 * with vec.h's vw_vec_get_*. */

static int param_u64(struct vw_vec_case *c, const char *key, uint64_t max, uint64_t *out) {
    const struct vw_vec_kv *kv = vw_vec_param(c, key);
    char err[ERR_LEN];

    if (kv == NULL) {
        vw_vec_fail(c, c->section_line, "%s needs the section parameter \"%s = ...\"", c->func,
                    key);
        return -1;
    }
    if (vw_vec_parse_u64(kv->value, out, err, sizeof(err)) < 0) {
        vw_vec_fail(c, kv->line, "%s: %s", key, err);
        return -1;
    }
    if (*out > max) {
        vw_vec_fail(c, kv->line, "%s: %" PRIu64 " is over %" PRIu64, key, *out, max);
        return -1;
    }
    return 0;
}

static int param_i32(struct vw_vec_case *c, const char *key, int32_t *out) {
    const struct vw_vec_kv *kv = vw_vec_param(c, key);
    char err[ERR_LEN];
    int64_t v;

    if (kv == NULL) {
        vw_vec_fail(c, c->section_line, "%s needs the section parameter \"%s = ...\"", c->func,
                    key);
        return -1;
    }
    if (vw_vec_parse_i64(kv->value, &v, err, sizeof(err)) < 0) {
        vw_vec_fail(c, kv->line, "%s: %s", key, err);
        return -1;
    }
    if (v < INT32_MIN || v > INT32_MAX) {
        vw_vec_fail(c, kv->line, "%s: out of the int32 range", key);
        return -1;
    }
    *out = (int32_t)v;
    return 0;
}

static int read_params(struct vw_vec_case *c, const struct func *fn, struct params *pa) {
    uint64_t v;

    memset(pa, 0, sizeof(*pa));
    pa->id = fn->id;
    switch (fn->id) {
    case X_ENUM:
        return param_i32(c, "min", &pa->emin) < 0 || param_i32(c, "max", &pa->emax) < 0 ? -1 : 0;
    case X_FIXED:
        if (param_u64(c, "n", VW_VEC_BYTES_MAX, &v) < 0) {
            return -1;
        }
        pa->n = (size_t)v;
        return 0;
    case X_OPAQUE:
    case X_STRING:
    case X_COUNT:
        if (param_u64(c, "max", UINT32_MAX, &v) < 0) {
            return -1;
        }
        pa->max = (uint32_t)v;
        if (fn->id == X_COUNT) {
            if (param_u64(c, "min_elem_size", VW_VEC_BYTES_MAX, &v) < 0) {
                return -1;
            }
            pa->min_elem_size = (size_t)v;
        }
        return 0;
    case PMAP: {
        const struct vw_vec_kv *kv;
        char err[ERR_LEN];
        if (param_u64(c, "vers", UINT32_MAX, &v) < 0) {
            return -1;
        }
        pa->vers = (uint32_t)v;
        if (param_u64(c, "proc", UINT32_MAX, &v) < 0) {
            return -1;
        }
        pa->proc = (uint32_t)v;
        kv = vw_vec_param(c, "reply");
        if (kv == NULL) {
            vw_vec_fail(c, c->section_line, "pmap_decode needs \"reply = yes|no\"");
            return -1;
        }
        if (vw_vec_parse_bool(kv->value, &pa->reply, err, sizeof(err)) < 0) {
            vw_vec_fail(c, kv->line, "reply: %s", err);
            return -1;
        }
        return 0;
    }
    case QEMUD_MSG: {
        const struct vw_vec_kv *kv = vw_vec_param(c, "from");
        if (kv == NULL || (strcmp(kv->value, "client") != 0 && strcmp(kv->value, "server") != 0)) {
            vw_vec_fail(c, c->section_line, "qemud_decode needs \"from = client|server\"");
            return -1;
        }
        pa->direction = strcmp(kv->value, "server") == 0 ? VW_QEMUD_FROM_SERVER
                                                         : VW_QEMUD_FROM_CLIENT;
        return 0;
    }
    case RM_FEED:
        if (param_u64(c, "record_max", SIZE_MAX, &v) < 0) {
            return -1;
        }
        pa->record_max = (size_t)v;
        return 0;
    default:
        return 0;
    }
}

/* ---- running a decoder case ---------------------------------------------------------------- */

/* exact_copy copies |len| bytes into a heap block of exactly that size, so ASan and valgrind see
 * a one-byte over-read; an empty input is the end of a 1-byte block.  Free |*out_block|. */
static const uint8_t *exact_copy(const uint8_t *p, size_t len, uint8_t **out_block) {
    uint8_t *b = malloc(len > 0 ? len : 1);

    *out_block = b;
    if (b == NULL) {
        return NULL;
    }
    if (len == 0) {
        return b + 1;
    }
    memcpy(b, p, len);
    return b;
}

struct ctx {
    struct vw_vec_case *c;
    const struct func *fn;
    struct params pa;
    uint8_t *in;            /* "in:" */
    size_t in_len;
    uint8_t *canon;         /* "canonical:", or NULL */
    size_t canon_len;
    struct vw_guardbuf g;
    bool ok;
};

static void fail(struct ctx *x, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct ctx *x, unsigned line, const char *fmt, ...) {
    char msg[2 * ERR_LEN + SHOW_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    vw_vec_fail(x->c, line, "%s", msg);
    x->ok = false;
}

static unsigned key_line(struct vw_vec_case *c, const char *key) {
    for (size_t i = 0; i < c->num_keys; i++) {
        if (strcmp(c->keys[i].key, key) == 0) {
            return c->keys[i].line;
        }
    }
    return 0;
}

/* decode_guard decodes the first |len| bytes of "in:" from the guard-page buffer. */
static void decode_guard(struct ctx *x, size_t len, unsigned flags, struct outcome *o) {
    const uint8_t *p = vw_guardbuf_put(&x->g, x->in, len);

    if (p == NULL) {
        memset(o, 0, sizeof(*o));
        problem(o, "runner: guard buffer unusable");
        return;
    }
    decode(x->fn, &x->pa, p, len, flags, o);
}

/* check_roundtrip: encode(decoded) must be "canonical:" or else "in:", the encoder must measure
 * alike and fail atomically one byte short; canonical bytes must decode to the same value. */
static void check_roundtrip(struct ctx *x, const struct outcome *a, unsigned flags,
                            struct outcome *scratch) {
    const uint8_t *want = x->canon != NULL ? x->canon : x->in;
    size_t want_len = x->canon != NULL ? x->canon_len : x->in_len;
    struct vw_xdr_enc m, e, e0;
    uint8_t *buf;
    char why[ERR_LEN];
    int r;

    vw_xdr_enc_init(&m, NULL, 0);
    if ((r = x->fn->encode(&x->pa, a, &m)) < 0) {
        fail(x, 0, "round trip: measuring the encoding failed with %s", vw_err_name(r));
        return;
    }
    buf = malloc(m.len + 1);
    if (buf == NULL) {
        fail(x, 0, "runner: out of memory");
        return;
    }
    vw_xdr_enc_init(&e, buf, m.len);
    if ((r = x->fn->encode(&x->pa, a, &e)) < 0) {
        fail(x, 0, "round trip: encoding failed with %s", vw_err_name(r));
    } else if (e.len != m.len) {
        fail(x, 0, "round trip: encoded %zu bytes, measured %zu", e.len, m.len);
    } else if (e.len != want_len || (want_len > 0 && memcmp(buf, want, want_len) != 0)) {
        struct field f = { .kind = F_BYTES, .p = buf, .len = e.len, .off = SIZE_MAX };
        char shown[SHOW_MAX];
        fail(x, key_line(x->c, x->canon != NULL ? "canonical" : "in"),
             "round trip: encoding gives %s, not the %s bytes", show(&f, shown, sizeof(shown)),
             x->canon != NULL ? "canonical:" : "in:");
    }
    if (m.len > 0) {
        vw_xdr_enc_init(&e, buf, m.len - 1);
        e0 = e;
        r = x->fn->encode(&x->pa, a, &e);
        if (r != VW_E_NOSPACE) {
            fail(x, 0, "encoding into %zu bytes (one short) returned %s, not VW_E_NOSPACE",
                 m.len - 1, vw_err_name(r));
        } else if (e.p != e0.p || e.cap != e0.cap || e.len != e0.len) {
            fail(x, 0, "encoder failure not atomic: VW_E_NOSPACE moved the encoder");
        }
    }
    free(buf);
    if (x->canon != NULL) {
        uint8_t *block;
        const uint8_t *copy = exact_copy(x->canon, x->canon_len, &block);
        if (copy == NULL) {
            fail(x, 0, "runner: out of memory");
            return;
        }
        decode(x->fn, &x->pa, copy, x->canon_len, flags, scratch);
        if (scratch->rc != 0) {
            fail(x, key_line(x->c, "canonical"), "canonical: bytes do not decode: %s",
                 vw_err_name(scratch->rc));
        } else if (!same_dump(&a->dump, &scratch->dump, SIZE_MAX, false, why, sizeof(why))) {
            fail(x, key_line(x->c, "canonical"), "canonical: bytes decode differently: %s", why);
        }
        free(block);
    }
}

/* check_prefixes_ok: a strict prefix shorter than the fixed part gives VW_E_SHORT; a longer one
 * decodes to the same value with a shorter rest (lenient trailing bytes: the same value). */
static void check_prefixes_ok(struct ctx *x, const struct outcome *a, unsigned flags,
                              struct outcome *o) {
    bool trailing = (flags & VW_DEC_LENIENT) != 0 && a->lax.code == VW_E_TRAILING;
    size_t limit = a->fixed_len;
    char why[ERR_LEN], d[ERR_LEN];

    if (trailing && a->lax.offset < limit) {
        limit = a->lax.offset;
    }
    for (size_t p = 0; p < x->in_len; p++) {
        decode_guard(x, p, flags, o);
        if (o->problem[0] != '\0') {
            fail(x, 0, "prefix of %zu bytes: %s", p, o->problem);
            return;
        }
        if (p < limit) {
            if (o->rc != VW_E_SHORT || o->diag.offset > p) {
                fail(x, 0, "prefix of %zu bytes: %s, expected VW_E_SHORT at or before %zu", p,
                     o->rc == 0 ? "success" : fmt_diag(&o->diag, d, sizeof(d)), p);
                return;
            }
            continue;
        }
        if (o->rc != 0) {
            fail(x, 0, "prefix of %zu bytes (whole header) failed: %s", p,
                 fmt_diag(&o->diag, d, sizeof(d)));
            return;
        }
        if (!same_dump(&a->dump, &o->dump, p >= a->fixed_len ? p - a->fixed_len : SIZE_MAX, true,
                       why, sizeof(why))) {
            fail(x, 0, "prefix of %zu bytes decodes differently: %s", p, why);
            return;
        }
        if (!trailing && !same_diag(&a->lax, &o->lax)) {
            fail(x, 0, "prefix of %zu bytes: lax %s", p, fmt_diag(&o->lax, d, sizeof(d)));
            return;
        }
    }
}

/* check_prefixes_err: a strict prefix of an erroneous input gives VW_E_SHORT or the same error
 * (or, for trailing bytes, success when it ends where they start). */
static void check_prefixes_err(struct ctx *x, const struct outcome *a, unsigned flags,
                               struct outcome *o) {
    char d[ERR_LEN];

    for (size_t p = 0; p < x->in_len; p++) {
        decode_guard(x, p, flags, o);
        if (o->problem[0] != '\0') {
            fail(x, 0, "prefix of %zu bytes: %s", p, o->problem);
            return;
        }
        if (o->rc == VW_E_SHORT && o->diag.code == VW_E_SHORT && o->diag.offset <= p) {
            continue;
        }
        if (o->rc == a->rc && same_diag(&o->diag, &a->diag)) {
            continue;
        }
        if (o->rc == 0 && a->rc == VW_E_TRAILING && p == a->diag.offset) {
            continue;
        }
        fail(x, 0, "prefix of %zu bytes: %s, expected VW_E_SHORT or %s", p,
             o->rc == 0 ? "success" : fmt_diag(&o->diag, d, sizeof(d)), vw_err_name(a->rc));
        return;
    }
}

static void check_error(struct ctx *x, const struct outcome *a, int want, bool lenient) {
    struct vw_vec_case *c = x->c;
    const struct vw_vec_kv *off = vw_vec_get(c, "offset");
    const struct vw_vec_kv *field = vw_vec_get(c, "field");
    char d[ERR_LEN];

    if (a->rc != want) {
        fail(x, key_line(c, "error"), "expected %s, got %s", vw_err_name(want),
             a->rc == 0 ? "success" : fmt_diag(&a->diag, d, sizeof(d)));
        return;
    }
    if (off == NULL) {
        fail(x, key_line(c, "error"), "an error case needs \"offset:\" (or \"offset: none\")");
    } else if (strcmp(off->value, "none") == 0) {
        if (a->diag.code != 0) {
            fail(x, off->line, "expected no diag, decoder reported %s",
                 fmt_diag(&a->diag, d, sizeof(d)));
        }
    } else {
        uint64_t v;
        char err[ERR_LEN];
        if (vw_vec_parse_u64(off->value, &v, err, sizeof(err)) < 0) {
            fail(x, off->line, "offset: %s", err);
        } else if (a->diag.code != a->rc) {
            fail(x, off->line, "decoder returned %s but diag holds %s", vw_err_name(a->rc),
                 fmt_diag(&a->diag, d, sizeof(d)));
        } else if (a->diag.offset != v) {
            fail(x, off->line, "%s at offset %zu, expected offset %" PRIu64, vw_err_name(a->rc),
                 a->diag.offset, v);
        }
    }
    if (field != NULL && (a->diag.field == NULL || strcmp(a->diag.field, field->value) != 0)) {
        fail(x, field->line, "diag field is %s, expected %s",
             a->diag.field != NULL ? a->diag.field : "(none)", field->value);
    }
    if (lenient) {
        int code;
        uint64_t v;
        int r = vw_vec_get_code(c, "lax", "VW_OK", &code);
        if (r < 0) {
            x->ok = false;
        } else if (r > 0 && a->lax.code != code) {
            fail(x, key_line(c, "lax"), "lax is %s, expected %s", fmt_diag(&a->lax, d, sizeof(d)),
                 vw_err_name(code));
        }
        r = vw_vec_get_u64(c, "lax_offset", &v);
        if (r < 0) {
            x->ok = false;
        } else if (r > 0 && (a->lax.code == 0 || a->lax.offset != v)) {
            fail(x, key_line(c, "lax_offset"), "lax is %s, expected offset %" PRIu64,
                 fmt_diag(&a->lax, d, sizeof(d)), v);
        }
    }
}

static void check_lax(struct ctx *x, const struct outcome *a) {
    struct vw_vec_case *c = x->c;
    const struct vw_vec_kv *field;
    char d[ERR_LEN];
    uint64_t v;
    int code, r;

    r = vw_vec_get_code(c, "lax", "VW_OK", &code);
    if (r < 0) {
        x->ok = false;
        return;
    }
    if (r == 0) {
        fail(x, 0, "a lenient case needs \"lax:\" (VW_OK when nothing is non-canonical); "
                   "decoder: %s", fmt_diag(&a->lax, d, sizeof(d)));
        return;
    }
    if (a->lax.code != code) {
        fail(x, key_line(c, "lax"), "lax is %s, expected %s", fmt_diag(&a->lax, d, sizeof(d)),
             vw_err_name(code));
        return;
    }
    if (code == 0) {
        return;
    }
    r = vw_vec_get_u64(c, "lax_offset", &v);
    if (r < 0) {
        x->ok = false;
    } else if (r == 0) {
        fail(x, key_line(c, "lax"), "\"lax:\" needs \"lax_offset:\" (decoder: %zu)",
             a->lax.offset);
    } else if (a->lax.offset != v) {
        fail(x, key_line(c, "lax_offset"), "lax %s, expected offset %" PRIu64,
             fmt_diag(&a->lax, d, sizeof(d)), v);
    }
    field = vw_vec_get(c, "lax_field");
    if (field != NULL && (a->lax.field == NULL || strcmp(a->lax.field, field->value) != 0)) {
        fail(x, field->line, "lax field is %s, expected %s",
             a->lax.field != NULL ? a->lax.field : "(none)", field->value);
    }
}

/* check_other_mode: strict input decodes alike in lenient mode with nothing recorded; a
 * lenient note is the strict error at the same offset. */
static void check_other_mode(struct ctx *x, const struct outcome *a, const uint8_t *heap,
                             bool lenient, struct outcome *o) {
    char why[ERR_LEN], d[ERR_LEN];

    decode(x->fn, &x->pa, heap, x->in_len, lenient ? 0 : VW_DEC_LENIENT, o);
    if (o->problem[0] != '\0') {
        fail(x, 0, "%s decode: %s", lenient ? "strict" : "lenient", o->problem);
        return;
    }
    if (lenient && a->lax.code != 0) {
        if (o->rc != a->lax.code || o->diag.offset != a->lax.offset) {
            fail(x, 0, "lenient mode noted %s, but strict mode gives %s",
                 fmt_diag(&a->lax, why, sizeof(why)),
                 o->rc == 0 ? "success" : fmt_diag(&o->diag, d, sizeof(d)));
        }
        return;
    }
    if (o->rc != 0) {
        fail(x, 0, "%s mode rejects it: %s", lenient ? "strict" : "lenient",
             fmt_diag(&o->diag, d, sizeof(d)));
        return;
    }
    if (o->lax.code != 0) {
        fail(x, 0, "lenient mode noted %s on input strict mode accepts",
             fmt_diag(&o->lax, d, sizeof(d)));
        return;
    }
    if (!same_dump(&a->dump, &o->dump, SIZE_MAX, true, why, sizeof(why))) {
        fail(x, 0, "%s mode decodes differently: %s", lenient ? "strict" : "lenient", why);
    }
}

static void run_decoder(struct ctx *x) {
    struct vw_vec_case *c = x->c;
    struct outcome *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    uint8_t *block;
    const uint8_t *heap = exact_copy(x->in, x->in_len, &block);
    bool lenient = false;
    unsigned flags;
    char why[ERR_LEN], d[ERR_LEN];
    int want_err = 0, r;

    if (a == NULL || b == NULL || heap == NULL) {
        fail(x, 0, "runner: out of memory");
        goto cleanup;
    }
    if ((r = vw_vec_get_bool(c, "lenient", &lenient)) < 0 ||
        (r = vw_vec_get_code(c, "error", NULL, &want_err)) < 0) {
        x->ok = false;
        goto cleanup;
    }
    flags = lenient ? VW_DEC_LENIENT : 0;
    decode(x->fn, &x->pa, heap, x->in_len, flags, a);
    decode_guard(x, x->in_len, flags, b);
    if (!same_outcome(a, b, why, sizeof(why))) {
        fail(x, 0, "decoding from a guard-page buffer differs: %s", why);
    }
    if (a->problem[0] != '\0') {
        fail(x, 0, "%s", a->problem);
        goto cleanup;
    }
    if (want_err != 0) {
        if (x->canon != NULL) {
            fail(x, key_line(c, "canonical"), "\"canonical:\" in an error case");
        }
        check_error(x, a, want_err, lenient);
        if (a->rc == want_err) {
            check_prefixes_err(x, a, flags, b);
        }
        goto cleanup;
    }
    if (a->rc != 0) {
        fail(x, 0, "expected success, got %s", fmt_diag(&a->diag, d, sizeof(d)));
        goto cleanup;
    }
    if (lenient) {
        check_lax(x, a);
    }
    if (!check_dump(c, &a->dump)) {
        x->ok = false;
    }
    if (x->canon != NULL && x->canon_len == x->in_len &&
        (x->in_len == 0 || memcmp(x->canon, x->in, x->in_len) == 0)) {
        fail(x, key_line(c, "canonical"), "\"canonical:\" equals \"in:\"; drop it");
    }
    check_roundtrip(x, a, flags, b);
    check_prefixes_ok(x, a, flags, b);
    check_other_mode(x, a, heap, lenient, b);
cleanup:
    free(block);
    free(a);
    free(b);
}

/* ---- rm_feed -------------------------------------------------------------------------------- */

struct rm_record {
    uint8_t *p;             /* a copy */
    size_t len;
    uint64_t frags[LIST_MAX];
    size_t num_frags;
    size_t end;             /* stream offset after its last byte */
    const uint8_t *view_p;  /* what vw_rm_record gave, for the round trip */
};

struct rm_run {
    int rc;                 /* VW_E_AGAIN when the input ran out, or the error */
    size_t used;            /* bytes consumed */
    bool pending;
    struct rm_record rec[RM_RECORDS_MAX];
    size_t num_rec;
    char problem[ERR_LEN];
};

static void rm_problem(struct rm_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void rm_problem(struct rm_run *run, const char *fmt, ...) {
    va_list ap;

    if (run->problem[0] != '\0') {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(run->problem, sizeof(run->problem), fmt, ap);
    va_end(ap);
}

static void rm_run_free(struct rm_run *run) {
    for (size_t i = 0; i < run->num_rec; i++) {
        free(run->rec[i].p);
    }
    memset(run, 0, sizeof(*run));
}

/* rm_take copies the completed record of |f| into |run| and checks its fragment table. */
static void rm_take(struct rm_run *run, const struct vw_rm_framer *f, size_t start, size_t end) {
    const struct vw_rm_fragment *frags;
    struct rm_record *rec;
    struct vw_span s;
    size_t nf, roff = 0, soff = start;

    if (run->num_rec == RM_RECORDS_MAX) {
        rm_problem(run, "runner limit: more than %d records", RM_RECORDS_MAX);
        return;
    }
    vw_rm_record(f, &s, &frags, &nf);
    rec = &run->rec[run->num_rec++];
    rec->p = malloc(s.len + 1);
    if (rec->p == NULL) {
        rm_problem(run, "runner: out of memory");
        return;
    }
    if (s.len > 0) {
        memcpy(rec->p, s.p, s.len);
    }
    rec->len = s.len;
    rec->end = end;
    if (nf == 0 || nf > LIST_MAX) {
        rm_problem(run, "record with %zu fragments (runner shows 1..%d)", nf, LIST_MAX);
        return;
    }
    for (size_t i = 0; i < nf; i++) {
        rec->frags[i] = frags[i].len;
        soff += 4;
        if (frags[i].record_offset != roff || frags[i].stream_offset != soff) {
            rm_problem(run, "fragment %zu: record_offset %zu stream_offset %zu, expected %zu, %zu",
                       i, frags[i].record_offset, frags[i].stream_offset, roff, soff);
        }
        if (frags[i].len > 0 &&
            vw_rm_stream_offset(f, roff + frags[i].len - 1) != soff + frags[i].len - 1) {
            rm_problem(run, "vw_rm_stream_offset(%zu) is wrong", roff + frags[i].len - 1);
        }
        roff += frags[i].len;
        soff += frags[i].len;
    }
    rec->num_frags = nf;
    if (roff != s.len || soff != end) {
        rm_problem(run, "record of %zu bytes ending at %zu, fragments say %zu ending at %zu",
                   s.len, end, roff, soff);
    }
}

/* rm_run feeds |len| bytes at |buf| in chunks of |chunk| bytes (0: all at once). */
static void rm_run(struct rm_run *run, size_t record_max, const uint8_t *buf, size_t len,
                   size_t chunk) {
    struct vw_rm_framer f;
    size_t pos = 0, start = 0;
    int r;

    memset(run, 0, sizeof(*run));
    vw_rm_framer_init(&f, record_max);
    for (;;) {
        size_t n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
        size_t used = (size_t)-1;
        r = vw_rm_feed(&f, buf + pos, n, &used);
        if (used > n) {
            rm_problem(run, "feed of %zu bytes reports %zu used", n, used);
            break;
        }
        pos += used;
        if (r == 1) {
            if (vw_rm_pending(&f)) {
                rm_problem(run, "pending right after a complete record");
            }
            rm_take(run, &f, start, pos);
            start = pos;
            if (run->problem[0] != '\0') {
                break;
            }
            continue;
        }
        if (r == VW_E_AGAIN) {
            if (used != n) {
                rm_problem(run, "VW_E_AGAIN after using %zu of %zu bytes", used, n);
                break;
            }
            if (pos == len) {
                struct vw_span s;
                run->pending = vw_rm_pending(&f);
                vw_rm_record(&f, &s, NULL, NULL);
                if (s.len != 0) {
                    rm_problem(run, "vw_rm_record gives %zu bytes with no record complete", s.len);
                }
                break;
            }
            continue;
        }
        if (r >= 0) {
            rm_problem(run, "vw_rm_feed returned %d", r);
            break;
        }
        {   /* an error: sticky, and no record to read */
            struct vw_span s;
            size_t again = (size_t)-1;
            int r2 = vw_rm_feed(&f, buf + pos, len - pos, &again);
            if (r2 != r || again != 0) {
                rm_problem(run, "error not sticky: %s then %s (%zu used)", vw_err_name(r),
                           vw_err_name(r2), again);
            }
            vw_rm_record(&f, &s, NULL, NULL);
            if (s.len != 0) {
                rm_problem(run, "vw_rm_record gives %zu bytes after %s", s.len, vw_err_name(r));
            }
        }
        break;
    }
    run->rc = r;
    run->used = pos;
    vw_rm_framer_cleanup(&f);
}

static bool rm_same(const struct rm_run *a, const struct rm_run *b, size_t num_rec, char *why,
                    size_t why_len) {
    if (b->problem[0] != '\0') {
        snprintf(why, why_len, "%s", b->problem);
        return false;
    }
    if (b->num_rec != num_rec) {
        snprintf(why, why_len, "%zu records instead of %zu", b->num_rec, num_rec);
        return false;
    }
    for (size_t i = 0; i < num_rec; i++) {
        const struct rm_record *x = &a->rec[i], *y = &b->rec[i];
        if (x->len != y->len || (x->len > 0 && memcmp(x->p, y->p, x->len) != 0) ||
            x->num_frags != y->num_frags ||
            memcmp(x->frags, y->frags, x->num_frags * sizeof(x->frags[0])) != 0 ||
            x->end != y->end) {
            snprintf(why, why_len, "record %zu differs", i);
            return false;
        }
    }
    return true;
}

static void run_rm(struct ctx *x) {
    struct vw_vec_case *c = x->c;
    struct rm_run *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    struct dump *d = calloc(1, sizeof(*d));
    uint8_t *block;
    const uint8_t *heap = exact_copy(x->in, x->in_len, &block);
    const uint8_t *gp;
    struct field *rf;
    char why[ERR_LEN], key[KEY_MAX];
    uint64_t want_off = 0;
    int want_err = 0, r;

    if (a == NULL || b == NULL || d == NULL || heap == NULL) {
        fail(x, 0, "runner: out of memory");
        goto cleanup;
    }
    if ((r = vw_vec_get_code(c, "error", NULL, &want_err)) < 0) {
        x->ok = false;
        goto cleanup;
    }
    if (want_err != 0) {
        if ((r = vw_vec_get_u64(c, "offset", &want_off)) <= 0) {
            if (r == 0) {
                fail(x, key_line(c, "error"), "an error case needs \"offset:\" (bytes used)");
            }
            x->ok = false;
            goto cleanup;
        }
    }
    rm_run(a, x->pa.record_max, heap, x->in_len, 0);
    if (a->problem[0] != '\0') {
        fail(x, 0, "%s", a->problem);
        goto cleanup;
    }
    /* the same from the guard page, whole and byte by byte */
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        gp = vw_guardbuf_put(&x->g, x->in, x->in_len);
        if (gp == NULL) {
            fail(x, 0, "runner: guard buffer unusable");
            goto cleanup;
        }
        rm_run(b, x->pa.record_max, gp, x->in_len, chunk);
        if (!rm_same(a, b, a->num_rec, why, sizeof(why)) || b->rc != a->rc ||
            b->used != a->used || b->pending != a->pending) {
            fail(x, 0, "feeding %s from a guard page differs: %s (%s, %zu used)",
                 chunk ? "byte by byte" : "whole", b->problem[0] ? b->problem : why,
                 vw_err_name(b->rc), b->used);
        }
        rm_run_free(b);
    }
    /* results */
    if (want_err != 0) {
        if (a->rc != want_err || a->used != want_off) {
            fail(x, key_line(c, "error"), "expected %s after %" PRIu64 " bytes, got %s after %zu",
                 vw_err_name(want_err), want_off, vw_err_name(a->rc), a->used);
        }
    } else if (a->rc != VW_E_AGAIN || a->used != x->in_len || a->pending) {
        fail(x, 0, "expected every byte to frame into whole records, got %s after %zu bytes%s",
             vw_err_name(a->rc), a->used, a->pending ? " inside a record" : "");
    }
    d->base = heap;
    d_uint(d, "out.records", a->num_rec, NULL);
    for (size_t i = 0; i < a->num_rec; i++) {
        snprintf(key, sizeof(key), "out.record.%zu", i);
        rf = d_bytes(d, key, (struct vw_span){ .p = a->rec[i].p, .len = a->rec[i].len });
        if (rf != NULL) {
            rf->off = SIZE_MAX;  /* a reassembled copy, not a view */
        }
        snprintf(key, sizeof(key), "out.record.%zu.frags", i);
        d_list(d, key, a->rec[i].frags, a->rec[i].num_frags);
    }
    if (!check_dump(c, d)) {
        x->ok = false;
    }
    /* prefixes: the records that fit, then VW_E_AGAIN (or the error once it is reached) */
    for (size_t p = 0; p < x->in_len; p++) {
        size_t fit = 0;
        size_t last_end = 0;
        bool want_error = want_err != 0 && p >= want_off;
        while (fit < a->num_rec && a->rec[fit].end <= p) {
            last_end = a->rec[fit].end;
            fit++;
        }
        gp = vw_guardbuf_put(&x->g, x->in, p);
        rm_run(b, x->pa.record_max, gp, p, 0);
        if (!rm_same(a, b, fit, why, sizeof(why)) ||
            b->rc != (want_error ? want_err : VW_E_AGAIN) ||
            b->used != (want_error ? want_off : p) ||
            (!want_error && b->pending != (p > last_end))) {
            fail(x, 0, "prefix of %zu bytes: %s, %zu records, %zu used%s (%s)", p,
                 vw_err_name(b->rc), b->num_rec, b->used, b->pending ? ", pending" : "",
                 b->problem[0] ? b->problem : why);
            rm_run_free(b);
            break;
        }
        rm_run_free(b);
    }
    /* round trip: each record re-encoded with its first fragment's length as the maximum */
    if (want_err == 0 && x->ok) {
        struct vw_xdr_enc m, e, e0;
        uint8_t *buf;
        const uint8_t *want = x->canon != NULL ? x->canon : x->in;
        size_t want_len = x->canon != NULL ? x->canon_len : x->in_len;

        if (x->canon != NULL && x->canon_len == x->in_len &&
            (x->in_len == 0 || memcmp(x->canon, x->in, x->in_len) == 0)) {
            fail(x, key_line(c, "canonical"), "\"canonical:\" equals \"in:\"; drop it");
        }
        vw_xdr_enc_init(&m, NULL, 0);
        for (size_t i = 0; i < a->num_rec; i++) {
            size_t fm = a->rec[i].num_frags > 1 ? a->rec[i].frags[0] : 0;
            if ((r = vw_rm_encode(&m, (struct vw_span){ .p = a->rec[i].p, .len = a->rec[i].len },
                                  fm)) < 0) {
                fail(x, 0, "vw_rm_encode (measure) failed: %s", vw_err_name(r));
            }
        }
        buf = malloc(m.len + 1);
        if (buf == NULL) {
            fail(x, 0, "runner: out of memory");
            goto cleanup;
        }
        vw_xdr_enc_init(&e, buf, m.len);
        for (size_t i = 0; i < a->num_rec; i++) {
            size_t fm = a->rec[i].num_frags > 1 ? a->rec[i].frags[0] : 0;
            struct vw_span s = { .p = a->rec[i].p, .len = a->rec[i].len };
            if ((r = vw_rm_encode(&e, s, fm)) < 0) {
                fail(x, 0, "vw_rm_encode failed: %s", vw_err_name(r));
            }
        }
        if (e.len != want_len || (want_len > 0 && memcmp(buf, want, want_len) != 0)) {
            struct field f = { .kind = F_BYTES, .p = buf, .len = e.len, .off = SIZE_MAX };
            char shown[SHOW_MAX];
            fail(x, key_line(c, x->canon != NULL ? "canonical" : "in"),
                 "round trip: vw_rm_encode gives %s, not the %s bytes",
                 show(&f, shown, sizeof(shown)), x->canon != NULL ? "canonical:" : "in:");
        }
        if (a->num_rec > 0) {
            /* the encoder one byte short of the last record fails atomically */
            struct rm_record *last = &a->rec[a->num_rec - 1];
            size_t fm = last->num_frags > 1 ? last->frags[0] : 0;
            struct vw_xdr_enc m1;
            vw_xdr_enc_init(&m1, NULL, 0);
            if (vw_rm_encode(&m1, (struct vw_span){ .p = last->p, .len = last->len }, fm) == 0 &&
                m1.len > 0) {
                vw_xdr_enc_init(&e, buf, m1.len - 1);
                e0 = e;
                r = vw_rm_encode(&e, (struct vw_span){ .p = last->p, .len = last->len }, fm);
                if (r != VW_E_NOSPACE || e.len != e0.len || e.cap != e0.cap || e.p != e0.p) {
                    fail(x, 0, "vw_rm_encode one byte short: %s, not an atomic VW_E_NOSPACE",
                         vw_err_name(r));
                }
            }
        }
        free(buf);
    }
cleanup:
    if (a != NULL) {
        rm_run_free(a);
    }
    free(a);
    free(b);
    free(d);
    free(block);
}

/* ---- main ----------------------------------------------------------------------------------- */

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define VW_HAVE_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VW_HAVE_SANITIZER 1
#endif

#ifndef VW_HAVE_SANITIZER  /* a sanitizer's own report is better */
/* on_segv names the case that faulted (async-signal-safe: write only), then dies of the signal
 * so the exit status still says SIGSEGV. */
static void on_segv(int sig) {
    static const char msg[] = "t_vectors: SIGSEGV (an over-read into the guard page?) in ";
    ssize_t w;

    w = write(STDOUT_FILENO, msg, sizeof(msg) - 1);
    w = write(STDOUT_FILENO, current_case, strlen(current_case));
    w = write(STDOUT_FILENO, "\n", 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

static void install_segv_handler(void) {
#ifndef VW_HAVE_SANITIZER
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
#endif
}

static const struct func *find_func(const char *name) {
    for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
        if (strcmp(funcs[i].name, name) == 0) {
            return &funcs[i];
        }
    }
    return NULL;
}

/* run_case returns true when every check of |c| passed. */
static bool run_case(struct vw_vec_case *c) {
    struct ctx x;
    uint64_t in_len;
    int r;

    snprintf(current_case, sizeof(current_case), "%s:%u [%s]", c->path, c->line, c->name);
    memset(&x, 0, sizeof(x));
    x.c = c;
    x.ok = true;
    x.fn = find_func(c->func);
    if (x.fn == NULL) {
        vw_vec_fail(c, c->section_line, "unknown func \"%s\"", c->func);
        return false;
    }
    if (read_params(c, x.fn, &x.pa) < 0) {
        return false;
    }
    r = vw_vec_get_bytes(c, "in", &x.in, &x.in_len);
    if (r <= 0) {
        if (r == 0) {
            vw_vec_fail(c, 0, "case without \"in:\"");
        }
        return false;
    }
    if (vw_vec_get_bytes(c, "canonical", &x.canon, &x.canon_len) < 0) {
        x.ok = false;
        goto cleanup;
    }
    if ((r = vw_vec_get_u64(c, "in_len", &in_len)) < 0) {
        x.ok = false;
        goto cleanup;
    }
    if (r > 0 && in_len != x.in_len) {
        fail(&x, key_line(c, "in_len"), "\"in:\" holds %zu bytes, in_len says %" PRIu64,
             x.in_len, in_len);
    }
    if (vw_guardbuf_init(&x.g, x.in_len) < 0) {
        fail(&x, 0, "runner: cannot map a guard buffer");
        goto cleanup;
    }
    if (x.fn->id == RM_FEED) {
        run_rm(&x);
    } else {
        run_decoder(&x);
    }
cleanup:
    vw_guardbuf_cleanup(&x.g);
    free(x.in);
    free(x.canon);
    return x.ok;
}

int main(int argc, char **argv) {
    struct vw_vecrun r = { .name = "t_vectors", .run = run_case };

    install_segv_handler();
    return vw_vecrun_main(&r, argc, argv);
}
