/* t_virnet_procs.c -- test runner for the libvirt payload schemas (reference/virnet_procs.c):
 * the procedure table, and the .vec files of corpus/vectors/virnet_procs/.
 *
 * usage: t_virnet_procs [-v] FILE.vec...
 *
 * Table checks (run first, every time): sorted by (prog, proc) with no duplicates, every
 * procedure of a known program, vw_virnet_proc_find finds each entry and nothing else nearby,
 * vw_virnet_program_find knows the five programs at version 1 only, every schema encodes a
 * minimal value it decodes back.
 *
 * Sections name the schema:
 *     [func = payload, prog = REMOTE, proc = 16, payload = ret]    (args | ret | msg)
 *     [func = error]                                               virNetMessageError
 *     [func = stream_hole]                                         virNetStreamHole
 * Case keys:
 *     in:      the payload bytes (vec.h syntax)
 *     error:   strict error code; then offset: (required) and field: (optional, innermost)
 *     lax:     with error: lenient mode must accept, noting exactly this code at |offset|;
 *              without lax, lenient mode must fail with the same code and offset, or with
 *              lenient: CODE at lenient_offset: N when it reads on past strict's error
 *     items:   number of items the decode visits
 *     out.<path>: a decoded value.  Paths join field names with '.'; array and vector
 *              elements are numbered from 0 (out.domains.0.name); an absent optional is
 *              NULL (a present one has its value's path); arrays also have <path>.count, and
 *              arrays or vectors of char have <path>.chars (the elements as bytes).  Numbers
 *              decimal or 0x-hex, strings and opaque in vec.h byte syntax.
 * Every accepted case is also checked: lenient accepts with no note, re-encoding gives the
 * input, one byte less of output room is VW_E_NOSPACE, every proper prefix is VW_E_SHORT, and
 * the decode from a buffer ending at a guard page gives the same result. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guardbuf.h"
#include "vecrun.h"
#include "virnet_procs.h"
#include "xs.h"

#define ITEMS_MAX 8192
#define PATH_MAX_LEN 256

static struct vw_guardbuf guard;

struct items {
    struct vw_xs_item v[ITEMS_MAX];
    size_t n;
};

static struct items items_a, items_b;
static uint8_t enc[VW_VEC_BYTES_MAX + 64];

static int collect(void *ctx, const struct vw_xs_item *it) {
    struct items *s = ctx;

    if (s->n >= ITEMS_MAX) {
        return VW_E_NOSPACE;
    }
    s->v[s->n++] = *it;
    return 0;
}

/* ---- table checks ---- */

static size_t table_failures;

