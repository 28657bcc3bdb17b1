/* xdr.h -- XDR (RFC 4506) primitives: decode over a bounds-checked cursor, encode into a
 * caller buffer.
 *
 * Decoding never allocates: opaque data and strings come back as views into the input.  Every
 * decoder is failure-atomic: on error the cursor and the outputs are untouched and the error
 * (code, byte offset) goes to |d->diag|.
 *
 * Strict mode (the default) rejects every non-canonical encoding.  With VW_DEC_LENIENT the
 * decoders accept what libtirpc 1.3.3 accepts (non-zero padding, bool values other than 0/1,
 * enum values with no assignment, NULs inside strings) and record the first such item in
 * |d->lax| so callers can report "accepted but non-canonical". */
#ifndef VW_XDR_H
#define VW_XDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cur.h"
#include "err.h"

#define VW_DEC_LENIENT 0x1u

/* RFC 4506 §4.11: string<> without a bound means 2^32 - 1. */
#define VW_XDR_UNBOUNDED UINT32_MAX

struct vw_xdr_dec {
    struct vw_cur cur;     /* unread input */
    const uint8_t *base;   /* start of the message; offsets are counted from here */
    unsigned flags;        /* VW_DEC_LENIENT */
    struct vw_diag *diag;  /* first error; may be NULL */
    struct vw_diag *lax;   /* lenient mode: first non-canonical item accepted; may be NULL */
};

struct vw_xdr_enc {
    uint8_t *p;            /* output buffer, or NULL to only measure */
    size_t cap;            /* bytes available at |p| */
    size_t len;            /* bytes written (or measured) so far */
};

/* VW_XDR_TRY evaluates |expr| (a decode step on |d|); on error it names |field| in the diag
 * (innermost name wins) and returns the error from the calling function. */
#define VW_XDR_TRY(d, field, expr)             \
    do {                                       \
        int r_ = (expr);                       \
        if (r_ < 0) {                          \
            vw_diag_field((d)->diag, (field)); \
            return r_;                         \
        }                                      \
    } while (0)

/* vw_xdr_dec_init points |d| at |len| bytes of |buf|, which is also the offset base. */
static VW_INLINE void vw_xdr_dec_init(struct vw_xdr_dec *d, const uint8_t *buf, size_t len,
                                   unsigned flags, struct vw_diag *diag, struct vw_diag *lax) {
    d->cur = (struct vw_cur){ .p = buf, .len = len };
    d->base = buf;
    d->flags = flags;
    d->diag = diag;
    d->lax = lax;
}

/* vw_xdr_dec_offset is the offset of the next unread byte from |d->base|. */
static inline size_t vw_xdr_dec_offset(const struct vw_xdr_dec *d) {
    return (size_t)(d->cur.p - d->base);
}

/* vw_xdr_enc_init writes into |cap| bytes at |buf|; |buf| NULL measures without writing. */
void vw_xdr_enc_init(struct vw_xdr_enc *e, uint8_t *buf, size_t cap);

/* Cold paths, out of line: record the error (or, lenient, the note) at |offset| and return
 * the code; vw_xdr_lax_at returns 0 in lenient mode.  They take plain values: a pointer to
 * the decoder would escape, and the compiler would then keep every cursor update of the hot
 * path in memory instead of in registers. */
VW_COLD int vw_xdr_fail_at(struct vw_diag *diag, int code, size_t offset);
VW_COLD int vw_xdr_lax_at(struct vw_diag *diag, struct vw_diag *lax, unsigned flags, int code,
                          size_t offset);

/* vw_xdr_fail and vw_xdr_lax report |code| at the byte |at| of |d|'s input.  Always inlined,
 * even into cold paths, so |d| never escapes. */
static VW_INLINE int vw_xdr_fail(const struct vw_xdr_dec *d, int code, const uint8_t *at) {
    /* nothing to record without a diag: a decoder built with a NULL diag (a validator) then
     * makes no call at all */
    return d->diag == NULL ? code : vw_xdr_fail_at(d->diag, code, (size_t)(at - d->base));
}

