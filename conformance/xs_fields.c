/* xs_fields.c -- XDR schema items as flat fields and back; see xs_fields.h. */
#include "xs_fields.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- item lists ---- */

int vw_xsf_collect(void *ctx, const struct vw_xs_item *item) {
    struct vw_xsf_items *l = ctx;

    if (l->num == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 64;
        struct vw_xs_item *v;
        if (cap > VW_XSF_ITEMS_MAX) {
            return VW_E_NOMEM;
        }
        v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            return VW_E_NOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->num++] = *item;
    return 0;
}

void vw_xsf_items_reset(struct vw_xsf_items *l) {
    l->num = 0;
}

void vw_xsf_items_free(struct vw_xsf_items *l) {
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---- values ---- */

/* escape appends |s| C-escaped and quoted (adapter.h): printable ASCII as itself, \" \\ \n
 * \r \t, every other byte \xHH (two hex digits, as conformance/match.h reads them). */
static int escape(struct vw_cf_buf *b, struct vw_span s, bool as_string) {
    static const char hex[] = "0123456789abcdef";
    int r = vw_cf_buf_append(b, as_string ? "\"" : "x\"", as_string ? 1 : 2);

    for (size_t i = 0; r == 0 && i < s.len; i++) {
        uint8_t c = s.p[i];
        char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
        if (!as_string) {
            r = vw_cf_buf_append(b, e + 2, 2);
        } else if (c == '"' || c == '\\') {
            e[1] = (char)c;
            r = vw_cf_buf_append(b, e, 2);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            r = vw_cf_buf_append(b, e, 2);
        } else if (c >= 0x20 && c < 0x7f) {
            r = vw_cf_buf_append(b, &c, 1);
        } else {
            r = vw_cf_buf_append(b, e, 4);
        }
    }
    return r == 0 ? vw_cf_buf_append(b, "\"", 2) : r;  /* with the NUL */
}

int vw_xsf_add_bytes(struct vw_cf_msg *m, const char *path, struct vw_span s, bool as_string) {
    uint8_t small[256];
    struct vw_cf_buf b = { 0 };
    int r;

    if (s.len <= (sizeof(small) - 4) / 4) {
        /* short values (most fields) are escaped on the stack: at most 4 bytes per byte,
         * the quotes and the NUL; the buffer never grows, so b.p is never freed here */
        b = (struct vw_cf_buf){ .p = small, .cap = sizeof(small) };
    }
    r = escape(&b, s, as_string);
    if (r == 0) {
        r = vw_cf_msg_add_field_n(m, path, (const char *)b.p, b.len - 1);
    }
    if (b.p != small) {
        vw_cf_buf_free(&b);
    }
    return r;
}

int vw_xsf_add_int(struct vw_cf_msg *m, const char *path, int64_t v) {
    return vw_cf_msg_add_i64(m, path, v);
}

int vw_xsf_add_uint(struct vw_cf_msg *m, const char *path, uint64_t v) {
    return vw_cf_msg_add_u64(m, path, v);
}

int vw_xsf_add_name(struct vw_cf_msg *m, const char *path, const char *name, int64_t v) {
    return name != NULL && strcmp(name, "?") != 0 ? vw_cf_msg_add_field(m, path, name)
                                                   : vw_xsf_add_int(m, path, v);
}

int vw_xsf_parse_u64(const char *v, uint64_t *out) {
    int base = 10;
    uint64_t x = 0;
    const char *p = v;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (*p == '\0') {
        return VW_E_TYPE;
    }
    for (; *p != '\0'; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') {
            d = (unsigned)(*p - '0');
        } else if (base == 16 && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')) {
            d = (unsigned)((*p | 0x20) - 'a' + 10);
        } else {
            return VW_E_TYPE;
        }
        if (x > (UINT64_MAX - d) / (uint64_t)base) {
            return VW_E_RANGE;
        }
        x = x * (uint64_t)base + d;
    }
    *out = x;
    return 0;
}