static void table_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void table_fail(const char *fmt, ...) {
    va_list ap;

    va_start(ap, fmt);
    printf("table: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    table_failures++;
}

/* minimal_roundtrip encodes |t| from its minimal items (zeros, empty arrays and strings,
 * absent optionals, the first union arm) and decodes it back strictly. */
static void minimal_roundtrip(const struct vw_xs_type *t, const char *what) {
    static const uint8_t zeros[64];
    struct vw_xdr_enc e;
    struct vw_diag d = { 0 };
    size_t pos = 0;
    unsigned depth[64];
    const struct vw_xs_type *stack[64];
    const char *names[64];
    unsigned sp = 0;

    /* a small explicit pre-order walk: minimal values never nest arrays or optionals */
    items_a.n = 0;
    stack[sp] = t;
    names[sp] = NULL;
    depth[0] = 0;
    sp = 1;
    while (sp > 0 && items_a.n < ITEMS_MAX) {
        const struct vw_xs_type *x = stack[--sp];
        unsigned dp = depth[sp];
        struct vw_xs_item *it = &items_a.v[items_a.n++];
        *it = (struct vw_xs_item){ .type = x, .name = names[sp], .depth = dp };
        if (x->kind == VW_XS_FIXED_OPAQUE || x->kind == VW_XS_STRING ||
            x->kind == VW_XS_OPAQUE) {
            /* never a NULL pointer, even for an empty string */
            size_t n = x->kind == VW_XS_FIXED_OPAQUE ? x->n : 0;
            it->bytes = (struct vw_span){ .p = zeros, .len = n };
        } else if (x->kind == VW_XS_ENUM) {
            it->u = (uint32_t)x->lo;
            it->i = x->lo;
        } else if (x->kind == VW_XS_STRUCT || x->kind == VW_XS_VECTOR) {
            size_t num = x->kind == VW_XS_STRUCT ? x->num_fields : x->n;
            if (sp + num > 64 || dp + 1 > VW_XS_DEPTH_MAX) {
                table_fail("%s: schema too large for the minimal walk", what);
                return;
            }
            for (size_t f = num; f-- > 0;) {
                stack[sp] = x->kind == VW_XS_STRUCT ? x->fields[f].type : x->elem;
                names[sp] = x->kind == VW_XS_STRUCT ? x->fields[f].name : NULL;
                depth[sp] = dp + 1;
                sp++;
            }
        } else if (x->kind == VW_XS_UNION) {
            table_fail("%s: unions are not expected in these schemas", what);
            return;
        }
    }
    vw_xdr_enc_init(&e, enc, sizeof(enc));
    if (vw_xs_encode(t, &e, items_a.v, items_a.n, &pos) < 0 || pos != items_a.n) {
        table_fail("%s: minimal value does not encode", what);
        return;
    }
    if (e.len != vw_xs_min_size(t)) {
        table_fail("%s: minimal encoding %zu bytes, vw_xs_min_size %zu", what, e.len,
                   vw_xs_min_size(t));
    }
    items_b.n = 0;
    if (vw_xs_decode_body(t, enc, enc, e.len, 0, &d, NULL, collect, &items_b) < 0 ||
        items_b.n != items_a.n) {
        table_fail("%s: minimal encoding does not decode back (%s)", what, vw_err_name(d.code));
    }
}

static void check_table(void) {
    static const uint32_t progs[] = {
        VW_VIRNET_REMOTE_PROGRAM, VW_VIRNET_QEMU_PROGRAM, VW_VIRNET_LXC_PROGRAM,
        VW_VIRNET_KEEPALIVE_PROGRAM, VW_VIRNET_ADMIN_PROGRAM,
    };
    const struct vw_virnet_proc *p, *prev = NULL;
    size_t n = 0;
    char what[128];

    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        const struct vw_virnet_program *g = vw_virnet_program_find(progs[i], 1);
        if (g == NULL || g->prog != progs[i] || g->vers != 1 || g->name == NULL) {
            table_fail("program %#x version 1 not found", (unsigned)progs[i]);
        }
        if (vw_virnet_program_find(progs[i], 2) != NULL ||
            vw_virnet_program_find(progs[i], 0) != NULL) {
            table_fail("program %#x found at a version other than 1", (unsigned)progs[i]);
        }
    }
    if (vw_virnet_program_find(0x12345678u, 1) != NULL) {
        table_fail("unknown program 0x12345678 found");
    }
    for (size_t i = 0; (p = vw_virnet_proc_at(i)) != NULL; i++, n++) {
        snprintf(what, sizeof(what), "%#x %d %s", (unsigned)p->prog, (int)p->proc,
                 p->name != NULL ? p->name : "(null)");
        if (prev != NULL && (prev->prog > p->prog ||
                             (prev->prog == p->prog && prev->proc >= p->proc))) {
            table_fail("%s: not sorted after %s", what, prev->name);
        }
        if (vw_virnet_program_find(p->prog, 1) == NULL) {
            table_fail("%s: unknown program", what);
        }
        if (p->name == NULL || strncmp(p->name, "REMOTE_PROC_", 12) == 0) {
            table_fail("%s: name missing or prefixed", what);
        }
        if (vw_virnet_proc_find(p->prog, p->proc) != p) {
            table_fail("%s: vw_virnet_proc_find does not find it", what);
        }
        if (p->args == NULL && p->ret == NULL && p->msg == NULL) {
            table_fail("%s: no payload at all", what);
        }
        if (p->msg != NULL && (p->args != NULL || p->ret != NULL)) {
            table_fail("%s: both an event and a call", what);
        }
        if (p->args != NULL) {
            minimal_roundtrip(p->args, what);
        }
        if (p->ret != NULL) {
            minimal_roundtrip(p->ret, what);
        }
        if (p->msg != NULL) {
            minimal_roundtrip(p->msg, what);
        }
        prev = p;
    }
    if (n < 50) {
        table_fail("only %zu procedures", n);
    }
    minimal_roundtrip(&vw_virnet_error_type, "error");
    minimal_roundtrip(&vw_virnet_stream_hole_type, "stream_hole");
    /* numbers in between and past the ends are not found */
    if (vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 5) != NULL ||
        vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 0) != NULL ||
        vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, -1) != NULL ||
        vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 9999) != NULL ||
        vw_virnet_proc_find(VW_VIRNET_KEEPALIVE_PROGRAM, 3) != NULL ||
        vw_virnet_proc_find(0, 1) != NULL || vw_virnet_proc_find(UINT32_MAX, 1) != NULL) {
        table_fail("an unassigned procedure was found");
    }
    /* the procedures virsh uses (real-servers.md §1) */
    static const int32_t virsh[] = { 1, 2, 3, 4, 6, 7, 9, 12, 14, 15, 16, 19, 23, 28, 34, 35,
                                     59, 60, 66, 107, 121, 122, 151, 183, 196, 212, 231, 234,
                                     273, 316, 317, 318, 350, 360, 361, 426 };
    for (size_t i = 0; i < sizeof(virsh) / sizeof(virsh[0]); i++) {
        if (vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, virsh[i]) == NULL) {
            table_fail("REMOTE procedure %d missing", (int)virsh[i]);
        }
    }
    if (vw_virnet_proc_at(n) != NULL || vw_virnet_proc_at(SIZE_MAX) != NULL) {
        table_fail("vw_virnet_proc_at past the end is not NULL");
    }
}