static VW_INLINE int vw_xdr_lax(const struct vw_xdr_dec *d, int code, const uint8_t *at) {
    if ((d->flags & VW_DEC_LENIENT) == 0 && d->diag == NULL) {
        return code;  /* strict and nothing to record: as vw_xdr_lax_at would answer */
    }
    return vw_xdr_lax_at(d->diag, d->lax, d->flags, code, (size_t)(at - d->base));
}

/* vw_xdr_check_padding checks |pad_len| (< 4) padding bytes: RFC 4506 §3 "residual zero
 * bytes".  VW_E_PADDING at the first non-zero one; lenient mode notes it once. */
static VW_INLINE int vw_xdr_check_padding(const struct vw_xdr_dec *d, const uint8_t *pad,
                                       size_t pad_len) {
    for (size_t i = 0; i < pad_len; i++) {
        if (pad[i] != 0) {
            return vw_xdr_lax(d, VW_E_PADDING, pad + i);
        }
    }
    return 0;
}

static VW_INLINE uint32_t vw_load_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Integers (RFC 4506 §4.1-4.5).  Return 0 or VW_E_SHORT (offset: the start of the item). */
static VW_INLINE VW_MUST_USE int vw_xdr_get_u32(struct vw_xdr_dec *d, uint32_t *out) {
    const uint8_t *p;

    if (vw_cur_take(&d->cur, 4, &p) < 0) {
        return vw_xdr_fail(d, VW_E_SHORT, d->cur.p);
    }
    *out = vw_load_be32(p);
    return 0;
}

static VW_INLINE VW_MUST_USE int vw_xdr_get_i32(struct vw_xdr_dec *d, int32_t *out) {
    uint32_t v = 0;
    int r;

    if ((r = vw_xdr_get_u32(d, &v)) < 0) {
        return r;
    }
    *out = (int32_t)v;  /* §4.1 two's complement; exact in gcc and clang */
    return 0;
}

static VW_INLINE VW_MUST_USE int vw_xdr_get_u64(struct vw_xdr_dec *d, uint64_t *out) {
    const uint8_t *p;

    if (vw_cur_take(&d->cur, 8, &p) < 0) {
        return vw_xdr_fail(d, VW_E_SHORT, d->cur.p);
    }
    *out = (uint64_t)vw_load_be32(p) << 32 | vw_load_be32(p + 4);  /* §4.5 */
    return 0;
}

static VW_INLINE VW_MUST_USE int vw_xdr_get_i64(struct vw_xdr_dec *d, int64_t *out) {
    uint64_t v = 0;
    int r;

    if ((r = vw_xdr_get_u64(d, &v)) < 0) {
        return r;
    }
    *out = (int64_t)v;
    return 0;
}

/* vw_xdr_get_bool reads a bool (RFC 4506 §4.4: enum { FALSE = 0, TRUE = 1 }).  Returns 0,
 * VW_E_SHORT or VW_E_BOOL (strict, value not 0/1; lenient mode maps non-zero to true). */
static VW_INLINE VW_MUST_USE int vw_xdr_get_bool(struct vw_xdr_dec *d, bool *out) {
    uint32_t v;
    int r;

    if (d->cur.len < 4) {
        return vw_xdr_fail(d, VW_E_SHORT, d->cur.p);
    }
    v = vw_load_be32(d->cur.p);
    if (v > 1 && (r = vw_xdr_lax(d, VW_E_BOOL, d->cur.p)) < 0) {
        return r;
    }
    *out = v != 0;
    d->cur.p += 4;
    d->cur.len -= 4;
    return 0;
}

/* vw_xdr_get_optional reads the discriminant of optional data `T *x` (RFC 4506 §4.19, a union
 * switched on a bool).  Same results as vw_xdr_get_bool. */
static VW_INLINE VW_MUST_USE int vw_xdr_get_optional(struct vw_xdr_dec *d, bool *present) {
    return vw_xdr_get_bool(d, present);
}