int vw_xsf_parse_int(const char *v, int64_t lo, int64_t hi, const char *const *names,
                     size_t num_names, int64_t *out) {
    bool neg = v[0] == '-';
    uint64_t u = 0;
    int64_t x;
    int r;

    for (size_t i = 0; names != NULL && i < num_names; i++) {
        if (names[i] != NULL && strcmp(names[i], v) == 0) {
            if ((int64_t)i < lo || (int64_t)i > hi) {
                return VW_E_RANGE;
            }
            *out = (int64_t)i;
            return 0;
        }
    }
    if ((r = vw_xsf_parse_u64(v + neg, &u)) < 0) {
        return r;
    }
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1) {
            return VW_E_RANGE;
        }
        x = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX) {
            return VW_E_RANGE;
        }
        x = (int64_t)u;
    }
    if (x < lo || x > hi) {
        return VW_E_RANGE;
    }
    *out = x;
    return 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* unescape_char reads one escape after the backslash at |*pp| (as conformance/match.h:
 * \\ \" \' \n \r \t \0 \a \b \f \v \xHH); -1 when unknown. */
static int unescape_char(const char **pp) {
    static const char from[] = "\\\"'nrt0abfv", to[] = "\\\"'\n\r\t\0\a\b\f\v";
    const char *p = *pp, *k;
    int hi, lo;

    if (*p == 'x') {
        if ((hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0) {
            return -1;
        }
        *pp = p + 3;
        return hi << 4 | lo;
    }
    if (*p == '\0' || (k = strchr(from, *p)) == NULL) {
        return -1;
    }
    *pp = p + 1;
    return (uint8_t)to[k - from];
}

int vw_xsf_parse_bytes(const char *v, uint8_t **out, size_t *out_len, bool *is_string) {
    bool str = v[0] == '"';
    const char *p = str ? v + 1 : v + 2;
    size_t cap = strlen(v) + 1, n = 0;
    uint8_t *b;
    int c;

    if (!str && !(v[0] == 'x' && v[1] == '"')) {
        return VW_E_TYPE;
    }
    if ((b = malloc(cap)) == NULL) {
        return VW_E_NOMEM;
    }
    while (*p != '"') {
        if (*p == '\0') {
            goto bad;
        }
        if (!str) {
            int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
            if (lo < 0) {
                goto bad;
            }
            b[n++] = (uint8_t)(hi << 4 | lo);
            p += 2;
        } else if (*p == '\\') {
            p++;
            if ((c = unescape_char(&p)) < 0) {
                goto bad;
            }
            b[n++] = (uint8_t)c;
        } else {
            b[n++] = (uint8_t)*p++;
        }
    }
    if (p[1] != '\0') {
        goto bad;
    }
    b[n] = 0;
    *out = b;
    *out_len = n;
    if (is_string != NULL) {
        *is_string = str;
    }
    return 0;
bad:
    free(b);
    return VW_E_TYPE;
}

void vw_xsf_verdict(struct vw_cf_msg *m, int strict_rc, const struct vw_diag *diag,
                    int lenient_rc) {
    if (strict_rc == 0) {
        m->strictness = VW_CF_STRICT;
        m->code = 0;
        return;
    }
    m->strictness = lenient_rc == 0 ? VW_CF_LENIENT : VW_CF_INVALID;
    m->code = diag->code != 0 ? diag->code : strict_rc;
    m->offset = diag->offset;
    snprintf(m->detail, sizeof(m->detail), "%s at byte %zu%s%s: %s", vw_err_name(m->code),
             diag->offset, diag->field != NULL ? ", field " : "",
             diag->field != NULL ? diag->field : "", vw_err_text(m->code));
}

/* ---- flattening ---- */

struct flat {
    struct vw_cf_msg *m;
    const struct vw_xs_item *items;
    size_t num, pos;
    char path[VW_XSF_PATH_MAX];
};

/* path_push appends ".name" (|s|; "name" to an empty path) or "[k]" (|s| NULL) to the path
 * of length |len|; returns the new length or -1 when it does not fit. */
static long path_push(char *path, size_t len, const char *s, uint64_t k) {
    char num[VW_CF_FMT_MAX];
    size_t n = s != NULL ? strlen(s) : vw_cf_fmt_u64(num, k);
    size_t sep = s != NULL ? (len == 0 ? 0 : 1) : 2;   /* "." or "[" + "]" */

    if (len >= VW_XSF_PATH_MAX || n + sep >= VW_XSF_PATH_MAX - len) {
        return -1;                  /* with the NUL it would not fit */
    }
    if (s != NULL) {
        if (sep != 0) {
            path[len++] = '.';
        }
        memcpy(path + len, s, n);
        len += n;
    } else {
        path[len++] = '[';
        memcpy(path + len, num, n);
        len += n;
        path[len++] = ']';
    }
    path[len] = '\0';
    return (long)len;
}

static bool is_byte_kind(const struct vw_xs_type *t) {
    return t != NULL && (t->kind == VW_XS_CHAR || t->kind == VW_XS_UCHAR);
}

/* bytes_fit: the |count| items after |pos| are char/uchar values that fit a byte. */
static bool bytes_fit(const struct flat *f, uint64_t count) {
    if (count > f->num - f->pos) {
        return false;
    }
    for (uint64_t k = 0; k < count; k++) {
        const struct vw_xs_item *e = &f->items[f->pos + k];
        if (!is_byte_kind(e->type) || e->i < -128 || e->i > 255) {
            return false;
        }
    }
    return true;
}

static int flat_bytes(struct flat *f, uint64_t count, bool is_char, bool trim) {
    uint8_t small[64];
    uint8_t *b = count <= sizeof(small) ? small : malloc(count);
    int r;

    if (b == NULL) {
        return VW_E_NOMEM;
    }
    for (uint64_t k = 0; k < count; k++) {
        b[k] = (uint8_t)f->items[f->pos + k].u;
    }
    while (trim && count > 0 && b[count - 1] == 0) {
        count--;
    }
    r = vw_xsf_add_bytes(f->m, f->path, (struct vw_span){ .p = b, .len = count }, is_char);
    if (b != small) {
        free(b);
    }
    return r;
}

static int flat_value(struct flat *f, const struct vw_xs_item *it) {
    switch (it->type->kind) {
    case VW_XS_INT:
    case VW_XS_HYPER:
    case VW_XS_ENUM:
    case VW_XS_CHAR:
    case VW_XS_SHORT:
        return vw_xsf_add_int(f->m, f->path, it->i);
    case VW_XS_UINT:
    case VW_XS_UHYPER:
    case VW_XS_UCHAR:
    case VW_XS_USHORT:
        return vw_xsf_add_uint(f->m, f->path, it->u);
    case VW_XS_BOOL:
        return vw_cf_msg_add_field(f->m, f->path, it->u != 0 ? "true" : "false");
    case VW_XS_STRING:
        return vw_xsf_add_bytes(f->m, f->path, it->bytes, true);
    case VW_XS_OPAQUE:
    case VW_XS_FIXED_OPAQUE:
        return vw_xsf_add_bytes(f->m, f->path, it->bytes, false);
    default:
        return 0;  /* void */
    }
}

static int flat_node(struct flat *f, size_t len, unsigned depth) {
    const struct vw_xs_item *it;
    const struct vw_xs_type *t;
    uint64_t count;
    long nl;
    int r;

    if (depth > VW_XS_DEPTH_MAX || f->pos >= f->num) {
        return VW_E_INVALID;
    }
    it = &f->items[f->pos++];
    t = it->type;
    f->path[len] = '\0';
    switch (t->kind) {
    case VW_XS_STRUCT:
        for (size_t i = 0; i < t->num_fields; i++) {
            if ((nl = path_push(f->path, len, t->fields[i].name, 0)) < 0) {
                return VW_E_TOO_LONG;
            }
            if ((r = flat_node(f, (size_t)nl, depth + 1)) < 0) {
                return r;
            }
        }
        return 0;
    case VW_XS_VECTOR:
    case VW_XS_ARRAY:
        count = t->kind == VW_XS_VECTOR ? t->n : it->u;
        if (is_byte_kind(t->elem) && bytes_fit(f, count)) {
            r = flat_bytes(f, count, t->elem->kind == VW_XS_CHAR, t->kind == VW_XS_VECTOR);
            f->pos += count;
            return r;
        }
        if (t->kind == VW_XS_ARRAY && (r = vw_xsf_add_uint(f->m, f->path, count)) < 0) {
            return r;
        }
        for (uint64_t k = 0; k < count; k++) {
            if ((nl = path_push(f->path, len, NULL, k)) < 0) {
                return VW_E_TOO_LONG;
            }
            if ((r = flat_node(f, (size_t)nl, depth + 1)) < 0) {
                return r;
            }
        }
        return 0;
    case VW_XS_OPTIONAL:
        if (it->u == 0) {
            return vw_cf_msg_add_field(f->m, f->path, "null");
        }
        return flat_node(f, len, depth + 1);
    case VW_XS_UNION:
        if ((r = vw_xsf_add_int(f->m, f->path, it->i)) < 0) {
            return r;
        }
        if (f->pos < f->num && f->items[f->pos].name != NULL) {
            if ((nl = path_push(f->path, len, f->items[f->pos].name, 0)) < 0) {
                return VW_E_TOO_LONG;
            }
            len = (size_t)nl;
        }
        return flat_node(f, len, depth + 1);
    default:
        return flat_value(f, it);
    }
}

int vw_xsf_flatten(struct vw_cf_msg *m, const char *root, const struct vw_xs_item *items,
                   size_t num_items) {
    struct flat f;              /* on the stack: one flatten per received message */
    size_t len = strlen(root);
    int r;

    if (len >= VW_XSF_PATH_MAX) {
        return VW_E_TOO_LONG;
    }
    f.m = m;
    f.items = items;
    f.num = num_items;
    f.pos = 0;
    memcpy(f.path, root, len + 1);
    r = flat_node(&f, len, 0);
    if (r == 0 && f.pos != num_items) {
        r = VW_E_INVALID;
    }
    return r;
}

/* ---- building ---- */

struct bld {
    struct vw_xsf_build *b;
    const struct vw_txn_assign *a;
    size_t n;
    bool *used;
    char *err;
    size_t err_len;
    char path[VW_XSF_PATH_MAX];
};

void vw_xsf_build_cleanup(struct vw_xsf_build *b) {
    for (size_t i = 0; i < b->num_owned; i++) {
        free(b->owned[i]);
    }
    free(b->owned);
    vw_xsf_items_free(&b->items);
    memset(b, 0, sizeof(*b));
}

long vw_xsf_find(const struct vw_txn_assign *a, size_t n, bool *used, const char *path) {
    for (size_t i = 0; i < n; i++) {
        if (a[i].path[0] == path[0] && strcmp(a[i].path, path) == 0) {
            used[i] = true;
            return (long)i;
        }
    }
    return -1;
}

static int fail(struct bld *c, int code, long at, const char *why) {
    if (at >= 0) {
        snprintf(c->err, c->err_len, "line %u: %s = %s: %s", c->a[at].line, c->path,
                 c->a[at].value, why);
    } else {
        snprintf(c->err, c->err_len, "%s: %s", c->path[0] != '\0' ? c->path : "(top)", why);
    }
    return code;
}

/* below: the assignment path |p| lies under the current path |len| bytes long. */
static bool below(const char *p, const char *path, size_t len) {
    return strncmp(p, path, len) == 0 && (len == 0 || p[len] == '.' || p[len] == '[');
}

static bool any_below(const struct bld *c, size_t len) {
    for (size_t i = 0; i < c->n; i++) {
        if (below(c->a[i].path, c->path, len) && c->a[i].path[len] != '\0') {
            return true;
        }
    }
    return false;
}

/* max_index: one past the highest "[k]" assigned right below the current path. */
static uint64_t max_index(const struct bld *c, size_t len) {
    uint64_t best = 0;

    for (size_t i = 0; i < c->n; i++) {
        const char *p = c->a[i].path;
        uint64_t k = 0;
        if (strncmp(p, c->path, len) != 0 || p[len] != '[') {
            continue;
        }
        p += len + 1;
        while (*p >= '0' && *p <= '9' && k < UINT32_MAX) {
            k = k * 10 + (uint64_t)(*p++ - '0');
        }
        if (*p == ']' && k + 1 > best) {
            best = k + 1;
        }
    }
    return best;
}

static int add_item(struct bld *c, const struct vw_xs_type *t, const char *name,
                    unsigned depth, uint64_t u, int64_t i, struct vw_span bytes) {
    struct vw_xs_item it = { .type = t, .name = name, .depth = depth, .u = u, .i = i,
                             .bytes = bytes };

    return vw_xsf_collect(&c->b->items, &it);
}

static int own(struct bld *c, uint8_t *p) {
    if (c->b->num_owned == c->b->owned_cap) {
        size_t cap = c->b->owned_cap != 0 ? c->b->owned_cap * 2 : 16;
        uint8_t **o = realloc(c->b->owned, cap * sizeof(*o));
        if (o == NULL) {
            free(p);
            return VW_E_NOMEM;
        }
        c->b->owned = o;
        c->b->owned_cap = cap;
    }
    c->b->owned[c->b->num_owned++] = p;
    return 0;
}

/* leaf builds a scalar, string or opaque item from the assignment at the current path. */
static int leaf(struct bld *c, const struct vw_xs_type *t, const char *name, unsigned depth,
                size_t len) {
    static const char *const bools[] = { "false", "true" };
    long at = vw_xsf_find(c->a, c->n, c->used, c->path);
    uint8_t *bytes = NULL;
    size_t n = 0;
    int64_t v = 0;
    uint64_t u = 0;
    int r;

    (void)len;
    if (t->kind == VW_XS_VOID) {
        return add_item(c, t, name, depth, 0, 0, (struct vw_span){ 0 });
    }
    if (at < 0) {
        return fail(c, VW_E_MEMBER, -1, "missing (a mandatory field)");
    }
    switch (t->kind) {
    case VW_XS_HYPER:
        if ((r = vw_xsf_parse_int(c->a[at].value, INT64_MIN, INT64_MAX, NULL, 0, &v)) < 0) {
            return fail(c, r, at, "not a hyper");
        }
        return add_item(c, t, name, depth, (uint64_t)v, v, (struct vw_span){ 0 });
    case VW_XS_UHYPER:
        if ((r = vw_xsf_parse_u64(c->a[at].value, &u)) < 0) {
            return fail(c, r, at, "not an unsigned hyper");
        }
        return add_item(c, t, name, depth, u, (int64_t)u, (struct vw_span){ 0 });
    case VW_XS_STRING:
    case VW_XS_OPAQUE:
    case VW_XS_FIXED_OPAQUE:
        if ((r = vw_xsf_parse_bytes(c->a[at].value, &bytes, &n, NULL)) < 0) {
            return fail(c, r, at, "not a \"string\" or x\"hex\"");
        }
        if ((r = own(c, bytes)) < 0) {
            return r;
        }
        if (t->kind == VW_XS_FIXED_OPAQUE && n != t->n) {
            return fail(c, VW_E_TYPE, at, "wrong size for a fixed-length opaque");
        }
        return add_item(c, t, name, depth, n, (int64_t)n, (struct vw_span){ bytes, n });
    default:
        /* 32-bit kinds: any value that fits an XDR word, so a case can send a char, short,
         * enum or bool out of its range on purpose (the server must reject it) */
        r = vw_xsf_parse_int(c->a[at].value, INT32_MIN, UINT32_MAX,
                             t->kind == VW_XS_BOOL ? bools : NULL, 2, &v);
        if (r < 0) {
            return fail(c, r, at, "not a 32-bit integer");
        }
        return add_item(c, t, name, depth, (uint32_t)v,
                        t->kind == VW_XS_UINT || t->kind == VW_XS_UCHAR ||
                                t->kind == VW_XS_USHORT ? (int64_t)(uint32_t)v
                                                        : (int64_t)(int32_t)v,
                        (struct vw_span){ 0 });
    }
}

static int bnode(struct bld *c, const struct vw_xs_type *t, const char *name, unsigned depth,
                 size_t len);

/* byte_string builds a char/uchar vector or array from one string or x"hex" value. */
static int byte_string(struct bld *c, const struct vw_xs_type *t, const char *name,
                       unsigned depth, long at) {
    uint8_t *bytes = NULL;
    size_t n = 0, count;
    int r;

    if ((r = vw_xsf_parse_bytes(c->a[at].value, &bytes, &n, NULL)) < 0) {
        return fail(c, r, at, "not a \"string\" or x\"hex\"");
    }
    if ((r = own(c, bytes)) < 0) {
        return r;
    }
    if (n > t->n) {
        return fail(c, VW_E_TOO_LONG, at, "longer than the array");
    }
    count = t->kind == VW_XS_VECTOR ? t->n : n;
    if ((r = add_item(c, t, name, depth, count, (int64_t)count, (struct vw_span){ 0 })) < 0) {
        return r;
    }
    for (size_t k = 0; k < count; k++) {
        uint8_t b = k < n ? bytes[k] : 0;  /* a vector is padded with NULs */
        int64_t v = t->elem->kind == VW_XS_CHAR ? (int8_t)b : b;
        if ((r = add_item(c, t->elem, NULL, depth + 1, (uint32_t)v, v,
                          (struct vw_span){ 0 })) < 0) {
            return r;
        }
    }
    return 0;
}

static int elements(struct bld *c, const struct vw_xs_type *elem, uint64_t count,
                    unsigned depth, size_t len) {
    long nl;
    int r;

    for (uint64_t k = 0; k < count; k++) {
        if ((nl = path_push(c->path, len, NULL, k)) < 0) {
            return fail(c, VW_E_TOO_LONG, -1, "path too long");
        }
        if ((r = bnode(c, elem, NULL, depth, (size_t)nl)) < 0) {
            return r;
        }
        c->path[len] = '\0';
    }
    return 0;
}

static int sequence(struct bld *c, const struct vw_xs_type *t, const char *name,
                    unsigned depth, size_t len) {
    long at = vw_xsf_find(c->a, c->n, c->used, c->path);
    int64_t count = t->n;
    int r;

    if (at >= 0 && is_byte_kind(t->elem) &&
        (c->a[at].value[0] == '"' || c->a[at].value[0] == 'x')) {
        return byte_string(c, t, name, depth, at);
    }
    if (t->kind == VW_XS_ARRAY) {
        if (at >= 0) {
            r = vw_xsf_parse_int(c->a[at].value, 0, UINT32_MAX, NULL, 0, &count);
            if (r < 0) {
                return fail(c, r, at, "not an element count");
            }
        } else {
            count = (int64_t)max_index(c, len);
        }
    } else if (at >= 0) {
        return fail(c, VW_E_TYPE, at, "a fixed-length array has no count");
    } else if (!any_below(c, len)) {
        return fail(c, VW_E_MEMBER, -1, "missing (a fixed-length array)");
    }
    if ((r = add_item(c, t, name, depth, (uint64_t)count, count, (struct vw_span){ 0 })) < 0) {
        return r;
    }
    return elements(c, t->elem, (uint64_t)count, depth + 1, len);
}

static int bnode(struct bld *c, const struct vw_xs_type *t, const char *name, unsigned depth,
                 size_t len) {
    long at, nl;
    int64_t d = 0;
    int r;

    if (depth > VW_XS_DEPTH_MAX) {
        return fail(c, VW_E_INVALID, -1, "schema nested too deep");
    }
    c->path[len] = '\0';
    switch (t->kind) {
    case VW_XS_STRUCT:
        if ((r = add_item(c, t, name, depth, 0, 0, (struct vw_span){ 0 })) < 0) {
            return r;
        }
        for (size_t i = 0; i < t->num_fields; i++) {
            if ((nl = path_push(c->path, len, t->fields[i].name, 0)) < 0) {
                return fail(c, VW_E_TOO_LONG, -1, "path too long");
            }
            if ((r = bnode(c, t->fields[i].type, t->fields[i].name, depth + 1, (size_t)nl)) <
                0) {
                return r;
            }
            c->path[len] = '\0';
        }
        return 0;
    case VW_XS_VECTOR:
    case VW_XS_ARRAY:
        return sequence(c, t, name, depth, len);
    case VW_XS_OPTIONAL: {
        /* RFC 4506 §4.19: absent unless something at or below the path is assigned */
        bool present = any_below(c, len);
        for (size_t i = 0; i < c->n; i++) {
            if (strcmp(c->a[i].path, c->path) == 0) {
                present = strcmp(c->a[i].value, "null") != 0;
                if (!present) {
                    c->used[i] = true;
                }
                break;
            }
        }
        if ((r = add_item(c, t, name, depth, present, present, (struct vw_span){ 0 })) < 0) {
            return r;
        }
        return present ? bnode(c, t->elem, NULL, depth + 1, len) : 0;
    }
    case VW_XS_UNION: {
        const struct vw_xs_type *arm = t->default_arm;
        const char *arm_name = NULL;
        if ((at = vw_xsf_find(c->a, c->n, c->used, c->path)) < 0) {
            return fail(c, VW_E_MEMBER, -1, "missing (a union discriminant)");
        }
        if ((r = vw_xsf_parse_int(c->a[at].value, INT32_MIN, UINT32_MAX, NULL, 0, &d)) < 0) {
            return fail(c, r, at, "not a discriminant");
        }
        for (size_t i = 0; i < t->num_arms; i++) {
            if (t->arms[i].value == (int32_t)d) {
                arm = t->arms[i].type;
                arm_name = t->arms[i].name;
                break;
            }
        }
        if (arm == NULL) {
            return fail(c, VW_E_DISCRIMINANT, at, "no arm for this discriminant");
        }
        if ((r = add_item(c, t, name, depth, (uint32_t)d, (int32_t)d,
                          (struct vw_span){ 0 })) < 0) {
            return r;
        }
        if (arm_name != NULL) {
            if ((nl = path_push(c->path, len, arm_name, 0)) < 0) {
                return fail(c, VW_E_TOO_LONG, -1, "path too long");
            }
            len = (size_t)nl;
        }
        return bnode(c, arm, arm_name, depth + 1, len);
    }
    default:
        return leaf(c, t, name, depth, len);
    }
}

int vw_xsf_build_items(struct vw_xsf_build *b, const struct vw_xs_type *t, const char *root,
                       const struct vw_txn_assign *a, size_t n, bool *used, char *err,
                       size_t err_len) {
    struct bld *c = malloc(sizeof(*c));
    size_t len = strlen(root);
    int r;

    if (c == NULL) {
        return VW_E_NOMEM;
    }
    if (len >= VW_XSF_PATH_MAX) {
        free(c);
        return VW_E_TOO_LONG;
    }
    *c = (struct bld){ .b = b, .a = a, .n = n, .used = used, .err = err, .err_len = err_len };
    memcpy(c->path, root, len + 1);
    r = bnode(c, t, NULL, 0, len);
    free(c);
    return r;
}

int vw_xsf_encode(const struct vw_xs_type *t, const char *root, const struct vw_txn_assign *a,
                  size_t n, bool *used, struct vw_cf_buf *out, char *err, size_t err_len) {
    struct vw_xsf_build b = { 0 };
    struct vw_xdr_enc e;
    size_t pos = 0;
    int r;

    if (t->kind == VW_XS_VOID && strlen(root) < VW_XSF_PATH_MAX) {
        return 0;                   /* RFC 4506 §4.16: no bytes, and it reads no assignment */
    }
    if ((r = vw_xsf_build_items(&b, t, root, a, n, used, err, err_len)) < 0) {
        goto cleanup;
    }
    vw_xdr_enc_init(&e, NULL, 0);
    if ((r = vw_xs_encode(t, &e, b.items.v, b.items.num, &pos)) == 0) {
        /* measured, then encoded straight into |out|, no copy */
        size_t need = e.len;
        if ((r = vw_cf_buf_reserve(out, need)) < 0) {
            goto cleanup;
        }
        vw_xdr_enc_init(&e, need != 0 ? out->p + out->len : NULL, need);
        pos = 0;
        r = vw_xs_encode(t, &e, b.items.v, b.items.num, &pos);
        if (r == 0) {
            out->len += e.len;
        }
    }
    if (r < 0) {
        snprintf(err, err_len, "%s: cannot encode: %s", root[0] != '\0' ? root : "payload",
                 vw_err_text(r));
        goto cleanup;
    }
cleanup:
    vw_xsf_build_cleanup(&b);
    return r;
}

int vw_xsf_check_used(const struct vw_txn_assign *a, size_t n, const bool *used, char *err,
                      size_t err_len) {
    for (size_t i = 0; i < n; i++) {
        if (used[i]) {
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(a[j].path, a[i].path) == 0) {
                snprintf(err, err_len, "line %u: %s assigned twice", a[i].line, a[i].path);
                return VW_E_MEMBER;
            }
        }
        snprintf(err, err_len, "line %u: unknown path %s", a[i].line, a[i].path);
        return VW_E_MEMBER;
    }
    return 0;
}