/* ---- vectors ---- */

struct tcase {
    struct vw_vec_case *c;
    const struct vw_xs_type *t;
};

static const struct vw_xs_type *schema_of(struct tcase *x) {
    static const struct { const char *name; uint32_t prog; } names[] = {
        { "REMOTE", VW_VIRNET_REMOTE_PROGRAM }, { "QEMU", VW_VIRNET_QEMU_PROGRAM },
        { "LXC", VW_VIRNET_LXC_PROGRAM },       { "KEEPALIVE", VW_VIRNET_KEEPALIVE_PROGRAM },
        { "ADMIN", VW_VIRNET_ADMIN_PROGRAM },
    };
    struct vw_vec_case *c = x->c;
    const struct vw_vec_kv *kp, *kn, *kw;
    const struct vw_virnet_proc *p;
    char err[128];
    int64_t num;
    uint32_t prog = 0;
    bool found = false;

    if (strcmp(c->func, "error") == 0) {
        return &vw_virnet_error_type;
    }
    if (strcmp(c->func, "stream_hole") == 0) {
        return &vw_virnet_stream_hole_type;
    }
    if (strcmp(c->func, "payload") != 0) {
        vw_vec_fail(x->c, c->section_line, "unknown func \"%s\"", c->func);
        return NULL;
    }
    kp = vw_vec_param(c, "prog");
    kn = vw_vec_param(c, "proc");
    kw = vw_vec_param(c, "payload");
    if (kp == NULL || kn == NULL || kw == NULL) {
        vw_vec_fail(x->c, c->section_line, "payload needs prog, proc and payload parameters");
        return NULL;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(kp->value, names[i].name) == 0) {
            prog = names[i].prog;
            found = true;
        }
    }
    if (!found || vw_vec_parse_i64(kn->value, &num, err, sizeof(err)) < 0 || num < INT32_MIN ||
        num > INT32_MAX) {
        vw_vec_fail(x->c, c->section_line, "bad prog or proc");
        return NULL;
    }
    if ((p = vw_virnet_proc_find(prog, (int32_t)num)) == NULL) {
        vw_vec_fail(x->c, c->section_line, "no procedure %s %lld", kp->value, (long long)num);
        return NULL;
    }
    const struct vw_xs_type *t = strcmp(kw->value, "args") == 0  ? p->args
                                 : strcmp(kw->value, "ret") == 0 ? p->ret
                                 : strcmp(kw->value, "msg") == 0 ? p->msg
                                                                 : NULL;
    if (t == NULL) {
        vw_vec_fail(x->c, c->section_line, "%s has no payload \"%s\"", p->name, kw->value);
    }
    return t;
}

