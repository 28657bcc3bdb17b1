/* xdr.c -- XDR (RFC 4506) primitives; see xdr.h for the contract. */
#include "xdr.h"

#include <string.h>

void vw_xdr_dec_init(struct vw_xdr_dec *d, const uint8_t *buf, size_t len, unsigned flags,
                     struct vw_diag *diag, struct vw_diag *lax) {
    d->cur = (struct vw_cur){ .p = buf, .len = len };
    d->base = buf;
    d->flags = flags;
    d->diag = diag;
    d->lax = lax;
}

size_t vw_xdr_dec_offset(const struct vw_xdr_dec *d) {
    return (size_t)(d->cur.p - d->base);
}

void vw_xdr_enc_init(struct vw_xdr_enc *e, uint8_t *buf, size_t cap) {
    e->p = buf;
    e->cap = buf != NULL ? cap : SIZE_MAX;
    e->len = 0;
}

static int dec_fail(struct vw_xdr_dec *d, int code, size_t offset) {
    vw_diag_set(d->diag, code, offset);
    return code;
}

/* dec_lax decides what a non-canonical item does: an error in strict mode, a note in lenient. */
static int dec_lax(struct vw_xdr_dec *d, int code, size_t offset) {
    if ((d->flags & VW_DEC_LENIENT) == 0) {
        return dec_fail(d, code, offset);
    }
    vw_diag_set(d->lax, code, offset);
    return 0;
}

static int dec_take(struct vw_xdr_dec *d, struct vw_cur *c, size_t n, const uint8_t **out) {
    size_t at = (size_t)(c->p - d->base);
    if (vw_cur_take(c, n, out) < 0) {
        return dec_fail(d, VW_E_SHORT, at);
    }
    return 0;
}

static uint32_t load_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int vw_xdr_get_u32(struct vw_xdr_dec *d, uint32_t *out) {
    const uint8_t *p;
    int r;

    if ((r = dec_take(d, &d->cur, 4, &p)) < 0) {
        return r;
    }
    *out = load_be32(p);
    return 0;
}

int vw_xdr_get_i32(struct vw_xdr_dec *d, int32_t *out) {
    uint32_t v;
    int r;

    if ((r = vw_xdr_get_u32(d, &v)) < 0) {
        return r;
    }
    *out = (int32_t)v;  /* two's complement (§4.1); implementation-defined in C, exact in gcc/clang */
    return 0;
}

int vw_xdr_get_u64(struct vw_xdr_dec *d, uint64_t *out) {
    const uint8_t *p;
    int r;

    if ((r = dec_take(d, &d->cur, 8, &p)) < 0) {
        return r;
    }
    *out = (uint64_t)load_be32(p) << 32 | load_be32(p + 4);  /* §4.5: most significant first */
    return 0;
}

int vw_xdr_get_i64(struct vw_xdr_dec *d, int64_t *out) {
    uint64_t v;
    int r;

    if ((r = vw_xdr_get_u64(d, &v)) < 0) {
        return r;
    }
    *out = (int64_t)v;
    return 0;
}

int vw_xdr_get_bool(struct vw_xdr_dec *d, bool *out) {
    struct vw_xdr_dec c = *d;
    uint32_t v;
    int r;

    if ((r = vw_xdr_get_u32(&c, &v)) < 0) {
        return r;
    }
    if (v > 1 && (r = dec_lax(d, VW_E_BOOL, vw_xdr_dec_offset(d))) < 0) {  /* §4.4 */
        return r;
    }
    *out = v != 0;
    d->cur = c.cur;
    return 0;
}

int vw_xdr_get_optional(struct vw_xdr_dec *d, bool *present) {
    return vw_xdr_get_bool(d, present);  /* §4.19: union switch (bool opted) */
}