/* vw_xdr_get_enum reads an enum whose assignments are the range [min, max].  Returns 0,
 * VW_E_SHORT or VW_E_ENUM (strict; lenient keeps the value, as libtirpc's xdr_enum does). */
static VW_INLINE VW_MUST_USE int vw_xdr_get_enum(struct vw_xdr_dec *d, int32_t min, int32_t max,
                                              int32_t *out) {
    int32_t v;
    int r;

    if (d->cur.len < 4) {
        return vw_xdr_fail(d, VW_E_SHORT, d->cur.p);
    }
    v = (int32_t)vw_load_be32(d->cur.p);
    if ((v < min || v > max) && (r = vw_xdr_lax(d, VW_E_ENUM, d->cur.p)) < 0) {
        return r;  /* §4.3: "an error to encode as an enum any integer other than those ..." */
    }
    *out = v;
    d->cur.p += 4;
    d->cur.len -= 4;
    return 0;
}

/* vw_xdr_take_padded takes |n| bytes at |off| past the cursor plus their padding to 4 and
 * points |*out| at the bytes; it checks the padding is zero (§3 "residual zero bytes").
 * VW_E_SHORT is reported at the data when they are short, else at the padding; on error the
 * cursor does not move.  Callers guarantee off <= d->cur.len. */
static VW_INLINE int vw_xdr_take_padded(struct vw_xdr_dec *d, size_t off, size_t n,
                                        const uint8_t **out) {
    size_t pad_len = (0 - n) & 3;
    const uint8_t *data = d->cur.p + off;
    size_t avail = d->cur.len - off;
    int r;

    if (avail < n || avail - n < pad_len) {
        return vw_xdr_fail(d, VW_E_SHORT, avail < n ? data : data + n);
    }
    /* the last group of 4 holds n & 3 data bytes, then the padding in its low-order bytes */
    if (pad_len != 0 &&
        (vw_load_be32(data + (n & ~(size_t)3)) & (UINT32_MAX >> 8 * (n & 3))) != 0 &&
        (r = vw_xdr_check_padding(d, data + n, pad_len)) < 0) {
        return r;
    }
    *out = data;
    d->cur.p = data + n + pad_len;
    d->cur.len = avail - n - pad_len;
    return 0;
}

/* vw_xdr_get_fixed_opaque reads opaque[n] (§4.9): |n| bytes and zero padding to 4.  Returns
 * 0, VW_E_SHORT or VW_E_PADDING. */
static VW_INLINE VW_MUST_USE int vw_xdr_get_fixed_opaque(struct vw_xdr_dec *d, size_t n,
                                                         struct vw_span *out) {
    const uint8_t *data = NULL;
    int r;

    if ((r = vw_xdr_take_padded(d, 0, n, &data)) < 0) {
        return r;
    }
    *out = (struct vw_span){ .p = data, .len = n };
    return 0;
}

/* vw_xdr_get_opaque reads opaque<max> (§4.10).  Returns 0, VW_E_SHORT, VW_E_TOO_LONG (length
 * over |max|, at the length word) or VW_E_PADDING. */
static VW_INLINE VW_MUST_USE int vw_xdr_get_opaque(struct vw_xdr_dec *d, uint32_t max,
                                                   struct vw_span *out) {
    const uint8_t *data = NULL;
    uint32_t n;
    int r;

    if (d->cur.len < 4) {
        return vw_xdr_fail(d, VW_E_SHORT, d->cur.p);
    }
    n = vw_load_be32(d->cur.p);
    if (n > max) {  /* the limit is checked before the length is used */
        return vw_xdr_fail(d, VW_E_TOO_LONG, d->cur.p);
    }
    if ((r = vw_xdr_take_padded(d, 4, n, &data)) < 0) {
        return r;
    }
    *out = (struct vw_span){ .p = data, .len = n };
    return 0;
}

/* vw_xdr_get_string reads string<max> (§4.11).  As vw_xdr_get_opaque, plus VW_E_STRING_NUL
 * (strict) for a NUL byte inside the string.
 * [strict: a C string cannot hold a NUL; libtirpc silently truncates at it] */