/* check_value compares the case key "out.<path>" (if any) with one decoded value. */
static void check_value(struct tcase *x, const char *path, const struct vw_xs_item *it,
                        int mode, const uint8_t *chars, size_t num_chars) {
    char key[PATH_MAX_LEN + 8], err[128];
    const struct vw_vec_kv *kv;
    uint8_t *bytes = NULL;
    size_t len = 0;
    uint64_t u = 0;
    int64_t i = 0;
    bool b = false;

    snprintf(key, sizeof(key), "out.%s", path);
    if (!vw_vec_has(x->c, key)) {
        return;
    }
    kv = vw_vec_get(x->c, key);
    if (mode == 1) {  /* NULL */
        if (strcmp(kv->value, "NULL") != 0) {
            vw_vec_fail(x->c, kv->line, "%s: decoded NULL", key);
        }
        return;
    }
    if (mode == 2 || mode == 3) {  /* count, or chars */
        if (mode == 2) {
            if (vw_vec_parse_u64(kv->value, &u, err, sizeof(err)) < 0 || u != it->u) {
                vw_vec_fail(x->c, kv->line, "%s: decoded count %llu", key,
                            (unsigned long long)it->u);
            }
            return;
        }
        if (vw_vec_parse_bytes(kv->value, &bytes, &len, err, sizeof(err)) < 0 ||
            len != num_chars || memcmp(bytes, chars, len) != 0) {
            vw_vec_fail(x->c, kv->line, "%s: decoded %zu chars differ", key, num_chars);
        }
        free(bytes);
        return;
    }
    switch (it->type->kind) {
    case VW_XS_INT:
    case VW_XS_HYPER:
    case VW_XS_CHAR:
    case VW_XS_SHORT:
    case VW_XS_ENUM:
        if (vw_vec_parse_i64(kv->value, &i, err, sizeof(err)) < 0 || i != it->i) {
            vw_vec_fail(x->c, kv->line, "%s: decoded %lld", key, (long long)it->i);
        }
        break;
    case VW_XS_UINT:
    case VW_XS_UHYPER:
    case VW_XS_UCHAR:
    case VW_XS_USHORT:
        if (vw_vec_parse_u64(kv->value, &u, err, sizeof(err)) < 0 || u != it->u) {
            vw_vec_fail(x->c, kv->line, "%s: decoded %llu", key, (unsigned long long)it->u);
        }
        break;
    case VW_XS_BOOL:
        if (vw_vec_parse_bool(kv->value, &b, err, sizeof(err)) < 0 || b != (it->u != 0)) {
            vw_vec_fail(x->c, kv->line, "%s: decoded %s", key, it->u != 0 ? "true" : "false");
        }
        break;
    case VW_XS_STRING:
    case VW_XS_OPAQUE:
    case VW_XS_FIXED_OPAQUE:
        if (vw_vec_parse_bytes(kv->value, &bytes, &len, err, sizeof(err)) < 0 ||
            len != it->bytes.len || (len > 0 && memcmp(bytes, it->bytes.p, len) != 0)) {
            vw_vec_fail(x->c, kv->line, "%s: decoded %zu bytes that differ", key, it->bytes.len);
        }
        free(bytes);
        break;
    default:
        vw_vec_fail(x->c, kv->line, "%s: no value at this path", key);
        break;
    }
}