int vw_xdr_get_enum(struct vw_xdr_dec *d, int32_t min, int32_t max, int32_t *out) {
    struct vw_xdr_dec c = *d;
    int32_t v;
    int r;

    if ((r = vw_xdr_get_i32(&c, &v)) < 0) {
        return r;
    }
    if ((v < min || v > max) && (r = dec_lax(d, VW_E_ENUM, vw_xdr_dec_offset(d))) < 0) {
        return r;  /* §4.3: "an error to encode as an enum any integer other than those ..." */
    }
    *out = v;
    d->cur = c.cur;
    return 0;
}

/* get_padded takes |n| data bytes and their padding from |c|, checking the padding is zero. */
static int get_padded(struct vw_xdr_dec *d, struct vw_cur *c, size_t n, const uint8_t **out) {
    size_t pad_len = (4 - (n & 3)) & 3;
    size_t pad_at;
    const uint8_t *data, *pad;
    int r;

    if ((r = dec_take(d, c, n, &data)) < 0) {
        return r;
    }
    pad_at = (size_t)(c->p - d->base);
    if ((r = dec_take(d, c, pad_len, &pad)) < 0) {
        return r;
    }
    for (size_t i = 0; i < pad_len; i++) {
        if (pad[i] != 0 && (r = dec_lax(d, VW_E_PADDING, pad_at + i)) < 0) {  /* §3 */
            return r;
        }
        if (pad[i] != 0) {
            break;  /* lenient: one note is enough */
        }
    }
    *out = data;
    return 0;
}

int vw_xdr_get_fixed_opaque(struct vw_xdr_dec *d, size_t n, struct vw_span *out) {
    struct vw_cur c = d->cur;
    const uint8_t *data;
    int r;

    if ((r = get_padded(d, &c, n, &data)) < 0) {
        return r;
    }
    *out = (struct vw_span){ .p = data, .len = n };
    d->cur = c;
    return 0;
}

int vw_xdr_get_opaque(struct vw_xdr_dec *d, uint32_t max, struct vw_span *out) {
    struct vw_xdr_dec c = *d;
    const uint8_t *data;
    uint32_t n;
    int r;

    if ((r = vw_xdr_get_u32(&c, &n)) < 0) {
        return r;
    }
    if (n > max) {  /* the limit is checked before the length is used */
        return dec_fail(d, VW_E_TOO_LONG, vw_xdr_dec_offset(d));
    }
    if ((r = get_padded(d, &c.cur, n, &data)) < 0) {
        return r;
    }
    *out = (struct vw_span){ .p = data, .len = n };
    d->cur = c.cur;
    return 0;
}

int vw_xdr_get_string(struct vw_xdr_dec *d, uint32_t max, struct vw_span *out) {
    struct vw_xdr_dec c = *d;
    struct vw_span s;
    const uint8_t *nul;
    int r;

    if ((r = vw_xdr_get_opaque(&c, max, &s)) < 0) {
        return r;
    }
    nul = s.len > 0 ? memchr(s.p, 0, s.len) : NULL;
    if (nul != NULL && (r = dec_lax(d, VW_E_STRING_NUL, (size_t)(nul - d->base))) < 0) {
        return r;  /* [strict: a C string cannot hold it; libtirpc silently truncates] */
    }
    *out = s;
    d->cur = c.cur;
    return 0;
}

int vw_xdr_get_count(struct vw_xdr_dec *d, uint32_t max, size_t min_elem_size, uint32_t *out) {
    struct vw_xdr_dec c = *d;
    uint32_t n;
    int r;

    if ((r = vw_xdr_get_u32(&c, &n)) < 0) {
        return r;
    }
    if (n > max) {
        return dec_fail(d, VW_E_TOO_LONG, vw_xdr_dec_offset(d));
    }
    if (min_elem_size != 0 && n > c.cur.len / min_elem_size) {
        return dec_fail(d, VW_E_SHORT, vw_xdr_dec_offset(&c));
    }
    *out = n;
    d->cur = c.cur;
    return 0;
}