static VW_INLINE VW_MUST_USE int vw_xdr_get_string(struct vw_xdr_dec *d, uint32_t max,
                                                struct vw_span *out) {
    struct vw_cur before = d->cur;
    const uint8_t *nul;
    struct vw_span s = { 0 };
    int r;

    if ((r = vw_xdr_get_opaque(d, max, &s)) < 0) {
        return r;
    }
    if (s.len > 0 && (nul = memchr(s.p, 0, s.len)) != NULL &&
        (r = vw_xdr_lax(d, VW_E_STRING_NUL, nul)) < 0) {
        d->cur = before;
        return r;
    }
    *out = s;
    return 0;
}

/* vw_xdr_get_count reads the element count of a variable-length array T<max> (§4.13).  It also
 * fails with VW_E_SHORT (at the first element) when |count| elements of at least
 * |min_elem_size| bytes each cannot fit in the rest of the input, so a caller never loops over
 * a count the input cannot back.  Returns 0, VW_E_SHORT or VW_E_TOO_LONG. */
static VW_INLINE VW_MUST_USE int vw_xdr_get_count(struct vw_xdr_dec *d, uint32_t max,
                                               size_t min_elem_size, uint32_t *out) {
    uint32_t n;

    if (d->cur.len < 4) {
        return vw_xdr_fail(d, VW_E_SHORT, d->cur.p);
    }
    n = vw_load_be32(d->cur.p);
    if (n > max) {
        return vw_xdr_fail(d, VW_E_TOO_LONG, d->cur.p);
    }
    if (min_elem_size != 0 && n > (d->cur.len - 4) / min_elem_size) {
        return vw_xdr_fail(d, VW_E_SHORT, d->cur.p + 4);
    }
    *out = n;
    d->cur.p += 4;
    d->cur.len -= 4;
    return 0;
}

/* vw_xdr_get_rest takes every remaining byte as a view (procedure arguments and results). */
static VW_INLINE void vw_xdr_get_rest(struct vw_xdr_dec *d, struct vw_span *out) {
    *out = (struct vw_span){ .p = d->cur.p, .len = d->cur.len };
    d->cur.p += d->cur.len;
    d->cur.len = 0;
}

/* vw_xdr_expect_end returns VW_E_TRAILING (strict) if bytes remain; lenient mode ignores them,
 * as libtirpc's xdrmem does. */
static VW_INLINE VW_MUST_USE int vw_xdr_expect_end(struct vw_xdr_dec *d) {
    return d->cur.len == 0 ? 0 : vw_xdr_lax(d, VW_E_TRAILING, d->cur.p);
}

/* Encoders.  Each returns 0, VW_E_NOSPACE (nothing written) or, for lengths, VW_E_TOO_LONG. */
VW_MUST_USE int vw_xdr_put_u32(struct vw_xdr_enc *e, uint32_t v);
VW_MUST_USE int vw_xdr_put_i32(struct vw_xdr_enc *e, int32_t v);
VW_MUST_USE int vw_xdr_put_u64(struct vw_xdr_enc *e, uint64_t v);
VW_MUST_USE int vw_xdr_put_i64(struct vw_xdr_enc *e, int64_t v);
VW_MUST_USE int vw_xdr_put_bool(struct vw_xdr_enc *e, bool v);
VW_MUST_USE int vw_xdr_put_fixed_opaque(struct vw_xdr_enc *e, const uint8_t *p, size_t n);
VW_MUST_USE int vw_xdr_put_opaque(struct vw_xdr_enc *e, struct vw_span s, uint32_t max);
VW_MUST_USE int vw_xdr_put_string(struct vw_xdr_enc *e, struct vw_span s, uint32_t max);
/* vw_xdr_put_raw appends |s| unpadded (procedure bodies that are already XDR). */
VW_MUST_USE int vw_xdr_put_raw(struct vw_xdr_enc *e, struct vw_span s);

#endif