/* check_items walks the items, builds each path and compares the out.* keys. */
static void check_items(struct tcase *x, const struct items *s) {
    struct level {
        const struct vw_xs_type *type;
        char path[PATH_MAX_LEN];
        uint64_t next;
    } lv[VW_XS_DEPTH_MAX + 2];
    char tmp[PATH_MAX_LEN + 32];
    uint8_t chars[4096];

    for (size_t k = 0; k < s->n; k++) {
        const struct vw_xs_item *it = &s->v[k];
        unsigned d = it->depth;
        char *path;

        if (d > VW_XS_DEPTH_MAX) {
            vw_vec_fail(x->c, 0, "item depth %u", d);
            return;
        }
        path = lv[d].path;
        if (d == 0) {
            path[0] = '\0';
        } else {
            struct level *up = &lv[d - 1];
            if (up->type->kind == VW_XS_ARRAY || up->type->kind == VW_XS_VECTOR) {
                snprintf(tmp, sizeof(tmp), "%s.%llu", up->path, (unsigned long long)up->next++);
            } else if (up->type->kind == VW_XS_OPTIONAL) {
                snprintf(tmp, sizeof(tmp), "%s", up->path);
            } else {
                snprintf(tmp, sizeof(tmp), "%s%s%s", up->path, up->path[0] != '\0' ? "." : "",
                         it->name != NULL ? it->name : "?");
            }
            size_t l = strnlen(tmp, PATH_MAX_LEN - 1);  /* paths are short; cut, never overrun */
            memcpy(path, tmp, l);
            path[l] = '\0';
        }
        lv[d].type = it->type;
        lv[d].next = 0;
        switch (it->type->kind) {
        case VW_XS_OPTIONAL:
            if (it->u == 0) {
                check_value(x, path, it, 1, NULL, 0);
            }
            break;
        case VW_XS_ARRAY:
        case VW_XS_VECTOR:
            if (it->type->kind == VW_XS_ARRAY) {
                snprintf(tmp, sizeof(tmp), "%s.count", path);
                check_value(x, tmp, it, 2, NULL, 0);
            }
            if (it->type->elem->kind == VW_XS_CHAR || it->type->elem->kind == VW_XS_UCHAR) {
                uint64_t count = it->type->kind == VW_XS_ARRAY ? it->u : it->type->n;
                size_t m = 0;
                for (uint64_t e = 0; e < count && m < sizeof(chars) && k + 1 + e < s->n; e++) {
                    chars[m++] = (uint8_t)s->v[k + 1 + e].u;
                }
                snprintf(tmp, sizeof(tmp), "%s.chars", path);
                check_value(x, tmp, it, 3, chars, m);
            }
            break;
        case VW_XS_STRUCT:
        case VW_XS_VOID:
        case VW_XS_UNION:
            break;
        default:
            check_value(x, path, it, 0, NULL, 0);
            break;
        }
    }
}

static bool same_diag(const struct vw_diag *a, const struct vw_diag *b) {
    return a->code == b->code && a->offset == b->offset &&
           ((a->field == NULL) == (b->field == NULL)) &&
           (a->field == NULL || strcmp(a->field, b->field) == 0);
}

static void run_accept(struct tcase *x, const uint8_t *in, size_t len, const struct items *s) {
    struct vw_diag d = { 0 }, lax = { 0 };
    struct vw_xdr_enc e;
    size_t pos = 0;
    int r;

    /* lenient mode: accepted with no note */
    items_b.n = 0;
    if ((r = vw_xs_decode_body(x->t, in, in, len, VW_DEC_LENIENT, &d, &lax, collect,
                               &items_b)) < 0 || lax.code != 0 || items_b.n != s->n) {
        vw_vec_fail(x->c, 0, "lenient mode: %s, note %s", vw_err_name(r), vw_err_name(lax.code));
    }
    /* round trip */
    vw_xdr_enc_init(&e, enc, sizeof(enc));
    if ((r = vw_xs_encode(x->t, &e, s->v, s->n, &pos)) < 0 || pos != s->n || e.len != len ||
        memcmp(enc, in, len) != 0) {
        vw_vec_fail(x->c, 0, "re-encoding differs from the input (%s, %zu bytes)", vw_err_name(r),
                    e.len);
    }
    if (len > 0) {
        pos = 0;
        vw_xdr_enc_init(&e, enc, len - 1);
        if ((r = vw_xs_encode(x->t, &e, s->v, s->n, &pos)) != VW_E_NOSPACE || e.len != 0) {
            vw_vec_fail(x->c, 0, "encoding into %zu bytes gave %s", len - 1, vw_err_name(r));
        }
    }
    /* every proper prefix is short */
    for (size_t n = 0; n < len; n++) {
        struct vw_diag dp = { 0 };
        r = vw_xs_decode_body(x->t, in, in, n, 0, &dp, NULL, NULL, NULL);
        if (r != VW_E_SHORT || dp.offset > n) {
            vw_vec_fail(x->c, 0, "prefix of %zu bytes: %s at %zu, want VW_E_SHORT", n,
                        vw_err_name(r), dp.offset);
            break;
        }
    }
}

