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

/* vw_xdr_dec_init points |d| at |len| bytes of |buf|, which is also the offset base. */
void vw_xdr_dec_init(struct vw_xdr_dec *d, const uint8_t *buf, size_t len, unsigned flags,
                     struct vw_diag *diag, struct vw_diag *lax);

/* vw_xdr_dec_offset is the offset of the next unread byte from |d->base|. */
size_t vw_xdr_dec_offset(const struct vw_xdr_dec *d);

/* vw_xdr_enc_init writes into |cap| bytes at |buf|; |buf| NULL measures without writing. */
void vw_xdr_enc_init(struct vw_xdr_enc *e, uint8_t *buf, size_t cap);

/* Integers (RFC 4506 §4.1-4.5).  Return 0 or VW_E_SHORT. */
VW_MUST_USE int vw_xdr_get_u32(struct vw_xdr_dec *d, uint32_t *out);
VW_MUST_USE int vw_xdr_get_i32(struct vw_xdr_dec *d, int32_t *out);
VW_MUST_USE int vw_xdr_get_u64(struct vw_xdr_dec *d, uint64_t *out);
VW_MUST_USE int vw_xdr_get_i64(struct vw_xdr_dec *d, int64_t *out);

/* vw_xdr_get_bool reads a bool (RFC 4506 §4.4: enum { FALSE = 0, TRUE = 1 }).  Returns 0,
 * VW_E_SHORT or VW_E_BOOL (strict, value not 0/1; lenient mode maps non-zero to true). */
VW_MUST_USE int vw_xdr_get_bool(struct vw_xdr_dec *d, bool *out);

/* vw_xdr_get_enum reads an enum whose assignments are the range [min, max].  Returns 0,
 * VW_E_SHORT or VW_E_ENUM (strict; lenient keeps the value, as libtirpc's xdr_enum does). */
VW_MUST_USE int vw_xdr_get_enum(struct vw_xdr_dec *d, int32_t min, int32_t max, int32_t *out);

/* vw_xdr_get_optional reads the discriminant of optional data `T *x` (RFC 4506 §4.19, a union
 * switched on a bool).  Same results as vw_xdr_get_bool. */
VW_MUST_USE int vw_xdr_get_optional(struct vw_xdr_dec *d, bool *present);

/* vw_xdr_get_fixed_opaque reads opaque[n] (§4.9): |n| bytes and zero padding to 4.  Returns
 * 0, VW_E_SHORT or VW_E_PADDING. */
VW_MUST_USE int vw_xdr_get_fixed_opaque(struct vw_xdr_dec *d, size_t n, struct vw_span *out);

/* vw_xdr_get_opaque reads opaque<max> (§4.10).  Returns 0, VW_E_SHORT, VW_E_TOO_LONG (length
 * over |max|) or VW_E_PADDING. */
VW_MUST_USE int vw_xdr_get_opaque(struct vw_xdr_dec *d, uint32_t max, struct vw_span *out);

/* vw_xdr_get_string reads string<max> (§4.11).  As vw_xdr_get_opaque, plus VW_E_STRING_NUL
 * (strict) for a NUL byte inside the string. */
VW_MUST_USE int vw_xdr_get_string(struct vw_xdr_dec *d, uint32_t max, struct vw_span *out);

/* vw_xdr_get_count reads the element count of a variable-length array T<max> (§4.13).  It also
 * fails with VW_E_SHORT when |count| elements of at least |min_elem_size| bytes each cannot fit
 * in the rest of the input, so a caller never loops over a count the input cannot back.
 * Returns 0, VW_E_SHORT or VW_E_TOO_LONG. */
VW_MUST_USE int vw_xdr_get_count(struct vw_xdr_dec *d, uint32_t max, size_t min_elem_size,
                                 uint32_t *out);

/* vw_xdr_get_rest takes every remaining byte as a view (procedure arguments and results). */
void vw_xdr_get_rest(struct vw_xdr_dec *d, struct vw_span *out);

/* vw_xdr_expect_end returns VW_E_TRAILING (strict) if bytes remain; lenient mode ignores them,
 * as libtirpc's xdrmem does. */
VW_MUST_USE int vw_xdr_expect_end(struct vw_xdr_dec *d);

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