void vw_xdr_get_rest(struct vw_xdr_dec *d, struct vw_span *out) {
    *out = (struct vw_span){ .p = d->cur.p, .len = d->cur.len };
    d->cur.p += d->cur.len;
    d->cur.len = 0;
}

int vw_xdr_expect_end(struct vw_xdr_dec *d) {
    if (d->cur.len == 0) {
        return 0;
    }
    return dec_lax(d, VW_E_TRAILING, vw_xdr_dec_offset(d));
}

/* enc_reserve makes room for |n| bytes and returns where they go (NULL when measuring). */
static int enc_reserve(struct vw_xdr_enc *e, size_t n, uint8_t **out) {
    if (e->cap - e->len < n) {
        return VW_E_NOSPACE;
    }
    *out = e->p != NULL ? e->p + e->len : NULL;
    e->len += n;
    return 0;
}

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int vw_xdr_put_u32(struct vw_xdr_enc *e, uint32_t v) {
    uint8_t *p;
    int r;

    if ((r = enc_reserve(e, 4, &p)) < 0) {
        return r;
    }
    if (p != NULL) {
        store_be32(p, v);
    }
    return 0;
}

int vw_xdr_put_i32(struct vw_xdr_enc *e, int32_t v) {
    return vw_xdr_put_u32(e, (uint32_t)v);
}

int vw_xdr_put_u64(struct vw_xdr_enc *e, uint64_t v) {
    uint8_t *p;
    int r;

    if ((r = enc_reserve(e, 8, &p)) < 0) {
        return r;
    }
    if (p != NULL) {
        store_be32(p, (uint32_t)(v >> 32));
        store_be32(p + 4, (uint32_t)v);
    }
    return 0;
}

int vw_xdr_put_i64(struct vw_xdr_enc *e, int64_t v) {
    return vw_xdr_put_u64(e, (uint64_t)v);
}

int vw_xdr_put_bool(struct vw_xdr_enc *e, bool v) {
    return vw_xdr_put_u32(e, v ? 1 : 0);
}

int vw_xdr_put_fixed_opaque(struct vw_xdr_enc *e, const uint8_t *data, size_t n) {
    size_t pad_len = (4 - (n & 3)) & 3;
    uint8_t *p;
    int r;

    if (n > SIZE_MAX - 4) {
        return VW_E_TOO_LONG;
    }
    if ((r = enc_reserve(e, n + pad_len, &p)) < 0) {
        return r;
    }
    if (p != NULL) {
        if (n > 0) {
            memcpy(p, data, n);
        }
        memset(p + n, 0, pad_len);  /* §3: residual zero bytes */
    }
    return 0;
}

int vw_xdr_put_opaque(struct vw_xdr_enc *e, struct vw_span s, uint32_t max) {
    size_t pad_len = (4 - (s.len & 3)) & 3;
    size_t mark = e->len;
    int r;

    if (s.len > max) {
        return VW_E_TOO_LONG;
    }
    if (e->cap - e->len < 4 || e->cap - e->len - 4 < s.len + pad_len) {
        return VW_E_NOSPACE;  /* checked up front so a failed put writes nothing */
    }
    if ((r = vw_xdr_put_u32(e, (uint32_t)s.len)) < 0 ||
        (r = vw_xdr_put_fixed_opaque(e, s.p, s.len)) < 0) {
        e->len = mark;
        return r;
    }
    return 0;
}

int vw_xdr_put_string(struct vw_xdr_enc *e, struct vw_span s, uint32_t max) {
    return vw_xdr_put_opaque(e, s, max);
}

int vw_xdr_put_raw(struct vw_xdr_enc *e, struct vw_span s) {
    uint8_t *p;
    int r;

    if ((r = enc_reserve(e, s.len, &p)) < 0) {
        return r;
    }
    if (p != NULL && s.len > 0) {
        memcpy(p, s.p, s.len);
    }
    return 0;
}