static bool run_case(struct vw_vec_case *c) {
    struct tcase x = { .c = c };
    const struct vw_vec_kv *kin, *kfield;
    struct vw_diag ds = { 0 }, dl = { 0 }, lax = { 0 }, dg = { 0 };
    uint8_t *in = NULL;
    size_t len = 0;
    int want = 0, want_lax = 0, want_len = 0, rs, rl, rg, has_err, has_lax, has_off, has_items;
    int has_len, has_len_off;
    uint64_t off = 0, num_items = 0, len_off = 0;
    char err[128];
    const uint8_t *g;

    if ((x.t = schema_of(&x)) == NULL) {
        return false;
    }
    if ((kin = vw_vec_get(c, "in")) == NULL ||
        vw_vec_parse_bytes(kin->value, &in, &len, err, sizeof(err)) < 0) {
        vw_vec_fail(c, 0, "in: missing or bad");
        free(in);
        return false;
    }
    has_err = vw_vec_get_code(c, "error", NULL, &want);
    has_lax = vw_vec_get_code(c, "lax", NULL, &want_lax);
    has_off = vw_vec_get_u64(c, "offset", &off);
    has_items = vw_vec_get_u64(c, "items", &num_items);
    has_len = vw_vec_get_code(c, "lenient", NULL, &want_len);
    has_len_off = vw_vec_get_u64(c, "lenient_offset", &len_off);
    kfield = vw_vec_get(c, "field");
    if (has_err < 0 || has_lax < 0 || has_off < 0 || has_items < 0 || has_len < 0 ||
        has_len_off < 0) {
        free(in);
        return false;
    }
    if ((has_err == 1) != (has_off == 1) || (has_lax == 1 && has_err != 1) ||
        (has_len == 1) != (has_len_off == 1) || (has_len == 1 && (has_err != 1 || has_lax))) {
        vw_vec_fail(c, 0,
                    "error: needs offset:, lax: needs error:, lenient: needs lenient_offset:");
    }
    if (has_len != 1) {
        want_len = want;
        len_off = off;
    }
    items_a.n = 0;
    rs = vw_xs_decode_body(x.t, in, in, len, 0, &ds, NULL, collect, &items_a);
    /* the same decode from a buffer ending at a guard page */
    if ((g = vw_guardbuf_put(&guard, in, len)) == NULL) {
        vw_vec_fail(c, 0, "guard buffer");
    } else {
        rg = vw_xs_decode_body(x.t, g, g, len, 0, &dg, NULL, NULL, NULL);
        if (rg != rs || !same_diag(&dg, &ds)) {
            vw_vec_fail(c, 0, "guard-page decode differs: %s", vw_err_name(rg));
        }
    }
    if (has_err != 1) {
        if (rs < 0) {
            vw_vec_fail(c, 0, "strict: %s at %zu (%s)", vw_err_name(rs), ds.offset,
                       ds.field != NULL ? ds.field : "-");
        } else {
            if (has_items == 1 && num_items != items_a.n) {
                vw_vec_fail(c, 0, "%zu items", items_a.n);
            }
            check_items(&x, &items_a);
            run_accept(&x, in, len, &items_a);
        }
    } else {
        if (rs != want || ds.offset != off) {
            vw_vec_fail(c, 0, "strict: %s at %zu, want %s at %llu", vw_err_name(rs), ds.offset,
                       vw_err_name(want), (unsigned long long)off);
        }
        if (kfield != NULL && (ds.field == NULL || strcmp(ds.field, kfield->value) != 0)) {
            vw_vec_fail(c, kfield->line, "field: %s", ds.field != NULL ? ds.field : "(none)");
        }
        items_b.n = 0;
        rl = vw_xs_decode_body(x.t, in, in, len, VW_DEC_LENIENT, &dl, &lax, collect, &items_b);
        if (has_lax == 1) {
            if (rl != 0 || lax.code != want_lax || lax.offset != off) {
                vw_vec_fail(c, 0, "lenient: %s, note %s at %zu", vw_err_name(rl),
                           vw_err_name(lax.code), lax.offset);
            }
            check_items(&x, &items_b);
        } else if (rl != want_len || dl.offset != len_off) {
            vw_vec_fail(c, 0, "lenient: %s at %zu, want %s at %llu", vw_err_name(rl), dl.offset,
                       vw_err_name(want_len), (unsigned long long)len_off);
        }
    }
    free(in);
    return true;
}

int main(int argc, char **argv) {
    struct vw_vecrun r = { .name = "t_virnet_procs", .run = run_case, .guard = &guard,
                           .guard_cap = VW_VEC_BYTES_MAX };

    setvbuf(stdout, NULL, _IOLBF, 0);
    check_table();
    if (table_failures > 0) {
        r.failed += table_failures;
    } else {
        r.passed++;
    }
    return vw_vecrun_main(&r, argc, argv);
}
